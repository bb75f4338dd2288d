"""Two people, one record: the first save of a blank item-year, and a save that loses to an approval.

Whoever saves second must never overwrite what the first wrote without seeing it, and must
never lose what they typed.
"""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from evaluations import policies, services
from evaluations.models import SelfEvaluation, YearlyResult
from sheets.exports.entry_template import HEADER_ACTIVITIES
from tests.sheets.helpers import download_template, fill, history_count
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation

pytestmark = pytest.mark.django_db
Status = SelfEvaluation.Status


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _url(world):
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


def _open(client, world) -> str:
    """Load the entry screen and return the version its form carries, as the browser would send it."""
    html = client.get(_url(world)).content.decode()
    field = re.search(r'<input type="hidden" name="version"[^>]*>', html).group(0)
    value = re.search(r'value="([^"]*)"', field)
    return value.group(1) if value else ""


def _post(client, world, version, value, activities, **extra):
    data = {f"value_{world.indicator_id}": value, "activities": activities, "action": "save", "version": version}
    return client.post(_url(world), {**data, **extra})


# -- Item 4: the first save of a blank record ---------------------------------------------------


def test_a_blank_record_is_version_zero_on_the_entry_screen(world):
    assert _open(_client(world, "staff_own"), world) == "0"


def test_second_first_save_of_a_blank_record_is_a_conflict_and_the_first_text_survives(world):
    a, b = _client(world, "staff_own"), _client(world, "admin")
    version_a, version_b = _open(a, world), _open(b, world)
    assert _post(a, world, version_a, "140", "Aの取組", self_assessment="Aの自己評価").status_code == 302
    response = _post(b, world, version_b, "150", "Bの取組")
    html = response.content.decode()
    assert response.status_code == 200
    assert "他の利用者が先に保存しています" in html
    assert "Aの自己評価" in html  # the conflict box shows what A wrote
    assert "Bの取組" in html  # and B's own text is still in the form
    record = SelfEvaluation.objects.get()
    assert (record.activities, record.self_assessment, record.version) == ("Aの取組", "Aの自己評価", 1)
    assert YearlyResult.objects.get().value == Decimal(140)


@pytest.mark.parametrize("sent", [None, 0, 5])
def test_the_service_refuses_a_save_without_the_current_version_of_an_existing_record(world, sent):
    staff = world.users["staff_own"]
    services.item_entry_save(
        item=world.own_item, fiscal_year=OPEN_YEAR, user=staff, values={}, evaluation={"activities": "先"}
    )
    with pytest.raises(services.EditConflict):
        services.item_entry_save(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            user=world.users["admin"],
            values={world.indicator_id: Decimal(1)},
            evaluation={"activities": "後"},
            expected_version=sent,
        )
    assert SelfEvaluation.objects.get().activities == "先"
    assert not YearlyResult.objects.exists()


def test_an_empty_version_from_the_screen_on_an_existing_record_is_a_conflict(world):
    a, b = _client(world, "staff_own"), _client(world, "admin")
    assert _post(a, world, "0", "140", "Aの取組").status_code == 302
    response = _post(b, world, "", "150", "Bの取組")
    assert "他の利用者が先に保存しています" in response.content.decode()
    assert SelfEvaluation.objects.get().activities == "Aの取組"


def test_an_import_previewed_on_a_blank_record_conflicts_with_a_colleagues_first_save(world):
    importer, colleague = _client(world, "staff_own"), _client(world, "admin")
    workbook = fill(
        download_template(importer, fiscal_year=str(OPEN_YEAR)),
        evaluations={world.own_item.id: {HEADER_ACTIVITIES: "取込の内容"}},
    )
    preview = importer.post(reverse("sheets:import_upload"), {"file": _upload(workbook)})
    token = preview.context["token"]
    assert token
    assert _post(colleague, world, _open(colleague, world), "140", "同僚の内容").status_code == 302
    before = history_count()
    page = importer.post(reverse("sheets:import_confirm"), {"token": token}, follow=True).content.decode()
    assert "他の利用者が更新しました" in page
    assert history_count() == before
    assert SelfEvaluation.objects.get().activities == "同僚の内容"


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("入力.xlsx", data)


# -- Item 13: a save that loses the race to an approval -----------------------------------------


def _approved_after_opening(world) -> tuple[Client, str]:
    """Staff open the submitted record; a manager approves it before they save."""
    staff = _client(world, "staff_own")
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.SUBMITTED, activities="提出した内容")
    version = _open(staff, world)
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])
    return staff, version


def test_the_service_refuses_a_save_to_a_record_approved_since_it_was_opened(world):
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.SUBMITTED)
    loaded = record.version
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])
    with pytest.raises(PermissionDenied, match=policies.REASON_APPROVED):
        services.item_entry_save(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            user=world.users["staff_own"],
            values={world.indicator_id: Decimal(150)},
            expected_version=loaded,
            change_reason="修正",
        )
    assert not YearlyResult.objects.exists()
    assert SelfEvaluation.objects.get().status == Status.APPROVED


def test_a_save_after_an_approval_shows_the_page_read_only_with_the_reason_and_my_text(world):
    staff, version = _approved_after_opening(world)
    response = _post(staff, world, version, "150", "入力途中の長い文章", change_reason="数値の訂正")
    html = response.content.decode()
    assert response.status_code == 409
    assert policies.REASON_APPROVED in html
    for typed in ("入力途中の長い文章", "数値の訂正", "150"):
        assert f">{typed}</textarea>" in html
    assert f'name="value_{world.indicator_id}"' not in html  # read-only: no inputs to save from
    assert "保存（下書き）" not in html
    assert not YearlyResult.objects.exists()
    assert SelfEvaluation.objects.get().activities == "提出した内容"


def test_an_approval_between_the_views_check_and_the_services_write_is_shown_the_same_way(world, monkeypatch):
    staff = _client(world, "staff_own")
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.DRAFT, activities="下書き")
    real_save = services.item_entry_save

    def approve_first(**kwargs):
        SelfEvaluation.objects.filter(pk=record.pk).update(status=Status.APPROVED)
        return real_save(**kwargs)

    monkeypatch.setattr(services, "item_entry_save", approve_first)
    response = _post(staff, world, str(record.version), "150", "競合した入力")
    html = response.content.decode()
    assert response.status_code == 409
    assert policies.REASON_APPROVED in html
    assert "競合した入力" in html
    assert not YearlyResult.objects.exists()


def test_a_save_after_the_year_was_locked_keeps_my_text(world):
    staff = _client(world, "staff_own")
    version = _open(staff, world)
    evaluation(world.own_item, OPEN_YEAR, status=Status.APPROVED)
    evaluation(world.other_item, OPEN_YEAR, status=Status.APPROVED)
    services.reporting_year_lock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["manager"])
    response = _post(staff, world, version, "150", "確定後に届いた入力")
    html = response.content.decode()
    assert response.status_code == 409
    assert "確定されているため変更できません" in html
    assert "確定後に届いた入力" in html
    assert not YearlyResult.objects.exists()


def test_a_user_who_may_not_edit_the_item_at_all_still_gets_403(world):
    response = _post(_client(world, "staff_other"), world, "0", "150", "他課の入力")
    assert response.status_code == 403


# -- The separate submit button and "save and submit" on a blank record ---------------------------


@pytest.mark.parametrize("sent", ["", "abc", "1"])
def test_submitting_without_the_current_version_is_a_conflict_not_a_server_error(world, sent):
    staff = _client(world, "staff_own")
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.DRAFT)
    SelfEvaluation.objects.filter(pk=record.pk).update(version=2)  # someone saved since
    response = staff.post(reverse("evaluations:submit", args=[world.own_item.id, OPEN_YEAR]), {"version": sent})
    assert response.status_code == 302
    assert "他の利用者" in staff.get(response["Location"]).content.decode()
    assert SelfEvaluation.objects.get().status == Status.DRAFT


def test_save_and_submit_of_an_empty_blank_record_says_why_instead_of_failing(world):
    staff = _client(world, "staff_own")
    response = staff.post(_url(world), {"version": "0", "action": "submit"})
    assert response.status_code == 409
    assert policies.REASON_SUBMIT_STATE in response.content.decode()
    assert not SelfEvaluation.objects.exists()
