"""The entry screen as staff use it: typing figures, mistakes, conflicts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import STAFF
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.models import Item, Municipality, PlanPeriod, Target
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _url(world, year=OPEN_YEAR):
    return reverse("evaluations:entry", args=[world.own_item.id, year])


def _post(client, world, value, **extra):
    return client.post(
        _url(world), {f"value_{world.indicator_id}": value, "activities": "研修を実施", "action": "save", **extra}
    )


def _saved_value(world):
    result = YearlyResult.objects.filter(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR).first()
    return result.value if result else None


@pytest.mark.parametrize(
    ("typed", "stored", "rate"),
    [
        ("１５０", Decimal(150), "98.0%"),
        ("1,350", Decimal(1350), None),
        ("１，３５０人", Decimal(1350), None),
        ("144", Decimal(144), "94.1%"),
    ],
)
def test_typed_figures_are_normalised_and_the_rate_shows_after_saving(world, typed, stored, rate):
    client = _client(world, "staff_own")
    response = _post(client, world, typed, confirm_far="on")
    assert response.status_code == 302
    assert _saved_value(world) == stored
    page = client.get(_url(world)).content.decode()
    if rate:
        assert rate in page


@pytest.mark.parametrize(
    ("typed", "message"), [("-5", "マイナス"), ("abc", "数値として読み取れません"), ("１２ 人 ３", "数値")]
)
def test_bad_figures_are_refused_with_the_field_named_and_nothing_is_lost_or_saved(world, typed, message):
    client = _client(world, "staff_own")
    response = _post(client, world, typed, self_assessment="長い自己評価の下書き")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "受講者数" in html
    assert "長い自己評価の下書き" in html  # what the user typed stays in the form
    assert f'value="{typed}"' in html
    assert not SelfEvaluation.objects.exists()
    assert _saved_value(world) is None


def test_a_value_far_from_the_target_asks_for_confirmation(world):
    client = _client(world, "staff_own")
    response = _post(client, world, "1540")
    assert response.status_code == 200
    assert "大きく異なります" in response.content.decode()
    assert _saved_value(world) is None
    assert _post(client, world, "1540", confirm_far="on").status_code == 302
    assert _saved_value(world) == Decimal(1540)


def test_text_fields_have_length_limits(world):
    client = _client(world, "staff_own")
    response = _post(client, world, "150", activities="あ" * 4001)
    assert response.status_code == 200
    assert "4000" in response.content.decode()
    assert not SelfEvaluation.objects.exists()


def test_concurrent_edit_is_refused_showing_the_other_change_and_keeping_my_input(world):
    staff, admin = _client(world, "staff_own"), _client(world, "admin")
    _post(staff, world, "140", activities="最初の内容")
    version = SelfEvaluation.objects.get().version
    # Both open the form at the same version; the administrator saves first.
    assert _post(admin, world, "145", activities="管理者の修正", version=version).status_code == 302
    response = _post(staff, world, "150", activities="担当者の修正", version=version)
    html = response.content.decode()
    assert response.status_code == 200
    assert "他の利用者が先に保存しています" in html
    assert "管理者の修正" in html and "145人" in html
    assert "担当者の修正" in html and 'value="150"' in html
    assert _saved_value(world) == Decimal(145)
    # Having seen it, the staff member saves again on purpose and wins.
    new_version = SelfEvaluation.objects.get().version
    assert f'name="version" value="{new_version}"' in html
    assert _post(staff, world, "150", activities="担当者の修正", version=new_version).status_code == 302
    assert _saved_value(world) == Decimal(150)


COMPLETE = {"activities": "a", "self_assessment": "b", "next_steps": "c"}


def test_returned_record_is_corrected_and_resubmitted_without_a_reason(world):
    # Issue 20 item 4 (was issue 12 item 3's rule): the return is the reason; none is asked, and
    # the manager's reason stands beside the 差戻し badge at the top of the page.
    from evaluations import services

    client = _client(world, "staff_own")
    client.post(_url(world), {f"value_{world.indicator_id}": "150", **COMPLETE, "action": "submit"})
    record = SelfEvaluation.objects.get()
    assert record.status == SelfEvaluation.Status.SUBMITTED
    services.self_evaluation_return(evaluation=record, user=world.users["manager"], comment="確認してください")
    record.refresh_from_db()
    page = client.get(_url(world)).content.decode()
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert "差戻し" in heading
    top = page[: page.index('id="entry-form"')]
    assert "差戻しの理由" in top and "確認してください" in top
    assert "変更理由" not in page
    response = client.post(
        _url(world),
        {f"value_{world.indicator_id}": "151", **COMPLETE, "version": record.version, "action": "submit"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == SelfEvaluation.Status.SUBMITTED
    assert _saved_value(world) == Decimal(151)


def test_reopened_record_needs_a_reason_and_a_refusal_writes_nothing(world):
    from evaluations import services
    from tests.workflow_world import evaluation

    record = evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.APPROVED)
    services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="誤記の訂正")
    record.refresh_from_db()
    client = _client(world, "staff_own")
    response = _post(client, world, "151", activities="a", version=record.version)
    assert response.status_code == 200
    assert "変更理由を入力してください" in response.content.decode()
    assert _saved_value(world) is None
    response = _post(client, world, "151", activities="a", version=record.version, change_reason="集計の誤り")
    assert response.status_code == 302
    assert YearlyResult.objects.get().history.first().history_change_reason == "集計の誤り"


def test_manager_sees_the_form_read_only_and_can_approve(world):
    staff, manager = _client(world, "staff_own"), _client(world, "manager")
    staff.post(_url(world), {f"value_{world.indicator_id}": "150", **COMPLETE, "action": "submit"})
    html = manager.get(_url(world)).content.decode()
    # Issue 12 item 9: the manager can act here, so the page must not call it 「閲覧のみ」.
    assert "承認・差戻しができます" in html and "閲覧のみ" not in html
    assert f'name="value_{world.indicator_id}"' not in html
    assert "承認する" in html
    record = SelfEvaluation.objects.get()
    response = manager.post(
        reverse("evaluations:review", args=[record.id]), {"action": "approve", "version": record.version}
    )
    assert response.status_code == 302
    assert SelfEvaluation.objects.get().status == SelfEvaluation.Status.APPROVED
    assert "承認済みのため変更できません" in staff.get(_url(world)).content.decode()


def test_coverage_target_shows_a_municipality_checklist(world):
    municipalities = list(Municipality.objects.filter(code__in=["131016", "131024"]))  # there after migrate
    indicator = world.own_item.indicators.create(key="covered", name="実施区市町村数", unit="区市町村")
    Target.objects.create(
        indicator=indicator, kind=Target.Kind.COVERAGE, value=62, target_text="62区市町村で各１人以上"
    )
    client = _client(world, "staff_own")
    html = client.get(_url(world)).content.decode()
    assert "千代田区" in html
    response = client.post(
        _url(world),
        {
            f"value_{world.indicator_id}": "150",
            f"municipalities_{indicator.id}": [m.id for m in municipalities],
            "action": "save",
        },
    )
    assert response.status_code == 302
    result = YearlyResult.objects.get(indicator=indicator)
    assert result.covered_count == 2
    assert "3.2%" in client.get(_url(world)).content.decode()  # 2 of 62


def test_live_preview_applies_the_same_rule(world):
    client = _client(world, "staff_own")
    url = reverse("evaluations:preview", args=[world.own_item.id, OPEN_YEAR])
    assert client.get(url, {"indicator": world.indicator_id, "value": "１５０"}).json() == {
        "rate": "98.0%",
        "status": "概ね達成",
        "status_key": "mostly_achieved",
        "sentence": "達成率 98.0%、概ね達成（未保存）",  # issue 12 item 4: one sentence per row
    }
    unreadable = client.get(url, {"indicator": world.indicator_id, "value": "abc"}).json()
    assert "数値として読み取れません" in unreadable["error"]
    assert unreadable["sentence"] == unreadable["error"]
    assert client.get(url, {"indicator": world.indicator_id, "value": "99999999999"}).json()["rate"] == "9,999.9%超"
    too_long = client.get(url, {"indicator": world.indicator_id, "value": "1234567890123456789"}).json()
    assert "整数部は12桁まで" in too_long["error"]


def test_history_page_lists_who_changed_what(world):
    client = _client(world, "staff_own")
    _post(client, world, "140")
    version = SelfEvaluation.objects.get().version
    _post(client, world, "150", version=version)
    html = client.get(reverse("evaluations:item_history", args=[world.own_item.id])).content.decode()
    assert "実績値" in html
    assert "140 → 150" in html
    assert "staff-own" in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_entry_pages_run_a_fixed_number_of_queries(world):
    client = _client(world, "staff_own")
    urls = [
        _url(world),
        reverse("evaluations:my_work") + f"?fiscal_year={OPEN_YEAR}",
        reverse("evaluations:item_history", args=[world.own_item.id]),
    ]
    _post(client, world, "150")
    small = [_queries(client, url) for url in urls]
    for number in range(3, 13):
        item = factories.item(area=world.own_item.area, number=number, section=world.own_item.section)
        for key in range(4):
            indicator = factories.indicator(item_=item, key=f"k{key}")
            factories.target(indicator_=indicator)
            factories.yearly_result(indicator_=indicator, fiscal_year=OPEN_YEAR)
        for key in range(5):
            indicator = factories.indicator(item_=world.own_item, key=f"extra{number}-{key}")
            factories.target(indicator_=indicator)
    large = [_queries(client, url) for url in urls]
    assert large == small


def test_the_bulk_import_link_is_offered_only_to_those_who_may_import(world):
    for role, offered in [("staff_own", True), ("admin", True), ("manager", False)]:
        html = _client(world, role).get(reverse("evaluations:my_work")).content.decode()
        assert ("Excel一括入力" in html) is offered, role


@pytest.mark.django_db
def test_the_entry_screen_asks_for_what_the_periods_sheet_has(tokyo_data, client):
    from programs.models import Section
    from tests.workflow_world import make_user

    staff = make_user("layout-staff", role=STAFF, section=Section.objects.get(name="在宅支援課"))
    client.force_login(staff)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    before = SelfEvaluation.objects.get(item=item, fiscal_year=2021).activities

    form = client.get(reverse("evaluations:entry", args=[item.id, 2022])).context["form"]
    assert "activities" not in form.fields  # 第8期 has no 取組の実施内容 per year
    assert "rating" not in form.fields  # one 評定, at the period's end
    assert (form.fields["self_assessment"].label, form.fields["next_steps"].label) == ("自己評価", "今後の課題・対応策")
    last = client.get(reverse("evaluations:entry", args=[item.id, 2023]))
    assert "rating" in last.context["form"].fields
    assert "<h2>自己評価と評定のポイント</h2>" in last.content.decode()

    seventh = Item.objects.get(area__plan__name="第7期", area__number=1, number=1)
    form = client.get(reverse("evaluations:entry", args=[seventh.id, 2020])).context["form"]
    assert "activities" in form.fields and "rating" not in form.fields
    # A field the sheet does not have is not written, whatever is posted.
    trainees = item.indicators.get(key="trainees")
    response = client.post(
        reverse("evaluations:entry", args=[item.id, 2022]),
        {f"value_{trainees.id}": "150", "self_assessment": "実施した", "activities": "書かれない", "action": "save"},
    )
    assert response.status_code == 302
    saved = SelfEvaluation.objects.get(item=item, fiscal_year=2022)
    assert (saved.self_assessment, saved.activities) == ("実施した", "")
    assert SelfEvaluation.objects.get(item=item, fiscal_year=2021).activities == before


def _opened_on(client) -> str:
    html = client.get(reverse("evaluations:my_work")).content.decode()
    return html.split("<h1>")[1].split("</h1>")[0]


def test_the_entry_status_page_opens_where_every_page_opens(admin_client, tokyo_data):
    """The open reporting year of the latest period with items (not the oldest plan's open year)."""
    ReportingYear.objects.all().delete()
    seventh, eighth = PlanPeriod.objects.get(name="第7期"), PlanPeriod.objects.get(name="第8期")
    ReportingYear.objects.create(plan=seventh, fiscal_year=2020)
    ReportingYear.objects.create(plan=eighth, fiscal_year=2022)
    assert _opened_on(admin_client) == "入力状況　第8期　令和4年度"


def test_without_open_years_the_entry_status_page_opens_on_the_year_the_calendar_says(admin_client, tokyo_data):
    # Issue 20 item 2 changed this (it opened on the latest year with results, 令和3年度): with no
    # reporting year open, today's fiscal year held inside the period, here its last, 令和5年度.
    ReportingYear.objects.all().delete()
    assert _opened_on(admin_client) == "入力状況　第8期　令和5年度"
