"""`make run`'s data reminds out of the box: `send_reminders --dry-run` names 在宅支援課's staff for
第9期's overdue years (deadlines come from the calendar rule: 31 May after each fiscal year)."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from cycle.models import OutgoingMail, ReminderSent
from evaluations.models import ReportingYear
from tests.browser import demo_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_run_data(tokyo_data, settings, monkeypatch):
    call_command("rollover_plan", "--from", "第8期", "--to", "第9期", "--skip-if-filled", verbosity=0)
    demo_users(settings, monkeypatch)


def _dry_run(*args) -> str:
    out = StringIO()
    call_command("send_reminders", "--dry-run", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_names_the_home_care_sections_staff_for_the_ninth_periods_overdue_years(make_run_data):
    # 第9期 is in progress from 令和6年4月1日 to 令和9年5月31日 (its last year's deadline); pick a day
    # in it after two deadlines (令和7年5月31日 and 令和8年5月31日) have passed.
    deadlines = dict(
        ReportingYear.objects.filter(plan__name="第9期").values_list("fiscal_year", "deadline").order_by("fiscal_year")
    )
    assert deadlines == {
        2024: datetime.date(2025, 5, 31),
        2025: datetime.date(2026, 5, 31),
        2026: datetime.date(2027, 5, 31),
    }
    output = _dry_run("--today", "2026-12-07")
    assert output.splitlines() == [
        "第9期 令和6年度（期限後553日）: 送信予定 2件",
        "  → デモ 担当者A <demo-staff-a@example.com>: 在宅支援課 未提出2件",
        "  → デモ 管理職 <demo-manager@example.com>: 遅れている課: 在宅支援課",
        "第9期 令和7年度（期限後189日）: 送信予定 2件",
        "  → デモ 担当者A <demo-staff-a@example.com>: 在宅支援課 未提出2件",
        "  → デモ 管理職 <demo-manager@example.com>: 遅れている課: 在宅支援課",
    ]
    # 第8期's years were never locked, but the period is over: the default schedule leaves it alone.
    assert "第8期" not in output and "第7期" not in output
    assert not ReminderSent.objects.exists() and not OutgoingMail.objects.exists()


def test_before_the_first_deadline_only_the_requests_before_it_go_out(make_run_data):
    output = _dry_run("--today", "2025-05-28")  # 令和7年5月31日 (Sat) - 3 = Wed 05-28
    assert output.splitlines()[0] == "第9期 令和6年度（期限3日前）: 送信予定 1件"
    assert "デモ 担当者A <demo-staff-a@example.com>: 在宅支援課 未提出2件" in output
    assert "デモ 管理職" not in output  # managers hear only of late sections
