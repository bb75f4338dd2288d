"""send_reminders: who is mailed what, once per step, and --dry-run sends nothing."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from cycle import selectors
from cycle.models import ReminderSchedule, ReminderSent
from evaluations.models import ReportingYear, SelfEvaluation
from tests.workflow_world import OPEN_YEAR, evaluation

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 5, 9)  # a Saturday


@pytest.fixture
def schedule(world):
    for user in world.users.values():
        user.email = f"{user.username}@example.lg.jp"
        user.save(update_fields=["email"])
    reporting_year = ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR)
    reporting_year.deadline = DEADLINE
    reporting_year.save(update_fields=["deadline"])
    return ReminderSchedule.objects.create(reporting_year=reporting_year, days_before="14,3,0", repeat_after_days=7)


def _run(today: str, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", "--today", today, *args, stdout=out)
    return out.getvalue()


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_before_the_deadline_each_section_staff_get_their_unsubmitted_items(world, schedule, settings):
    settings.SITE_URL = "https://kaigo.example.lg.jp"
    evaluation(world.other_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    _run("2026-04-24")  # 14 days before falls on Saturday 04-25: sent on Friday
    assert _recipients() == ["staff-own@example.lg.jp"]
    [message] = mail.outbox
    assert message.subject == "【入力のお願い】第8期 令和5年度の実績・自己評価（入力期限 令和8年5月9日（土））"
    assert "です（あと15日）" in message.body  # the one countdown wording (deadline_note)
    assert "■ 在宅支援課（未提出 1件）" in message.body
    assert "事項1 講師養成研修（未入力）" in message.body
    assert f"https://kaigo.example.lg.jp/entry/items/{world.own_item.id}/{OPEN_YEAR}/" in message.body
    assert "実務者連絡会議" not in message.body
    sent = ReminderSent.objects.get()
    assert (sent.recipient, sent.step, sent.email) == (world.users["staff_own"], -14, "staff-own@example.lg.jp")
    assert list(sent.sections.values_list("name", flat=True)) == ["在宅支援課"]


def test_a_second_run_the_same_day_or_the_next_mails_no_one_again(world, schedule):
    _run("2026-04-24")
    first = len(mail.outbox)
    assert first == 2
    output = _run("2026-04-24")
    _run("2026-04-27")
    assert len(mail.outbox) == first
    assert "送信 0件" in output
    assert ReminderSent.objects.count() == 2


def test_the_deadline_day_reminder_moves_to_the_working_day_before_a_holiday_run(world, schedule):
    schedule.reporting_year.deadline = datetime.date(2026, 5, 6)  # 振替休日, after 05-03..05
    schedule.reporting_year.save(update_fields=["deadline"])
    _run("2026-05-01")
    assert {sent.step for sent in ReminderSent.objects.all()} == {0}
    assert "（本日まで）" not in mail.outbox[0].body and "（あと5日）" in mail.outbox[0].body
    mail.outbox.clear()
    _run("2026-05-06")
    assert mail.outbox == []


def test_after_the_deadline_managers_get_the_late_sections_weekly(world, schedule):
    evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.RETURNED)
    _run("2026-05-16")  # +7 is a Saturday: nothing new yet (the deadline step went out on 05-08)
    assert ReminderSent.objects.filter(step=7).count() == 0
    mail.outbox.clear()
    _run("2026-05-18")
    # The superuser holds no manager group and owns no section: administrators are not mailed.
    assert _recipients() == [
        "manager@example.lg.jp",
        "staff-other@example.lg.jp",
        "staff-own@example.lg.jp",
    ]
    manager_mail = next(message for message in mail.outbox if message.to == ["manager@example.lg.jp"])
    assert manager_mail.subject.startswith("【督促】")
    assert "（9日超過）" in manager_mail.body
    assert "・介護保険課：未提出 1件\n・在宅支援課：未提出 1件" in manager_mail.body
    own_mail = next(message for message in mail.outbox if message.to == ["staff-own@example.lg.jp"])
    assert "講師養成研修（差戻し）" in own_mail.body and "管理職の方へ" not in own_mail.body


def test_submitted_and_approved_items_are_not_reminded(world, schedule):
    evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.APPROVED)
    evaluation(world.other_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    assert "送信 0件" in _run("2026-05-18")
    assert mail.outbox == []


def test_dry_run_prints_who_would_get_what_and_sends_and_records_nothing(world, schedule):
    output = _run("2026-05-18", "--dry-run")
    assert mail.outbox == []
    assert ReminderSent.objects.count() == 0
    assert "第8期 令和5年度（期限後7日）: 送信予定 3件" in output
    assert "→ staff-own <staff-own@example.lg.jp>: 在宅支援課 未提出1件" in output
    assert "→ manager <manager@example.lg.jp>: 遅れている課: 介護保険課、在宅支援課" in output


def test_locked_years_inactive_schedules_and_people_without_address_are_skipped(world, schedule):
    world.users["staff_other"].email = ""
    world.users["staff_other"].save(update_fields=["email"])
    output = _run("2026-04-24")
    assert "staff-other: メールアドレスが未設定のため送れません" in output
    assert _recipients() == ["staff-own@example.lg.jp"]
    mail.outbox.clear()
    schedule.is_active = False
    schedule.save(update_fields=["is_active"])
    assert "督促の対象はありません" in _run("2026-05-01")
    schedule.is_active = True
    schedule.save(update_fields=["is_active"])
    ReportingYear.objects.filter(pk=schedule.reporting_year_id).update(is_locked=True)
    _run("2026-05-01")
    assert mail.outbox == []


def test_a_failed_send_is_recorded_as_failed_and_retried_once_by_a_later_run(world, schedule, monkeypatch):
    # Sending now goes through the task worker: the reminder is recorded with its mail, the
    # failure is kept on the mail (with the next attempt's time), and a later run sends it once.
    from django.core.mail import EmailMessage

    from cycle.models import OutgoingMail

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with pytest.raises(Exception, match="送れませんでした"):
        _run("2026-04-24")
    assert ReminderSent.objects.count() == 2
    failed = OutgoingMail.objects.filter(status=OutgoingMail.Status.FAILED)
    assert failed.count() == 2
    assert all("connection refused" in mail.error and mail.next_attempt_at for mail in failed)
    monkeypatch.undo()
    _run("2026-04-24")  # the retry is not due yet: nothing sent, nothing queued twice
    assert mail.outbox == []
    OutgoingMail.objects.update(next_attempt_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC))
    output = _run("2026-04-24")
    assert "2件を再送しました" in output
    assert _recipients() == ["staff-other@example.lg.jp", "staff-own@example.lg.jp"]
    assert set(OutgoingMail.objects.values_list("status", "attempts")) == {(OutgoingMail.Status.SENT, 2)}
    assert ReminderSent.objects.count() == 2


def test_last_reminder_per_section_for_the_progress_panel(world, schedule, django_assert_num_queries):
    _run("2026-04-24")
    ReminderSent.objects.update(sent_at=datetime.datetime(2026, 11, 20, 0, 30, tzinfo=datetime.UTC))
    with django_assert_num_queries(1):
        last = selectors.last_reminders_by_section(reporting_year=schedule.reporting_year)
    assert set(last) == {world.own_item.section_id, world.other_item.section_id}
    assert selectors.reminder_label(last[world.own_item.section_id]) == "最終督促：11月20日"
    assert (
        selectors.last_reminder_for(reporting_year=schedule.reporting_year, section=world.own_item.section)
        == (last[world.own_item.section_id])
    )
    assert selectors.reminder_label(None) == ""


def test_a_schedule_with_bad_days_is_refused_by_validation(world, schedule):
    from django.core.exceptions import ValidationError

    schedule.days_before = "14, tomorrow"
    with pytest.raises(ValidationError, match="カンマ区切り"):
        schedule.full_clean()


def test_the_dashboards_entry_panel_shows_each_sections_last_reminder(world, schedule, client):
    from django.urls import reverse

    from tests.workflow_world import PASSWORD

    _run("2026-04-24")
    ReminderSent.objects.update(sent_at=datetime.datetime(2026, 11, 20, 0, 30, tzinfo=datetime.UTC))
    assert client.login(username=world.users["manager"].username, password=PASSWORD)

    response = client.get(reverse("reports:dashboard"), {"plan": world.plan.name, "fiscal_year": OPEN_YEAR})

    page = response.content.decode()
    assert response.context["entry"].fiscal_year == OPEN_YEAR
    assert page.count("最終督促：11月20日") == 2  # both sections were reminded


def test_a_mail_left_sending_by_a_dead_worker_is_queued_again_by_the_daily_run(world, schedule):
    from cycle.models import OutgoingMail

    _run("2026-04-24")
    mail.outbox.clear()
    stuck = OutgoingMail.objects.first()
    OutgoingMail.objects.filter(pk=stuck.pk).update(
        status=OutgoingMail.Status.SENDING, next_attempt_at=datetime.datetime(2026, 4, 24, tzinfo=datetime.UTC)
    )
    fresh = OutgoingMail.objects.exclude(pk=stuck.pk).first()
    OutgoingMail.objects.filter(pk=fresh.pk).update(
        status=OutgoingMail.Status.SENDING, next_attempt_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    )
    assert "1件を再送しました" in _run("2026-04-24")  # the one still within its sending time is left alone
    assert [message.to for message in mail.outbox] == [[stuck.email]]
    assert OutgoingMail.objects.get(pk=fresh.pk).status == OutgoingMail.Status.SENDING
