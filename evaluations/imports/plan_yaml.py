"""Load a prefecture's plan data from the YAML sources in ``fixtures/`` (see SCHEMA.md there).

Rows are matched by natural keys and saved only when a field differs, so loading the same
files twice writes nothing the second time, not even a history row. Rows that the files do
not mention (entered by staff) are left alone.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

# The module, not its names: evaluations.selectors imports this loader's CHANGE_REASON while services loads.
from evaluations import services
from evaluations.models import (
    ApprovedResult,
    Rating,
    RatingScale,
    ReportingYear,
    SelfEvaluation,
    Verdict,
    YearlyResult,
)
from programs.imports.yaml_files import CREATED, UPDATED, row_upsert, yaml_mapping_read
from programs.models import (
    CarriedTarget,
    Indicator,
    Item,
    Municipality,
    PlanPeriod,
    PolicyArea,
    Program,
    ProgramBudget,
    ProgramFigure,
    Section,
    Target,
    Vision,
    item_label_of,
)
from programs.municipality_codes import InvalidCode, full_code
from programs.services import tokyo_municipalities_ensure

# Shown in the item history beside every record the loader created: say what it was, not how.
CHANGE_REASON = "初期データの読込"

AREA_KEYS = {"number", "sub_number", "title", "sub_title", "vision", "background", "outcome_indicator_text", "items"}
ITEM_KEYS = {
    "number", "title", "related_activities", "programs", "background", "item_vision", "reference", "target_wording",
    "indicators", "results", "evaluations", "section", "next_period_targets",
}  # fmt: skip
CARRIED_KEYS = {"fiscal_year", "text", "carried_by"}
CARRIER_KEYS = {"plan", "area", "sub_number", "item"}
INDICATOR_KEYS = {"key", "name", "component", "unit", "type", "targets"}
TARGET_KEYS = {"kind", "value", "unit", "fiscal_year", "text", "source", "direction"}
RESULT_KEYS = {"indicator", "fiscal_year", "value", "text", "municipalities", "municipality_count"}
RESULT_KEYS |= {"verdict", "verdict_text", "period_municipality_count"}
PROGRAM_TEXT_KEYS = ("purpose", "description", "issues", "achievements")
PROGRAM_FIGURE_KEYS = {"fiscal_year", "kind", "label", "value", "unit", "municipality_count", "municipalities", "text"}
EVALUATION_KEYS = {"fiscal_year", "activities", "self_assessment", "next_steps", "rating", "reference", "status"}


class PlanDataError(ValueError):
    """A source file does not match the schema; the message names the file and the place."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def summary(self) -> str:
        names = sorted(set(self.created) | set(self.updated))
        if not names:
            return "変更なし（すべて読込済み）"
        return ", ".join(f"{name}: 追加{self.created[name]} 更新{self.updated[name]}" for name in names)


@transaction.atomic
def plan_data_load(*, directory: Path) -> LoadReport:
    """Upsert everything in ``directory`` in one transaction; nothing is written on an error."""
    loader = _Loader(directory)
    loader.run()
    return loader.report


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.report = LoadReport()
        self.owners: dict[tuple[str, int], Section] = {}  # (plan name, area number) → owning section
        self.figures_written: set[tuple[int, int]] = set()  # (item id, fiscal year) whose results changed
        # (where, item, entry): next-period targets, linked once every period's items are loaded
        self.carried: list[tuple[str, Item, dict[str, Any]]] = []

    def run(self) -> None:
        plans = self._read("plans.yaml")
        tokyo_municipalities_ensure()  # reference data from migrate; again here for a flushed database
        self._load_plans(plans)
        self._load_visions(self._read("visions.yaml"))
        self._load_programs(self._read("programs.yaml"))
        self._load_sections(plans)
        for path in sorted(self.directory.glob("plan[0-9]*.yaml")):
            self._load_fragment(path.name, self._read(path.name))
        for where, item, entry in self.carried:
            self._load_carried_target(where, item, entry)

    # -- reading -------------------------------------------------------------------------

    def _read(self, name: str) -> dict[str, Any]:
        return yaml_mapping_read(self.directory / name, error=PlanDataError)

    @staticmethod
    def _check_keys(where: str, data: dict[str, Any], allowed: set[str]) -> None:
        unknown = set(data) - allowed
        if unknown:
            raise PlanDataError(f"{where}: 不明な項目 {sorted(unknown)}")

    # -- writing -------------------------------------------------------------------------

    def _upsert(self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> models.Model:
        """Create the row, or update only the fields that differ; count what happened per model."""
        instance, outcome = row_upsert(model, lookup, values, reason=CHANGE_REASON)
        if outcome == CREATED:
            self.report.created[model._meta.verbose_name] += 1
        elif outcome == UPDATED:
            self.report.updated[model._meta.verbose_name] += 1
        return instance

    def _set_m2m(self, instance: models.Model, attr: str, wanted: list[models.Model], *, created: bool) -> None:
        manager = getattr(instance, attr)
        if {obj.pk for obj in manager.all()} != {obj.pk for obj in wanted}:
            instance._change_reason = CHANGE_REASON
            manager.set(wanted)
            if not created:
                self.report.updated[instance._meta.verbose_name] += 1

    # -- sections of the source ------------------------------------------------------------

    def _load_plans(self, data: dict[str, Any]) -> None:
        for plan in data.get("plans", []):
            years = plan.get("reporting_years") or []
            if not PlanPeriod.objects.filter(name=plan["name"]).exists():
                # A new period is made by the one period writer (its rule, predecessor's layout, reporting
                # years with their deadlines); the file's own deadlines win over the default ones.
                try:
                    made = services.plan_period_create(
                        name=plan["name"],
                        ordinal=plan["ordinal"],
                        title=plan.get("title") or "",
                        first_fiscal_year=plan["first_fiscal_year"],
                        last_fiscal_year=plan["last_fiscal_year"],
                        uses_rating=bool(plan.get("uses_rating")),
                        deadlines={year["fiscal_year"]: year.get("deadline") for year in years},
                        reason=CHANGE_REASON,
                    )
                except services.PeriodRefused as refused:
                    raise PlanDataError(f"plans.yaml 計画期間「{plan['name']}」: {refused}") from refused
                self.report.created[PlanPeriod._meta.verbose_name] += 1
                self.report.created[ReportingYear._meta.verbose_name] += made.reporting_years_created
            self._upsert(
                PlanPeriod,
                {"name": plan["name"]},
                {
                    "ordinal": plan["ordinal"],
                    "title": plan.get("title") or "",
                    "first_fiscal_year": plan["first_fiscal_year"],
                    "last_fiscal_year": plan["last_fiscal_year"],
                    "uses_rating": bool(plan.get("uses_rating")),
                },
            )
            plan_period = PlanPeriod.objects.get(name=plan["name"])
            for year in years:
                self._upsert(
                    ReportingYear,
                    {"plan": plan_period, "fiscal_year": year["fiscal_year"]},
                    {"deadline": year.get("deadline"), "is_locked": bool(year.get("locked"))},
                )
        for scale_data in data.get("rating_scales", []):
            scale = self._upsert(RatingScale, {"name": scale_data["name"]}, {"is_default": scale_data["is_default"]})
            for order, rating in enumerate(scale_data["ratings"], start=1):
                self._upsert(
                    Rating, {"scale": scale, "symbol": rating["symbol"]}, {"label": rating["label"], "order": order}
                )

    def _load_visions(self, data: dict[str, Any]) -> None:
        def walk(nodes: list[dict[str, Any]], parent: Vision | None) -> None:
            for order, node in enumerate(nodes, start=1):
                vision = self._upsert(
                    Vision, {"code": node["code"]}, {"title": node["title"], "parent": parent, "order": order}
                )
                walk(node.get("children") or [], vision)

        walk(data.get("visions", []), None)

    def _load_programs(self, data: dict[str, Any]) -> None:
        for program_data in data.get("programs", []):
            # A renamed programme keeps its predecessor (created here if the files list it later or not at all).
            predecessor = program_data.get("predecessor")
            lineage = {
                "predecessor": self._upsert(Program, {"name": predecessor}, {}) if predecessor else None,
                "since_fiscal_year": program_data.get("since_fiscal_year"),
            }
            program = self._upsert(
                Program,
                {"name": program_data["name"]},
                {**{key: program_data.get(key) or "" for key in PROGRAM_TEXT_KEYS}, **lineage},
            )
            for budget in program_data.get("budgets") or []:
                self._upsert(
                    ProgramBudget,
                    {"program": program, "fiscal_year": budget["fiscal_year"]},
                    {
                        "amount_thousand_yen": Decimal(str(budget["amount_thousand_yen"])),
                        "text": budget.get("text") or "",
                    },
                )
            for order, figure in enumerate(program_data.get("figures") or []):
                self._load_program_figure(program, order, figure)

    def _load_program_figure(self, program: Program, order: int, data: dict[str, Any]) -> None:
        where = f"programs.yaml: {program.name}"
        self._check_keys(where, data, PROGRAM_FIGURE_KEYS)
        names = data.get("municipalities") or []
        municipalities = list(Municipality.objects.filter(name__in=names))
        if len(municipalities) != len(set(names)):
            known = {municipality.name for municipality in municipalities}
            raise PlanDataError(f"{where}: 区市町村が見つかりません {sorted(set(names) - known)}")
        existing = ProgramFigure.objects.filter(
            program=program, fiscal_year=data["fiscal_year"], kind=data["kind"], label=data["label"]
        ).exists()
        try:
            figure = self._upsert(
                ProgramFigure,
                {"program": program, "fiscal_year": data["fiscal_year"], "kind": data["kind"], "label": data["label"]},
                {
                    "value": Decimal(str(data["value"])),
                    "unit": data.get("unit") or "",
                    "municipality_count": data.get("municipality_count"),
                    "text": data.get("text") or "",
                    "order": order,
                },
            )
        except ValidationError as error:
            raise PlanDataError(f"{where} {data['label']}: {'; '.join(error.messages)}") from error
        self._set_m2m(figure, "municipalities", municipalities, created=not existing)

    def _load_fragment(self, name: str, data: dict[str, Any]) -> None:
        self._check_keys(name, data, {"plan", "areas"})
        plan = PlanPeriod.objects.filter(name=data["plan"]).first()
        if plan is None:
            raise PlanDataError(f"{name}: 計画期間「{data['plan']}」が plans.yaml にありません")
        for area_data in data["areas"]:
            self._load_area(f"{name} 分野{area_data.get('number')}", plan, area_data)

    def _load_area(self, where: str, plan: PlanPeriod, data: dict[str, Any]) -> None:
        self._check_keys(where, data, AREA_KEYS)
        vision = None
        if data.get("vision"):
            vision = Vision.objects.filter(code=data["vision"]).first()
            if vision is None:
                raise PlanDataError(f"{where}: ビジョン「{data['vision']}」が visions.yaml にありません")
        parent = None
        sub_number = data.get("sub_number")
        if sub_number is not None:
            parent = self._upsert(
                PolicyArea, {"plan": plan, "number": data["number"], "sub_number": None}, {"title": data["title"]}
            )
        area = self._upsert(
            PolicyArea,
            {"plan": plan, "number": data["number"], "sub_number": sub_number},
            {
                "parent": parent,
                "title": data["sub_title"] if sub_number is not None else data["title"],
                "vision": vision,
                "background": data.get("background") or "",
                "outcome_indicator_text": data.get("outcome_indicator_text") or "",
            },
        )
        for item_data in data.get("items") or []:
            self._load_item(f"{where} {item_label_of(item_data.get('number'))}", area, item_data)

    def _load_item(self, where: str, area: PolicyArea, data: dict[str, Any]) -> None:
        self._check_keys(where, data, ITEM_KEYS)
        existing = Item.objects.filter(area=area, number=data["number"]).first()
        owner = {}
        if existing is None or existing.section_id is None:
            # Only items without an owner: an administrator's reassignment survives a reload.
            owner = {"section": self.owners.get((area.plan.name, area.number))}
        item = self._upsert(
            Item,
            {"area": area, "number": data["number"]},
            {
                **owner,
                "title": data["title"].strip(),
                "related_activities": data.get("related_activities") or "",
                "background": data.get("background") or "",
                "item_vision": data.get("item_vision") or "",
                "reference": data.get("reference") or "",
                "target_wording": data.get("target_wording") or "",
            },
        )
        programs = [self._upsert(Program, {"name": name}, {}) for name in data.get("programs") or []]
        self._set_m2m(item, "programs", programs, created=existing is None)
        indicators = {}
        for order, indicator_data in enumerate(data.get("indicators") or [], start=1):
            indicators[indicator_data["key"]] = self._load_indicator(
                f"{where} 指標{indicator_data.get('key')}", item, order, indicator_data
            )
        for result_data in data.get("results") or []:
            self._load_result(f"{where} 実績{result_data.get('fiscal_year')}", indicators, result_data)
        for evaluation_data in data.get("evaluations") or []:
            self._load_evaluation(f"{where} 自己評価{evaluation_data.get('fiscal_year')}", item, evaluation_data)
        for entry in data.get("next_period_targets") or []:
            self.carried.append((f"{where} 次期に引き継ぐ目標{entry.get('fiscal_year')}", item, entry))

    def _load_carried_target(self, where: str, item: Item, data: dict[str, Any]) -> None:
        """Store a target written for a year after the item's period, linked to the later item that carries it."""
        self._check_keys(where, data, CARRIED_KEYS)
        carrier = data.get("carried_by")
        carried_by = None
        if carrier:
            self._check_keys(where, carrier, CARRIER_KEYS)
            carried_by = Item.objects.filter(
                area__plan__name=carrier["plan"],
                area__number=carrier["area"],
                area__sub_number=carrier.get("sub_number"),
                number=carrier["item"],
            ).first()
            if carried_by is None:
                raise PlanDataError(f"{where}: 引き継ぐ事項 {carrier} が見つかりません")
        try:
            self._upsert(
                CarriedTarget,
                {"item": item, "fiscal_year": data["fiscal_year"], "text": data["text"].strip()},
                {"carried_by": carried_by},
            )
        except ValidationError as error:
            raise PlanDataError(f"{where}: {'; '.join(error.messages)}") from error

    def _load_indicator(self, where: str, item: Item, order: int, data: dict[str, Any]) -> Indicator:
        self._check_keys(where, data, INDICATOR_KEYS)
        indicator = self._upsert(
            Indicator,
            {"item": item, "key": data["key"]},
            {
                "name": data["name"],
                "component": data.get("component") or "",
                "unit": data.get("unit") or "",
                "type": data.get("type") or Indicator.Type.PROCESS,
                "order": order,
            },
        )
        for target_data in data.get("targets") or []:
            self._check_keys(where, target_data, TARGET_KEYS)
            if target_data["kind"] not in Target.Kind.values:
                raise PlanDataError(f"{where}: 目標の種類「{target_data['kind']}」は使えません")
            self._upsert(
                Target,
                {"indicator": indicator, "fiscal_year": target_data.get("fiscal_year")},
                {
                    "kind": target_data["kind"],
                    "value": _decimal(target_data.get("value")),
                    "unit": target_data.get("unit") or indicator.unit,
                    "target_text": str(target_data["text"]),
                    "source": target_data.get("source") or Target.Source.PLAN,
                    "direction": target_data.get("direction") or "",
                },
            )
        return indicator

    def _load_result(self, where: str, indicators: dict[str, Indicator], data: dict[str, Any]) -> None:
        self._check_keys(where, data, RESULT_KEYS)
        indicator = indicators.get(data["indicator"])
        if indicator is None:
            raise PlanDataError(f"{where}: 指標「{data['indicator']}」がこの事項にありません")
        before = sum(self.report.created.values()) + sum(self.report.updated.values())
        result = self._upsert(
            YearlyResult,
            {"indicator": indicator, "fiscal_year": data["fiscal_year"]},
            {
                "value": _decimal(data.get("value")),
                "actual_text": str(data.get("text") or ""),
                "municipality_count": data.get("municipality_count"),
                "verdict": self._verdict(where, data),
                "verdict_text": str(data.get("verdict_text") or ""),
                "period_municipality_count": data.get("period_municipality_count"),
            },
        )
        codes = [_full_code(code, where) for code in data.get("municipalities") or []]
        if codes:
            municipalities = list(Municipality.objects.filter(code__in=codes))
            if len(municipalities) != len(set(codes)):
                raise PlanDataError(f"{where}: 不明な団体コードがあります {codes}")
            self._set_m2m(result, "municipalities", municipalities, created=False)
        if sum(self.report.created.values()) + sum(self.report.updated.values()) != before:
            self.figures_written.add((indicator.item_id, result.fiscal_year))

    @staticmethod
    def _verdict(where: str, data: dict[str, Any]) -> str:
        verdict = data.get("verdict") or ""
        if verdict and verdict not in Verdict.values:
            raise PlanDataError(f"{where}: 達成の判断「{verdict}」は {'/'.join(Verdict.values)} のいずれかです")
        if verdict and not data.get("verdict_text"):
            raise PlanDataError(f"{where}: 達成の判断には根拠の文（verdict_text）が必要です")
        return verdict

    def _load_evaluation(self, where: str, item: Item, data: dict[str, Any]) -> None:
        self._check_keys(where, data, EVALUATION_KEYS)
        rating = None
        if data.get("rating"):
            rating = Rating.objects.filter(scale__is_default=True, symbol=data["rating"]).first()
            if rating is None:
                raise PlanDataError(f"{where}: 評定「{data['rating']}」が既定の尺度にありません")
        record = self._upsert(
            SelfEvaluation,
            {"item": item, "fiscal_year": data["fiscal_year"]},
            {
                "activities": data.get("activities") or "",
                "self_assessment": data.get("self_assessment") or "",
                "next_steps": data.get("next_steps") or "",
                "rating": rating,
                "reference": data.get("reference") or "",
                # What the sheets publish has been approved; a fragment may say otherwise.
                "status": data.get("status") or SelfEvaluation.Status.APPROVED,
            },
        )
        key = (item.pk, record.fiscal_year)
        if record.status == SelfEvaluation.Status.APPROVED and (
            key in self.figures_written
            or not ApprovedResult.objects.filter(indicator__item=item, fiscal_year=record.fiscal_year).exists()
        ):
            # Approved figures are kept by the approval service's one writer, as for any approval.
            services.approved_results_record(evaluation=record)

    def _load_sections(self, data: dict[str, Any]) -> None:
        for order, section_data in enumerate(data.get("sections", []), start=1):
            section = self._upsert(Section, {"name": section_data["name"]}, {"order": order})
            for area in section_data.get("areas", []):
                self.owners[(area["plan"], area["number"])] = section


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value))


def _full_code(code, where: str) -> str:
    """Read a municipality's code as the seeds write it (13101) or in full (131016)."""
    try:
        return full_code(str(code))
    except InvalidCode as error:
        raise PlanDataError(f"{where}: {error}") from error
