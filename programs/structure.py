"""Write a period's structure rows (areas, items, indicators, targets): one writer for every way a period is made.

The rollover (``evaluations.rollover``) and the sheet import (``sheets.services``) each build the
new period's rows from records of their own (planned rows, sheet drafts). Both copy the same model
fields by name from those records, so the fields are listed once here (``AREA_FIELDS``,
``ITEM_FIELDS``, ``INDICATOR_FIELDS``) and a field added to the model and to both records is
written by both without a caller listing it again. What differs between them is passed in: the
parent rows, the owning section, the programs, the indicator's key and order.

Every row is validated field by field (uniqueness and checks are the database's) and saved with
the history's ``reason``. A value the model refuses raises ``StructureRefused`` naming where it
stands; the callers turn it into their own refusal inside their transaction, so nothing is written.
"""

from collections.abc import Iterable, Sequence
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import models

from .kinds import TargetLine
from .models import Indicator, Item, PlanPeriod, PolicyArea, Target

ERROR_FIELD = "{where}: {messages}"

# The fields both creators' records carry under the model's own names.
AREA_FIELDS = ("number", "sub_number", "title", "background", "outcome_indicator_text")
ITEM_FIELDS = ("number", "title", "related_activities", "background", "item_vision", "reference")
INDICATOR_FIELDS = ("name", "component", "unit", "type")


class StructureRefused(ValueError):
    """A row's field refuses its value; the message says where and why in Japanese."""


class AreaSource(Protocol):
    number: int
    sub_number: int | None
    title: str
    background: str
    outcome_indicator_text: str


class ItemSource(Protocol):
    number: int | None
    title: str
    related_activities: str
    background: str
    item_vision: str
    reference: str
    # target_wording (目標 as the sheet prints it) is optional: only a sheet states it.


class IndicatorSource(Protocol):
    name: str
    component: str
    unit: str
    type: str

    @property
    def targets(self) -> Iterable[TargetLine]: ...


def structure_save(instance: models.Model, *, reason: str, where: str | None = None) -> None:
    """Validate the row's fields, then save it with the history's ``reason``; raise ``StructureRefused`` if refused.

    ``where`` names the row in the message (the sheet's 「分野1 事項2 指標名」); by default the model's
    name and the first 30 characters of the row's (「指標「第9期 7 地域ケア会議の推進 › 事項1 › 受講」」).
    """
    instance._change_reason = reason
    # Uniqueness and checks are the database's: one query fewer per row, and a race is an IntegrityError.
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        if where is None:
            where = f"{instance._meta.verbose_name}「{str(instance)[:30]}」"
        raise StructureRefused(ERROR_FIELD.format(where=where, messages=" ".join(error.messages))) from error
    instance.save()


def area_create(
    *,
    plan: PlanPeriod,
    source: AreaSource,
    parent: PolicyArea | None,
    vision_id: int | None,
    reason: str,
    where: str | None = None,
) -> PolicyArea:
    """Create the plan's area from ``source``'s fields, under ``parent`` and ``vision_id``."""
    area = PolicyArea(plan=plan, parent=parent, vision_id=vision_id, **_fields(source, AREA_FIELDS))
    structure_save(area, reason=reason, where=where)
    return area


def item_create(
    *,
    area: PolicyArea,
    source: ItemSource,
    section_id: int | None,
    program_ids: Sequence[int],
    reason: str,
    where: str | None = None,
) -> Item:
    """Create the area's item from ``source``'s fields, owned by ``section_id``, with its programs."""
    item = Item(
        area=area,
        section_id=section_id,
        # The rollover does not carry the old period's 目標 wording: its records have none.
        target_wording=getattr(source, "target_wording", ""),
        **_fields(source, ITEM_FIELDS),
    )
    structure_save(item, reason=reason, where=where)
    if program_ids:
        item.programs.set(program_ids)
    return item


def indicator_create(
    *, item: Item, source: IndicatorSource, key: str, order: int, reason: str, where: str | None = None
) -> Indicator:
    """Create the item's indicator from ``source``'s fields, then a target for each of ``source.targets``."""
    indicator = Indicator(item=item, key=key, order=order, **_fields(source, INDICATOR_FIELDS))
    structure_save(indicator, reason=reason, where=where)
    for line in source.targets:
        structure_save(Target.from_line(indicator=indicator, line=line), reason=reason, where=where)
    return indicator


def _fields(source: object, names: tuple[str, ...]) -> dict:
    return {name: getattr(source, name) for name in names}
