"""A period's sheet layout as data: columns placed per fiscal year, what the entry screen asks, inheritance."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from programs.models import PlanPeriod, SheetColumn, SheetLayout
from programs.sheet_layouts import ColumnSpec, Source, Years, placed_columns, year_fields, year_heading
from programs.shipped_layouts import shipped_layouts_install

EIGHTH = (
    ColumnSpec("目標設定するに至った現状と課題", Source.BACKGROUND),
    ColumnSpec("目標に向けた取組", Source.ITEM),
    ColumnSpec("実績", Source.ACTUAL, Years.EACH, Decimal(8)),
    ColumnSpec("自己評価と今後の課題・対応策", Source.ASSESSMENT, Years.BEFORE_LAST),
    ColumnSpec("評定", Source.RATING, Years.LAST, Decimal(5)),
    ColumnSpec("自己評価と評定のポイント", Source.ASSESSMENT, Years.LAST),
    ColumnSpec("参考資料", Source.REFERENCE),
)


def test_the_year_block_repeats_per_year_with_one_rating_at_the_periods_end():
    placed = placed_columns(EIGHTH, [2021, 2022, 2023])
    assert [(c.group, c.heading) for c in placed] == [
        ("", "目標設定するに至った現状と課題"),
        ("", "目標に向けた取組"),
        ("令和３年度", "実績"),
        ("令和３年度", "自己評価と今後の課題・対応策"),
        ("令和４年度", "実績"),
        ("令和４年度", "自己評価と今後の課題・対応策"),
        ("令和５年度", "実績"),
        ("令和５年度", "評定"),
        ("令和５年度", "自己評価と評定のポイント"),
        ("", "参考資料"),
    ]
    assert [c.fiscal_year for c in placed if c.source == Source.RATING] == [2023]


def test_a_layout_prints_its_own_year_headings():
    assert year_heading(2018, 0, ["30年度", "令和元年度"]) == "30年度"
    assert year_heading(2020, 2, ["30年度", "令和元年度"]) == "令和２年度"
    assert year_heading(2019, 0, []) == "令和元年度"


def test_the_entry_screen_asks_for_what_the_year_prints():
    first = year_fields(EIGHTH, 2021, [2021, 2022, 2023])
    last = year_fields(EIGHTH, 2023, [2021, 2022, 2023])
    assert (first.actual, first.activities, first.rating, first.assessment_heading) == (
        True,
        False,
        False,
        "自己評価と今後の課題・対応策",
    )
    assert (last.actual, last.activities, last.rating, last.assessment_heading) == (
        True,
        False,
        True,
        "自己評価と評定のポイント",
    )


@pytest.mark.django_db
def test_tokyo_ships_both_layouts(tokyo_data):
    seventh = PlanPeriod.objects.get(name="第7期").layout
    eighth = PlanPeriod.objects.get(name="第8期").layout
    assert (seventh.name, eighth.name) == ("第7期様式", "第8期様式")
    assert [c.heading for c in seventh.columns.all()] == [
        "事項",
        "目標",
        "目標設定するに至った現状と課題（区市町村ニーズ）",
        "令和２年度までに目指すべきビジョン",
        "取組の実施内容・実績",
        "自己評価と今後の課題・対応策",
        "参考資料",
    ]
    # Seed 003: 「平成30年度」 on six of nine pages, 「30年度」 on areas 1, 7 and 8's (issue 21 item 7).
    assert seventh.year_heading_lines == ["平成30年度", "令和元年度", "令和２年度"]
    assert seventh.area_year_headings.splitlines() == [
        "1: 30年度 令和元年度 令和２年度",
        "7: 30年度 令和元年度 令和２年度",
        "8: 30年度 令和元年度 令和２年度",
    ]
    assert (eighth.assessment_label, eighth.next_steps_label) == ("＜自己評価＞", "＜今後の取組方針＞")


@pytest.mark.django_db
def test_a_new_period_starts_with_its_predecessors_layout(tokyo_data, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("layout-admin", password="pw-for-tests"))
    assert PlanPeriod.objects.get(name="第9期").layout.name == "第8期様式"  # loaded without a layout of its own
    add_url = reverse("admin:programs_planperiod_add")
    response = client.get(add_url)
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["layout"] == SheetLayout.objects.get(name="第8期様式").pk
    response = client.post(
        add_url,
        {"name": "第10期", "ordinal": 10, "title": "", "first_fiscal_year": 2027, "last_fiscal_year": 2029},
    )
    assert response.status_code == 302
    assert PlanPeriod.objects.get(name="第10期").layout.name == "第8期様式"


@pytest.mark.django_db
def test_a_fresh_installation_has_the_shipped_layouts_without_tokyos_data():
    """Issue 19 item 1: migrate alone gives both Tokyo layouts and 標準様式; no period is needed."""
    shipped_layouts_install(apps)  # a transactional test's flush, earlier in the session, empties the tables
    assert not PlanPeriod.objects.exists()
    layouts = {
        layout.name: [c.heading for c in layout.columns.order_by("order")] for layout in SheetLayout.objects.all()
    }
    assert set(layouts) == {"第7期様式", "第8期様式", "標準様式"}
    assert layouts["第7期様式"][:2] == ["事項", "目標"]
    assert layouts["第8期様式"][3:5] == ["目標に向けた取組", "指標(プロセス指標)"]
    assert "実績" in layouts["標準様式"] and "評定" not in layouts["標準様式"]


@pytest.mark.django_db
def test_tokyos_data_links_its_periods_to_the_shipped_layouts_and_changes_no_column(tokyo_data):
    columns = list(SheetColumn.objects.order_by("layout__name", "order").values_list("heading", "width"))
    assert PlanPeriod.objects.get(name="第7期").layout.name == "第7期様式"
    assert SheetLayout.objects.count() == 3
    call_command("load_tokyo_plan")
    assert list(SheetColumn.objects.order_by("layout__name", "order").values_list("heading", "width")) == columns


@pytest.mark.django_db
def test_the_migration_installs_what_is_missing_and_leaves_an_edited_layout_alone():
    migration = import_module("programs.migrations.0010_sheet_layouts_ship_with_the_application")
    SheetLayout.objects.all().delete()
    migration.install(apps, None)
    assert SheetLayout.objects.count() == 3
    edited = SheetLayout.objects.get(name="第8期様式")
    edited.columns.filter(order=1).update(heading="現状と課題（都の記載）")
    SheetLayout.objects.filter(name="標準様式").delete()
    migration.install(apps, None)
    assert SheetLayout.objects.count() == 3
    assert edited.columns.get(order=1).heading == "現状と課題（都の記載）"


@pytest.mark.django_db
def test_tokyos_data_puts_back_a_shipped_layout_the_database_lost():
    SheetLayout.objects.all().delete()  # as a transactional test's flush leaves the tables
    call_command("load_tokyo_plan")
    assert PlanPeriod.objects.get(name="第7期").layout.name == "第7期様式"
    assert set(SheetLayout.objects.values_list("name", flat=True)) == {"第7期様式", "第8期様式"}
