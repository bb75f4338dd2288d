"""The schedule's steps as dates, with weekends and Japanese holidays moved to working days."""

import datetime

import pytest

from cycle.reminder_steps import Step, due_step, next_step, parse_days_before, step_send_date
from cycle.working_days import is_working_day, previous_working_day

D = datetime.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 5, 1), True),  # Friday
        (D(2026, 5, 2), False),  # Saturday
        (D(2026, 5, 4), False),  # みどりの日
        (D(2026, 5, 6), False),  # 振替休日
        (D(2026, 5, 7), True),
        (D(2026, 12, 29), False),  # year-end closure
        (D(2027, 1, 4), True),
    ],
)
def test_working_days_follow_weekends_national_holidays_and_the_year_end_closure(day, working):
    assert is_working_day(day) is working


def test_a_holiday_run_moves_back_to_the_last_working_day():
    assert previous_working_day(D(2026, 5, 6)) == D(2026, 5, 1)


def test_parse_days_before_sorts_latest_first_and_accepts_full_width():
    assert parse_days_before("3,14,0") == (14, 3, 0)
    assert parse_days_before("１４、３") == (14, 3)
    with pytest.raises(ValueError, match="カンマ区切り"):
        parse_days_before("14,x")
    with pytest.raises(ValueError):
        parse_days_before("-1")


def test_a_deadline_on_saturday_is_reminded_on_friday():
    assert step_send_date(D(2026, 5, 9), 0) == D(2026, 5, 8)


def test_a_deadline_day_in_golden_week_is_reminded_before_the_holidays():
    assert step_send_date(D(2026, 5, 6), 0) == D(2026, 5, 1)


def test_a_step_after_the_deadline_moves_to_the_next_working_day():
    assert step_send_date(D(2026, 5, 9), 7) == D(2026, 5, 18)


SCHEDULE = {"deadline": D(2026, 5, 9), "days_before": (14, 3, 0), "repeat_after_days": 7}


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 4, 23), None),
        (D(2026, 4, 24), Step(-14, D(2026, 4, 24))),  # 04-25 is a Saturday
        (D(2026, 4, 30), Step(-14, D(2026, 4, 24))),
        (D(2026, 5, 1), Step(-3, D(2026, 5, 1))),  # 05-06 is a substitute holiday
        (D(2026, 5, 8), Step(0, D(2026, 5, 8))),
        (D(2026, 5, 9), Step(0, D(2026, 5, 8))),
        (D(2026, 5, 16), None),  # +7 is a Saturday: waits for Monday (and the deadline-day step is over)
        (D(2026, 5, 18), Step(7, D(2026, 5, 18))),
        (D(2026, 5, 25), Step(14, D(2026, 5, 25))),
    ],
)
def test_due_step_is_the_latest_step_already_due(today, expected):
    assert due_step(today=today, **SCHEDULE) == expected


def test_without_repeats_nothing_is_due_after_the_deadline():
    # Not even the deadline-day step to someone who missed it: 「期限当日」 would no longer be true
    # (a fresh installation's years long overdue would otherwise all get it on the first run).
    assert due_step(today=D(2026, 6, 30), **{**SCHEDULE, "repeat_after_days": None}) is None
    assert due_step(today=D(2026, 5, 9), **{**SCHEDULE, "repeat_after_days": None}).offset == 0


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 4, 23), Step(-14, D(2026, 4, 24))),
        (D(2026, 5, 1), Step(0, D(2026, 5, 8))),  # sent on 05-01 for -3: the deadline day's is next
        (D(2026, 5, 9), Step(7, D(2026, 5, 18))),  # +7 falls on a Saturday: Monday
        (D(2026, 5, 18), Step(14, D(2026, 5, 25))),
    ],
)
def test_the_next_step_is_the_first_sent_after_today(today, expected):
    assert next_step(today=today, **SCHEDULE) == expected


def test_without_repeats_no_step_follows_the_deadline():
    assert next_step(today=D(2026, 5, 9), **{**SCHEDULE, "repeat_after_days": None}) is None


def test_step_labels():
    assert [Step(o, D(2026, 1, 5)).label for o in (-14, 0, 7)] == ["期限14日前", "期限当日", "期限後7日"]
