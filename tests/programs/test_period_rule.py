"""Issue 18 item 1: a typo in a year must not take the site down.

Fiscal years, ordinals and names follow one rule (programs.periods) wherever a period is
created; a refused period leaves nothing behind; and a row stored past every check (an old
database, a shell) is shown with its Western years instead of answering 500.
"""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.roles import SYSTEM_ADMIN
from evaluations.progress import plan_progress
from programs.fiscal_years import era_label, era_range_label
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from programs.periods import period_problems
from programs.selectors import sheet_layout
from sheets.exports.self_evaluation import self_evaluation_workbook, sheet_data
from tests.workflow_world import make_user


@pytest.fixture
def admin(tokyo_data):
    return make_user("rule-admin", role=SYSTEM_ADMIN, superuser=True)


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (PlanPeriod, PolicyArea, Item, Indicator, Target))


def test_the_rule_refuses_a_year_typed_without_its_era_and_years_before_heisei():
    assert set(period_problems(name="第42期", ordinal=42, first_fiscal_year=6, last_fiscal_year=8)) == {
        "first_fiscal_year",
        "last_fiscal_year",
    }
    assert (
        "1985"
        in period_problems(name="第42期", ordinal=42, first_fiscal_year=1985, last_fiscal_year=1987)[
            "first_fiscal_year"
        ]
    )
    assert period_problems(name="第42期", ordinal=1000, first_fiscal_year=2024, last_fiscal_year=2026).keys() == {
        "ordinal"
    }
    assert period_problems(name="第42期", ordinal=42, first_fiscal_year=2024, last_fiscal_year=2026) == {}


def test_import_sheet_with_first_year_6_is_refused_and_writes_nothing(admin, tmp_path):
    plan = PlanPeriod.objects.get(name="第8期")
    path = tmp_path / "sheet.xlsx"
    buffer = io.BytesIO()
    self_evaluation_workbook(sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan))).save(buffer)
    path.write_bytes(buffer.getvalue())
    before = _counts()

    with pytest.raises(CommandError, match="対応範囲"):
        call_command("import_sheet", str(path), "--plan", "第42期", "--first-year", "6", verbosity=0)

    assert _counts() == before
    assert not PlanPeriod.objects.filter(name="第42期").exists()


def test_rollover_command_with_a_year_out_of_range_is_refused_and_writes_nothing(admin):
    before = _counts()
    with pytest.raises(CommandError, match="対応範囲"):
        call_command("rollover_plan", "--from", "第8期", "--to", "第42期", "--first-year", "6", verbosity=0)
    assert _counts() == before


def test_the_admin_refuses_a_period_starting_in_1985_with_a_message(client, admin):
    client.force_login(admin)
    before = _counts()
    response = client.post(
        reverse("admin:programs_planperiod_add"),
        {"name": "第42期", "ordinal": 42, "title": "", "first_fiscal_year": 1985, "last_fiscal_year": 1987},
    )
    assert response.status_code == 200
    assert "対応範囲" in response.content.decode()
    assert _counts() == before


def _stored_past_every_check(name: str, ordinal: int, first: int, last: int) -> PlanPeriod:
    """Store a period the rule refuses, as an old database or a shell could (bulk_create validates nothing)."""
    (plan,) = PlanPeriod.objects.bulk_create(
        [PlanPeriod(name=name, ordinal=ordinal, first_fiscal_year=first, last_fiscal_year=last)]
    )
    area = PolicyArea.objects.create(plan=plan, number=1, title="分野")
    item = Item.objects.create(area=area, number=1, title="事項")
    indicator = Indicator.objects.create(item=item, key="trainees", name="研修修了者数", unit="人")
    Target.objects.create(indicator=indicator, kind=Target.Kind.PER_YEAR, value=Decimal(10), target_text="10人")
    return plan


PAGES = [
    ("reports:dashboard", {}),
    ("reports:table", {}),
    ("reports:compare", {}),
    ("evaluations:my_work", {}),
    ("sheets:import_upload", {}),
    ("sheets:plan_sheet_upload", {}),
    ("evaluations:rollover_start", {}),
    ("admin:programs_planperiod_changelist", {}),
]


@pytest.mark.parametrize(("first", "last", "label"), [(1985, 1987, "1985～1987年度"), (6, 8, "6～8年度")])
def test_a_stored_period_no_era_can_label_breaks_no_page(client, admin, first, last, label):
    plan = _stored_past_every_check("第42期", 42, first, last)
    client.force_login(admin)
    urls = [reverse(name, kwargs=kwargs) for name, kwargs in PAGES]
    urls += [f"{reverse(name)}?plan=第42期" for name in ("reports:dashboard", "reports:table", "evaluations:my_work")]
    urls += [
        reverse("admin:programs_planperiod_change", args=[plan.pk]),
        reverse("admin:programs_planperiod_delete", args=[plan.pk]),
    ]
    answers = {url: client.get(url).status_code for url in urls}
    assert answers == dict.fromkeys(urls, 200)
    assert label in client.get(reverse("admin:programs_planperiod_changelist")).content.decode()
    assert str(plan) == f"第42期（{label}）"


def test_labels_of_years_no_era_names_are_western():
    assert era_range_label(1985, 1987) == "1985～1987年度"
    assert era_label(1985) == "1985年度"
    assert era_range_label(2021, 2023) == "令和3年度～令和5年度"


# -- issue 18 item 9: control characters are refused in every name and title --------------------------


@pytest.mark.parametrize(
    ("model", "fields", "field"),
    [
        (PlanPeriod, {"name": "第2\n7期", "ordinal": 27, "first_fiscal_year": 2024, "last_fiscal_year": 2026}, "name"),
        (
            PlanPeriod,
            {
                "name": "第27期",
                "ordinal": 27,
                "first_fiscal_year": 2024,
                "last_fiscal_year": 2026,
                "title": "自己評価\x00シート",
            },
            "title",
        ),
        (PolicyArea, {"number": 1, "title": "地域\tケア"}, "title"),
        (Item, {"number": 1, "title": "講師の\x00育成"}, "title"),
        (Indicator, {"key": "trainees", "name": "受講者\r数"}, "name"),
        (Indicator, {"key": "trainees", "name": "受講者数", "unit": "人\x1b"}, "unit"),
    ],
)
def test_the_models_refuse_a_control_character_in_every_name_and_title(db, model, fields, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        model(**fields).clean_fields(exclude=["plan", "area", "item"])
    assert "制御文字" in " ".join(refused.value.message_dict[field])


def test_an_item_title_keeps_its_line_breaks(db):
    Item(number=1, title="講師を育成し、\r\n地域ケア会議を支援する").clean_fields(exclude=["area"])


def test_the_sheet_import_refuses_a_title_with_a_control_character_at_the_preview(admin):
    from dataclasses import replace

    from sheets.services import plan_sheet_check, plan_sheet_layouts

    plan = PlanPeriod.objects.get(name="第8期")
    buffer = io.BytesIO()
    self_evaluation_workbook(sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan))).save(buffer)
    from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read

    draft = plan_sheet_parse(plan_sheet_read(buffer.getvalue()), layouts=plan_sheet_layouts())
    area = draft.areas[0]
    broken = replace(draft, areas=(replace(area, title="地域\x00ケア"), *draft.areas[1:]))
    messages = [problem.message for problem in plan_sheet_check(draft=broken, plan_name="第42期")]
    assert any("制御文字" in message for message in messages)
    assert not any("制御文字" in problem.message for problem in plan_sheet_check(draft=draft, plan_name="第42期"))


@pytest.mark.parametrize("typed", ["第８期", "第 8 期", "第2\n7期", "第\t42期"])
def test_the_admin_refuses_a_look_alike_or_a_control_character_in_a_period_name(client, admin, typed):
    client.force_login(admin)
    before = _counts()
    response = client.post(
        reverse("admin:programs_planperiod_add"),
        {"name": typed, "ordinal": 42, "title": "", "first_fiscal_year": 2030, "last_fiscal_year": 2032},
    )
    assert response.status_code == 200
    assert "紛らわしい" in response.content.decode() or "制御文字" in response.content.decode()
    assert _counts() == before


def test_an_admin_add_that_loses_a_race_gets_a_message_not_a_500(client, admin, monkeypatch):
    """Another administrator commits 第42期 between the form's check and the writer: say so, write nothing."""
    from evaluations import admin as evaluations_admin
    from evaluations.services import ERROR_PERIOD_MEANWHILE, PeriodRefused

    def meanwhile(**fields):
        raise PeriodRefused(ERROR_PERIOD_MEANWHILE.format(name=fields["name"]))

    monkeypatch.setattr(evaluations_admin, "plan_period_create", meanwhile)
    client.force_login(admin)
    before = _counts()
    response = client.post(
        reverse("admin:programs_planperiod_add"),
        {"name": "第42期", "ordinal": 42, "title": "", "first_fiscal_year": 2030, "last_fiscal_year": 2032},
        follow=True,
    )
    assert response.status_code == 200
    assert "何も作成していません" in response.content.decode()
    assert _counts() == before
