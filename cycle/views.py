from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import member_required
from evaluations.models import ReportingYear
from programs.fiscal_years import era_label
from programs.models import Item

from . import policies, selectors, services
from .file_types import CONTENT_TYPES, FileRejected
from .forms import AttachmentForm
from .models import Attachment

MESSAGE_UPLOADED = "別紙「{title}」を登録しました。"
MESSAGE_DELETED = "別紙「{title}」を削除しました。"
MESSAGE_INVALID = "登録できませんでした。入力内容を確認してください（ファイルは保存されていません）。"


def _item_for(item_id: int, fiscal_year: int) -> Item:
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    if not item.area.plan.contains(fiscal_year):
        raise Http404("この計画期間の年度ではありません。")
    return item


@member_required
def attachments(request, item_id: int, fiscal_year: int):
    item = _item_for(item_id, fiscal_year)
    if reason := policies.can_see_attachments(request.user, item):
        raise PermissionDenied(reason)
    reporting_year = ReportingYear.objects.filter(plan=item.area.plan, fiscal_year=fiscal_year).first()
    change_denied = policies.can_change_attachments(request.user, item, fiscal_year, reporting_year)
    form = AttachmentForm()
    if request.method == "POST":
        if change_denied:
            raise PermissionDenied(change_denied)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                attachment = services.attachment_upload(
                    item=item,
                    fiscal_year=fiscal_year,
                    title=form.cleaned_data["title"],
                    upload=form.cleaned_data["file"],
                    by=request.user,
                )
            except FileRejected as error:
                form.add_error("title" if error.args[0] == services.ERROR_TITLE_TAKEN else "file", str(error))
            else:
                messages.success(request, MESSAGE_UPLOADED.format(title=attachment.title))
                return redirect("cycle:attachments", item_id=item.id, fiscal_year=fiscal_year)
        messages.error(request, MESSAGE_INVALID)
    return render(
        request,
        "cycle/attachments.html",
        {
            "nav": "entry",
            "item": item,
            "fiscal_year": fiscal_year,
            "fiscal_year_label": era_label(fiscal_year),
            "attachments": selectors.attachments_for(item=item, fiscal_year=fiscal_year),
            "form": form,
            "change_denied": change_denied,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _content_disposition(filename: str) -> str:
    """Return an attachment header with an ASCII fallback and the RFC 5987 UTF-8 name."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@member_required
@require_GET
def attachment_download(request, attachment_id: int):
    attachment = get_object_or_404(Attachment.objects.select_related("item__area__plan"), pk=attachment_id)
    if reason := policies.can_see_attachments(request.user, attachment.item):
        raise PermissionDenied(reason)
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
    attachment = get_object_or_404(Attachment.objects.select_related("item__area__plan"), pk=attachment_id)
    if reason := policies.can_see_attachments(request.user, attachment.item):
        raise PermissionDenied(reason)
    item_id, fiscal_year, title = attachment.item_id, attachment.fiscal_year, attachment.title
    services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, MESSAGE_DELETED.format(title=title))
    return redirect("cycle:attachments", item_id=item_id, fiscal_year=fiscal_year)
