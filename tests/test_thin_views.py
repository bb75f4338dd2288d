"""Views stay thin (STYLE.md): they validate, call one selector or service, and render.

A view over 15 lines (its docstring aside) has grown a rule or a query that belongs in a form,
a selector or a service, where it can be tested alone and read by the next page that needs it.
The views are found from the URLconf, so a new page is measured without being listed here.
"""

import ast
import inspect
import textwrap

from tests.urlconf import url_routes

MAX_VIEW_LINES = 15


def _views():
    """Yield every view function of the project's URLconf (not Django's or a library's)."""
    seen = set()
    for _, _, pattern in url_routes():
        view = inspect.unwrap(getattr(pattern.callback, "view_class", pattern.callback))
        module = getattr(view, "__module__", "")
        if module.split(".")[0] in {"django", "simple_history", "axes"} or view in seen:
            continue
        seen.add(view)
        yield view


def _body_lines(function) -> int:
    """Return the lines of a function's body, its docstring aside."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    body = node.body
    if (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def _measured(view) -> list[tuple[str, int]]:
    """Measure a function view, or each handler method of a class-based view."""
    if inspect.isclass(view):
        handlers = [
            getattr(view, name) for name in ("get", "post", "put", "delete", "form_valid") if name in vars(view)
        ]
        return [
            (f"{view.__module__}.{view.__qualname__}.{handler.__name__}", _body_lines(handler)) for handler in handlers
        ]
    return [(f"{view.__module__}.{view.__qualname__}", _body_lines(view))]


def test_the_walk_finds_the_project_views():
    names = {name for view in _views() for name, _lines in _measured(view)}
    assert {"reports.views.dashboard", "evaluations.views.entry", "cycle.views.attachments"} <= names


def test_no_view_is_longer_than_fifteen_lines():
    long_views = sorted(
        f"{name}: {lines} lines" for view in _views() for name, lines in _measured(view) if lines > MAX_VIEW_LINES
    )
    assert long_views == []
