"""Reads of the reporting cycle: reminder facts, last reminders, attachments, threads and notices."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.roles import MANAGER, STAFF
from evaluations.due import is_pending, period_in_progress
from evaluations.models import ReportingYear, SelfEvaluation
from programs.fiscal_years import era_datetime_label, era_label
from programs.models import Item, Section

from . import policies
from .models import Attachment, Comment, DefaultReminderSchedule, Notice, ReminderSent, ReminderTiming
from .reminders import NO_SECTION, PendingItem, Person, SectionPending, YearFacts

_STATUS_LABELS = {None: "未入力", **dict(SelfEvaluation.Status.choices)}


def default_schedule() -> DefaultReminderSchedule:
    """Return the default reminder schedule (the row the migration creates; its defaults if it is gone)."""
    return DefaultReminderSchedule.objects.filter(id=1).first() or DefaultReminderSchedule(id=1)


# Which schedule a year follows: its own, the default (a period in progress), or none.
SCHEDULE_OWN, SCHEDULE_DEFAULT = "own", "default"


def year_schedules(
    *, today: datetime.date, default: ReminderTiming | None = None
) -> list[tuple[ReportingYear, ReminderTiming | None, str]]:
    """Return each open reporting year with a deadline, the schedule that applies and where it comes from.

    A year's own schedule decides for it (also to stop its reminders); the default covers the
    other years of the periods in progress (``evaluations.due.period_in_progress``), so a period
    long over or one just imported is not reminded unless an administrator gives it a schedule.
    """
    default = default or default_schedule()
    years = (
        ReportingYear.objects.filter(is_locked=False, deadline__isnull=False)
        .select_related("plan", "reminder_schedule")
        .order_by("plan__ordinal", "fiscal_year")
    )
    found = []
    for year in years:
        own = getattr(year, "reminder_schedule", None)
        if own is not None:
            found.append((year, own, SCHEDULE_OWN))
        elif period_in_progress(year.plan, today=today):
            found.append((year, default, SCHEDULE_DEFAULT))
        else:
            found.append((year, None, ""))
    return found


def schedules_to_run(*, today: datetime.date) -> list[tuple[ReportingYear, ReminderTiming]]:
    """Return each year a schedule reminds today, with that schedule (``year_schedules``, active ones)."""
    return [
        (year, timing) for year, timing, _ in year_schedules(today=today) if timing is not None and timing.is_active
    ]


def _person(user) -> Person:
    return Person(user_id=user.id, name=user.get_full_name() or user.get_username(), email=user.email)


def year_facts(*, reporting_year: ReportingYear) -> YearFacts:
    """Read everything the year's reminders need, in a fixed number of queries (five)."""
    status = SelfEvaluation.objects.filter(item=OuterRef("pk"), fiscal_year=reporting_year.fiscal_year).values(
        "status"
    )[:1]
    items = (
        Item.objects.filter(area__plan_id=reporting_year.plan_id)
        .select_related("area", "section")
        .annotate(evaluation_status=Subquery(status))
    )
    by_section: dict[int | None, list[PendingItem]] = {}
    names: dict[int | None, tuple[int, str]] = {}
    for item in items:
        if not is_pending(item.evaluation_status):
            continue
        label = f"{item.area.label} › {item.label} {item.short_title}"
        by_section.setdefault(item.section_id, []).append(
            PendingItem(item_id=item.id, label=label, status_label=_STATUS_LABELS[item.evaluation_status])
        )
        names[item.section_id] = (item.section.order, item.section.name) if item.section else (10**6, NO_SECTION)
    pending = tuple(
        SectionPending(section_id=section_id, name=names[section_id][1], items=tuple(found))
        for section_id, found in sorted(by_section.items(), key=lambda entry: names[entry[0]])
    )

    users = get_user_model().objects.filter(is_active=True)
    staff_by_section: dict[int, list[Person]] = {}
    section_ids = [section.section_id for section in pending if section.section_id is not None]
    memberships = Section.members.through.objects.filter(
        section_id__in=section_ids, user__in=users.filter(groups__name=STAFF)
    ).select_related("user")
    for membership in memberships:
        staff_by_section.setdefault(membership.section_id, []).append(_person(membership.user))
    managers = tuple(_person(user) for user in users.filter(groups__name=MANAGER).order_by("id"))
    already_sent = frozenset(
        ReminderSent.objects.filter(reporting_year=reporting_year).values_list("recipient_id", "step")
    )
    return YearFacts(
        reporting_year_id=reporting_year.id,
        title=str(reporting_year),
        fiscal_year=reporting_year.fiscal_year,
        deadline=reporting_year.deadline,
        pending=pending,
        staff_by_section={key: tuple(value) for key, value in staff_by_section.items()},
        managers=managers,
        already_sent=already_sent,
    )


def last_reminders_by_section(*, reporting_year: ReportingYear) -> dict[int, datetime.datetime]:
    """Return, per section id, when a reminder about it was last sent for the year (one query)."""
    rows = (
        ReminderSent.sections.through.objects.filter(remindersent__reporting_year=reporting_year)
        .values("section_id")
        .annotate(last=Max("remindersent__sent_at"))
    )
    return {row["section_id"]: row["last"] for row in rows}


def last_reminder_for(*, reporting_year: ReportingYear, section: Section | None = None) -> datetime.datetime | None:
    """Return when the last reminder of the year was sent (about ``section`` when given), or None."""
    sent = ReminderSent.objects.filter(reporting_year=reporting_year)
    if section is not None:
        sent = sent.filter(sections=section)
    return sent.aggregate(last=Max("sent_at"))["last"]


def reminder_label(sent_at: datetime.datetime | None) -> str:
    """Return 「最終督促：11月20日」 in Tokyo time for the progress panel, or "" when none was sent."""
    if sent_at is None:
        return ""
    day = timezone.localtime(sent_at).date()
    return f"最終督促：{day.month}月{day.day}日"


def entry_state(*, item: Item, fiscal_year: int) -> tuple[ReportingYear | None, SelfEvaluation | None]:
    """Return the reporting year and the entry whose state decides whether the 別紙 may change (two queries)."""
    reporting_year = ReportingYear.objects.of(plan_id=item.area.plan_id, fiscal_year=fiscal_year)
    return reporting_year, SelfEvaluation.objects.filter(item=item, fiscal_year=fiscal_year).first()


def attachments_for(*, item: Item, fiscal_year: int) -> list[Attachment]:
    return list(
        Attachment.objects.filter(item=item, fiscal_year=fiscal_year)
        .select_related("uploaded_by")
        .order_by("title", "id")
    )


def attachment_titles(*, item: Item, fiscal_year: int) -> list[str]:
    """Return the titles of the item-year's evidence files (the sheet's 参考資料), in title order."""
    titles = Attachment.objects.filter(item=item, fiscal_year=fiscal_year).order_by("title", "id")
    return list(titles.values_list("title", flat=True))


def attachment_titles_by_item_year(*, item_ids, fiscal_years) -> dict[tuple[int, int], tuple[str, ...]]:
    """Return the titles per (item id, fiscal year) for a whole sheet in one query."""
    found: dict[tuple[int, int], list[str]] = {}
    rows = (
        Attachment.objects.filter(item_id__in=item_ids, fiscal_year__in=fiscal_years)
        .order_by("item_id", "fiscal_year", "title", "id")
        .values_list("item_id", "fiscal_year", "title")
    )
    for item_id, fiscal_year, title in rows:
        found.setdefault((item_id, fiscal_year), []).append(title)
    return {key: tuple(titles) for key, titles in found.items()}


# -- The item-year thread (やり取り) and notices (お知らせ) ---------------------------------------


def era_time_label(moment: datetime.datetime) -> str:
    """Return a moment in Tokyo time as 「令和8年11月20日 14:05」 (the one home is ``era_datetime_label``)."""
    return era_datetime_label(moment)


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class ThreadEntry:
    """One line of an item-year's thread, ready to show."""

    id: int
    fiscal_year: int
    kind: str
    kind_label: str
    body: str
    author: str
    role: str
    created_at: datetime.datetime
    time_label: str


def _entry(comment: Comment) -> ThreadEntry:
    return ThreadEntry(
        id=comment.id,
        fiscal_year=comment.fiscal_year,
        kind=comment.kind,
        kind_label=comment.get_kind_display(),
        body=comment.body,
        author=_display_name(comment.author),
        role=comment.author_role,
        created_at=comment.created_at,
        time_label=era_time_label(comment.created_at),
    )


def thread_entries(*, item_id: int, fiscal_years) -> list[ThreadEntry]:
    """Return the thread of an item over the given years, oldest first (one query)."""
    comments = (
        Comment.objects.filter(item_id=item_id, fiscal_year__in=list(fiscal_years))
        .select_related("author")
        .order_by("fiscal_year", "created_at", "id")
    )
    return [_entry(comment) for comment in comments]


def manager_ids() -> set[int]:
    """Return the ids of the active managers (those told of a submission)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=MANAGER)
    return set(users.values_list("id", flat=True))


def item_staff_ids(*, item: Item, also: int | None = None) -> set[int]:
    """Return the ids of the owning section's active staff, and of user ``also`` (the submitter) if active."""
    wanted = Q(groups__name=STAFF, sections=item.section_id) if item.section_id else Q(pk__in=[])
    if also is not None:
        wanted |= Q(pk=also)
    users = get_user_model().objects.filter(wanted, is_active=True)
    return set(users.values_list("id", flat=True).distinct())


def visible_notices(*, user):
    """Return the user's notices whose item-year thread they may still read (the thread page's policy)."""
    notices = Notice.objects.filter(recipient=user)
    sections = policies.thread_reader_sections(user)
    if sections is not policies.ALL_SECTIONS:
        notices = notices.filter(item__section_id__in=sorted(sections))
    return notices


def unread_notice_count(*, user) -> int:
    """Return how many of the user's visible notices are unread (one notice query, whatever the number)."""
    return visible_notices(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class NoticeRow:
    id: int
    kind: str
    message: str
    item_label: str
    fiscal_year_label: str
    actor: str
    comment: str
    time_label: str
    is_unread: bool


NOTICE_PAGE_SIZE = 100


def _item_label(item: Item) -> str:
    return f"{item.area.plan.name} {item.area.label} › {item.label} {item.short_title}"


def notices_for(*, user, limit: int = NOTICE_PAGE_SIZE) -> list[NoticeRow]:
    """Return the user's latest visible notices, newest first, with what the list shows (one query)."""
    notices = (
        visible_notices(user=user)
        .select_related("item__area__plan", "actor", "comment")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        NoticeRow(
            id=notice.id,
            kind=notice.kind,
            message=notice.get_kind_display(),
            item_label=_item_label(notice.item),
            fiscal_year_label=era_label(notice.fiscal_year),
            actor=_display_name(notice.actor) if notice.actor else "",
            comment=notice.comment.body if notice.comment else "",
            time_label=era_time_label(notice.created_at),
            is_unread=notice.read_at is None,
        )
        for notice in notices
    ]
