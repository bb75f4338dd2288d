"""What the reminder screen shows: the schedules in force, today's preview and the mails sent.

A read model for ``views.reminders`` (nothing here writes): each open reporting year with a
deadline and the schedule that reminds it (its own, the default, or none), the next send date,
who would get which mail if 送信 were pressed today, and the latest mails with their result.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from programs.fiscal_years import deadline_label, era_date_label

from . import selectors
from .models import DefaultReminderSchedule, OutgoingMail
from .reminder_steps import next_step
from .selectors import SCHEDULE_DEFAULT, SCHEDULE_OWN, year_schedules
from .services import ReminderOutcome, reminders_plan

RECENT_MAILS = 50


@dataclass(frozen=True)
class YearRow:
    title: str  # 「第9期 令和7年度」
    deadline_label: str  # 「令和8年5月31日（190日超過）」
    schedule_label: str  # 「既定」「年度別」「なし（進行中の計画期間ではありません）」
    summary: str
    next_label: str  # 「令和8年12月7日（期限後196日）」 or ""


@dataclass(frozen=True)
class ReminderPage:
    default: DefaultReminderSchedule
    years: tuple[YearRow, ...]
    preview: tuple[ReminderOutcome, ...]
    mails: tuple[OutgoingMail, ...]
    failed_count: int
    today_label: str

    @property
    def preview_count(self) -> int:
        return sum(len(outcome.planned) for outcome in self.preview)


SCHEDULE_LABELS = {SCHEDULE_OWN: "年度別", SCHEDULE_DEFAULT: "既定", "": "なし（進行中の計画期間ではありません）"}


def _year_rows(today: datetime.date, default) -> tuple[YearRow, ...]:
    rows = []
    for year, timing, source in year_schedules(today=today, default=default):
        label = SCHEDULE_LABELS[source]
        step = None
        if timing is not None and timing.is_active:
            step = next_step(
                deadline=year.deadline,
                days_before=timing.days_before_list,
                repeat_after_days=timing.repeat_after_days,
                today=today,
            )
        rows.append(
            YearRow(
                title=str(year),
                deadline_label=deadline_label(year.deadline, today),
                schedule_label=label,
                summary=timing.summary if timing is not None else "督促しない",
                next_label=f"{era_date_label(step.send_on, weekday=True)}（{step.label}）" if step else "",
            )
        )
    return tuple(rows)


def reminder_page(*, today: datetime.date) -> ReminderPage:
    """Return everything the reminder screen shows for ``today`` (Tokyo's date)."""
    mails = OutgoingMail.objects.select_related("recipient", "requested_by", "reporting_year__plan", "item")
    counts = OutgoingMail.objects.aggregate(failed=Count("id", filter=Q(status=OutgoingMail.Status.FAILED)))
    default = selectors.default_schedule()
    return ReminderPage(
        default=default,
        years=_year_rows(today, default),
        preview=tuple(reminders_plan(today=today)),
        mails=tuple(mails.order_by("-created_at", "-id")[:RECENT_MAILS]),
        failed_count=counts["failed"],
        today_label=era_date_label(today, weekday=True),
    )
