"""The one writer of a period's structure rows (programs.structure): the rollover and the sheet import call it.

Its sources here are plain records with the model's field names, as the rollover's planned rows
and the sheet's drafts are: the writer copies the fields it lists by name and nothing else.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db.models import F

from programs.kinds import TargetLine
from programs.models import Indicator, Item, PolicyArea, Program, Target, Vision
from programs.structure import (
    ERROR_FIELD,
    StructureRefused,
    area_create,
    indicator_create,
    item_create,
    structure_save,
)
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "構造の書き込みのテスト"


@dataclass(frozen=True)
class AreaRecord:
    number: int = 7
    sub_number: int | None = None
    title: str = "地域ケア会議の推進"
    background: str = "現状と課題の文"
    outcome_indicator_text: str = "参考指標の文"
    label: str = "ignored: not a field the writer copies"


@dataclass(frozen=True)
class ItemRecord:
    number: int = 1
    title: str = "地域ケア会議の講師の育成"
    related_activities: str = "関連する取組の文"
    background: str = "事項の現状と課題"
    item_vision: str = "目指すべきビジョンの文"
    reference: str = "別紙7-12"


@dataclass(frozen=True)
class SheetItemRecord(ItemRecord):
    target_wording: str = "講師を毎年153人育成する"


@dataclass(frozen=True)
class IndicatorRecord:
    name: str = "受講者数"
    component: str = "初任者"
    unit: str = "人"
    type: str = Indicator.Type.PROCESS
    targets: tuple[TargetLine, ...] = (
        TargetLine(kind=Target.Kind.PER_YEAR, value=Decimal(153), unit="人", fiscal_year=None, text="153人（各年度）"),
        TargetLine(
            kind=Target.Kind.PER_YEAR, value=Decimal(13), unit="回", fiscal_year=2025, text="令和７年度目標：13回"
        ),
    )


def test_an_area_item_and_indicator_are_written_from_their_records_with_the_reason():
    plan = factories.plan_period()
    vision = Vision.objects.create(code="②－３", title="地域で支え合える")
    parent = factories.policy_area(plan=plan, number=7, title="見出し")
    section = factories.section()
    program = Program.objects.create(name="講師育成事業")

    area = area_create(plan=plan, source=AreaRecord(sub_number=1), parent=parent, vision_id=vision.pk, reason=REASON)
    item = item_create(area=area, source=ItemRecord(), section_id=section.pk, program_ids=[program.pk], reason=REASON)
    indicator = indicator_create(item=item, source=IndicatorRecord(), key="trainees", order=3, reason=REASON)

    area = PolicyArea.objects.get(pk=area.pk)
    assert (area.plan, area.parent, area.vision, area.number, area.sub_number) == (plan, parent, vision, 7, 1)
    assert (area.title, area.background, area.outcome_indicator_text) == (
        "地域ケア会議の推進",
        "現状と課題の文",
        "参考指標の文",
    )
    item = Item.objects.get(pk=item.pk)
    assert (item.area, item.section, list(item.programs.all())) == (area, section, [program])
    assert (item.number, item.title, item.related_activities) == (1, "地域ケア会議の講師の育成", "関連する取組の文")
    assert (item.background, item.item_vision, item.reference) == (
        "事項の現状と課題",
        "目指すべきビジョンの文",
        "別紙7-12",
    )
    # A record without a 目標 wording (the rollover's planned item) leaves it empty.
    assert item.target_wording == ""
    indicator = Indicator.objects.get(pk=indicator.pk)
    assert (indicator.item, indicator.key, indicator.order) == (item, "trainees", 3)
    assert (indicator.name, indicator.component, indicator.unit, indicator.type) == (
        "受講者数",
        "初任者",
        "人",
        "process",
    )


def test_the_targets_are_written_from_the_lines_with_the_reason_in_their_history():
    item = factories.item()

    indicator = indicator_create(item=item, source=IndicatorRecord(), key="trainees", order=0, reason=REASON)

    written = [
        (target.kind, target.value, target.unit, target.fiscal_year, target.target_text, target.source)
        # NULL (each year) first on both engines: PostgreSQL sorts it last by default.
        for target in Target.objects.filter(indicator=indicator).order_by(F("fiscal_year").asc(nulls_first=True))
    ]
    assert written == [
        ("per_year", Decimal(153), "人", None, "153人（各年度）", "plan"),
        ("per_year", Decimal(13), "回", 2025, "令和７年度目標：13回", "plan"),
    ]
    assert [record.history_change_reason for record in Target.history.filter(indicator_id=indicator.pk)] == [
        REASON,
        REASON,
    ]


def test_a_sheets_target_wording_is_written():
    item = item_create(
        area=factories.policy_area(), source=SheetItemRecord(), section_id=None, program_ids=(), reason=REASON
    )

    assert Item.objects.get(pk=item.pk).target_wording == "講師を毎年153人育成する"
    assert not item.programs.exists()


def test_a_value_the_model_refuses_names_where_it_stands_and_writes_nothing():
    item = factories.item()
    too_long = IndicatorRecord(name="あ" * 201)

    with pytest.raises(StructureRefused) as refused:
        indicator_create(item=item, source=too_long, key="long", order=0, reason=REASON, where="分野1 事項2 長い指標")

    assert str(refused.value).startswith("分野1 事項2 長い指標: ")
    assert "200" in str(refused.value)  # Django's 「この値は 200 文字以下…」, as the model words it
    assert not Indicator.objects.exists()
    assert not Target.objects.exists()


def test_without_where_the_refusal_names_the_model_and_the_start_of_the_row():
    area = PolicyArea(plan=factories.plan_period(name="第99期", ordinal=99), number=3, title="改行の\nある分野")

    with pytest.raises(StructureRefused) as refused:
        structure_save(area, reason=REASON)

    messages = str(refused.value).split(": ", 1)[1]
    assert str(refused.value) == ERROR_FIELD.format(where=f"取組分野「{str(area)[:30]}」", messages=messages)
    assert str(area)[:30] == "第99期 3 改行の\nある分野"
    assert not PolicyArea.objects.exists()


def test_a_saved_row_carries_the_reason_for_its_history():
    area = area_create(plan=factories.plan_period(), source=AreaRecord(), parent=None, vision_id=None, reason=REASON)

    assert area._change_reason == REASON
    assert PolicyArea.objects.filter(pk=area.pk).exists()
