from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import member_required, system_admin_required
from programs.fiscal_years import era_label, today_in_tokyo
from programs.models import Item

from . import policies, selectors, services
from .file_types import CONTENT_TYPES
from .forms import AttachmentForm, CommentForm, DefaultReminderScheduleForm
from .models import Attachment, OutgoingMail
from .reminder_page import reminder_page

MESSAGE_UPLOADED = "別紙「{title}」を登録しました。"
MESSAGE_DELETED = "別紙「{title}」を削除しました。"
MESSAGE_COMMENTED = "コメントを書き込みました。"
MESSAGE_COMMENT_INVALID = "コメントを書き込めませんでした: {errors}"
MESSAGE_MARKED_READ = "{count}件のお知らせを既読にしました。"
MESSAGE_INVALID = "登録できませんでした。入力内容を確認してください（ファイルは保存されていません）。"


def _item_for(item_id: int, fiscal_year: int) -> Item:
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    if not item.area.plan.contains(fiscal_year):
        raise Http404("この計画期間の年度ではありません。")
    return item


@member_required
def attachments(request, item_id: int, fiscal_year: int):
    """List an item-year's 別紙 and take a new one (refused while the figures are read-only)."""
    item = _item_for(item_id, fiscal_year)
    change_denied = _attachments_change_denied(request.user, item, fiscal_year)
    if request.method != "POST":
        return _attachments_page(request, item, fiscal_year, AttachmentForm(), change_denied)
    if change_denied:
        raise PermissionDenied(change_denied)
    form = AttachmentForm(request.POST, request.FILES)
    if attachment := form.upload(item=item, fiscal_year=fiscal_year, by=request.user):
        messages.success(request, MESSAGE_UPLOADED.format(title=attachment.title))
        return redirect("cycle:attachments", item_id=item.id, fiscal_year=fiscal_year)
    messages.error(request, MESSAGE_INVALID)
    return _attachments_page(request, item, fiscal_year, form, change_denied, status=400)


def _attachments_change_denied(user, item: Item, fiscal_year: int) -> str | None:
    """Refuse a user who may not see the item's 別紙; return why they may not change them, if so."""
    if reason := policies.can_see_attachments(user, item):
        raise PermissionDenied(reason)
    return policies.can_change_attachments(
        user, item, fiscal_year, *selectors.entry_state(item=item, fiscal_year=fiscal_year)
    )


def _attachments_page(request, item: Item, fiscal_year: int, form, change_denied, status: int = 200):
    context = {
        "nav": "entry",
        "item": item,
        "fiscal_year": fiscal_year,
        "fiscal_year_label": era_label(fiscal_year),
        "attachments": selectors.attachments_for(item=item, fiscal_year=fiscal_year),
        "form": form,
        "change_denied": change_denied,
    }
    return render(request, "cycle/attachments.html", context, status=status)


def _content_disposition(filename: str) -> str:
    """Return an attachment header with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _attachment_seen_by(user, attachment_id: int) -> Attachment:
    """Return the 別紙, or refuse a user who may not see its item's (a missing one: 404)."""
    attachment = get_object_or_404(Attachment.objects.select_related("item__area__plan"), pk=attachment_id)
    if reason := policies.can_see_attachments(user, attachment.item):
        raise PermissionDenied(reason)
    return attachment


@member_required
@require_GET
def attachment_download(request, attachment_id: int):
    attachment = _attachment_seen_by(request.user, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("ファイルが見つかりません。") from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[attachment.kind])
    response["Content-Disposition"] = _content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
@require_POST
def attachment_delete(request, attachment_id: int):
    attachment = _attachment_seen_by(request.user, attachment_id)
    item_id, fiscal_year, title = attachment.item_id, attachment.fiscal_year, attachment.title
    services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, MESSAGE_DELETED.format(title=title))
    return redirect("cycle:attachments", item_id=item_id, fiscal_year=fiscal_year)


# -- The item-year thread (やり取り) and notices (お知らせ) ---------------------------------------


def _entry_url(item_id: int, fiscal_year: int) -> str:
    return reverse("evaluations:entry", kwargs={"item_id": item_id, "fiscal_year": fiscal_year})


def _back_to(request, wanted: str, fallback: str) -> str:
    """Return the page the form came from if it is on this site, else ``fallback``; then the thread."""
    allowed = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False)
    return f"{wanted if wanted and allowed else fallback}#thread"


@member_required
@require_POST
def comment_post(request, item_id: int):
    """Add a remark to an item-year's thread and go back to the page it was written on."""
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    form = CommentForm(request.POST, fiscal_years=item.area.plan.fiscal_years)
    if errors := form.post(item=item, by=request.user):
        messages.error(request, MESSAGE_COMMENT_INVALID.format(errors=errors))
    else:
        messages.success(request, MESSAGE_COMMENTED)
    fiscal_year = form.cleaned_data.get("fiscal_year", item.area.plan.last_fiscal_year)
    return redirect(_back_to(request, form.next_url(), _entry_url(item.id, fiscal_year)))


@member_required
@require_GET
def notices(request):
    """List the user's notices; reading the list changes nothing (marking read is a POST)."""
    rows = selectors.notices_for(user=request.user)
    return render(
        request,
        "cycle/notices.html",
        {"nav": "notices", "notices": rows, "any_unread": any(row.is_unread for row in rows)},
    )


@member_required
@require_POST
def notices_mark_read(request):
    """Mark every notice of the user read (「すべて既読にする」) and go back to the list."""
    if marked := services.notices_mark_read(user=request.user):
        messages.success(request, MESSAGE_MARKED_READ.format(count=marked))
    return redirect("cycle:notices")


@member_required
@require_POST
def notice_open(request, notice_id: int):
    """Open the item-year a notice is about, marking the user's notices on it read (a POST: it writes)."""
    notice = get_object_or_404(selectors.visible_notices(user=request.user), pk=notice_id)
    services.notices_mark_read(user=request.user, item_id=notice.item_id, fiscal_year=notice.fiscal_year)
    # At the figures, not the thread below them: a manager reads what they are asked to approve first.
    return redirect(_entry_url(notice.item_id, notice.fiscal_year) + "#figures")


# -- Reminders (督促): the schedule, today's preview, 送信 and the mails' results ----------------

MESSAGE_SCHEDULE_SAVED = "既定の督促予定を保存しました: {summary}"
MESSAGE_SCHEDULE_INVALID = "督促予定を保存できませんでした。入力内容を確認してください。"
MESSAGE_SENT = "督促メール {count}件を送信処理に渡しました。結果は下の「送信記録」に表示されます。"
MESSAGE_SENT_FAILED = (
    "督促メール {count}件の送信に失敗しました。時間をおいて自動で再送します（「再送」ですぐに送れます）。"
)
MESSAGE_NOTHING_TO_SEND = "今日送る督促はありません（送信済み、または対象がありません）。"
MESSAGE_RETRIED = "{email} 宛てのメールを再送します。"
MESSAGE_NOT_RETRIED = "このメールは失敗の状態ではないため、再送しませんでした（送信済みか送信待ちです）。"


def _reminder_render(request, form, status: int = 200):
    page = reminder_page(today=today_in_tokyo())
    context = {"nav": "reminders", "page": page, "form": form}
    return render(request, "cycle/reminders.html", context, status=status)


@system_admin_required
def reminders(request):
    """Show the schedules, who would get what today and the mails sent; POST saves the default schedule."""
    form = DefaultReminderScheduleForm(request.POST or None, instance=selectors.default_schedule())
    if request.method != "POST":
        return _reminder_render(request, form)
    if not form.is_valid():
        messages.error(request, MESSAGE_SCHEDULE_INVALID)
        return _reminder_render(request, form, status=400)
    schedule = services.reminder_default_update(**form.cleaned_data, by=request.user)
    messages.success(request, MESSAGE_SCHEDULE_SAVED.format(summary=schedule.summary))
    return redirect("cycle:reminders")


@member_required
@require_POST
@system_admin_required
def reminders_send(request):
    """Record and queue today's due reminders (a second click finds them recorded and sends none)."""
    outcomes = services.reminders_send(today=today_in_tokyo(), by=request.user)
    queued = sum(len(outcome.planned) for outcome in outcomes)
    failed = sum(len(outcome.failed) for outcome in outcomes)
    if failed:
        messages.error(request, MESSAGE_SENT_FAILED.format(count=failed))
    if queued - failed:
        messages.success(request, MESSAGE_SENT.format(count=queued - failed))
    elif not failed:
        messages.info(request, MESSAGE_NOTHING_TO_SEND)
    return redirect(reverse("cycle:reminders") + "#mails")


@member_required
@require_POST
@system_admin_required
def mail_retry(request, mail_id: int):
    """Send a failed mail again now, instead of waiting for its next automatic attempt."""
    mail = get_object_or_404(OutgoingMail, pk=mail_id)
    if services.mail_retry(mail=mail, by=request.user):
        messages.success(request, MESSAGE_RETRIED.format(email=mail.email))
    else:
        messages.info(request, MESSAGE_NOT_RETRIED)
    return redirect(reverse("cycle:reminders") + "#mails")
