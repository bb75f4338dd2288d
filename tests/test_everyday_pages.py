"""Issue 12 items 6, 9, 10 and 11 as the server renders them: one menu, breadcrumbs, words, markup, paper."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER
from evaluations.imports.plan_yaml import CHANGE_REASON
from evaluations.models import SelfEvaluation
from evaluations.selectors import DiffPiece, item_history, text_diff
from kaigo_plan.navigation import current_of, menu_keys
from kaigo_plan.product import PRODUCT_NAME
from programs.models import Target
from reports.printing import NOTE_ALL_APPROVED, NOTE_NOTHING_ENTERED, approval_note
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation, make_user

pytestmark = pytest.mark.django_db

ALL_ENTRIES = [
    "ホーム",
    "ダッシュボード",
    "進捗一覧表",
    "期間比較",
    "区市町村",
    "入力状況",
    "お知らせ",
    "Excel一括入力",
]


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _menu(html: str) -> dict[str, str]:
    """Return {label: aria-current value or ""} for the main menu's links."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.S).group(0)
    links = re.findall(r'<a href="[^"]*"(?: aria-current="(\w+)")?>([^<]+)', nav)
    return {label.strip(): current for current, label in links}


def _pages(world) -> dict[str, str]:
    item, year = world.own_item, OPEN_YEAR
    return {
        "home": reverse("reports:home"),
        "dashboard": reverse("reports:dashboard"),
        "item": reverse("reports:item", args=[item.id]),
        "table": reverse("reports:table"),
        "compare": reverse("reports:compare"),
        "my_work": reverse("evaluations:my_work"),
        "entry": reverse("evaluations:entry", args=[item.id, year]),
        "history": reverse("evaluations:item_history", args=[item.id]),
        "import": reverse("sheets:import_upload"),
        "notices": reverse("cycle:notices"),
        "attachments": reverse("cycle:attachments", args=[item.id, year]),
    }


# -- Item 6: navigation ----------------------------------------------------------------------

CURRENT = {
    "home": ("ホーム", "page"),
    "dashboard": ("ダッシュボード", "page"),
    "item": ("ダッシュボード", "true"),
    "table": ("進捗一覧表", "page"),
    "compare": ("期間比較", "page"),
    "my_work": ("入力状況", "page"),
    "entry": ("入力状況", "true"),
    "history": ("入力状況", "true"),
    "import": ("Excel一括入力", "page"),
    "notices": ("お知らせ", "page"),
    "attachments": ("入力状況", "true"),
}


def test_staff_sees_the_same_menu_on_every_page_with_the_current_page_marked(world):
    client = _client(world, "staff_own")
    for name, url in _pages(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        menu = _menu(response.content.decode())
        assert list(menu) == ALL_ENTRIES, name
        label, current = CURRENT[name]
        assert {key: value for key, value in menu.items() if value} == {label: current}, name


def test_manager_menu_has_no_import_and_the_admin_sees_the_admin_site():
    assert [key for key, _ in menu_keys(staff=False, manager=True, admin=False, superuser=False)] == [
        "home",
        "dashboard",
        "table",
        "compare",
        "municipalities",
        "my_work",
        "notices",
    ]
    keys = [key for key, _ in menu_keys(staff=False, manager=False, admin=True, superuser=True)]
    assert keys[-2:] == ["import", "admin"]
    assert current_of("my_work", "sheets:import_upload") == ""
    assert current_of("import", "sheets:import_confirm") == "true"
    assert current_of("dashboard", None) == ""


def _breadcrumbs(html: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs[^"]*" aria-label="現在地">(.*?)</nav>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li[^>]*>(.*?)</li>", nav, re.S)]


def test_item_entry_and_history_pages_carry_breadcrumbs_from_the_plan(world):
    client = _client(world, "staff_own")
    pages = _pages(world)
    trail = ["第8期", "7 地域ケア会議の推進", "事項1"]
    assert _breadcrumbs(client.get(pages["item"]).content.decode()) == trail
    entry = client.get(pages["entry"]).content.decode()
    assert _breadcrumbs(entry) == [*trail, "令和5年度"]
    assert '<li aria-current="page">令和5年度</li>' in entry
    history = client.get(pages["history"]).content.decode()
    assert _breadcrumbs(history) == [*trail, "変更履歴"]
    assert f'<a href="{pages["item"]}">事項1</a>' in history  # the way back


def test_the_item_page_links_to_its_entry_screen_for_the_open_year(world):
    for role in ("staff_own", "manager"):
        html = _client(world, role).get(_pages(world)["item"]).content.decode()
        url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
        assert f'href="{url}">入力画面へ（令和5年度）</a>' in html


# -- Item 9: words ---------------------------------------------------------------------------


def test_every_page_names_the_product_in_japanese(world):
    client = _client(world, "staff_own")
    for name, url in _pages(world).items():
        html = client.get(url).content.decode()
        assert "kaigo-plan" not in html, name
        assert f'<footer class="site-footer">{PRODUCT_NAME}</footer>' in html, name
    assert "kaigo-plan" not in Client().get(reverse("login")).content.decode()


def test_history_shows_choice_labels_and_the_loader_in_plain_words(world):
    target = Target.objects.get(indicator_id=world.indicator_id)
    target._change_reason = CHANGE_REASON
    target.kind = Target.Kind.CUMULATIVE
    target.save()
    entries = item_history(item=world.own_item)
    change = next(c for entry in entries for c in entry.changes if c.field == "目標の種類")
    assert (change.before, change.after) == ("各年度", "期間累計")
    assert entries[0].reason == "初期データの読込"
    html = _client(world, "staff_own").get(_pages(world)["history"]).content.decode()
    for code in ("per_year", "cumulative", "計画データ（YAML）"):
        assert code not in html


def test_text_diff_marks_what_was_deleted_and_inserted():
    assert text_diff("研修を3コース実施した。", "研修を4コース実施した。") == (
        DiffPiece("same", "研修を"),
        DiffPiece("del", "3"),
        DiffPiece("ins", "4"),
        DiffPiece("same", "コース実施した。"),
    )
    assert text_diff("", "新規") == (DiffPiece("ins", "新規"),)


def test_history_shows_a_long_narrative_whole_with_its_changes_marked(world):
    long_text = "講師養成研修を実施し、" * 20 + "150人が受講した。"
    record = evaluation(world.own_item, OPEN_YEAR, activities=long_text)
    record.activities = long_text.replace("150人", "<b>160人</b>")
    record.save()
    html = _client(world, "staff_own").get(_pages(world)["history"]).content.decode()
    # Marked in place and escaped: the typed <b> is text, not markup.
    assert "<ins>&lt;b&gt;</ins>1<del>5</del><ins>6</ins>0人<ins>&lt;/b&gt;</ins>が受講した。" in html
    assert html.count("講師養成研修を実施し、") >= 20  # nothing cut at 80 characters
    assert "…" not in html


def test_the_compare_page_sends_nobody_to_developer_documents(world):
    html = _client(world, "manager").get(_pages(world)["compare"]).content.decode()
    assert "docs/" not in html and ".md" not in html


def test_a_negative_figure_error_has_one_colon(world):
    response = _client(world, "staff_own").post(
        _pages(world)["entry"], {f"value_{world.indicator_id}": "-5", "activities": "a", "action": "save"}
    )
    # The field's message after the visual 「エラー:」 marker that every field error carries.
    errors = re.findall(r'<span class="error-prefix">エラー:</span> ([^<]*)</p>', response.content.decode())
    negative = [error for error in errors if "マイナス" in error]
    assert len(negative) == 1 and negative[0].count(":") + negative[0].count("：") == 1, negative


def test_a_manager_who_can_approve_is_not_told_read_only(world):
    evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    html = _client(world, "manager").get(_pages(world)["entry"]).content.decode()
    assert "承認・差戻しができます" in html and "閲覧のみ" not in html
    html = _client(world, "staff_other").get(_pages(world)["entry"]).content.decode()
    assert "閲覧のみ" in html  # someone who can do nothing here


def test_forms_with_japanese_server_messages_skip_the_browsers_own(world):
    record = evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    html = _client(world, "staff_own").get(_pages(world)["entry"]).content.decode()
    assert re.search(r'<form method="post" id="entry-form" novalidate', html)
    record.status = SelfEvaluation.Status.APPROVED
    record.save()
    html = _client(world, "admin").get(_pages(world)["entry"]).content.decode()
    assert re.search(r'action="[^"]*/reopen/" novalidate>', html)
    # Every POST form with fields: the comment thread, the workbook upload, the login.
    client = _client(world, "staff_own")
    for url in (_pages(world)["entry"], _pages(world)["import"], _pages(world)["attachments"]):
        html = client.get(url).content.decode()
        for form in re.findall(r'<form method="post"[^>]*>', html):
            assert "novalidate" in form or "copy-forward" in form or "logout" in form, (url, form)
    assert "novalidate" in Client().get(reverse("login")).content.decode()


# -- Item 10: markup -------------------------------------------------------------------------


def test_every_aria_describedby_points_at_an_element_on_the_page(world):
    client = _client(world, "staff_own")
    for name, url in _pages(world).items():
        html = client.get(url).content.decode()
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for described in re.findall(r'aria-describedby="([^"]+)"', html):
            assert set(described.split()) <= ids, (name, described)


def test_dashboard_item_rows_head_their_row_group(tokyo_data):
    make_user("reader", role=MANAGER)
    client = Client()
    assert client.login(username="reader", password=PASSWORD)
    html = client.get(reverse("reports:dashboard") + "?plan=第8期").content.decode()
    assert 'scope="rowgroup"' in html and 'scope="colgroup"' not in html


def test_each_narrative_and_its_previous_year_text_are_one_group(world):
    evaluation(world.own_item, OPEN_YEAR - 1, activities="前年の取組")
    html = _client(world, "staff_own").get(_pages(world)["entry"]).content.decode()
    groups = re.findall(r'<div class="entry-grid field narrative-pair">(.*?)</div>\s*</div>\s*</div>', html, re.S)
    assert len(groups) == 3
    assert 'for="id_activities"' in groups[0] and "取組の実施内容・実績：前年度（令和4年度）の内容" in groups[0]


# -- Item 11: paper --------------------------------------------------------------------------


def test_the_approval_note_names_the_years_not_yet_approved():
    assert approval_note([(2021, "approved"), (2022, "not_started")]) == NOTE_ALL_APPROVED
    assert approval_note([(2021, "not_started")]) == NOTE_NOTHING_ENTERED
    assert approval_note([(2021, "approved"), (2022, "submitted"), (2023, "draft")]) == (
        "未承認の年度を含みます：令和4年度（提出済）、令和5年度（入力中）"
    )


def test_the_item_page_prints_a_header_with_plan_date_and_approval(world):
    factories.yearly_result(indicator_=world.own_item.indicators.get(), fiscal_year=OPEN_YEAR, value=Decimal(150))
    evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    html = _client(world, "manager").get(_pages(world)["item"]).content.decode()
    header = re.search(r'<thead class="print-header">(.*?)</thead>', html, re.S).group(1)
    assert "第8期" in header and "事項1" in header
    assert re.search(r"印刷日：令和\d+年\d+月\d+日", header)
    assert "未承認の年度を含みます：令和5年度（提出済）" in header
