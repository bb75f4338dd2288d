"""Writes of the reporting cycle: reminders, evidence files, the item-year thread and notices."""

import datetime
import hashlib
import logging
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import system_admin_refusal
from accounts.roles import MANAGER
from evaluations.models import ReportingYear, SelfEvaluation
from evaluations.workflow_events import Transition, WorkflowEvent
from programs.fiscal_years import deadline_note, era_date_label, era_datetime_label, era_label
from programs.models import Item

from . import policies, selectors
from .file_types import FileRejected, check_size, detect_kind, format_size
from .models import Attachment, Comment, DefaultReminderSchedule, Notice, OutgoingMail, ReminderSent
from .reminder_steps import due_step, parse_days_before
from .reminders import Person, PlannedReminder, YearFacts, plan_reminders

logger = logging.getLogger(__name__)

ERROR_COMMENT_EMPTY = "コメントを入力してください。"
ERROR_TITLE_TAKEN = "この年度には同じ表題の別紙がすでにあります。別の表題にするか、先に削除してください。"
ERROR_TOO_MANY = "この年度の別紙は{limit}件までです（登録済み {count}件）。不要な別紙を削除してから登録してください。"
ERROR_TOTAL_TOO_LARGE = (
    "この年度の別紙は合計 {limit} までです（登録済み {used}、このファイル {size}）。"
    "不要な別紙を削除するか、ファイルを小さくしてから登録してください。"
)
ATTACHED_BODY = "別紙「{title}」（{name}）を登録しました。"
DETACHED_BODY = "別紙「{title}」（{name}）を削除しました。"


# -- Mail: queued, sent by the task worker, recorded, retried ------------------------------------

ERROR_ENQUEUE = "送信の処理を登録できませんでした（{error}）。"
# A worker that claimed a mail and was killed before recording the result leaves it 送信中;
# after this long the daily run queues it again (it may then arrive twice, never not at all).
SENDING_TIMEOUT = datetime.timedelta(minutes=15)
# After the first failure a mail is tried again after each of these delays; then it waits for 再送.
RETRY_DELAYS = (
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
)


def _enqueue(mail_ids: list[int], *, run_after: datetime.datetime | None = None) -> None:
    """Hand each mail to the task worker; a queue that refuses marks the mail failed (never raises)."""
    from .tasks import mail_deliver_task

    for mail_id in mail_ids:
        try:
            task = mail_deliver_task.using(run_after=run_after) if run_after else mail_deliver_task
            task.enqueue(mail_id)
        except Exception as error:  # the queue's database or configuration: record it, retry later
            logger.exception("enqueue of mail %s failed", mail_id)
            OutgoingMail.objects.filter(pk=mail_id, status=OutgoingMail.Status.QUEUED).update(
                status=OutgoingMail.Status.FAILED,
                error=ERROR_ENQUEUE.format(error=error)[:1000],
                next_attempt_at=timezone.now() + RETRY_DELAYS[0],
            )


def mail_deliver(*, mail_id: int, now: datetime.datetime | None = None) -> str:
    """Send one recorded mail (in the task worker) and record the result; return its status.

    The claim is a conditional UPDATE, so a mail delivered twice (a task run twice, 再送 pressed
    twice) is sent once. A failure is recorded with its reason and, while ``RETRY_DELAYS`` last,
    the time of the next attempt (enqueued then when the task backend can defer).
    """
    now = now or timezone.now()
    # next_attempt_at while sending: when a worker that died mid-send is given up on (mails_retry_due).
    claimed = OutgoingMail.objects.filter(
        pk=mail_id, status__in=[OutgoingMail.Status.QUEUED, OutgoingMail.Status.FAILED]
    ).update(status=OutgoingMail.Status.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + SENDING_TIMEOUT)
    if not claimed:
        return "skipped"
    mail = OutgoingMail.objects.get(pk=mail_id)
    message = EmailMessage(subject=mail.subject, body=mail.body, to=[mail.email])
    try:
        message.send()
    except Exception as error:  # any SMTP or network failure: record it, retry with backoff
        logger.exception("mail %s to %s failed", mail.pk, mail.email)
        retry_at = now + RETRY_DELAYS[mail.attempts - 1] if mail.attempts <= len(RETRY_DELAYS) else None
        OutgoingMail.objects.filter(pk=mail.pk).update(
            status=OutgoingMail.Status.FAILED, error=f"{type(error).__name__}: {error}"[:1000], next_attempt_at=retry_at
        )
        if retry_at is not None and _backend_defers():
            _enqueue([mail.pk], run_after=retry_at)
        return OutgoingMail.Status.FAILED
    OutgoingMail.objects.filter(pk=mail.pk).update(
        status=OutgoingMail.Status.SENT, sent_at=timezone.now(), error="", next_attempt_at=None
    )
    return OutgoingMail.Status.SENT


def _backend_defers() -> bool:
    from .tasks import mail_deliver_task

    return mail_deliver_task.get_backend().supports_defer


def mail_retry(*, mail: OutgoingMail, by) -> bool:
    """Queue a failed mail again now (the screen's 再送); return False if it is not failed (sent or queued)."""
    if refused := system_admin_refusal(by):
        raise PermissionDenied(refused)
    requeued = OutgoingMail.objects.filter(pk=mail.pk, status=OutgoingMail.Status.FAILED).update(
        status=OutgoingMail.Status.QUEUED, next_attempt_at=None, requested_by=by
    )
    if requeued:
        _enqueue([mail.pk])
    return bool(requeued)


def mails_retry_due(*, now: datetime.datetime | None = None) -> int:
    """Queue again the failed mails whose next attempt is due, and those left 送信中 by a worker that
    died (the daily run catches what no worker deferred); return how many."""
    now = now or timezone.now()
    stuck = [OutgoingMail.Status.FAILED, OutgoingMail.Status.SENDING]
    due = OutgoingMail.objects.filter(status__in=stuck, next_attempt_at__lte=now)
    ids = []
    for mail_id in due.values_list("id", flat=True):
        if OutgoingMail.objects.filter(pk=mail_id, status__in=stuck, next_attempt_at__lte=now).update(
            status=OutgoingMail.Status.QUEUED, next_attempt_at=None
        ):
            ids.append(mail_id)
    _enqueue(ids)
    return len(ids)


# -- Reminders --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderOutcome:
    """What one run did (or, in a dry run, would do) for one reporting year."""

    reporting_year_id: int
    title: str
    step_label: str
    planned: list[PlannedReminder]
    unreachable: list[Person]
    failed: list[tuple[PlannedReminder, str]]
    mails: list[EmailMessage]

    @property
    def rows(self) -> list[tuple[PlannedReminder, EmailMessage]]:
        return list(zip(self.planned, self.mails, strict=True))


def _entry_url(item_id: int, fiscal_year: int) -> str:
    if not settings.SITE_URL:
        return ""
    return settings.SITE_URL + reverse("evaluations:entry", kwargs={"item_id": item_id, "fiscal_year": fiscal_year})


def reminder_message(*, facts: YearFacts, reminder: PlannedReminder, today: datetime.date) -> EmailMessage:
    """Compose the Japanese mail of one reminder (dates in 和暦)."""
    after = reminder.step.is_after_deadline
    subject_head = "【督促】" if after else "【入力のお願い】"
    year_label = era_label(facts.fiscal_year)
    deadline_label = era_date_label(facts.deadline, weekday=True)
    context = {
        "recipient": reminder.recipient,
        "title": facts.title,
        "year_label": year_label,
        "deadline_label": deadline_label,
        "deadline_note": deadline_note(facts.deadline, today),
        "own_sections": [
            (section, [(item, _entry_url(item.item_id, facts.fiscal_year)) for item in section.items])
            for section in reminder.own_sections
        ],
        "late_sections": reminder.late_sections,
        "my_work_url": settings.SITE_URL + reverse("evaluations:my_work") if settings.SITE_URL else "",
    }
    return EmailMessage(
        subject=f"{subject_head}{facts.title}の実績・自己評価（入力期限 {deadline_label}）",
        body=render_to_string("cycle/mail/reminder.txt", context),
        to=[reminder.recipient.email],
    )


def reminders_plan(*, today: datetime.date) -> list[ReminderOutcome]:
    """Return who would get which reminder ``today`` for every year a schedule covers (nothing written)."""
    outcomes = []
    for reporting_year, timing in selectors.schedules_to_run(today=today):
        step = due_step(
            deadline=reporting_year.deadline,
            days_before=timing.days_before_list,
            repeat_after_days=timing.repeat_after_days,
            today=today,
        )
        if step is None:
            continue
        facts = selectors.year_facts(reporting_year=reporting_year)
        planned, unreachable = plan_reminders(facts, step)
        outcomes.append(
            ReminderOutcome(
                reporting_year_id=reporting_year.id,
                title=facts.title,
                step_label=step.label,
                planned=planned,
                unreachable=unreachable,
                failed=[],
                mails=[reminder_message(facts=facts, reminder=reminder, today=today) for reminder in planned],
            )
        )
    return outcomes


def reminders_send(*, today: datetime.date, dry_run: bool = False, by=None) -> list[ReminderOutcome]:
    """Record and queue the reminders due ``today`` for every open reporting year a schedule covers.

    Each reminder is recorded (``ReminderSent`` with its ``OutgoingMail``) in its own transaction
    before the task worker sends it: two runs at once, or a double click on 送信, cannot both
    queue it (the unique constraint stops the second). A failed send stays recorded as failed
    and is retried from its mail (backoff, or 再送 on the screen), never queued twice.
    ``by``: the administrator who pressed 送信 (None for the daily timer).
    """
    if by is not None and (refused := system_admin_refusal(by)):
        raise PermissionDenied(refused)
    outcomes = reminders_plan(today=today)
    if dry_run:
        return outcomes
    queued = []
    for outcome in outcomes:
        for reminder, message in zip(outcome.planned, outcome.mails, strict=True):
            mail_id = _record_reminder(outcome.reporting_year_id, reminder, message, by)
            if mail_id is not None:
                queued.append((outcome, reminder, mail_id))
    _enqueue([mail_id for _, _, mail_id in queued])
    failed = {
        mail.pk: mail.error
        for mail in OutgoingMail.objects.filter(
            pk__in=[mail_id for _, _, mail_id in queued], status=OutgoingMail.Status.FAILED
        )
    }
    for outcome, reminder, mail_id in queued:
        if mail_id in failed:
            outcome.failed.append((reminder, f"送信に失敗しました: {failed[mail_id]}"))
    return outcomes


def _record_reminder(reporting_year_id: int, reminder: PlannedReminder, message: EmailMessage, by) -> int | None:
    """Write the reminder's record and its queued mail; return the mail's id, or None if already recorded."""
    try:
        with transaction.atomic():
            mail = OutgoingMail.objects.create(
                kind=OutgoingMail.Kind.REMINDER,
                recipient_id=reminder.recipient.user_id,
                email=reminder.recipient.email,
                subject=message.subject[:200],
                body=message.body,
                requested_by=by,
                reporting_year_id=reporting_year_id,
            )
            record = ReminderSent.objects.create(
                recipient_id=reminder.recipient.user_id,
                reporting_year_id=reporting_year_id,
                step=reminder.step.offset,
                email=reminder.recipient.email,
                mail=mail,
            )
            record.sections.set(reminder.section_ids)
    except IntegrityError:
        return None  # a run at the same moment (or the first of a double click) recorded it
    return mail.pk


@transaction.atomic
def reminder_default_update(*, days_before: str, repeat_after_days: int | None, is_active: bool, by):
    """Change the default reminder schedule (history records who); raise ValidationError on bad input."""
    if refused := system_admin_refusal(by):
        raise PermissionDenied(refused)
    schedule, _ = DefaultReminderSchedule.objects.select_for_update().get_or_create(id=1)
    schedule.days_before = ",".join(str(days) for days in parse_days_before(days_before))
    schedule.repeat_after_days = repeat_after_days
    schedule.is_active = is_active
    schedule.full_clean()
    schedule._history_user = by
    schedule.save(update_fields=["days_before", "repeat_after_days", "is_active", "updated_at"])
    return schedule


# -- Mail on the workflow's transitions ---------------------------------------------------------

WORKFLOW_SUBJECTS = {
    Transition.SUBMITTED: "【提出】{title}",
    Transition.RETURNED: "【差戻し】{title}",
    Transition.APPROVED: "【承認】{title}",
}


def _workflow_recipients(event: WorkflowEvent):
    """Return the users to mail: the submitter on a return or an approval; the section's managers
    on a submission (every manager when none belongs to the section). Never the actor."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="").exclude(pk=event.by.pk)
    evaluation = event.evaluation
    if event.transition != Transition.SUBMITTED:
        return list(users.filter(pk=evaluation.submitted_by_id)) if evaluation.submitted_by_id else []
    managers = users.filter(groups__name=MANAGER)
    own = managers.filter(sections=evaluation.item.section_id) if evaluation.item.section_id else managers.none()
    return list(own.distinct() if own.exists() else managers.distinct())


def workflow_mails_queue(event: WorkflowEvent) -> None:
    """Record the mails of a transition and queue them once it commits; a failure here never
    stops the transition (it is logged, and the in-app notices are still written)."""
    try:
        with transaction.atomic():
            recipients = _workflow_recipients(event)
            if not recipients:
                return
            evaluation = event.evaluation
            item = evaluation.item
            year_label = f"{item.area.plan.name} {era_label(evaluation.fiscal_year)}"
            title = f"{year_label} {item.area.label} › {item.label} {item.short_title}"
            subject = WORKFLOW_SUBJECTS[event.transition].format(title=title)[:200]
            mails = []
            for user in recipients:
                body = render_to_string(
                    "cycle/mail/workflow.txt",
                    {
                        "recipient": user.get_full_name() or user.get_username(),
                        "transition": event.transition,
                        "title": title,
                        "actor": event.by.get_full_name() or event.by.get_username(),
                        "comment": event.comment,
                        "time_label": era_datetime_label(event.at),
                        "url": _entry_url(item.id, evaluation.fiscal_year),
                    },
                )
                mails.append(
                    OutgoingMail.objects.create(
                        kind=OutgoingMail.Kind(event.transition.value),
                        recipient=user,
                        email=user.email,
                        subject=subject,
                        body=body,
                        requested_by=event.by,
                        reporting_year=ReportingYear.objects.of(
                            plan_id=item.area.plan_id, fiscal_year=evaluation.fiscal_year
                        ),
                        item=item,
                    )
                )
    except Exception:
        logger.exception("mails of %s on %s could not be recorded", event.transition, event.evaluation.pk)
        return
    ids = [mail.pk for mail in mails]
    transaction.on_commit(lambda: _enqueue(ids))


# -- Evidence files (別紙) ----------------------------------------------------------------------


def _display_name(name: str, kind: str) -> str:
    """Return the user's file name cleaned for the download header, with the detected extension."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'attachment')[:200]}.{kind}"


def _locked_entry_state(item: Item, fiscal_year: int) -> tuple[ReportingYear | None, SelfEvaluation | None]:
    """Read the year and the entry the change rule depends on, holding them until the change commits.

    The item row is locked first, so two uploads to one item take turns (the quota counts what
    the other stored); the year and the entry are locked so that a lock or an approval either
    happens before the check (and refuses) or waits until the file is in (and the approver sees it).
    """
    Item.objects.select_for_update().filter(pk=item.pk).first()
    reporting_year = (
        ReportingYear.objects.select_for_update().filter(plan_id=item.area.plan_id, fiscal_year=fiscal_year).first()
    )
    evaluation = SelfEvaluation.objects.select_for_update().filter(item=item, fiscal_year=fiscal_year).first()
    return reporting_year, evaluation


def _check_quota(*, item: Item, fiscal_year: int, size: int) -> None:
    """Refuse a file that would take the item-year past the count or the total-size quota."""
    stored = Attachment.objects.filter(item=item, fiscal_year=fiscal_year).aggregate(
        count=Count("id"), total=Sum("size")
    )
    count, total = stored["count"], stored["total"] or 0
    if count >= settings.ATTACHMENT_MAX_COUNT:
        raise FileRejected(ERROR_TOO_MANY.format(limit=settings.ATTACHMENT_MAX_COUNT, count=count))
    if total + size > settings.ATTACHMENT_MAX_TOTAL_BYTES:
        raise FileRejected(
            ERROR_TOTAL_TOO_LARGE.format(
                limit=format_size(settings.ATTACHMENT_MAX_TOTAL_BYTES), used=format_size(total), size=format_size(size)
            )
        )


def _record_attachment_change(*, attachment: Attachment, kind: str, by) -> Comment:
    """Write a 別紙 change into the item-year's thread and tell the managers and the owning staff.

    An approved 参考資料 must never change unseen: the thread is the timeline the reviewers
    read, and the notice brings them to it (nobody is told of their own act).
    """
    item = attachment.item
    template = ATTACHED_BODY if kind == Comment.Kind.ATTACHED else DETACHED_BODY
    comment = Comment(
        item=item,
        fiscal_year=attachment.fiscal_year,
        kind=kind,
        body=template.format(title=attachment.title, name=attachment.original_name),
        author=by,
        author_role=policies.comment_role(by, item),
    )
    comment._history_user = by
    comment.full_clean(exclude=["item", "author"])  # both were just read from the database
    comment.save()
    recipient_ids = selectors.manager_ids() | selectors.item_staff_ids(item=item)
    Notice.objects.bulk_create(
        Notice(
            recipient_id=recipient_id,
            kind=kind,
            item=item,
            fiscal_year=attachment.fiscal_year,
            actor=by,
            comment=comment,
            created_at=comment.created_at,
        )
        for recipient_id in sorted(recipient_ids - {by.pk})
    )
    return comment


def _delete_file_after_commit(attachment: Attachment) -> None:
    """Remove the stored file once the row's deletion is committed (a rollback keeps both)."""
    storage, name = attachment.file.storage, attachment.file.name
    attachment._file_deletion_scheduled = True  # the post_delete receiver need not do it again
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def attachment_file_remove_with_row(sender, instance: Attachment, **kwargs) -> None:
    """Remove the file of an attachment row deleted by a cascade (an item's or a plan's deletion).

    Connected to ``post_delete`` in ``CycleConfig.ready``: a cascade runs in the database layer
    and calls no service, so this is the one place that sees it. ``attachment_delete`` schedules
    the removal itself (explicit); the mark it leaves keeps this from doing it twice.
    """
    if not getattr(instance, "_file_deletion_scheduled", False):
        _delete_file_after_commit(instance)


@transaction.atomic
def attachment_upload(*, item: Item, fiscal_year: int, title: str, upload: UploadedFile, by) -> Attachment:
    """Store an evidence file after checking the user, the entry's state, the quota and the content.

    The upload and who made it go into the history and the item-year's thread (with notices).
    Raises PermissionDenied or FileRejected (with the Japanese reason); nothing is stored then.
    """
    reporting_year, evaluation = _locked_entry_state(item, fiscal_year)
    if reason := policies.can_change_attachments(by, item, fiscal_year, reporting_year, evaluation):
        raise PermissionDenied(reason)
    check_size(upload.size, settings.ATTACHMENT_MAX_BYTES)
    _check_quota(item=item, fiscal_year=fiscal_year, size=upload.size)
    kind = detect_kind(upload.file)
    if _title_taken(item=item, fiscal_year=fiscal_year, title=title):
        raise FileRejected(ERROR_TITLE_TAKEN)
    digest = hashlib.sha256()
    upload.file.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    attachment = Attachment(
        item=item,
        fiscal_year=fiscal_year,
        title=title,
        kind=kind,
        original_name=_display_name(upload.name or "", kind),
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    attachment._history_user = by
    upload.file.seek(0)
    # Saving the file writes it to MEDIA_ROOT under a generated name; if the row then fails,
    # the file is removed so a refusal leaves nothing behind.
    attachment.file.save(upload.name or "upload", upload, save=False)
    try:
        # A concurrent upload with the same title passes the check above; the unique
        # constraint (validated here, enforced by the database) decides who keeps the title.
        attachment.full_clean()
        with transaction.atomic():
            attachment.save()
        _record_attachment_change(attachment=attachment, kind=Comment.Kind.ATTACHED, by=by)
    except (ValidationError, IntegrityError) as error:
        attachment.file.delete(save=False)
        if isinstance(error, IntegrityError) or "title" in error.message_dict or NON_FIELD_ERRORS in error.message_dict:
            raise FileRejected(ERROR_TITLE_TAKEN) from None
        raise
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def _title_taken(*, item: Item, fiscal_year: int, title: str) -> bool:
    return Attachment.objects.filter(item=item, fiscal_year=fiscal_year, title=title).exists()


@transaction.atomic
def attachment_delete(*, attachment: Attachment, by) -> None:
    """Delete an evidence file: the row now (history and the thread keep who and when), the file after commit."""
    reporting_year, evaluation = _locked_entry_state(attachment.item, attachment.fiscal_year)
    if reason := policies.can_change_attachments(
        by, attachment.item, attachment.fiscal_year, reporting_year, evaluation
    ):
        raise PermissionDenied(reason)
    attachment._history_user = by
    _record_attachment_change(attachment=attachment, kind=Comment.Kind.DETACHED, by=by)
    _delete_file_after_commit(attachment)
    attachment.delete()


# -- The item-year thread (やり取り) and notices (お知らせ) ---------------------------------------


def _reporting_year(item: Item, fiscal_year: int) -> ReportingYear | None:
    return ReportingYear.objects.of(plan_id=item.area.plan_id, fiscal_year=fiscal_year)


@transaction.atomic
def comment_post(*, item: Item, fiscal_year: int, body: str, by) -> Comment:
    """Add a remark to the item-year's thread (history records who wrote it).

    Raises PermissionDenied with the policy's reason, or ValidationError for an empty body.
    """
    if reason := policies.can_comment(by, item, fiscal_year, _reporting_year(item, fiscal_year)):
        raise PermissionDenied(reason)
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError(ERROR_COMMENT_EMPTY)
    comment = Comment(
        item=item,
        fiscal_year=fiscal_year,
        kind=Comment.Kind.COMMENT,
        body=body,
        author=by,
        author_role=policies.comment_role(by, item),
    )
    comment._history_user = by
    comment.full_clean(exclude=["item", "author"])  # both were just read from the database
    comment.save()
    return comment


def workflow_event_record(event: WorkflowEvent) -> Comment:
    """Write a transition into the thread and notify the people it concerns.

    Registered with ``evaluations.workflow_events`` in ``CycleConfig.ready`` and called inside
    the workflow service's transaction: a submission tells every manager, a return or an
    approval tells the submitter and the owning section's staff; nobody is told of their own act.
    """
    evaluation = event.evaluation
    item = evaluation.item
    comment = Comment(
        item=item,
        fiscal_year=evaluation.fiscal_year,
        kind=Comment.Kind(event.transition.value),
        body=event.comment,
        author=event.by,
        author_role=policies.comment_role(event.by, item, reviewing=event.transition != Transition.SUBMITTED),
        created_at=event.at,
    )
    comment._history_user = event.by
    comment.full_clean(exclude=["item", "author"])  # both were just read from the database
    comment.save()
    if event.transition == Transition.SUBMITTED:
        recipient_ids = selectors.manager_ids()
    else:
        recipient_ids = selectors.item_staff_ids(item=item, also=evaluation.submitted_by_id)
    Notice.objects.bulk_create(
        Notice(
            recipient_id=recipient_id,
            kind=Notice.Kind(event.transition.value),
            item=item,
            fiscal_year=evaluation.fiscal_year,
            actor=event.by,
            comment=comment,
            created_at=event.at,
        )
        for recipient_id in sorted(recipient_ids - {event.by.pk})
    )
    workflow_mails_queue(event)
    return comment


def notices_mark_read(*, user, notice_ids=None, item_id: int | None = None, fiscal_year: int | None = None) -> int:
    """Mark the user's unread visible notices read: those listed, or all of one item-year; return how many."""
    unread = selectors.visible_notices(user=user).filter(read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=list(notice_ids))
    if item_id is not None:
        unread = unread.filter(item_id=item_id, fiscal_year=fiscal_year)
    return unread.update(read_at=timezone.now())
