"""「計画期間の取消」 (システム管理者 only): confirm what goes, give a reason, remove it in one transaction."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import system_admin_required
from programs.models import PlanPeriod

from .period_removal import REASON_LIMIT, period_removal_read, plan_period_remove

MESSAGE_REMOVED = "{plan}を取り消しました（{summary}）。理由は計画期間の変更履歴に記録されています。"


class RemovalForm(forms.Form):
    reason = forms.CharField(
        label="取り消す理由（必須・変更履歴に残ります）",
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "取り消す理由を入力してください。"},
    )


@system_admin_required
@require_http_methods(["GET", "POST"])
def period_remove(request, plan_id: int):
    """Show what removing the period removes (and whether it may be removed); on 「取り消す」 remove it."""
    plan = get_object_or_404(PlanPeriod, pk=plan_id)
    form = RemovalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            removed = plan_period_remove(plan=plan, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, MESSAGE_REMOVED.format(plan=plan.name, summary=removed.summary))
            return redirect("reports:home")
    context = {"removal": period_removal_read(plan=plan), "form": form}
    return render(request, "cycle/period_remove.html", context, status=400 if form.errors else 200)
