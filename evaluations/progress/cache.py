"""Reading plans' progress through the in-process cache, keyed by the ``ProgressVersion`` token.

The token changes on every write to a table the read model reads (``triggers``); a request that
finds it unchanged reads one row and reuses the computed plan. What pages derive from a plan's
whole progress (the dashboard's chart, the table's rows, sorts and workbook) is kept in the same
entry (``progress_derived``), so it goes with the plan when the token changes: there is one
in-process cache, one key and one way to invalidate it.
"""

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from django.db.models import QuerySet

from programs.models import Item, PlanPeriod

from ..models import SINGLETON_ID, ProgressVersion
from .compute import _compute
from .rows import PlanProgress


@dataclass
class _Entry:
    """A computed plan, the token it was computed under, and what pages derived from it since."""

    token: str
    progress: PlanProgress
    derived: dict[str, dict[Hashable, object]] = field(default_factory=dict)  # kind → choices → value


_cache: dict[tuple[int, bool], _Entry] = {}
_cache_lock = threading.Lock()

# Values of one kind kept per plan entry at most (filters × sorts); past it the oldest goes first.
DERIVED_KEPT = 64
_MISSING = object()
T = TypeVar("T")


def progress_cache_clear() -> None:
    """Forget every computed plan and what was derived from it (tests call it between cases)."""
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
    package's docstring, evaluations.progress).
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
            if cached is not None and cached.token == token:
                found[plan.id] = cached.progress
    missing = [plan for plan in plans if plan.id not in found]
    if missing:
        computed = _compute(missing, include_unapproved=include_unapproved)
        found.update(computed)
        if token is not None:
            with _cache_lock:
                for plan_id, progress in computed.items():
                    _cache[(plan_id, include_unapproved)] = _Entry(token=token, progress=progress)
    return [found[plan.id] for plan in plans]


def progress_derived(
    progress: PlanProgress, kind: str, key: Hashable, build: Callable[[], T], *, kept: int = DERIVED_KEPT
) -> T:
    """Return ``build()``, computed once per plan and token: something a page derives from ``progress``.

    ``kind`` names what is built (「achievement」), ``key`` the choices it is built from (filters,
    sort); ``build`` may read only ``progress`` and those choices. At most ``kept`` values of a
    kind are kept (a large one, a workbook, keeps fewer). They are kept in the cache entry
    ``progress`` came from, so the next write (a new token, a new entry) drops them with the
    plan. A progress that is not the cached one (narrowed, superseded by a newer token, or read
    on a database without triggers) keeps nothing: each call builds afresh, so nothing derived
    outlives the data it came from.
    """
    entry = _cache.get((progress.plan_id, progress.include_unapproved))
    if entry is None or entry.progress is not progress:
        return build()
    values = entry.derived.get(kind, {})
    value = values.get(key, _MISSING)
    if value is _MISSING:
        value = build()
        with _cache_lock:
            values = entry.derived.setdefault(kind, {})
            while len(values) >= kept:
                del values[next(iter(values))]
            values[key] = value
    return value


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
