"""When each reminder of a reporting year is due: the schedule's steps as dates.

A step is a whole number of days relative to the deadline: -14 and -3 are "14 and 3 days
before", 0 is the deadline day, +7 and +14 the first and second weekly reminders after it.
A step on or before the deadline that falls on a weekend or holiday goes out on the
previous working day (so the reminder arrives no later than promised); a step after the
deadline goes out on the next working day (sending it earlier would cut the interval short).

Example (deadline Saturday 2026-05-09, schedule 「14,3,0」 and every 7 days after):
step -14 → Sat 04-25 → Fri 04-24; step -3 → Wed 05-06 (振替休日) → Fri 05-01;
step 0 → Sat 05-09 → Fri 05-08; step +7 → Sat 05-16 → Mon 05-18.

On a given day only the latest step already due is sent, and only to whom it was not sent
before, so a missed run is caught up the next day without a flood of older steps. A step
before the deadline is not caught up once the deadline has passed.
"""

import datetime
import unicodedata
from dataclasses import dataclass

from .working_days import next_working_day, previous_working_day

MAX_DAYS = 366  # a reminder more than a year from its deadline is a typo, and larger ones overflow a date
ERROR_DAYS_BEFORE = f"「14,3,0」のように、0～{MAX_DAYS}の日数をカンマ区切りで入力してください。"


@dataclass(frozen=True)
class Step:
    offset: int  # days relative to the deadline; negative before it
    send_on: datetime.date

    @property
    def label(self) -> str:
        """Return the Japanese name of the step: 「期限14日前」「期限当日」「期限後7日」."""
        if self.offset < 0:
            return f"期限{-self.offset}日前"
        if self.offset == 0:
            return "期限当日"
        return f"期限後{self.offset}日"

    @property
    def is_after_deadline(self) -> bool:
        return self.offset > 0


def parse_days_before(text: str) -> tuple[int, ...]:
    """Read 「14,3,0」 (full-width digits and 、 accepted) as (14, 3, 0); raise ValueError otherwise."""
    normalised = unicodedata.normalize("NFKC", text).replace("、", ",")
    parts = [part.strip() for part in normalised.split(",") if part.strip()]
    try:
        days = tuple(sorted({int(part) for part in parts}, reverse=True))
    except ValueError:
        raise ValueError(ERROR_DAYS_BEFORE) from None
    if any(day < 0 or day > MAX_DAYS for day in days):
        raise ValueError(ERROR_DAYS_BEFORE)
    return days


def stored_days_before(text: str) -> tuple[int, ...]:
    """Return the days of a stored schedule that the rule accepts, dropping the rest.

    A row saved before a rule was tightened (or written around the form) must not break the
    screen or the daily run: 「14,x,99999」 reads as (14,).
    """
    normalised = unicodedata.normalize("NFKC", text).replace("、", ",")
    days = set()
    for part in normalised.split(","):
        try:
            day = int(part.strip())
        except ValueError:
            continue
        if 0 <= day <= MAX_DAYS:
            days.add(day)
    return tuple(sorted(days, reverse=True))


def step_send_date(deadline: datetime.date, offset: int) -> datetime.date:
    """Return the working day on which the step ``offset`` days from ``deadline`` goes out."""
    nominal = deadline + datetime.timedelta(days=offset)
    return previous_working_day(nominal) if offset <= 0 else next_working_day(nominal)


def due_step(
    *, deadline: datetime.date, days_before: tuple[int, ...], repeat_after_days: int | None, today: datetime.date
) -> Step | None:
    """Return the latest step whose send date is on or before ``today``, or None before the first."""
    steps = [Step(offset=-days, send_on=step_send_date(deadline, -days)) for days in days_before]
    if repeat_after_days and today > deadline:
        elapsed = (today - deadline).days
        # The latest repeat whose nominal date has passed, and the one before it in case the
        # latest is pushed past today by a holiday.
        latest = (elapsed // repeat_after_days) * repeat_after_days
        for offset in (latest, latest - repeat_after_days):
            if offset > 0:
                steps.append(Step(offset=offset, send_on=step_send_date(deadline, offset)))
    # Once the deadline has passed, a request to enter "before the deadline" is no longer true:
    # only the steps after it remain (a schedule without them sends nothing more).
    due = [step for step in steps if step.send_on <= today and (step.offset > 0 or today <= deadline)]
    return max(due, key=lambda step: (step.send_on, step.offset)) if due else None


def next_step(
    *, deadline: datetime.date, days_before: tuple[int, ...], repeat_after_days: int | None, today: datetime.date
) -> Step | None:
    """Return the first step sent after ``today`` (the screen's 「次回」), or None when none is left.

    Example (deadline 2026-05-09, 「14,3,0」, weekly): on 2026-05-01 the next step is 0 (sent Fri
    05-08); on 2026-05-09 it is +7 (sent Mon 05-18).
    """
    steps = [Step(offset=-days, send_on=step_send_date(deadline, -days)) for days in days_before]
    if repeat_after_days:
        elapsed = max((today - deadline).days, 0)
        first = (elapsed // repeat_after_days) * repeat_after_days
        # Two repeats cover one pushed past a holiday weekend by the working-day rule.
        for offset in (first, first + repeat_after_days, first + 2 * repeat_after_days):
            if offset > 0:
                steps.append(Step(offset=offset, send_on=step_send_date(deadline, offset)))
    later = [step for step in steps if step.send_on > today]
    return min(later, key=lambda step: (step.send_on, step.offset)) if later else None
