"""Weighty actions ask once, showing what they will do (issue 20 item 5).

承認する opens a confirmation with the figures being approved; 「令和N年度を確定する」 one with
the count of items the lock freezes; neither writes until the answer is posted. A notice opens
the entry page at the figures, and an error is inside <main>, announced and focused.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cycle.models import Notice
from evaluations.models import ReportingYear, SelfEvaluation
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db

COMPLETE = {"activities": "a", "self_assessment": "b", "next_steps": "c"}


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _entry_url(world):
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


@pytest.fixture
def submitted(world) -> SelfEvaluation:
    staff = _client(world, "staff_own")
    staff.post(_entry_url(world), {f"value_{world.indicator_id}": "150", **COMPLETE, "action": "submit"})
    record = SelfEvaluation.objects.get()
    assert record.status == SelfEvaluation.Status.SUBMITTED
    return record


def test_approve_on_the_entry_page_opens_the_confirmation_not_the_approval(world, submitted):
    html = _client(world, "manager").get(_entry_url(world)).content.decode()
    button = re.search(r'<button[^>]*value="approve"[^>]*>承認する</button>', html).group(0)
    assert f'formaction="{reverse("evaluations:approve_confirm", args=[submitted.id])}"' in button


def test_the_confirmation_shows_the_figures_and_writes_nothing_until_answered(world, submitted):
    manager = _client(world, "manager")
    confirm = manager.post(
        reverse("evaluations:approve_confirm", args=[submitted.id]),
        {"action": "approve", "version": submitted.version, "comment": "確認しました"},
    )
    assert confirm.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", confirm.content.decode()).split())
    assert "受講者数 150人 153人（各年度） 98.0%" in text
    assert "この内容で承認する" in text
    assert f"› 事項{submitted.item.number} " in text  # item_label_of, as every page names the item
    assert SelfEvaluation.objects.get().status == SelfEvaluation.Status.SUBMITTED  # nothing written yet
    html = confirm.content.decode()
    assert f'action="{reverse("evaluations:review", args=[submitted.id])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    answered = manager.post(
        reverse("evaluations:review", args=[submitted.id]),
        {"action": "approve", "version": submitted.version, "comment": "確認しました"},
    )
    assert answered.status_code == 302
    record = SelfEvaluation.objects.get()
    assert (record.status, record.manager_comment) == (SelfEvaluation.Status.APPROVED, "確認しました")


def test_staff_cannot_open_the_approval_confirmation(world, submitted):
    response = _client(world, "staff_own").post(
        reverse("evaluations:approve_confirm", args=[submitted.id]), {"action": "approve", "version": 1}
    )
    assert response.status_code == 403
    assert SelfEvaluation.objects.get().status == SelfEvaluation.Status.SUBMITTED


def test_the_lock_button_asks_first_with_the_count_of_items_it_freezes(world):
    for item in (world.own_item, world.other_item):
        SelfEvaluation.objects.create(item=item, fiscal_year=OPEN_YEAR, status=SelfEvaluation.Status.APPROVED)
    manager = _client(world, "manager")
    my_work = manager.get(reverse("evaluations:my_work") + f"?plan=第8期&fiscal_year={OPEN_YEAR}").content.decode()
    confirm_url = reverse("evaluations:lock_confirm", args=[world.plan.id, OPEN_YEAR])
    assert f'action="{confirm_url}"' in my_work
    confirm = manager.post(confirm_url)
    assert confirm.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", confirm.content.decode()).split())
    assert "2件の事項 の実績・自己評価が変更できなくなります" in text
    assert not ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR).is_locked
    lock_url = reverse("evaluations:lock_year", args=[world.plan.id, OPEN_YEAR])
    assert f'action="{lock_url}"' in confirm.content.decode()
    assert manager.post(lock_url).status_code == 302
    assert ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR).is_locked


def test_the_lock_confirmation_refuses_a_year_not_all_approved(world):
    response = _client(world, "manager").post(reverse("evaluations:lock_confirm", args=[world.plan.id, OPEN_YEAR]))
    assert response.status_code == 403
    assert not ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR).is_locked


def test_a_notice_opens_the_entry_page_at_the_figures(world, submitted):
    notice = Notice.objects.filter(recipient=world.users["manager"]).first()
    assert notice is not None
    manager = _client(world, "manager")
    response = manager.post(reverse("cycle:notice_open", args=[notice.id]))  # opening marks it read: a POST
    assert response.url == _entry_url(world) + "#figures"
    assert '<h2 id="figures" tabindex="-1">指標と実績</h2>' in manager.get(_entry_url(world)).content.decode()


def test_an_error_is_inside_main_announced_and_focused(world, submitted):
    manager = _client(world, "manager")
    # 差し戻す without the reason it needs: refused with an error message.
    response = manager.post(
        reverse("evaluations:review", args=[submitted.id]),
        {"action": "return", "version": submitted.version, "comment": ""},
        follow=True,
    )
    html = response.content.decode()
    error = re.search(r'<p class="message message-error"[^>]*>', html)
    assert error is not None
    assert html.index('<main id="main"') < error.start() < html.index("</main>")
    assert 'role="alert"' in error.group(0) and "autofocus" in error.group(0)
    assert SelfEvaluation.objects.get().status == SelfEvaluation.Status.SUBMITTED
