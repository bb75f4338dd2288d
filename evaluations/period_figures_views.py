"""「実績の一括入力」 (システム管理者 only): the page reads the period's figures, the service records them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import system_admin_required
from programs.models import PlanPeriod

from .period_figures import FiguresSaved, period_figures_read, period_figures_save
from .period_figures_forms import PeriodFiguresForm

MESSAGE_SAVED = "{plan}の実績を保存しました（承認済の年度{approved}件はダッシュボードに反映、下書き{drafts}件）。"
MESSAGE_BASELINES = "増減の基準とする前年度の実績{baselines}件も保存しました。"
MESSAGE_NOTHING = "変更はありませんでした。"


def _saved_message(plan: PlanPeriod, saved: FiguresSaved) -> str:
    if not saved:
        return MESSAGE_NOTHING
    message = MESSAGE_SAVED.format(plan=plan.name, approved=saved.approved, drafts=saved.drafts)
    return message + (MESSAGE_BASELINES.format(baselines=saved.baselines) if saved.baselines else "")


@system_admin_required
@require_http_methods(["GET", "POST"])
def period_figures(request, plan_id: int):
    """Show every indicator-year of the period with its suggestions; on 「保存する」 record what was typed."""
    # An id beyond the database's integers finds nothing (Django answers such a lookup without asking): 404.
    plan = get_object_or_404(PlanPeriod, pk=plan_id)
    data = request.POST if request.method == "POST" else None
    form = PeriodFiguresForm(data, figures=period_figures_read(plan=plan))
    if request.method == "POST" and form.is_valid():
        try:
            saved = period_figures_save(
                plan=plan, user=request.user, entries=form.entries(), change_reason=form.cleaned_data["change_reason"]
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _saved_message(plan, saved))
            return redirect("evaluations:period_figures", plan_id=plan.pk)
    status = 400 if form.errors else 200
    return render(request, "evaluations/period_figures.html", {"figures": form.figures, "form": form}, status=status)
