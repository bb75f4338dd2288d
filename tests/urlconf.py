"""Walk the project's URLconf once for every test that visits each route (issue 22 item 6)."""

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def url_routes(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """Yield (namespaced name, route, pattern) for every URL pattern, included ones too.

    The route is the patterns' text joined (「items/<int:item_id>/」, an admin regex as typed);
    an unnamed pattern yields its namespace only (「admin:」).
    """
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern), pattern


def route_paths(ids: dict[str, str], *, app_label: str) -> list[str]:
    """Return every route as a path, its parameters filled from ``ids`` (else 1), the admin's app as ``app_label``."""
    paths = []
    for _, route, _ in url_routes():
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: ids.get(match.group(1), "1"), route)
        path = re.sub(r"\(\?P<app_label>[^)]*\)", app_label, path)
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: ids.get(match.group(1), "1"), path)
        paths.append("/" + path.replace("^", "").replace("$", "").replace("\\Z", ""))
    return paths
