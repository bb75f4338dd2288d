"""The target grammar: wording as the sheet prints it → a typed target, the wording kept."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from programs.kinds import Direction, Kind
from programs.target_wording import (
    TargetComponent,
    TypedTarget,
    describe,
    read_target_wording,
    restated_targets,
    typed_target_of,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tokyo"
TOKYO_TOTALS = {"老人福祉圏域": 12}
PLAN_YEARS = {"第7期": (2018, 2020), "第8期": (2021, 2023)}


def read(text: str, first: int = 2018, last: int = 2020, period_kind=None):
    return read_target_wording(
        text, first_fiscal_year=first, last_fiscal_year=last, known_totals=TOKYO_TOTALS, period_kind=period_kind
    )


@pytest.mark.parametrize(
    ("text", "kind", "value", "unit"),
    [
        ("153人（各年度）", Kind.PER_YEAR, 153, "人"),
        ("１回（各年度）", Kind.FREQUENCY, 1, "回"),
        ("年１回以上", Kind.FREQUENCY, 1, "回"),
        ("年12回", Kind.FREQUENCY, 12, "回"),
        ("センターごとに年１回以上", Kind.FREQUENCY, 1, "回"),
        ("1,350人", Kind.CUMULATIVE, 1350, "人"),
        ("62区市町村で各１人以上", Kind.COVERAGE, 62, "区市町村"),
        ("全区市町村", Kind.COVERAGE, 62, "区市町村"),
        # Issue 21 item 11: 「62区市町村対象」 states who may take part, not a coverage target.
        ("62区市町村対象", Kind.SCOPE, 62, "区市町村"),
    ],
)
def test_reads_single_figure_targets(text, kind, value, unit):
    reading = read(text)

    assert reading.understood
    assert reading.components == (TargetComponent(kind=kind, value=Decimal(value), unit=unit),)
    assert reading.text == text  # the wording is kept verbatim for the sheet


def test_reads_a_cumulative_target_over_the_years_it_names():
    reading = read("1,350人（H30～32）")

    assert reading.components == (TargetComponent(kind=Kind.CUMULATIVE, value=Decimal(1350), unit="人"),)
    assert (reading.first_fiscal_year, reading.last_fiscal_year) == (2018, 2020)
    assert describe(reading) == "期間累計 1,350人（平成30年度～令和2年度）"


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("540人（初任者）180人（現任者）（H30～32）", (("初任者", 540), ("現任者", 180))),
        ("600人(総論編) 180人(実践編)", (("総論編", 600), ("実践編", 180))),
    ],
)
def test_reads_two_components_each_with_its_label(text, labels):
    reading = read(text)

    assert [(c.kind, c.label, c.value, c.unit) for c in reading.components] == [
        (Kind.CUMULATIVE, label, Decimal(value), "人") for label, value in labels
    ]


def test_reads_a_count_reached_by_the_end_of_a_named_year():
    reading = read("12センターで実施（H32年度末）")

    assert reading.components == (TargetComponent(kind=Kind.BY_PERIOD_END, value=Decimal(12), unit="センター"),)
    assert reading.last_fiscal_year == 2020
    assert describe(reading) == "期末までの到達 12センター（令和2年度末まで）"


def test_reads_every_area_of_a_kind_from_the_prefectures_own_count():
    reading = read("全老人福祉圏域（Ｒ２）")

    assert reading.components == (TargetComponent(kind=Kind.BY_PERIOD_END, value=Decimal(12), unit="老人福祉圏域"),)
    assert reading.last_fiscal_year == 2020


@pytest.mark.parametrize("text", ["増加", "介護福祉士増加"])
def test_reads_a_direction(text):
    assert read(text).components == (TargetComponent(kind=Kind.DIRECTION, value=None, direction=Direction.INCREASE),)


@pytest.mark.parametrize(
    ("text", "fiscal_year", "kind", "value"),
    [
        ("平成31年度目標：13回", 2019, Kind.FREQUENCY, 13),
        ("令和３年度目標：13回", 2021, Kind.FREQUENCY, 13),
        ("【31年度の目標数値】・介護給付適正化推進研修　2回", 2019, Kind.FREQUENCY, 2),
        ("【R２年度の目標数値】・介護給付適正化推進研修　1回", 2020, Kind.FREQUENCY, 1),
        ("【2年度の目標数値】・全62区市町村", 2020, Kind.COVERAGE, 62),
        ("目標：年２回実施（令和２年度）", 2020, Kind.FREQUENCY, 2),
        ("目標：12センターで実施（平成31年度）", 2019, Kind.PER_YEAR, 12),
    ],
)
def test_reads_a_target_restated_for_the_year_it_names(text, fiscal_year, kind, value):
    reading = read(text)

    assert reading.fiscal_year == fiscal_year
    assert [(c.kind, c.value) for c in reading.components] == [(kind, Decimal(value))]


def test_reads_a_restated_target_with_two_figures_and_drops_a_remark():
    seminars = read("平成31年度目標：セミナー2回、計160名")
    staff = read("・31年度の目標数値　約800人（過去3か年実績）")

    assert [(c.kind, c.value, c.unit, c.label) for c in seminars.components] == [
        (Kind.FREQUENCY, Decimal(2), "回", "セミナー"),
        (Kind.PER_YEAR, Decimal(160), "名", ""),
    ]
    assert staff.components == (TargetComponent(kind=Kind.PER_YEAR, value=Decimal(800), unit="人", approximate=True),)
    assert describe(staff) == "令和元年度の目標: 各年度 約800人"


def test_reads_a_years_plan_beside_a_period_total_as_its_share():
    # 第7期 2（1）事項2 「9区市町村」, 平成30年度: 「・２市支援（平成31年度）」.
    reading = read("・２市支援（平成31年度）", period_kind=Kind.CUMULATIVE)

    assert reading.fiscal_year == 2019
    assert reading.components == (TargetComponent(kind=Kind.CUMULATIVE, value=Decimal(2), unit="区市町村"),)
    # Without a period total beside it, a year's figure is that year's own target, as before.
    assert read("・２市支援（平成31年度）").kind == Kind.PER_YEAR


@pytest.mark.parametrize("text", ["", "よくわからない目標", "研修を充実させる"])
def test_leaves_the_kind_to_the_administrator_when_it_cannot_read_the_wording(text):
    reading = read(text)

    assert not reading.understood
    assert reading.kind is None
    assert describe(reading) == "読み取れませんでした（種類を選んでください）"


def _tokyo_targets():
    for path in sorted(FIXTURES.glob("plan0*.yaml")):
        fragment = yaml.safe_load(path.read_text(encoding="utf-8"))
        for area in fragment["areas"]:
            for item in area["items"]:
                for indicator in item["indicators"]:
                    targets = indicator.get("targets") or []
                    # The kind of the period target, the context a year's plan is read in (issue 21 item 10).
                    period_kind = next((t["kind"] for t in targets if t["fiscal_year"] is None), None)
                    for target in targets:
                        yield pytest.param(
                            fragment["plan"],
                            target,
                            period_kind,
                            id=f"{path.stem}-{indicator['key']}-{target['text']}",
                        )


@pytest.mark.parametrize(("plan", "target", "period_kind"), list(_tokyo_targets()))
def test_every_tokyo_target_reads_as_the_fixture_holds_it(plan, target, period_kind):
    first, last = PLAN_YEARS[plan]
    reading = read(target["text"], first, last, period_kind=period_kind)

    matches = [
        component
        for component in reading.components
        if component.kind == target["kind"]
        and component.value == (None if target["value"] is None else Decimal(target["value"]))
        and (component.direction or None) == target["direction"]
        and (not component.unit or component.unit.endswith(target["unit"]))
    ]
    assert matches, f"{target['text']} read as {reading.components}"
    if reading.fiscal_year is not None:
        assert reading.fiscal_year == target["fiscal_year"]


def test_kinds_and_directions_are_the_plan_vocabulary_enums():
    # One decision for the concept: the parser answers in programs.kinds, not in strings of its own.
    assert isinstance(read("153人（各年度）").kind, Kind)
    assert read("介護福祉士増加").components[0].direction is Direction.INCREASE


def test_typed_target_of_one_figure_keeps_the_wording_verbatim():
    typed = typed_target_of(read("平成31年度目標：13回"))
    assert typed == TypedTarget(
        kind=Kind.FREQUENCY, value=Decimal(13), unit="回", direction=None, fiscal_year=2019, text="平成31年度目標：13回"
    )
    assert typed_target_of(read("介護福祉士増加")).direction is Direction.INCREASE


@pytest.mark.parametrize("text", ["600人(総論編) 180人(実践編)", "研修の充実"])
def test_typed_target_of_several_figures_or_unread_wording_is_none(text):
    assert typed_target_of(read(text)) is None


# -- Targets a narrative restates for one year (issue 19 item 2) -------------------------------------


@pytest.mark.parametrize(
    ("narrative", "expected"),
    [
        ("・平成31年度目標：13回", [("・平成31年度目標：13回", 2019, Kind.FREQUENCY, 13)]),
        (
            "・募集人数を超える応募があったため、規模を拡大し、引き続き研修を実施する（平成31年度　450人）",
            [("（平成31年度　450人）", 2019, Kind.PER_YEAR, 450)],
        ),
        (
            "・２市支援（平成31年度）\n・支援してきた自治体の取組成果を波及させる",
            [("・２市支援（平成31年度）", 2019, Kind.PER_YEAR, 2)],
        ),
        ("・目標：年１回（令和２年度）", [("目標：年１回（令和２年度）", 2020, Kind.FREQUENCY, 1)]),
        (
            "【R3年度の目標数値】\n・介護給付適正化推進研修　1回\n"
            "・介護給付適正化関連システムのデータ活用に係る研修　2回\n\n○令和２年度研修",
            [
                ("【R3年度の目標数値】・介護給付適正化推進研修　1回", 2021, Kind.FREQUENCY, 1),
                (
                    "【R3年度の目標数値】・介護給付適正化関連システムのデータ活用に係る研修　2回",
                    2021,
                    Kind.FREQUENCY,
                    2,
                ),
            ],
        ),
        # A year's results and dates are not targets: nothing is restated here.
        ("・修了者352人（募集規模360人）\n・区市町村ヒアリングの実施。26区市町村の参加（R2.8.3～8.31）", []),
    ],
)
def test_a_narrative_restates_a_years_target_in_the_forms_of_seed_003(narrative, expected):
    found = restated_targets(narrative, first_fiscal_year=2018)
    assert [(r.text, r.fiscal_year, r.components[0].kind, r.components[0].value) for r in found] == expected
