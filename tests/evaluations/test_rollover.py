"""Rolling a plan over into the next period: the pure preview and the one-transaction service."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.permissions import REASON_NOT_SYSTEM_ADMIN
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from evaluations.rollover import (
    ERROR_HAS_ITEMS,
    ERROR_WORDING_REQUIRED,
    TO_SET,
    Choice,
    Decisions,
    NewItem,
    NewPeriod,
    RolloverRefused,
    SourceArea,
    SourceIndicator,
    SourceItem,
    SourcePlan,
    SourceTarget,
    area_key,
    indicator_key,
    item_key,
    plan_rollover,
    reporting_deadline_of,
    rollover_preview,
)
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from tests.workflow_world import make_user

NEW = NewPeriod(name="第9期", ordinal=9, first_fiscal_year=2024, last_fiscal_year=2026)


def _target(text, kind, value, fiscal_year=None, source="plan", unit="人"):
    return SourceTarget(
        kind=kind, value=Decimal(value), unit=unit, fiscal_year=fiscal_year, text=text, source=source, direction=""
    )


def _source() -> SourcePlan:
    trainees = SourceIndicator(
        id=11, key="trainees", name="受講者数", component="", unit="人", type="process", order=1,
        targets=(_target("153人（各年度）", "per_year", 153),),
    )  # fmt: skip
    meetings = SourceIndicator(
        id=12, key="meetings", name="開催回数", component="", unit="回", type="process", order=1,
        targets=(
            _target("１回（各年度）", "frequency", 1, unit="回"),
            _target("令和５年度目標：１回", "frequency", 1, fiscal_year=2023, source="evaluation", unit="回"),
            _target("令和６年度目標：２回", "frequency", 2, fiscal_year=2024, source="evaluation", unit="回"),
        ),
    )  # fmt: skip
    graduates = SourceIndicator(
        id=13, key="graduates", name="修了者数", component="", unit="人", type="process", order=1,
        targets=(_target("1,350人（R3～5）", "cumulative", 1350),),
    )  # fmt: skip

    def item(id_, number, indicators):
        return SourceItem(
            id=id_, number=number, title=f"事項{number}の取組", related_activities="", section_id=5,
            program_ids=(7,), background="", item_vision="", reference="別紙", indicators=indicators,
        )  # fmt: skip

    area = SourceArea(
        id=1, number=7, sub_number=None, parent_id=None, title="地域ケア会議の推進", vision_id=None,
        background="現状", outcome_indicator_text="",
        items=(item(101, 1, (trainees,)), item(102, 2, (meetings,)), item(103, 3, (graduates,))),
    )  # fmt: skip
    return SourcePlan(
        id=8, name="第8期", title="自己評価シート", uses_rating=True, first_fiscal_year=2021, last_fiscal_year=2023,
        areas=(area,),
    )  # fmt: skip


def _indicator(plan, item_number):
    item = next(item for item in plan.areas[0].items if item.old_number == item_number)
    return item, item.indicators[0]


def test_preview_carries_per_year_targets_and_next_year_targets_and_lists_period_targets_to_set():
    plan = rollover_preview(source=_source(), period=NEW, decisions=Decisions())
    assert plan.errors == {}
    _, trainees = _indicator(plan, 1)
    assert [(t.kind, t.value, t.fiscal_year, t.text) for t in trainees.targets] == [
        ("per_year", Decimal(153), None, "153人（各年度）")
    ]
    _, meetings = _indicator(plan, 2)
    # The old period's own year (FY2023) stays behind; FY2024, written in its last year, is carried.
    assert [(t.fiscal_year, t.text, t.source) for t in meetings.targets] == [
        (None, "１回（各年度）", "plan"),
        (2024, "令和６年度目標：２回", "evaluation"),
    ]
    _, graduates = _indicator(plan, 3)
    assert graduates.targets == ()
    assert graduates.to_set == ("期間累計「1,350人（R3～5）」は第8期の期間の目標です",)
    assert plan.counts() == {
        "areas": 1, "items": 3, "ended_items": 0, "indicators": 3, "targets": 3, "to_set": 1,
    }  # fmt: skip
    assert any(line.startswith(f"      {TO_SET}:") for line in plan.lines())


def test_preview_change_reads_the_new_wording_and_end_renumbers_the_items():
    decisions = Decisions(
        choices={indicator_key(11): Choice.CHANGE, item_key(102): Choice.END, item_key(103): Choice.CHANGE},
        wordings={indicator_key(11): "160人（各年度）"},
        titles={item_key(103): "修了者の育成"},
    )
    plan = rollover_preview(source=_source(), period=NEW, decisions=decisions)
    assert plan.errors == {}
    item1, trainees = _indicator(plan, 1)
    assert [(t.kind, t.value, t.unit, t.text) for t in trainees.targets] == [
        ("per_year", Decimal(160), "人", "160人（各年度）")
    ]
    item2, _ = _indicator(plan, 2)
    item3, _ = _indicator(plan, 3)
    assert (item1.number, item2.number, item3.number) == (1, None, 2)
    assert item3.title == "修了者の育成"
    assert plan.counts()["ended_items"] == 1


def test_preview_refuses_an_empty_or_unreadable_changed_wording():
    decisions = Decisions(
        choices={indicator_key(11): Choice.CHANGE, indicator_key(12): Choice.CHANGE},
        wordings={indicator_key(12): "研修の充実"},
    )
    plan = rollover_preview(source=_source(), period=NEW, decisions=decisions)
    assert plan.errors[indicator_key(11)] == ERROR_WORDING_REQUIRED
    assert "「研修の充実」を目標として読み取れませんでした" in plan.errors[indicator_key(12)]


def test_preview_ending_an_area_ends_its_items_and_new_items_are_added_to_an_area():
    ended = rollover_preview(source=_source(), period=NEW, decisions=Decisions(choices={area_key(1): Choice.END}))
    assert ended.counts()["items"] == 0
    new = NewItem(area_key=area_key(1), title="新しい取組", indicator_name="相談件数", wording="年12回")
    plan = rollover_preview(source=_source(), period=NEW, decisions=Decisions(new_items=(new,)))
    added = plan.areas[0].items[-1]
    assert (added.source_id, added.number, added.title, added.section_id) == (None, 4, "新しい取組", 5)
    assert [(t.kind, t.value, t.unit) for t in added.indicators[0].targets] == [("frequency", Decimal(12), "回")]
    assert added.indicators[0].unit == "回"


# -- the service, on Tokyo's data ---------------------------------------------------------------


@pytest.fixture
def admin(tokyo_data):
    return make_user("rollover-admin", superuser=True)


def _rollover(source_name="第8期", period=NEW, decisions=None, by=None):
    source = PlanPeriod.objects.get(name=source_name)
    return plan_rollover(source=source, period=period, decisions=decisions or Decisions(), by=by)


def test_service_rolls_8_into_9_with_targets_reporting_years_and_history_no_results(admin):
    item2 = Item.objects.get(area__plan__name="第8期", number=2)
    meetings = item2.indicators.get(key="meetings")
    trainees = Indicator.objects.get(item__area__plan__name="第8期", key="trainees")
    result = _rollover(
        decisions=Decisions(
            choices={indicator_key(trainees.id): Choice.CHANGE, item_key(item2.id): Choice.CONTINUE},
            wordings={indicator_key(trainees.id): "160人（各年度）"},
        ),
        by=admin,
    )
    plan = PlanPeriod.objects.get(name="第9期")
    assert result.plan == plan
    area = PolicyArea.objects.get(plan=plan)
    assert (area.number, area.title) == (7, "地域ケア会議の推進")
    items = list(Item.objects.filter(area=area).order_by("number"))
    assert [item.number for item in items] == [1, 2]
    assert items[0].section.name == "在宅支援課"
    assert [p.name for p in items[0].programs.all()] == ["自立支援・介護予防に向けた地域ケア会議推進事業"]
    targets = {
        (t.indicator.key, t.fiscal_year): (t.kind, t.value, t.target_text)
        for t in Target.objects.filter(indicator__item__area=area).select_related("indicator")
    }
    assert targets == {
        ("trainees", None): ("per_year", Decimal(160), "160人（各年度）"),
        ("meetings", None): ("frequency", Decimal(1), meetings.targets.get().target_text),
    }
    assert Indicator.objects.filter(item__area=area).count() == 4  # the observed-only indicators too
    assert not YearlyResult.objects.filter(indicator__item__area=area).exists()
    assert not SelfEvaluation.objects.filter(item__area=area).exists()
    years = list(ReportingYear.objects.filter(plan=plan).order_by("fiscal_year").values_list("fiscal_year", "deadline"))
    assert years == [(2024, date(2025, 5, 31)), (2025, date(2026, 5, 31)), (2026, date(2027, 5, 31))]
    history = Target.history.filter(indicator_id__in=Indicator.objects.filter(item__area=area).values("id"))
    assert set(history.values_list("history_change_reason", flat=True)) == {"次期計画の作成（第8期から）"}


def test_service_carries_7s_next_year_targets_into_the_first_year_and_leaves_period_targets(admin):
    period = NewPeriod(name="第7.5期", ordinal=75, first_fiscal_year=2021, last_fiscal_year=2023)
    result = _rollover(source_name="第7期", period=period)
    carried = Target.objects.filter(indicator__item__area__plan=result.plan, fiscal_year=2021)
    assert "令和３年度目標：13回" in set(carried.values_list("target_text", flat=True))
    assert set(carried.values_list("source", flat=True)) == {"evaluation"}
    assert not Target.objects.filter(
        indicator__item__area__plan=result.plan, kind__in=["cumulative", "coverage", "by_period_end"]
    ).exists()
    assert not Target.objects.filter(indicator__item__area__plan=result.plan, fiscal_year__in=[2019, 2020]).exists()
    assert result.rollover.counts()["to_set"] > 0


def test_service_refuses_when_the_new_period_has_items_and_writes_nothing(admin):
    _rollover()
    before = Item.objects.count(), Target.objects.count()
    with pytest.raises(RolloverRefused) as refused:
        _rollover()
    assert str(refused.value) == ERROR_HAS_ITEMS.format(name="第9期")
    assert (Item.objects.count(), Target.objects.count()) == before


def test_service_refuses_staff_and_writes_nothing(admin):
    from accounts.roles import STAFF

    staff = make_user("rollover-staff", role=STAFF)
    # The YAML's 第9期 already has its reporting years (the period writer makes them with the period).
    years_before = list(ReportingYear.objects.filter(plan__name="第9期").values_list("fiscal_year", "deadline"))
    with pytest.raises(RolloverRefused, match=REASON_NOT_SYSTEM_ADMIN):
        _rollover(by=staff)
    assert not PolicyArea.objects.filter(plan__name="第9期").exists()
    assert list(ReportingYear.objects.filter(plan__name="第9期").values_list("fiscal_year", "deadline")) == years_before


def test_service_failure_midway_writes_nothing(admin, monkeypatch):
    from evaluations import rollover

    # The second item the structure writer is asked for fails, after the first item and its indicators.
    original = rollover.item_create
    calls = []

    def failing(**fields):
        calls.append(fields["source"])
        if len(calls) == 2:
            raise RuntimeError("midway")
        return original(**fields)

    monkeypatch.setattr(rollover, "item_create", failing)
    # A period the YAML does not hold (its 第9期 already has reporting years): the period itself must go too.
    with pytest.raises(RuntimeError):
        _rollover(period=NewPeriod(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029))
    assert not PlanPeriod.objects.filter(name="第10期").exists()
    assert not Target.history.filter(history_change_reason="次期計画の作成（第8期から）").exists()
    assert not ReportingYear.objects.filter(plan__name="第10期").exists()


def test_a_carried_value_the_model_refuses_names_its_row_and_writes_nothing(admin):
    # A unit written past validation (a tab, by hand in the database): the preview checks only what
    # the administrator changes; the structure writer validates every row and names the one refused.
    trainees = Indicator.objects.get(item__area__plan__name="第8期", key="trainees")
    Indicator.objects.filter(pk=trainees.pk).update(unit="人\t")
    before = Item.objects.count(), Indicator.objects.count(), Target.objects.count()
    with pytest.raises(RolloverRefused) as refused:
        _rollover(period=NewPeriod(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029))
    assert str(refused.value) == (
        "指標「第10期 7 地域ケア会議の推進 › 事項1 › 講師養成研」: "
        "名称・表題に制御文字（改行・タブ・NUL など）は使えません。"
    )
    assert not PlanPeriod.objects.filter(name="第10期").exists()
    assert (Item.objects.count(), Indicator.objects.count(), Target.objects.count()) == before


def test_reporting_deadline_follows_the_seeds():
    # plans.yaml: 第8期 FY2022 → 2023-05-31
    assert reporting_deadline_of(2022) == date(2023, 5, 31)


def test_rollover_carries_no_reference_or_attachment_into_the_new_sheet(admin):
    """Issue 21 item 9: seed 000 prints 「別紙7-12」 beside both 第8期 items; 第9期 has its own 別紙."""
    from cycle.models import Attachment
    from evaluations.progress import plan_progress
    from programs.selectors import sheet_layout
    from sheets.exports.self_evaluation import sheet_data
    from sheets.selectors import attachment_titles

    old_items = list(Item.objects.filter(area__plan__name="第8期"))
    assert {item.reference for item in old_items} == {"別紙7-12"}
    Attachment.objects.create(
        item=old_items[0], fiscal_year=2023, title="別紙7-13", file="attachments/x.pdf", kind="pdf",
        original_name="x.pdf", size=1, sha256="0" * 64, uploaded_by=admin,
    )  # fmt: skip

    _rollover(by=admin)

    plan = PlanPeriod.objects.get(name="第9期")
    new_items = Item.objects.filter(area__plan=plan)
    assert [item.reference for item in new_items] == ["", ""]
    assert not Attachment.objects.filter(item__in=new_items).exists()
    progress = plan_progress(plan=plan)
    data = sheet_data(progress, sheet_layout(plan=plan), attachment_titles=attachment_titles(progress=progress))
    printed = "\n".join(cell for area in data.areas for row in area.rows for cell in row.cells)
    assert "別紙7-12" not in printed and "別紙7-13" not in printed


def test_preview_marks_the_carried_vision_and_background_for_review():
    plan = rollover_preview(source=_source(), period=NEW, decisions=Decisions())
    area = plan.areas[0]
    assert area.to_review == ("現状と課題",)  # the source area has a background and no vision
    assert all(item.reference == "" for item in area.items)
