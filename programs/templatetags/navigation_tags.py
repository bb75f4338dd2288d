"""Breadcrumbs (計画期間 › 分野 › 事項 › 年度) for the item, entry, history and attachment pages."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from programs.fiscal_years import era_label
from programs.models import item_label_of

register = template.Library()


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str  # "" for the current page (the last crumb)


def item_crumbs(
    *,
    plan_name: str,
    area_id: int,
    area_label: str,
    item_id: int,
    item_number: int,
    fiscal_year: int | None = None,
    tail: str = "",
) -> list[Crumb]:
    """Return the trail from the plan to the item (and its year, and a page below it); the last is current."""
    dashboard = reverse("reports:dashboard")
    crumbs = [
        Crumb(plan_name, f"{dashboard}?{urlencode({'plan': plan_name})}"),
        Crumb(area_label, f"{dashboard}?{urlencode({'plan': plan_name, 'area': area_id})}"),
        Crumb(item_label_of(item_number), reverse("reports:item", args=[item_id])),
    ]
    if fiscal_year is not None:
        crumbs.append(Crumb(era_label(fiscal_year), reverse("evaluations:entry", args=[item_id, fiscal_year])))
    if tail:
        crumbs.append(Crumb(tail, ""))
    last = crumbs[-1]
    crumbs[-1] = Crumb(last.label, "")
    return crumbs


@register.inclusion_tag("_breadcrumbs.html")
def item_breadcrumbs(plan, area, item, fiscal_year=None, tail=""):
    """Render the breadcrumbs of an item page; ``area`` and ``item`` are models or progress rows."""
    return {
        "crumbs": item_crumbs(
            plan_name=plan.name,
            area_id=area.id,
            area_label=area.label,
            item_id=item.id,
            item_number=item.number,
            fiscal_year=fiscal_year,
            tail=tail,
        )
    }
