"""Mail on 提出 (to the section's managers), 差戻し and 承認 (to the submitter): recorded, sent by the
task worker once the action commits, and never able to fail the action."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER
from cycle.models import Notice, OutgoingMail
from evaluations import services as workflow
from evaluations.models import SelfEvaluation
from tests.workflow_world import OPEN_YEAR, PASSWORD, complete_evaluation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def addresses(world, settings):
    settings.SITE_URL = "https://kaigo.example.lg.jp"
    for user in world.users.values():
        user.email = f"{user.username}@example.lg.jp"
        user.save(update_fields=["email"])
    # A manager of another section: a submission by 在宅支援課 is not theirs to hear of.
    other = make_user("manager-other", role=MANAGER, section=world.other_item.section)
    other.email = "manager-other@example.lg.jp"
    other.save(update_fields=["email"])
    own = make_user("manager-own", role=MANAGER, section=world.own_item.section)
    own.email = "manager-own@example.lg.jp"
    own.save(update_fields=["email"])
    return world


def _client(world, username) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _submit(world, django_capture_on_commit_callbacks):
    complete_evaluation(world.own_item, OPEN_YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.self_evaluation_submit(
            item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"], expected_version=1
        )


def _review(client, record, action, comment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            reverse("evaluations:review", args=[record.id]),
            {"action": action, "comment": comment, "version": record.version, "reason": ""},
        )


def test_a_submission_mails_the_sections_managers(addresses, django_capture_on_commit_callbacks):
    _submit(addresses, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["manager-own@example.lg.jp"]
    assert message.subject == "【提出】第8期 令和5年度 7 地域ケア会議の推進 › 事項1 講師養成研修"
    assert "提出されました。承認または差戻しをお願いします。" in message.body
    assert "提出: staff-own（令和" in message.body
    assert f"https://kaigo.example.lg.jp/entry/items/{addresses.own_item.id}/{OPEN_YEAR}/" in message.body
    record = OutgoingMail.objects.get()
    assert (record.kind, record.status, record.requested_by, record.item) == (
        OutgoingMail.Kind.SUBMITTED,
        OutgoingMail.Status.SENT,
        addresses.users["staff_own"],
        addresses.own_item,
    )


def test_without_a_manager_in_the_section_every_manager_is_mailed(world, django_capture_on_commit_callbacks):
    for user in world.users.values():
        user.email = f"{user.username}@example.lg.jp"
        user.save(update_fields=["email"])
    _submit(world, django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["manager@example.lg.jp"]]


def test_a_return_mails_the_submitter_with_the_reason(addresses, django_capture_on_commit_callbacks):
    record = _submit(addresses, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    manager = _client(addresses, "manager-own")
    response = _review(
        manager, record, "return", "受講者数の内訳を記入してください", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["staff-own@example.lg.jp"]
    assert message.subject.startswith("【差戻し】第8期 令和5年度")
    assert "差戻しの理由:\n受講者数の内訳を記入してください" in message.body
    assert "差戻し: manager-own" in message.body


def test_an_approval_mails_the_submitter(addresses, django_capture_on_commit_callbacks):
    record = _submit(addresses, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    _review(
        _client(addresses, "manager-own"), record, "approve", "よくまとまっています", django_capture_on_commit_callbacks
    )
    [message] = mail.outbox
    assert (message.to, message.subject[:4]) == (["staff-own@example.lg.jp"], "【承認】")
    assert "承認されました。" in message.body and "コメント:\nよくまとまっています" in message.body
    assert OutgoingMail.objects.filter(kind=OutgoingMail.Kind.APPROVED, status=OutgoingMail.Status.SENT).count() == 1


def test_a_failing_mail_never_fails_the_action(addresses, django_capture_on_commit_callbacks, monkeypatch):
    from django.core.mail import EmailMessage

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    record = _submit(addresses, django_capture_on_commit_callbacks)
    assert record.status == SelfEvaluation.Status.SUBMITTED
    response = _review(
        _client(addresses, "manager-own"), record, "return", "再確認を", django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == SelfEvaluation.Status.RETURNED
    assert Notice.objects.filter(recipient=addresses.users["staff_own"], kind=Notice.Kind.RETURNED).exists()
    failed = OutgoingMail.objects.filter(status=OutgoingMail.Status.FAILED)
    assert failed.count() == 2 and all("connection refused" in m.error for m in failed)


def test_a_mail_that_cannot_even_be_composed_leaves_the_action_done(
    addresses, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr("cycle.services.render_to_string", broken)
    record = _submit(addresses, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == SelfEvaluation.Status.SUBMITTED
    assert mail.outbox == [] and not OutgoingMail.objects.exists()
    assert Notice.objects.filter(kind=Notice.Kind.SUBMITTED).exists()


def test_a_rolled_back_action_sends_nothing(addresses, django_capture_on_commit_callbacks):
    from django.db import transaction

    complete_evaluation(addresses.own_item, OPEN_YEAR)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        workflow.self_evaluation_submit(
            item=addresses.own_item, fiscal_year=OPEN_YEAR, user=addresses.users["staff_own"], expected_version=1
        )
        raise RuntimeError("a later step failed")
    assert mail.outbox == [] and not OutgoingMail.objects.exists()
