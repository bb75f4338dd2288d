"""Selectors for each role's home page (issue 20 item 1): what needs this user, across periods and years.

* Staff: 「わたしの担当」 — every item-year of their sections that still needs them in the open
  reporting years that have begun (未入力, 入力中, 差戻し with the manager's reason, 提出済
  waiting), overdue first, then by deadline.
* Managers: 「承認待ち」 — every submission waiting, oldest first; and 要対応 across the periods
  in progress (``evaluations.attention`` on approved figures only).
* Administrators: the setup checklist, each line linking to where it is fixed.

Every home reads in a fixed number of queries whatever the number of periods, items or years
(tests/reports/test_home_query_counts.py).
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from accounts.permissions import is_manager, is_staff_member, is_system_admin, owned_section_ids
from accounts.roles import STAFF
from cycle.selectors import schedules_to_run
from evaluations import due
from evaluations.attention import AttentionEntry, attention_entries
from evaluations.models import ReportingYear, SelfEvaluation
from evaluations.progress import EntryStatus, plans_progress
from programs.fiscal_years import deadline_label, era_date_label, era_datetime_label, era_label, fiscal_year_of
from programs.models import Item, PlanPeriod, Section, item_label_of

# How far ahead an ending period without a successor is flagged (a rollover takes preparation).
SUCCESSOR_WARNING_DAYS = 365


@dataclass(frozen=True)
class WorkLine:
    """One item-year on a home list, linking to its entry screen."""

    plan_name: str
    fiscal_year: int
    item_id: int
    label: str  # 「7 地域ケア会議の推進 › 事項1 講師養成研修」
    section_name: str
    status: str  # EntryStatus
    status_label: str
    deadline: datetime.date | None
    deadline_label: str  # 「令和7年5月31日（554日超過）」, or "" without a deadline
    is_overdue: bool
    manager_comment: str  # the reason of a 差戻し
    submitted_at: datetime.datetime | None
    submitted_label: str  # 「令和8年11月30日 17:57 提出（在宅 太郎）」 on the approval queue
    url: str

    @property
    def year_label(self) -> str:
        return f"{self.plan_name} {era_label(self.fiscal_year)}"


@dataclass(frozen=True)
class PeriodAttention:
    plan_name: str
    entries: tuple[AttentionEntry, ...]
    labels: dict


@dataclass(frozen=True)
class CheckLine:
    """One finding of the administrator's setup checklist."""

    label: str
    details: tuple[str, ...]
    url: str
    link_label: str


@dataclass(frozen=True)
class Home:
    staff_lines: tuple[WorkLine, ...] | None  # None: the user is not staff
    approval_queue: tuple[WorkLine, ...] | None  # None: the user is not a manager
    attention: tuple[PeriodAttention, ...] | None
    checklist: tuple[CheckLine, ...] | None  # None: the user is not an administrator


def _open_years(today: datetime.date) -> list[ReportingYear]:
    """Return the open reporting years that have begun, of periods that have begun (one query)."""
    current = fiscal_year_of(today)
    return list(
        ReportingYear.objects.filter(is_locked=False, fiscal_year__lte=current, plan__first_fiscal_year__lte=current)
        .select_related("plan")
        .order_by("plan__ordinal", "fiscal_year")
    )


def _work_lines(years: list[ReportingYear], *, section_ids, statuses, today: datetime.date) -> list[WorkLine]:
    """Return the item-years of ``years`` in ``statuses`` (of ``section_ids`` when given): two queries."""
    if not years:
        return []
    plan_ids = {year.plan_id for year in years}
    items = Item.objects.filter(area__plan_id__in=plan_ids).select_related("area", "section")
    if section_ids is not None:
        items = items.filter(section_id__in=section_ids)
    items = list(items.order_by("area__number", "area__sub_number", "number"))
    evaluations = {
        (evaluation.item_id, evaluation.fiscal_year): evaluation
        for evaluation in SelfEvaluation.objects.filter(
            item__in=[item.id for item in items], fiscal_year__in={year.fiscal_year for year in years}
        ).select_related("submitted_by")
    }
    lines = []
    for year in years:
        for item in items:
            if item.area.plan_id != year.plan_id:
                continue
            evaluation = evaluations.get((item.id, year.fiscal_year))
            status = evaluation.status if evaluation else EntryStatus.NOT_STARTED
            if status not in statuses:
                continue
            pending = due.is_pending(status)
            overdue = pending and due.is_overdue(deadline=year.deadline, is_locked=year.is_locked, today=today)
            submitter = evaluation.submitted_by if evaluation else None
            submitted_at = evaluation.submitted_at if evaluation else None
            lines.append(
                WorkLine(
                    plan_name=year.plan.name,
                    fiscal_year=year.fiscal_year,
                    item_id=item.id,
                    label=f"{item.area.label} › {item_label_of(item.number)} {item.short_title}",
                    section_name=item.section.name if item.section else "",
                    status=status,
                    status_label=EntryStatus.LABELS[status],
                    deadline=year.deadline,
                    deadline_label=(
                        deadline_label(year.deadline, today)
                        if year.deadline and pending
                        else (era_date_label(year.deadline) if year.deadline else "")
                    ),
                    is_overdue=overdue,
                    manager_comment=evaluation.manager_comment if evaluation and pending else "",
                    submitted_at=submitted_at,
                    submitted_label=(
                        f"{era_datetime_label(submitted_at)} 提出"
                        + (f"（{submitter.get_full_name() or submitter.get_username()}）" if submitter else "")
                        if submitted_at
                        else ""
                    ),
                    url=reverse("evaluations:entry", args=[item.id, year.fiscal_year]),
                )
            )
    return lines


def _staff_order(line: WorkLine):
    # Overdue first (the longest overdue on top), then the nearest deadline, then waiting for approval last.
    return (not line.is_overdue, line.status == SelfEvaluation.Status.SUBMITTED, line.deadline or datetime.date.max)


STAFF_STATUSES = frozenset({*due.PENDING_STATUSES, SelfEvaluation.Status.SUBMITTED}) - {None}


def staff_home_lines(*, section_ids, today: datetime.date) -> tuple[WorkLine, ...]:
    """Return 「わたしの担当」: the item-years of the sections that need their staff (three queries)."""
    if not section_ids:
        return ()
    lines = _work_lines(_open_years(today), section_ids=section_ids, statuses=STAFF_STATUSES, today=today)
    return tuple(sorted(lines, key=_staff_order))


def approval_queue(*, today: datetime.date) -> tuple[WorkLine, ...]:
    """Return 「承認待ち」: every submission waiting for a manager, oldest submission first (three queries)."""
    lines = _work_lines(_open_years(today), section_ids=None, statuses={SelfEvaluation.Status.SUBMITTED}, today=today)
    oldest = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return tuple(sorted(lines, key=lambda line: line.submitted_at or oldest))


def attention_across_periods(*, today: datetime.date) -> tuple[PeriodAttention, ...]:
    """Return 要対応 of every period in progress, on approved figures (the read model's fixed queries)."""
    # A period whose years were never locked is not in progress for that: the calendar decides.
    years = [year for year in _open_years(today) if due.period_in_progress(year.plan, today=today)]
    plans = list({year.plan_id: year.plan for year in years}.values())
    if not plans:
        return ()
    all_years = list(ReportingYear.objects.filter(plan__in=plans))
    found = []
    for plan, progress in zip(plans, plans_progress(plans=plans), strict=True):
        entries = attention_entries(
            progress, reporting_years=[year for year in all_years if year.plan_id == plan.id], today=today
        )
        if entries:
            found.append(PeriodAttention(plan_name=plan.name, entries=entries, labels=dict(progress.labels)))
    return tuple(found)


def setup_checklist(*, today: datetime.date) -> tuple[CheckLine, ...]:
    """Return what an administrator still has to set up, each with the page that fixes it (six queries)."""
    checks = []
    years = _open_years(today)
    reminded = {year.id for year, _ in schedules_to_run(today=today)}
    unreminded = [
        f"{year.plan.name} {era_label(year.fiscal_year)}"
        for year in years
        if year.deadline is not None and year.id not in reminded and due.period_in_progress(year.plan, today=today)
    ]
    if unreminded:
        checks.append(
            CheckLine("督促されない報告年度", tuple(unreminded), reverse("cycle:reminders"), "督促予定を設定する")
        )
    no_deadline = [f"{year.plan.name} {era_label(year.fiscal_year)}" for year in years if year.deadline is None]
    if no_deadline:
        checks.append(
            CheckLine(
                "入力期限のない報告年度", tuple(no_deadline), _admin("evaluations_reportingyear"), "入力期限を設定する"
            )
        )
    staff_members = get_user_model().objects.filter(groups__name=STAFF, is_active=True)
    lonely = Section.objects.annotate(
        staff_count=Count("members", filter=Q(members__in=staff_members), distinct=True)
    ).filter(staff_count=0)
    lonely_names = tuple(section.name for section in lonely.order_by("order", "name"))
    if lonely_names:
        checks.append(CheckLine("担当者のいない課", lonely_names, _admin("programs_section"), "課に担当者を割り当てる"))
    homeless = staff_members.exclude(Exists(Section.members.through.objects.filter(user_id=OuterRef("pk"))))
    homeless_names = tuple(user.get_full_name() or user.get_username() for user in homeless.order_by("username"))
    if homeless_names:
        checks.append(CheckLine("担当課のない担当者", homeless_names, _admin("auth_user"), "担当課を設定する"))
    plans = list(PlanPeriod.objects.order_by("first_fiscal_year", "ordinal"))
    horizon = today + datetime.timedelta(days=SUCCESSOR_WARNING_DAYS)
    ending = [
        plan
        for plan in plans
        if today <= _period_end(plan) <= horizon
        and not any(other.first_fiscal_year > plan.last_fiscal_year for other in plans)
    ]
    if ending:
        checks.append(
            CheckLine(
                "1年以内に終わるのに次期計画のない計画期間",
                tuple(
                    f"{plan}（{era_date_label(datetime.date(plan.last_fiscal_year + 1, 3, 31))}終了）"
                    for plan in ending
                ),
                reverse("evaluations:rollover_start"),
                "次期計画を作成する",
            )
        )
    return tuple(checks)


def _period_end(plan: PlanPeriod) -> datetime.date:
    return datetime.date(plan.last_fiscal_year + 1, 3, 31)  # the last fiscal year ends on 31 March


def _admin(model: str) -> str:
    return reverse(f"admin:{model}_changelist")


def home_get(*, user, today: datetime.date) -> Home:
    """Return the parts of the home page the user's roles see (a user with several roles sees each)."""
    staff = is_staff_member(user) and not user.is_superuser
    manager = is_manager(user) and not user.is_superuser
    admin = is_system_admin(user)
    return Home(
        staff_lines=staff_home_lines(section_ids=owned_section_ids(user), today=today) if staff else None,
        approval_queue=approval_queue(today=today) if manager else None,
        attention=attention_across_periods(today=today) if manager else None,
        checklist=setup_checklist(today=today) if admin else None,
    )
