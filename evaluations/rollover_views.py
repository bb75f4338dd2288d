"""「次期計画の作成」: choose the periods, preview every area, item and indicator, confirm (システム管理者 only).

Nothing is written before the confirm button: the preview page carries the period and every
choice in its own POST, and the service rebuilds the plan from the database when confirmed.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import system_admin_required
from programs.models import PlanPeriod

from .rollover import (
    CHOICE_LABELS,
    Choice,
    RolloverRefused,
    plan_rollover,
    rollover_preview,
    source_plan_read,
)
from .rollover_forms import RolloverPeriodForm, decisions_from


def _start_page(request, form, status=200):
    return render(request, "evaluations/rollover_start.html", {"form": form}, status=status)


@system_admin_required
def rollover_start(request):
    """Show the form that names the source period and the new one."""
    plans = list(PlanPeriod.objects.all())
    return _start_page(request, RolloverPeriodForm(initial=RolloverPeriodForm.initial_for(plans)))


@system_admin_required
@require_POST
def rollover_preview_page(request):
    """Show what will be created with a choice per row; on 「作成する」 create it and go to the dashboard."""
    form = RolloverPeriodForm(request.POST)
    if not form.is_valid():
        return _start_page(request, form, status=400)
    source = source_plan_read(plan=form.cleaned_data["source"])
    decisions = decisions_from(request.POST, source)
    plan = rollover_preview(source=source, period=form.period, decisions=decisions)
    confirmed = request.POST.get("action") == "confirm" and not plan.errors
    if confirmed and (created := _rollover_confirm(request, form, decisions)):
        return redirect(f"{reverse('reports:dashboard')}?{urlencode({'plan': created.name})}")
    context = {"form": form, "plan": plan, "counts": plan.counts(), "new_area": request.POST.get("new-area", "")}
    context |= {"choices": [(choice.value, CHOICE_LABELS[choice]) for choice in Choice]}
    context |= {"confirm_refused": request.POST.get("action") == "confirm"}
    return render(request, "evaluations/rollover_preview.html", context, status=400 if plan.errors else 200)


def _rollover_confirm(request, form: RolloverPeriodForm, decisions) -> PlanPeriod | None:
    """Create the period; return it, or None with the reason flashed (nothing created)."""
    source_plan = form.cleaned_data["source"]
    try:
        result = plan_rollover(source=source_plan, period=form.period, decisions=decisions, by=request.user)
    except RolloverRefused as refused:
        messages.error(request, f"何も作成していません。{refused}")
        return None
    counts = result.rollover.counts()
    messages.success(
        request,
        f"{result.plan}を{source_plan.name}から作成しました（事項{counts['items']}件、要設定の目標{counts['to_set']}件）。",
    )
    return result.plan
