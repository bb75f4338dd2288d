"""「実績の一括入力」: past figures typed on one screen give the statuses of the sheet's verdicts (issue 19 item 4)."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from evaluations.models import ApprovedResult, ReportingYear, SelfEvaluation, YearlyResult
from evaluations.period_figures import FigureEntry, period_figures_read, period_figures_save
from evaluations.progress import plan_progress
from evaluations.services import approved_results_record
from programs.models import Indicator, PlanPeriod
from tests.workflow_world import PASSWORD, make_user


def _client(username, **options) -> Client:
    make_user(username, **options)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def seventh(tokyo_data) -> PlanPeriod:
    return PlanPeriod.objects.get(name="第7期")


@pytest.fixture
def admin(tokyo_data):
    return make_user("figures-admin", role=SYSTEM_ADMIN)


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    assert client.login(username=admin.username, password=PASSWORD)
    return client


def url(plan: PlanPeriod) -> str:
    return reverse("evaluations:period_figures", args=[plan.pk])


def statuses(plan: PlanPeriod) -> dict[tuple[int, int], str]:
    """Every indicator-year's status on the dashboard (the read model every page reads)."""
    progress = plan_progress(plan=plan)
    return {
        (indicator.id, cell.fiscal_year): str(cell.status)
        for area in progress.areas
        for item in area.items
        for indicator in item.indicators
        for cell in indicator.years
    }


def attention_count(client: Client, plan: PlanPeriod) -> int:
    html = client.get(reverse("reports:dashboard"), {"plan": plan.name}).content.decode()
    return int(re.search(r'要対応 <span class="attention-count">(\d+)件', html).group(1))


def results_in_plan(plan: PlanPeriod):
    return YearlyResult.objects.filter(
        indicator__item__area__plan=plan,
        fiscal_year__gte=plan.first_fiscal_year,
        fiscal_year__lte=plan.last_fiscal_year,
    )


def clear_figures(plan: PlanPeriod) -> None:
    """What an import of the published 第7期 sheet leaves: the texts, approved, without a figure or verdict.

    Tokyo's 第7期 years are locked (確定); an imported period's are not.
    """
    ReportingYear.objects.filter(plan=plan).update(is_locked=False, locked_at=None, locked_by=None)
    for result in results_in_plan(plan):
        result.municipalities.clear()
    results_in_plan(plan).update(value=None, actual_text="", municipality_count=None, verdict="", verdict_text="")
    for record in SelfEvaluation.objects.filter(item__area__plan=plan, status=SelfEvaluation.Status.APPROVED):
        approved_results_record(evaluation=record)


def form_data(client: Client, plan: PlanPeriod, **typed) -> dict[str, str]:
    """The page's form as the browser would post it, with ``typed`` on top."""
    form = client.get(url(plan)).context["form"]
    data = {name: ("" if form[name].value() is None else str(form[name].value())) for name in form.fields}
    data.update(typed)
    return data


def test_the_screen_is_for_system_administrators_only(seventh):
    for role in (STAFF, MANAGER):
        client = _client(f"user-{role}", role=role)
        assert client.get(url(seventh)).status_code == 403
        assert client.post(url(seventh), {}).status_code == 403
    assert Client().get(url(seventh)).status_code == 302  # to the login page


def test_figures_entered_through_the_screen_give_the_statuses_and_attention_of_the_sheets_verdicts(
    seventh, admin_client
):
    recorded = {(r.indicator_id, r.fiscal_year): r for r in results_in_plan(seventh)}
    before, attention_before = statuses(seventh), attention_count(admin_client, seventh)
    clear_figures(seventh)
    cleared = statuses(seventh)
    assert sum(status == "not_entered" for status in cleared.values()) > sum(
        status == "not_entered" for status in before.values()
    )

    typed = {}
    for (indicator_id, year), result in recorded.items():
        typed[f"value_{indicator_id}_{year}"] = "" if result.value is None else f"{result.value.normalize():f}"
        typed[f"verdict_{indicator_id}_{year}"] = result.verdict
        typed[f"verdict_text_{indicator_id}_{year}"] = result.verdict_text
    data = form_data(admin_client, seventh)
    assert {name for name in typed if name.startswith("value_")} <= set(data)
    # A year without a target has no verdict input.
    data.update({name: value for name, value in typed.items() if name in data})
    response = admin_client.post(url(seventh), data)
    assert response.status_code == 302, response.context["form"].error_summary()

    assert statuses(seventh) == before
    assert attention_count(admin_client, seventh) == attention_before
    # Recorded as approved: the item-years stay 承認済 and the approved snapshot holds the figures.
    for (indicator_id, year), result in recorded.items():
        if result.value is not None:
            snapshot = ApprovedResult.objects.filter(indicator_id=indicator_id, fiscal_year=year).first()
            record = SelfEvaluation.objects.filter(item__indicators=indicator_id, fiscal_year=year).first()
            if record is not None and record.status == SelfEvaluation.Status.APPROVED:
                assert snapshot is not None and snapshot.value == result.value
    changed = YearlyResult.history.filter(history_change_reason="実績の一括入力")
    assert changed.exists() and {h.history_user.username for h in changed} == {"figures-admin"}


def test_a_suggestion_from_the_years_narrative_is_offered_and_never_applied(seventh, admin_client):
    clear_figures(seventh)
    figures = period_figures_read(plan=seventh)
    cells = {(indicator.label, cell.fiscal_year): cell for indicator, cell in figures.cells()}
    # The period's years (clear_figures leaves Tokyo's 平成29年度 baselines, which their rows show as recorded).
    offered = [cell for cell in cells.values() if cell.suggestions and not cell.baseline]
    assert len(offered) > 40
    assert all(cell.value is None for cell in offered)  # offered, not filled
    html = admin_client.get(url(seventh)).content.decode()
    assert 'data-value="352"' in html and "修了者352人 → 352" in html
    cell = next(cell for cell in offered if Decimal(352) in [s.value for s in cell.suggestions])
    field = re.search(rf'<input[^>]*name="{cell.value_name}"[^>]*>', html).group(0)
    assert " value=" not in field


def test_a_unit_other_than_the_indicators_is_refused_naming_the_unit(seventh, admin_client):
    clear_figures(seventh)
    indicator = Indicator.objects.filter(item__area__plan=seventh, unit="人").first()
    name = f"value_{indicator.id}_2018"
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **{name: "144名"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "この指標の単位は「人」です" in html and "何も保存していません" in html
    assert not YearlyResult.history.filter(history_change_reason="実績の一括入力").exists()


def test_a_twenty_digit_number_is_refused_on_its_input_and_nothing_is_written(seventh, admin_client):
    clear_figures(seventh)
    indicators = list(Indicator.objects.filter(item__area__plan=seventh, unit="人")[:2])
    typed = {f"value_{indicators[0].id}_2018": "5", f"value_{indicators[1].id}_2019": "12345678901234567890"}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 400
    assert "整数部は12桁まで" in response.content.decode()
    assert not YearlyResult.history.filter(history_change_reason="実績の一括入力").exists()
    with pytest.raises(ValidationError):
        period_figures_save(
            plan=seventh,
            user=response.wsgi_request.user,
            entries={(indicators[0].id, 2018): FigureEntry(value=Decimal("1" * 20))},
        )


def test_a_fraction_of_a_counted_unit_is_refused_as_on_the_entry_screen(seventh, admin_client):
    # The two screens read a typed figure through one function (evaluations.quantity_input.typed_quantity).
    clear_figures(seventh)
    indicator = Indicator.objects.filter(item__area__plan=seventh, unit="人").first()
    name = f"value_{indicator.id}_2018"
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **{name: "1.5人"}))
    assert response.status_code == 400
    assert "人で数える値は整数で入力してください" in response.content.decode()
    assert not YearlyResult.history.filter(history_change_reason="実績の一括入力").exists()


def test_a_nul_in_a_parameter_is_refused_before_the_view(seventh, admin_client):
    indicator = Indicator.objects.filter(item__area__plan=seventh).first()
    typed = {f"value_{indicator.id}_2018": "1\x00", f"verdict_text_{indicator.id}_2018": "達成\x00"}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 400
    assert not YearlyResult.history.filter(history_change_reason="実績の一括入力").exists()


def test_another_periods_indicator_is_never_written(seventh, admin_client, admin):
    clear_figures(seventh)
    eighth = Indicator.objects.filter(item__area__plan__name="第8期").first()
    before = YearlyResult.objects.filter(indicator=eighth, fiscal_year=2021).values_list("value", flat=True).first()
    forged = {f"value_{eighth.id}_2021": "999", f"value_{eighth.id}_2018": "999"}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **forged))
    assert response.status_code == 302  # the page's own inputs are saved unchanged: nothing to do
    assert YearlyResult.objects.filter(indicator=eighth, fiscal_year=2021).values_list("value", flat=True).first() == (
        before
    )
    assert not YearlyResult.objects.filter(indicator=eighth, fiscal_year=2018).exists()
    with pytest.raises(PermissionDenied):
        period_figures_save(plan=seventh, user=admin, entries={(eighth.id, 2021): FigureEntry(value=Decimal(1))})
    seventh_indicator = Indicator.objects.filter(item__area__plan=seventh).first()
    with pytest.raises(PermissionDenied):  # a year outside the period
        period_figures_save(plan=seventh, user=admin, entries={(seventh_indicator.id, 2030): FigureEntry(value=None)})


def test_a_verdict_needs_its_sentence_and_a_forged_verdict_is_refused(seventh, admin_client, admin):
    clear_figures(seventh)
    cell_indicator, cell = next((i, c) for i, c in period_figures_read(plan=seventh).cells() if c.has_target)
    typed = {cell.verdict_name: "achieved", cell.verdict_text_name: ""}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 400
    assert "根拠となる自己評価の文を入力してください" in response.content.decode()
    typed = {cell.verdict_name: "<b>maybe</b>", cell.verdict_text_name: "x"}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 400 and "<b>maybe</b>" not in response.content.decode()
    with pytest.raises(ValidationError):
        period_figures_save(
            plan=seventh,
            user=admin,
            entries={(cell_indicator.id, cell.fiscal_year): FigureEntry(value=None, verdict="maybe", verdict_text="x")},
        )
    assert not YearlyResult.history.filter(history_change_reason="実績の一括入力").exists()


def test_a_locked_year_is_shown_but_not_changed(seventh, admin_client):
    clear_figures(seventh)
    ReportingYear.objects.filter(plan=seventh, fiscal_year=2018).update(is_locked=True)
    indicator = Indicator.objects.filter(item__area__plan=seventh, unit="人").first()
    typed = {f"value_{indicator.id}_2018": "10"}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 302
    assert not YearlyResult.objects.filter(indicator=indicator, fiscal_year=2018, value=10).exists()
    html = admin_client.get(url(seventh)).content.decode()
    assert "（確定済）" in html


def test_the_page_reads_the_same_number_of_queries_for_a_small_and_a_large_period(seventh, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name in ("第8期", "第7期"):  # one area against eight
        plan = PlanPeriod.objects.get(name=name)
        admin_client.get(url(plan))  # the session and the user are read once per client
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url(plan)).status_code == 200
        counts[name] = len(queries)
    assert counts["第8期"] == counts["第7期"], counts
    assert counts["第7期"] <= 15, counts


def test_markup_in_a_narrative_is_shown_as_text_on_its_suggestions(seventh, admin_client):
    clear_figures(seventh)
    record = SelfEvaluation.objects.filter(item__area__plan=seventh, fiscal_year=2018).first()
    record.activities = '<script>alert(1)</script>"><img src=x onerror=alert(2)>受講者<b>352人</b>'
    record.self_assessment = '目標は達成"><script>alert(3)</script>。'
    record.save()
    html = admin_client.get(url(seventh)).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;b&gt;352人" in html or "352人 → 352" in html


def test_an_import_without_figures_leads_to_the_screen_and_the_admin_links_it(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.sheets.test_plan_sheet_import import export_bytes

    upload = admin_client.post(
        reverse("sheets:plan_sheet_upload"),
        # 第7期's years: the overlap is confirmed with the upload (issue 19 item 6).
        {
            "file": SimpleUploadedFile("第7期.xlsx", export_bytes("第7期")),
            "plan": "第7期（取込検証）",
            "confirm_overlap": "True",
        },
    )
    assert upload.status_code == 200, upload.context["problems"][:3]
    confirmed = admin_client.post(reverse("sheets:plan_sheet_confirm"), {"token": upload.context["token"]})
    copy = PlanPeriod.objects.get(name="第7期（取込検証）")
    assert confirmed["Location"] == url(copy)  # 第7期様式 has no 実績 column: the result page is the figures screen
    page = admin_client.get(confirmed["Location"]).content.decode()
    assert "「実績の一括入力」で確かめ、入力してください" in page
    assert reverse("cycle:period_remove", args=[copy.pk]) in page  # an imported period can be undone from here

    root = _client("root", role=SYSTEM_ADMIN, superuser=True)
    changelist = root.get(reverse("admin:programs_planperiod_changelist")).content.decode()
    assert url(copy) in changelist and reverse("cycle:period_remove", args=[copy.pk]) in changelist
    seventh = PlanPeriod.objects.get(name="第7期")
    assert url(seventh) in changelist and reverse("cycle:period_remove", args=[seventh.pk]) not in changelist


def test_a_year_outside_the_approval_is_saved_as_a_draft_through_the_entry_workflow(seventh, admin):
    clear_figures(seventh)
    record = SelfEvaluation.objects.filter(item__area__plan=seventh, fiscal_year=2019).first()
    indicator = Indicator.objects.filter(item=record.item).first()
    record.delete()  # an item-year the sheet had nothing for
    saved = period_figures_save(plan=seventh, user=admin, entries={(indicator.id, 2019): FigureEntry(value=Decimal(3))})
    assert (saved.approved, saved.drafts) == (0, 1)
    draft = SelfEvaluation.objects.get(item=record.item, fiscal_year=2019)
    assert draft.status == SelfEvaluation.Status.DRAFT
    cell = next(
        cell
        for area in plan_progress(plan=seventh).areas
        for item in area.items
        for row in item.indicators
        if row.id == indicator.id
        for cell in row.years
        if cell.fiscal_year == 2019
    )
    assert cell.actual is None and cell.pending is not None and cell.pending.actual == 3  # 下書き, not counted


def test_a_record_approved_through_the_workflow_needs_a_reason(seventh, admin):
    clear_figures(seventh)
    record = SelfEvaluation.objects.filter(item__area__plan=seventh, fiscal_year=2020).first()
    SelfEvaluation.objects.filter(pk=record.pk).update(submitted_at=record.approved_at or "2021-05-01T00:00Z")
    indicator = Indicator.objects.filter(item=record.item).first()
    entries = {(indicator.id, 2020): FigureEntry(value=Decimal(2))}
    with pytest.raises(ValidationError, match="変更理由を入力してください"):
        period_figures_save(plan=seventh, user=admin, entries=entries)
    assert not YearlyResult.objects.filter(indicator=indicator, fiscal_year=2020).exclude(value=None).exists()
    period_figures_save(plan=seventh, user=admin, entries=entries, change_reason="決算で確定した値")
    result = YearlyResult.objects.get(indicator=indicator, fiscal_year=2020)
    assert result.value == 2
    assert result.history.first().history_change_reason == "実績の一括入力: 決算で確定した値"
    assert ApprovedResult.objects.get(indicator=indicator, fiscal_year=2020).value == 2


def test_a_post_without_the_pages_inputs_clears_nothing(seventh, admin_client):
    ReportingYear.objects.filter(plan=seventh).update(is_locked=False)
    before = {r.pk: (r.value, r.verdict) for r in results_in_plan(seventh)}
    indicator = Indicator.objects.filter(item__area__plan=seventh, unit="人").first()
    assert admin_client.post(url(seventh), {}).status_code == 302
    response = admin_client.post(url(seventh), {f"value_{indicator.id}_2018": "77"})
    assert response.status_code == 302
    touched = YearlyResult.objects.get(indicator=indicator, fiscal_year=2018)
    assert touched.value == 77
    after = {r.pk: (r.value, r.verdict) for r in results_in_plan(seventh)}
    assert {pk: row for pk, row in after.items() if pk != touched.pk} == {
        pk: row for pk, row in before.items() if pk != touched.pk
    }


@pytest.mark.django_db
def test_a_fresh_installation_shows_an_empty_period_and_refuses_nothing_it_cannot_do():
    """Migrate only, no Tokyo data: a period made in the admin has no items yet; the pages say so."""
    from cycle.period_removal import period_removal_read
    from evaluations.services import plan_period_create

    plan = plan_period_create(name="第9期", first_fiscal_year=2024, last_fiscal_year=2026, reason="管理画面で作成").plan
    client = _client("fresh-admin", role=SYSTEM_ADMIN)
    page = client.get(url(plan))
    assert page.status_code == 200 and "事項が登録されていません" in page.content.decode()
    assert client.post(url(plan), {}).status_code == 302
    assert "画面からは取り消せません" in period_removal_read(plan=plan).refusal
    assert client.get("/entry/periods/12345678901234567890/figures/").status_code == 404


def test_a_page_opened_before_someone_elses_save_neither_reverts_it_nor_overwrites_it_unseen(
    seventh, admin_client, admin
):
    clear_figures(seventh)
    first, second = Indicator.objects.filter(item__area__plan=seventh, unit="人")[:2]
    stale_page = form_data(admin_client, seventh)  # opened now
    entries = {(first.id, 2018): FigureEntry(value=Decimal(10)), (second.id, 2018): FigureEntry(value=Decimal(20))}
    period_figures_save(plan=seventh, user=admin, entries=entries)  # someone else saves meanwhile

    # The stale page changes only the second indicator's figure: the first one's is not reverted to blank.
    stale_page[f"value_{second.id}_2018"] = "25"
    response = admin_client.post(url(seventh), stale_page)
    assert response.status_code == 400
    html = response.content.decode()
    assert "この画面を開いた後に、ほかの操作でこの欄が変更されました（現在: 20人）" in html
    assert YearlyResult.objects.get(indicator=first, fiscal_year=2018).value == 10
    assert YearlyResult.objects.get(indicator=second, fiscal_year=2018).value == 20
    assert 'value="25"' in html  # what was typed is kept on the page

    # Saved again from that page, knowingly: the typed figure wins, the untouched one stays.
    again = {name: value for name, value in response.context["form"].data.items()}
    assert admin_client.post(url(seventh), again).status_code == 302
    assert YearlyResult.objects.get(indicator=second, fiscal_year=2018).value == 25
    assert YearlyResult.objects.get(indicator=first, fiscal_year=2018).value == 10


def test_a_page_that_posted_only_its_changed_rows_comes_back_with_the_others_as_stored(seventh, admin_client):
    """The page's script leaves unchanged rows out of the POST; an error must not show them blank."""
    ReportingYear.objects.filter(plan=seventh).update(is_locked=False)
    first, second = Indicator.objects.filter(item__area__plan=seventh, unit="人")[:2]
    stored = YearlyResult.objects.get(indicator=first, fiscal_year=2018).value
    page = form_data(admin_client, seventh)
    response = admin_client.post(
        url(seventh), {"shown": page["shown"], f"value_{second.id}_2018": "1.5"}
    )  # a fraction of 人: refused
    assert response.status_code == 400
    again = dict(response.context["form"].data.items())
    assert again[f"value_{first.id}_2018"] == f"{stored.normalize():f}"
    again[f"value_{second.id}_2018"] = "15"
    assert admin_client.post(url(seventh), again).status_code == 302
    assert YearlyResult.objects.get(indicator=first, fiscal_year=2018).value == stored
    assert YearlyResult.objects.get(indicator=second, fiscal_year=2018).value == 15


def test_a_double_click_on_save_saves_once_and_answers_plainly(seventh, admin_client):
    clear_figures(seventh)
    indicator = Indicator.objects.filter(item__area__plan=seventh, unit="人").first()
    page = form_data(admin_client, seventh, **{f"value_{indicator.id}_2018": "352"})
    first = admin_client.post(url(seventh), page)
    second = admin_client.post(url(seventh), page)  # the same page, posted twice
    assert (first.status_code, second.status_code) == (302, 302)
    assert "変更はありませんでした" in admin_client.get(second["Location"]).content.decode()
    history = YearlyResult.history.filter(indicator=indicator, fiscal_year=2018, history_change_reason="実績の一括入力")
    assert history.count() == 1


def test_a_trend_targets_baseline_year_is_typed_on_the_screen_and_grades_the_first_year(seventh, admin_client):
    """「増加」 compares the first year with the year before the period (平成29年度): the screen asks for it.

    An imported 第7期 has no figure before its first year, so its three 「増加」 targets said 未入力 in
    平成30年度 whatever was typed for that year; Tokyo's data records 平成29年度 as a baseline.
    """
    from programs.models import Target

    baselines = YearlyResult.objects.filter(
        indicator__item__area__plan=seventh, fiscal_year=seventh.first_fiscal_year - 1
    )
    recorded = {result.indicator_id: result.value for result in baselines}
    direction = set(
        Target.objects.filter(indicator__item__area__plan=seventh, kind="direction").values_list(
            "indicator_id", flat=True
        )
    )
    assert set(recorded) == direction and len(direction) == 3
    before = statuses(seventh)
    baselines.delete()
    assert {statuses(seventh)[(indicator_id, 2018)] for indicator_id in direction} == {"not_entered"}

    page = admin_client.get(url(seventh)).content.decode()
    assert page.count('<th scope="row">平成29年度（増減の基準）</th>') == 3  # one row per 「増加」 target
    typed = {f"value_{indicator_id}_2017": f"{value.normalize():f}" for indicator_id, value in recorded.items()}
    response = admin_client.post(url(seventh), form_data(admin_client, seventh, **typed))
    assert response.status_code == 302, response.context["form"].error_summary()
    assert statuses(seventh) == before
    saved = YearlyResult.objects.filter(indicator_id__in=direction, fiscal_year=2017)
    assert {result.indicator_id: result.value for result in saved} == recorded
    assert {h.history_change_reason for h in YearlyResult.history.filter(fiscal_year=2017)} >= {"実績の一括入力"}


def test_a_baseline_year_is_refused_for_an_indicator_without_a_trend_target(seventh, admin):
    indicator = Indicator.objects.filter(item__area__plan=seventh).exclude(targets__kind="direction").first()
    with pytest.raises(PermissionDenied):
        period_figures_save(plan=seventh, user=admin, entries={(indicator.id, 2017): FigureEntry(value=Decimal(1))})
    assert not YearlyResult.objects.filter(indicator=indicator, fiscal_year=2017).exists()
    # A 「増加」 target's baseline is not graded: a forged verdict for it is refused, nothing written.
    trend = Indicator.objects.filter(item__area__plan=seventh, targets__kind="direction").first()
    before = YearlyResult.objects.get(indicator=trend, fiscal_year=2017).value
    forged = FigureEntry(value=Decimal(1), verdict="achieved", verdict_text="達成")
    with pytest.raises(PermissionDenied):
        period_figures_save(plan=seventh, user=admin, entries={(trend.id, 2017): forged})
    assert YearlyResult.objects.get(indicator=trend, fiscal_year=2017).value == before
