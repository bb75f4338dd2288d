"""Load the sheet layouts and the plan chapter's reference figures (layouts.yaml, reference_figures.yaml).

The application ships 第7期様式, 第8期様式 and 標準様式 (programs migration 0010); an entry without
``columns`` only links its plans to the layout of that name, an entry with them defines its own.

Upserts by natural keys (layout name, column order, area and label) and writes only what differs,
so a second load writes nothing. Run after the plan data: layouts attach to plan periods, figures
to areas. A plan period that no layout lists keeps the layout it has, or starts with its
predecessor's.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.db import models, transaction

from programs.models import PlanPeriod, PolicyArea, ReferenceFigure, SheetColumn, SheetLayout
from programs.selectors import layout_of_predecessor
from programs.sheet_layouts import parse_area_year_headings
from programs.shipped_layouts import shipped_layouts_install

from .yaml_files import CREATED, UPDATED, row_upsert, yaml_mapping_read

LAYOUTS_FILE = "layouts.yaml"
FIGURES_FILE = "reference_figures.yaml"


class LayoutDataError(ValueError):
    """A layout or figure file does not match its format; the message says where."""


@dataclass
class LayoutLoadReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    names: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not (self.created or self.updated or self.deleted):
            return "シート様式・参考データ: 変更なし"
        return f"シート様式・参考データ: 追加{self.created} 更新{self.updated} 削除{self.deleted}"


@transaction.atomic
def layout_data_load(*, directory: Path) -> LayoutLoadReport:
    """Upsert the layouts, attach them to their plans, give unlisted plans their predecessor's, load the figures."""
    report = LayoutLoadReport()
    layouts = _read(directory / LAYOUTS_FILE).get("layouts") or []
    for data in layouts:
        _load_layout(report, data)
    for plan in PlanPeriod.objects.filter(layout__isnull=True).order_by("ordinal"):
        inherited = layout_of_predecessor(ordinal=plan.ordinal)
        if inherited is not None:
            plan.layout = inherited
            plan.save(update_fields=["layout"])
            report.updated += 1
    figures_path = directory / FIGURES_FILE
    if figures_path.exists():
        for group in _read(figures_path).get("figures") or []:
            _load_figures(report, group)
    return report


def _read(path: Path) -> dict[str, Any]:
    return yaml_mapping_read(path, error=LayoutDataError)


def _upsert(report: LayoutLoadReport, model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    # No reason of its own: a plan period's history records the layout it is given without one, as it always has.
    instance, outcome = row_upsert(model, lookup, values)
    if outcome == CREATED:
        report.created += 1
    elif outcome == UPDATED:
        report.updated += 1
    return instance


def _load_layout(report: LayoutLoadReport, data: dict[str, Any]) -> None:
    where = f"{LAYOUTS_FILE} {data.get('name')}"
    if "columns" not in data:
        # A shipped layout (programs migration 0010) is only linked: the file does not own its columns.
        layout = SheetLayout.objects.filter(name=data.get("name")).first()
        if layout is None and shipped_layouts_install(django_apps, names={data.get("name")}):
            report.created += 1  # a shipped layout gone from the database (a flush, an admin's delete) is put back
            layout = SheetLayout.objects.filter(name=data.get("name")).first()
        if layout is None:
            raise LayoutDataError(f"{where}: シート様式「{data.get('name')}」がありません（列を書くと作成します）")
        _link_plans(report, layout, data, where)
        return
    area_year_headings = "\n".join(
        f"{key}: {' '.join(str(heading) for heading in headings)}"
        for key, headings in (data.get("area_year_headings") or {}).items()
    )
    try:
        parse_area_year_headings(area_year_headings)
    except ValueError as error:
        raise LayoutDataError(f"{where}: area_year_headings: {error}") from error
    layout = _upsert(
        report,
        SheetLayout,
        {"name": data["name"]},
        {
            "title": data.get("title") or "",
            "note": data.get("note") or "",
            "year_headings": "\n".join(str(line) for line in data.get("year_headings") or []),
            "area_year_headings": area_year_headings,
            "assessment_label": data.get("assessment_label") or "",
            "next_steps_label": data.get("next_steps_label") or "",
        },
    )
    columns = data.get("columns") or []
    for order, column in enumerate(columns, start=1):
        if column.get("source") not in SheetColumn.Source.values:
            raise LayoutDataError(f"{where}: 列{order}の source「{column.get('source')}」は使えません")
        _upsert(
            report,
            SheetColumn,
            {"layout": layout, "order": order},
            {
                "heading": column["heading"],
                "source": column["source"],
                "years": column.get("years") or "",
                "width": Decimal(str(column.get("width") or 12)),
            },
        )
    deleted, _ = SheetColumn.objects.filter(layout=layout, order__gt=len(columns)).delete()
    report.deleted += deleted
    _link_plans(report, layout, data, where)


def _link_plans(report: LayoutLoadReport, layout: SheetLayout, data: dict[str, Any], where: str) -> None:
    for name in data.get("plans") or []:
        plan = PlanPeriod.objects.filter(name=name).first()
        if plan is None:
            raise LayoutDataError(f"{where}: 計画期間「{name}」がありません")
        _upsert(report, PlanPeriod, {"pk": plan.pk}, {"layout": layout})


def _load_figures(report: LayoutLoadReport, group: dict[str, Any]) -> None:
    area = PolicyArea.objects.filter(
        plan__name=group["plan"], number=group["area"], sub_number=group.get("sub_area")
    ).first()
    if area is None:
        raise LayoutDataError(f"{FIGURES_FILE}: {group['plan']} 分野{group['area']} がありません")
    for order, figure in enumerate(group.get("items") or [], start=1):
        _upsert(
            report,
            ReferenceFigure,
            {"area": area, "label": figure["label"]},
            {
                "value": Decimal(str(figure["value"])),
                "unit": figure.get("unit") or "",
                "as_of": figure.get("as_of"),
                "source": figure.get("source") or "",
                "order": order,
            },
        )
