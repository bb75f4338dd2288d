"""Reading plans' progress through the in-process cache, keyed by the ``ProgressVersion`` token.

The token changes on every write to a table the read model reads (``triggers``); a request that
finds it unchanged reads one row and reuses the computed plan.
"""

import threading
from collections.abc import Iterable
from dataclasses import replace

from django.db.models import QuerySet

from programs.models import Item, PlanPeriod

from ..models import SINGLETON_ID, ProgressVersion
from .compute import _compute
from .rows import PlanProgress

_cache: dict[tuple[int, bool], tuple[str, "PlanProgress"]] = {}
_cache_lock = threading.Lock()


def progress_cache_clear() -> None:
    """Forget every computed plan (tests call it between cases; the token makes it optional)."""
    with _cache_lock:
        _cache.clear()


def _version_token() -> str | None:
    return ProgressVersion.objects.filter(id=SINGLETON_ID).values_list("token", flat=True).first()


def plan_progress(
    *,
    plan: PlanPeriod,
    area_ids: Iterable[int] | None = None,
    section_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
    items: QuerySet[Item] | None = None,
    include_unapproved: bool = False,
) -> PlanProgress:
    """Return the plan's areas › items › indicators with every year's figures, rates and statuses.

    ``area_ids``, ``section_ids``, ``item_ids`` and ``items`` (a queryset, read as one more
    query) narrow the items; areas left without items are dropped. Graded with the
    administrator's status rule, on approved figures unless ``include_unapproved`` (see the
    module's docstring).
    """
    if items is not None:
        chosen = set(items.order_by().values_list("id", flat=True))
        item_ids = chosen & set(item_ids) if item_ids else chosen or {0}
    progress = plans_progress(plans=[plan], include_unapproved=include_unapproved)[0]
    return progress_narrowed(progress, area_ids, section_ids, item_ids)


def plans_progress(*, plans: list[PlanPeriod], include_unapproved: bool = False) -> list[PlanProgress]:
    """Return the progress of several plans, in order, in the same fixed number of queries as one."""
    token = _version_token()
    found: dict[int, PlanProgress] = {}
    if token is not None:
        for plan in plans:
            cached = _cache.get((plan.id, include_unapproved))
            if cached is not None and cached[0] == token:
                found[plan.id] = cached[1]
    missing = [plan for plan in plans if plan.id not in found]
    if missing:
        computed = _compute(missing, include_unapproved=include_unapproved)
        found.update(computed)
        if token is not None:
            with _cache_lock:
                for plan_id, progress in computed.items():
                    _cache[(plan_id, include_unapproved)] = (token, progress)
    return [found[plan.id] for plan in plans]


def progress_narrowed(
    progress: PlanProgress,
    area_ids: Iterable[int] | None = None,
    section_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
) -> PlanProgress:
    """Keep the items of the given areas, sections and ids (each None: all); drop areas left empty."""
    if not (area_ids or section_ids or item_ids):
        return progress
    areas, sections, items = set(area_ids or ()), set(section_ids or ()), set(item_ids or ())
    kept = []
    for area in progress.areas:
        if areas and area.id not in areas:
            continue
        chosen = tuple(
            item
            for item in area.items
            if (not sections or item.section_id in sections) and (not items or item.id in items)
        )
        if chosen:
            kept.append(replace(area, items=chosen))
    return replace(progress, areas=tuple(kept))
