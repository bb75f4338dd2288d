from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BoundField
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import member_required
from evaluations.progress import NO_TARGET_LABEL, EntryStatus, IndicatorRow, YearCell
from programs.fiscal_years import era_label
from programs.forms import MESSAGE_EMPTY_PERIOD, PlanYearForm, plan_is_empty
from programs.models import Indicator, Item, PlanPeriod

from . import item_panels, policies, selectors, services
from .forms import ItemEntryForm, PreviewForm, ReasonForm, ReviewForm, VersionForm
from .models import NO_RECORD_VERSION, ReportingYear, SelfEvaluation

MESSAGE_SAVED = "{year}の入力内容を保存しました。"
MESSAGE_NOTHING_CHANGED = "変更はありませんでした。"
MESSAGE_SUBMITTED = "{year}の入力内容を提出しました。管理職の承認をお待ちください。"
MESSAGE_APPROVED = "承認しました。"
MESSAGE_RETURNED = "差し戻しました。"
MESSAGE_REOPENED = "承認を取り消し、入力中に戻しました。"
MESSAGE_COPIED = "前年度の内容を下書きに写しました。必要に応じて修正してください。"
MESSAGE_LOCKED = "{year}を確定しました。"
MESSAGE_UNLOCKED = "{year}の確定を解除しました。"
MESSAGE_CONFLICT = (
    "他の利用者が先に保存しました。あなたの入力内容は下のフォームに残っています。"
    "相手の変更を確認してから、もう一度保存してください。"
)
MESSAGE_STALE_SUBMIT = "提出前に他の利用者が内容を変更しました。最新の内容を確認してから、もう一度提出してください。"
MESSAGE_INVALID = "入力内容に誤りがあるため、まだ保存していません。画面上部の一覧から各項目を確認してください。"
MESSAGE_INCOMPLETE = "提出できませんでした。"
MESSAGE_REVIEW_CONFLICT = "確認中に担当者が内容を変更しました。最新の内容を確認してから、もう一度操作してください。"
MESSAGE_REFUSED = "保存できませんでした。理由を確認してください（あなたの入力内容は画面に残っています）。"
MESSAGE_NO_PLANS = "計画期間が登録されていません"
ERROR_PREVIEW_REQUEST = "指標の指定が正しくありません。画面を再読み込みしてください。"


def _plan_and_year(request) -> PlanYearForm:
    """Return the shared plan-and-year choice: the query string's, else where every page opens."""
    plans = selectors.plan_choices()
    return PlanYearForm(
        request.GET, plans=plans, default=selectors.plan_year_default(plans), year_default=selectors.fiscal_year_default
    )


@member_required
@require_GET
def my_work(request):
    """入力状況: the items of the chosen plan-year with their entry status, and the year's lock."""
    choice = _plan_and_year(request)
    if choice.chosen is None:
        return render(request, "evaluations/no_plans.html", {"nav": "entry", "message": MESSAGE_NO_PLANS})
    plan, fiscal_year = choice.chosen
    page = selectors.my_work_page(user=request.user, plan=plan, fiscal_year=fiscal_year)
    context = {"nav": "entry", "plan": plan, "choice": choice, "fiscal_year": fiscal_year, "page": page}
    context |= {"fiscal_year_label": era_label(fiscal_year), "unlock_form": ReasonForm()}
    context |= {"plan_is_empty": plan_is_empty(plan), "empty_period_message": MESSAGE_EMPTY_PERIOD}
    return render(request, "evaluations/my_work.html", context)


def _item_for(item_id: int, fiscal_year: int) -> Item:
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    if not item.area.plan.contains(fiscal_year):
        raise Http404("この計画期間の年度ではありません。")
    return item


def _form_for(page, data=None, initial=None) -> ItemEntryForm:
    return ItemEntryForm(
        data,
        initial=initial,
        indicators=page.indicators,
        targets_by_indicator=page.targets_by_indicator,
        ratings=page.ratings,
        requires_reason=policies.change_needs_reason(page.evaluation),
        year_fields=page.fields,
        layout=page.layout,
        fiscal_year=page.fiscal_year,
    )


@dataclass(frozen=True)
class EntryLine:
    """One indicator's row on the entry screen: its figures for the year and its inputs."""

    indicator: Indicator
    row: IndicatorRow
    cell: YearCell
    value: BoundField
    municipalities: BoundField | None
    next_target: BoundField | None
    saved_text: str
    status_label: str  # the cell's status under the administrator's rule; 実績（参考） without a target
    target_label: str  # the year's target as worded, or 実績（参考） for a figure without one
    required: bool  # submitting needs this figure
    verdict: BoundField | None = None
    verdict_text: BoundField | None = None


def _entry_lines(form: ItemEntryForm, page) -> list[EntryLine]:
    rows = {row.id: row for row in page.row.indicators}
    labels = page.labels
    lines = []
    for indicator in page.indicators:
        names = form.indicator_fields(indicator.id)
        row = rows[indicator.id]
        result = page.results.get(indicator.id)
        cell = row.years[page.plan.fiscal_years.index(page.fiscal_year)]
        lines.append(
            EntryLine(
                indicator=indicator,
                row=row,
                cell=cell,
                status_label=(labels.get(cell.status, "") if cell.status else "")
                if row.has_target
                else NO_TARGET_LABEL,
                target_label=cell.target_text or NO_TARGET_LABEL,
                value=form[names.value],
                municipalities=form[names.municipalities] if names.municipalities in form.fields else None,
                next_target=form[names.next_target] if names.next_target in form.fields else None,
                saved_text=result.actual_text if result else "",
                verdict=form[names.verdict] if names.verdict in form.fields else None,
                verdict_text=form[names.verdict_text] if names.verdict_text in form.fields else None,
                required=form.required_for_submission(indicator.id),
            )
        )
    return lines


def _typed_entries(form: ItemEntryForm) -> list[tuple[str, str]]:
    """Return (label, text) for every text input the user filled, so a refused save loses nothing."""
    typed = []
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.HiddenInput) or not isinstance(field, forms.CharField):
            continue
        text = form.data.get(name, "").strip()
        if text:
            typed.append((str(field.label), text))
    return typed


def _render_entry(request, page, form, *, conflict=None, refused: str = "", typed=(), status: int = 200):
    item, fiscal_year, user = page.item, page.fiscal_year, request.user
    form.mark_invalid_fields()
    return render(
        request,
        "evaluations/entry.html",
        {
            "nav": "entry",
            "page": page,
            "form": form,
            "lines": _entry_lines(form, page),
            "fiscal_year_label": era_label(fiscal_year),
            "previous_year_label": era_label(fiscal_year - 1),
            "years": page.plan.fiscal_year_choices,
            "edit_denied": policies.can_edit(user, item, fiscal_year, page.evaluation, page.reporting_year),
            "submit_denied": policies.can_submit(user, item, fiscal_year, page.evaluation, page.reporting_year),
            "review_denied": policies.can_review(user, page.evaluation, page.reporting_year),
            "approve_denied": policies.can_approve(user, page.evaluation, page.reporting_year),
            "approval_needs_reason": policies.approval_needs_reason(user, page.evaluation),
            "reopen_denied": policies.can_reopen(user, page.evaluation, page.reporting_year),
            "review_form": ReviewForm(initial={"version": page.evaluation.version if page.evaluation else 0}),
            "reason_form": ReasonForm(),
            "conflict": conflict,
            "refused": refused,
            "error_summary": form.error_summary(),
            "typed": typed,
            "panels": item_panels.panels_for(request, item, [fiscal_year]),
            # entry.js warns before the idle limit (kaigo_plan.settings) ends the session.
            "session_seconds": settings.SESSION_COOKIE_AGE,
            "status_labels": EntryStatus.LABELS,
        },
        status=status,
    )


def _refused(request, item: Item, fiscal_year: int, form: ItemEntryForm, reason: str):
    """Show the saved entry read-only with why the save was refused and what the user typed.

    The record was approved, or the year locked, after the user opened the screen: the
    typed text exists only in this request, so it goes back on the page to be copied.
    """
    page = selectors.entry_page(item=item, fiscal_year=fiscal_year)
    messages.error(request, MESSAGE_REFUSED)
    return _render_entry(
        request,
        page,
        _form_for(page, initial=selectors.entry_initial(page)),
        refused=reason,
        typed=_typed_entries(form),
        status=409,
    )


@member_required
def entry(request, item_id: int, fiscal_year: int):
    """The entry screen of an item-year: figures, narratives and the workflow buttons; POST saves."""
    item = _item_for(item_id, fiscal_year)
    page = selectors.entry_page(item=item, fiscal_year=fiscal_year)
    if request.method != "POST":
        return _render_entry(request, page, _form_for(page, initial=selectors.entry_initial(page)))
    if denied := policies.can_edit_item(request.user, item, fiscal_year):
        raise PermissionDenied(denied)
    form = _form_for(page, request.POST)
    if denied := policies.can_edit(request.user, item, fiscal_year, page.evaluation, page.reporting_year):
        return _refused(request, item, fiscal_year, form, denied)
    if not form.is_valid():
        messages.error(request, MESSAGE_INVALID)
        return _render_entry(request, page, form)
    return _entry_save(request, page, form)


def _entry_save(request, page, form: ItemEntryForm):
    """Commit a valid entry; on a conflict, a refusal or a model error keep what the user typed on screen."""
    item, fiscal_year = page.item, page.fiscal_year
    try:
        saved = services.item_entry_commit(
            item=item,
            fiscal_year=fiscal_year,
            user=request.user,
            submit=form.submits,
            required_narratives=form.required_narratives,
            **form.entry(),
        )
    except services.EditConflict as error:
        return _conflicted(request, item, fiscal_year, form, error)
    except PermissionDenied as error:
        return _denied(request, item, fiscal_year, form, error)
    except ValidationError as error:
        form.add_model_errors(error)
        messages.error(request, MESSAGE_INVALID)
        return _render_entry(request, page, form)
    messages.success(request, _saved_message(saved, fiscal_year))
    return redirect("evaluations:entry", item_id=item.id, fiscal_year=fiscal_year)


def _saved_message(saved: services.EntrySaved, fiscal_year: int) -> str:
    if saved.submitted:
        return MESSAGE_SUBMITTED.format(year=era_label(fiscal_year))
    return MESSAGE_SAVED.format(year=era_label(fiscal_year)) if saved.changed else MESSAGE_NOTHING_CHANGED


def _conflicted(request, item: Item, fiscal_year: int, form: ItemEntryForm, conflict: services.EditConflict):
    """Show what the other person saved beside what this user typed, now on top of the saved version."""
    page = selectors.entry_page(item=item, fiscal_year=fiscal_year)
    form = _form_for(page, form.data_at(page.evaluation.version if page.evaluation else NO_RECORD_VERSION))
    form.is_valid()
    messages.warning(request, MESSAGE_CONFLICT)
    return _render_entry(request, page, form, conflict=conflict)


def _denied(request, item: Item, fiscal_year: int, form: ItemEntryForm, error: PermissionDenied):
    """Approved or locked between the view's check and the service's write (or a submission refused).

    Nothing was written; keep what the user typed in front of them.
    """
    page = selectors.entry_page(item=item, fiscal_year=fiscal_year)
    if denied := policies.can_edit(request.user, item, fiscal_year, page.evaluation, page.reporting_year):
        return _refused(request, item, fiscal_year, form, denied)
    form.add_error(None, str(error))
    messages.error(request, MESSAGE_REFUSED)
    return _render_entry(request, page, form, status=409)


@member_required
@require_POST
def submit(request, item_id: int, fiscal_year: int):
    """Submit the item-year for approval, as of the version the user saw."""
    item = _item_for(item_id, fiscal_year)
    form = VersionForm(request.POST)
    if not form.is_valid():
        # Without the version the user saw, submitting could send changes they never read.
        messages.warning(request, MESSAGE_STALE_SUBMIT)
    else:
        _submit_version(request, item, fiscal_year, form.cleaned_data["version"])
    return redirect("evaluations:entry", item_id=item.id, fiscal_year=fiscal_year)


def _submit_version(request, item: Item, fiscal_year: int, version: int) -> None:
    page = selectors.entry_page(item=item, fiscal_year=fiscal_year)
    try:
        services.self_evaluation_submit(
            item=item,
            fiscal_year=fiscal_year,
            user=request.user,
            expected_version=version,
            required_narratives=_form_for(page).required_narratives,  # the narratives the screen shows
        )
        messages.success(request, MESSAGE_SUBMITTED.format(year=era_label(fiscal_year)))
    except services.EditConflict:
        messages.warning(request, MESSAGE_STALE_SUBMIT)
    except ValidationError as error:
        messages.error(request, MESSAGE_INCOMPLETE + " ".join(error.messages))


@member_required
@require_POST
def copy_forward(request, item_id: int, fiscal_year: int):
    item = _item_for(item_id, fiscal_year)
    try:
        services.self_evaluation_copy_forward(item=item, fiscal_year=fiscal_year, user=request.user)
        messages.success(request, MESSAGE_COPIED)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("evaluations:entry", item_id=item.id, fiscal_year=fiscal_year)


@member_required
@require_GET
def preview(request, item_id: int, fiscal_year: int):
    """Return the achievement a typed value would have (for the live display on the entry screen)."""
    item = _item_for(item_id, fiscal_year)
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"message": ERROR_PREVIEW_REQUEST}, status=400)
    indicator = get_object_or_404(
        Indicator.objects.select_related("item__area__plan").prefetch_related("targets", "results__municipalities"),
        pk=form.cleaned_data["indicator"],
        item=item,
    )
    typed = form.cleaned_data["value"].strip()
    return JsonResponse(selectors.achievement_preview_answer(indicator=indicator, fiscal_year=fiscal_year, typed=typed))


@member_required
@require_POST
def review(request, evaluation_id: int):
    """Return (差戻し) or approve (承認) a submitted item-year, as of the version the manager saw."""
    evaluation = get_object_or_404(SelfEvaluation.objects.select_related("item__area__plan"), pk=evaluation_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("フォームの内容が不正です。画面を再読み込みしてください。")
    comment, version, reason = (form.cleaned_data[name] for name in ("comment", "version", "reason"))
    try:
        _review_act(request, evaluation, request.POST.get("action"), comment, version, reason)
    except services.EditConflict:
        messages.warning(request, MESSAGE_REVIEW_CONFLICT)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("evaluations:entry", item_id=evaluation.item_id, fiscal_year=evaluation.fiscal_year)


def _review_act(request, evaluation: SelfEvaluation, action, comment: str, version: int, reason: str) -> None:
    if action == "return":
        services.self_evaluation_return(
            evaluation=evaluation, user=request.user, comment=comment, expected_version=version
        )
        messages.success(request, MESSAGE_RETURNED)
    else:
        services.self_evaluation_approve(
            evaluation=evaluation, user=request.user, comment=comment, expected_version=version, reason=reason
        )
        messages.success(request, MESSAGE_APPROVED)


@member_required
@require_POST
def approve_confirm(request, evaluation_id: int):
    """Show the figures about to be approved and ask once; nothing is written here (the answer posts to review)."""
    evaluation = get_object_or_404(SelfEvaluation.objects.select_related("item__area__plan"), pk=evaluation_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("フォームの内容が不正です。画面を再読み込みしてください。")
    preview = selectors.approval_preview(evaluation=evaluation)
    if denied := policies.can_approve(request.user, evaluation, preview.page.reporting_year):
        raise PermissionDenied(denied)
    context = {"nav": "entry", "preview": preview, "form": form, "year_label": era_label(evaluation.fiscal_year)}
    return render(request, "evaluations/approve_confirm.html", context)


@member_required
@require_POST
def reopen(request, evaluation_id: int):
    evaluation = get_object_or_404(SelfEvaluation.objects.select_related("item__area__plan"), pk=evaluation_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.self_evaluation_reopen(evaluation=evaluation, user=request.user, reason=reason)
        messages.success(request, MESSAGE_REOPENED)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("evaluations:entry", item_id=evaluation.item_id, fiscal_year=evaluation.fiscal_year)


def _my_work_url(plan: PlanPeriod, fiscal_year: int) -> str:
    return f"{reverse('evaluations:my_work')}?plan={plan.name}&fiscal_year={fiscal_year}"


@member_required
@require_POST
def lock_year(request, plan_id: int, fiscal_year: int):
    plan = get_object_or_404(PlanPeriod, pk=plan_id)
    if not plan.contains(fiscal_year):
        raise Http404
    services.reporting_year_lock(plan=plan, fiscal_year=fiscal_year, user=request.user)
    messages.success(request, MESSAGE_LOCKED.format(year=era_label(fiscal_year)))
    return redirect(_my_work_url(plan, fiscal_year))


@member_required
@require_POST
def lock_confirm(request, plan_id: int, fiscal_year: int):
    """Show how many items a lock freezes and ask once; nothing is written here (the answer posts to lock_year)."""
    plan = get_object_or_404(PlanPeriod, pk=plan_id)
    if not plan.contains(fiscal_year):
        raise Http404
    preview = selectors.lock_preview(plan=plan, fiscal_year=fiscal_year)
    if preview.reporting_year is None:
        raise Http404
    if denied := policies.can_lock(request.user, preview.reporting_year, preview.unapproved_count, preview.item_count):
        raise PermissionDenied(denied)
    context = {"nav": "entry", "plan": plan, "preview": preview, "year_label": era_label(fiscal_year)}
    return render(request, "evaluations/lock_confirm.html", context)


@member_required
@require_POST
def unlock_year(request, plan_id: int, fiscal_year: int):
    plan = get_object_or_404(PlanPeriod, pk=plan_id)
    if not plan.contains(fiscal_year):
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.reporting_year_unlock(plan=plan, fiscal_year=fiscal_year, user=request.user, reason=reason)
        messages.success(request, MESSAGE_UNLOCKED.format(year=era_label(fiscal_year)))
    except ReportingYear.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_my_work_url(plan, fiscal_year))


@member_required
@require_GET
def item_history(request, item_id: int):
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    return render(
        request,
        "evaluations/history.html",
        {"nav": "entry", "item": item, "entries": selectors.item_history(item=item)},
    )
