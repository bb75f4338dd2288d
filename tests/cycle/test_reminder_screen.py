"""The 督促メール screen: an administrator edits the default schedule, previews today's mails,
sends them through the task worker (once, however often 送信 is pressed) and sees each result."""

import datetime

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse

from cycle.models import DefaultReminderSchedule, OutgoingMail, ReminderSent
from evaluations.models import ReportingYear, SelfEvaluation
from tests.workflow_world import PASSWORD, evaluation

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)  # a Monday, 令和8年度
URL = reverse("cycle:reminders")


@pytest.fixture
def ninth(world, monkeypatch):
    """第9期 as `make run` has it: years due on 31 May after each, two of them overdue on TODAY."""
    from tests import factories

    for user in world.users.values():
        user.email = f"{user.username}@example.lg.jp"
        user.save(update_fields=["email"])
    plan = factories.plan_period(name="第9期", ordinal=9, first_fiscal_year=2024, last_fiscal_year=2026)
    area = factories.policy_area(plan=plan, number=7, title="地域ケア会議の推進")
    item = factories.item(area=area, number=1, section=world.own_item.section, title="講師養成研修")
    for fiscal_year in (2024, 2025, 2026):
        ReportingYear.objects.create(plan=plan, fiscal_year=fiscal_year, deadline=datetime.date(fiscal_year + 1, 5, 31))
    monkeypatch.setattr("cycle.views.today_in_tokyo", lambda: TODAY)
    return item


def _admin(world) -> Client:
    client = Client()
    assert client.login(username=world.users["admin"].username, password=PASSWORD)
    return client


def test_the_default_schedule_exists_after_migrate_on_an_empty_database():
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # The data migration runs on the historical models: replay it on a table emptied as a
    # fresh installation has it (a transactional test may have flushed the one `migrate` made).
    name = "0005_create_default_reminder_schedule"
    DefaultReminderSchedule.objects.all().delete()
    apps = MigrationLoader(connection).project_state(("cycle", name)).apps
    importlib.import_module(f"cycle.migrations.{name}").create_default_schedule(apps, None)
    importlib.import_module(f"cycle.migrations.{name}").create_default_schedule(apps, None)  # idempotent
    schedule = DefaultReminderSchedule.objects.get()
    assert (schedule.days_before_list, schedule.repeat_after_days, schedule.is_active) == ((14, 3, 0), 7, True)
    assert schedule.summary == "期限の14日前・3日前・当日、期限後は7日ごと"


def test_only_administrators_open_the_screen(world, ninth):
    for role in ("staff_own", "manager", "no_role"):
        client = Client()
        assert client.login(username=world.users[role].username, password=PASSWORD)
        assert client.get(URL).status_code == 403, role
        assert client.post(reverse("cycle:reminders_send")).status_code == 403, role
    assert mail.outbox == [] and not OutgoingMail.objects.exists()
    assert Client().get(URL).status_code == 302


def test_the_preview_names_who_gets_what_for_which_years_and_writes_nothing(world, ninth):
    response = _admin(world).get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    # The default covers 第9期 (in progress); 第8期's open year has no deadline and is not listed.
    assert "第9期 令和6年度（期限後553日）" in page and "第9期 令和7年度（期限後189日）" in page
    assert "第9期 令和8年度" in page and "次回: 令和9年5月17日（月）（期限14日前）" in page
    assert "staff-own</strong> &lt;staff-own@example.lg.jp&gt;" in page
    assert "在宅支援課: 未提出 1件（7 地域ケア会議の推進 › 事項1 講師養成研修［未入力］）" in page
    assert "件名: 【督促】第9期 令和6年度の実績・自己評価（入力期限 令和7年5月31日（土））" in page
    assert "4件の督促メールを今すぐ送信する" in page  # staff-own and the manager, for two years
    assert mail.outbox == [] and not ReminderSent.objects.exists() and not OutgoingMail.objects.exists()


def test_send_now_goes_through_the_tasks_is_recorded_and_a_double_click_sends_once(world, ninth):
    client = _admin(world)
    send = reverse("cycle:reminders_send")
    response = client.post(send)
    assert response.status_code == 302 and response.url == URL + "#mails"
    client.post(send)  # the double click
    assert sorted(message.to[0] for message in mail.outbox) == [
        "manager@example.lg.jp",
        "manager@example.lg.jp",
        "staff-own@example.lg.jp",
        "staff-own@example.lg.jp",
    ]
    records = OutgoingMail.objects.all()
    assert {(m.status, m.requested_by, m.kind) for m in records} == {
        (OutgoingMail.Status.SENT, world.users["admin"], OutgoingMail.Kind.REMINDER)
    }
    assert ReminderSent.objects.filter(mail__isnull=False).count() == 4
    page = client.get(URL).content.decode()
    assert "督促メール 4件を送信処理に渡しました" in page
    assert page.count("<strong>送信済み</strong>") == 4
    assert "今日送る督促はありません（送信済み、または対象がありません）。" in page  # what the 2nd click found
    assert "この段階の督促はすべて送信済みです。" in page


def test_a_failure_is_shown_with_its_reason_and_retried_once(world, ninth, monkeypatch):
    def refuse(self, fail_silently=False):
        raise OSError("SMTP 接続が拒否されました")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    client = _admin(world)
    client.post(reverse("cycle:reminders_send"))
    page = client.get(URL).content.decode()
    assert "督促メール 4件の送信に失敗しました" in page
    assert "送信に失敗したメールが 4件あります" in page
    assert "失敗の理由: OSError: SMTP 接続が拒否されました（次の自動再送 令和" in page
    monkeypatch.undo()
    failed = OutgoingMail.objects.filter(email="staff-own@example.lg.jp").first()
    retry = reverse("cycle:mail_retry", args=[failed.id])
    assert client.post(retry).status_code == 302
    client.post(retry)  # pressed twice: the second finds it sent
    assert [message.to for message in mail.outbox] == [["staff-own@example.lg.jp"]]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == (OutgoingMail.Status.SENT, 2, "")
    assert OutgoingMail.objects.filter(status=OutgoingMail.Status.FAILED).count() == 3


def test_the_default_schedule_is_edited_and_bad_input_changes_nothing(world, ninth):
    client = _admin(world)
    for bad in ({"days_before": "14,x", "repeat_after_days": "7"}, {"days_before": "7", "repeat_after_days": "99999"}):
        response = client.post(URL, {**bad, "is_active": "on"})
        assert response.status_code == 400
        assert "督促予定を保存できませんでした" in response.content.decode()
    assert DefaultReminderSchedule.objects.get().days_before == "14,3,0"
    response = client.post(URL, {"days_before": "１０、５", "repeat_after_days": "", "is_active": "on"})
    assert response.status_code == 302
    schedule = DefaultReminderSchedule.objects.get()
    assert (schedule.days_before, schedule.repeat_after_days) == ("10,5", None)
    assert schedule.history.first().history_user == world.users["admin"]
    page = client.get(URL).content.decode()
    assert "期限の10日前・5日前、期限後は督促しない" in page
    assert "今日送る督促はありません。" in page  # both overdue years: nothing after the deadline now
    client.post(URL, {"days_before": "14,3,0", "repeat_after_days": "7"})  # 督促する unticked
    assert "督促の対象はありません" in _dry_run()


def test_a_year_of_its_own_schedule_wins_and_a_past_period_is_not_reminded_by_default(world, ninth):
    from cycle.models import ReminderSchedule

    ReportingYear.objects.filter(plan=world.plan, fiscal_year=2023).update(deadline=datetime.date(2024, 5, 31))
    stopped = ReportingYear.objects.get(plan=ninth.area.plan, fiscal_year=2024)
    ReminderSchedule.objects.create(reporting_year=stopped, is_active=False)
    output = _dry_run()
    assert "第9期 令和7年度" in output
    assert "第9期 令和6年度" not in output and "第8期" not in output
    evaluation(ninth, 2025, status=SelfEvaluation.Status.SUBMITTED)
    assert "第9期 令和7年度（期限後189日）: 送信予定 0件" in _dry_run()  # submitted: nobody is chased


def _dry_run() -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_reminders", "--dry-run", "--today", TODAY.isoformat(), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("days_before", "repeat"),
    [("1" * 90, "7"), ("367", "7"), ("1" * 5000, "7"), ("14,3,0", "367"), ("14,3,0", "9" * 20), ("<b>1</b>", "-1")],
)
def test_huge_or_odd_numbers_are_refused_with_the_reason_and_nothing_changes(world, ninth, days_before, repeat):
    # A 90-digit day was accepted and stored, and then every page that read it overflowed a date (500).
    response = _admin(world).post(URL, {"days_before": days_before, "repeat_after_days": repeat, "is_active": "on"})
    assert response.status_code == 400
    assert 'class="error" id="' in response.content.decode()
    schedule = DefaultReminderSchedule.objects.get()
    assert (schedule.days_before, schedule.repeat_after_days) == ("14,3,0", 7)


def test_a_stored_schedule_the_rule_now_refuses_breaks_neither_the_screen_nor_the_daily_run(world, ninth):
    DefaultReminderSchedule.objects.filter(id=1).update(days_before="1" * 90 + ",x,3")
    response = _admin(world).get(URL)
    assert response.status_code == 200
    assert "期限の3日前、期限後は7日ごと" in response.content.decode()
    assert "第9期 令和7年度（期限後189日）: 送信予定 2件" in _dry_run()


def _page_queries() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cycle.reminder_page import reminder_page

    with CaptureQueriesContext(connection) as context:
        reminder_page(today=TODAY)
    return len(context.captured_queries)


def test_the_screen_reads_in_the_same_queries_whatever_the_number_of_items_and_mails(world, ninth):
    from tests import factories

    small = _page_queries()
    for number in range(10, 30):
        factories.item(area=ninth.area, number=number, section=ninth.section, title=f"事項{number}")
    _admin(world).post(reverse("cycle:reminders_send"))
    large = _page_queries()
    # The default and the years (for the table, then for the preview), the mails and their count;
    # five per year with a reminder due (two here, as in make run's data).
    assert (small, large) == (14, 14)


def test_the_send_service_itself_refuses_anyone_but_an_administrator(world, ninth):
    from django.core.exceptions import PermissionDenied

    from cycle.services import reminders_send

    with pytest.raises(PermissionDenied):
        reminders_send(today=TODAY, by=world.users["manager"])
    assert mail.outbox == [] and not OutgoingMail.objects.exists()
