"""The plan's progress, read once and graded once: every page, the API and every workbook read it.

``plan_progress`` returns a plan's areas › items › indicators with every year's figures,
rates and statuses as frozen dataclasses. It grades with the administrator's status rule
(``StatusRule``) itself, so no caller can grade differently: the dashboard, the item page,
the table, the API, the Excel exports, the entry screen and the import preview all agree.

Cost: a plan is computed from the database in a fixed number of queries (values() rows, no
model instances for the many rows) and kept in this process, keyed by the token that the
database changes on every write to a table listed in ``PROGRESS_TABLES`` (``ProgressVersion``,
whose triggers ``progress_triggers_install`` installs after every migrate). A request that
finds the token unchanged reads one row and reuses the computed plan; narrowing by area,
section or item is done on the computed plan, so it never changes the number of queries.

Which figure counts: managers' views count APPROVED figures only. Workflow state is per
item-year (``SelfEvaluation.status``), figures per indicator-year, so a year's figure counts
when its item-year is approved; while the item-year is back in the workflow (差戻し, or
reopened and edited) the figure approved last counts (``ApprovedResult``, the snapshot the
approval writes). A newer figure is carried beside it (``YearCell.pending``), labelled
下書き (draft, returned) or 未承認 (submitted), and graded nowhere. A result whose item-year has
no SelfEvaluation row was written outside the entry workflow (the admin, a loader); nobody
approved it, so it is a 下書き too, as the entry status already says (``_entry_status``). A
result for a year outside the plan's fiscal years (the baseline a plan quotes, e.g. 平成29年度
for 第7期) has no workflow at all and counts as recorded. ``include_unapproved=True`` (the
reports' 「未承認の実績を含める」 filter and the staff entry screen) counts the newest figures
instead, each still stating its state.

The modules, along the seams: ``rows`` (the dataclasses and their labels), ``rule`` (the status
rule), ``counted`` (which figure counts), ``compute`` (the queries and the grading), ``cache``
(the token-keyed cache and the readers every caller uses), ``single`` (one indicator outside a
listing) and ``triggers`` (the token's triggers). Callers import from the package.
"""

from .cache import plan_progress, plans_progress, progress_cache_clear, progress_derived, progress_narrowed
from .compute import restates_no_figure
from .counted import FIGURE_FIELDS, CountedFigures
from .rows import (
    APPROVED,
    BASIS_PACE,
    BASIS_YEAR_PLAN,
    NO_TARGET_LABEL,
    STATE_LABELS,
    VERDICT_LABELS,
    AreaRow,
    CumulativeSummary,
    EntryStatus,
    EvaluationCell,
    Headline,
    IndicatorRow,
    ItemRow,
    PendingFigure,
    PeriodCoverage,
    PlanProgress,
    YearCell,
    state_label_of,
)
from .rule import status_labels, status_rule_get
from .single import achievement_for
from .triggers import PROGRESS_MODELS, progress_tables, progress_triggers_install, progress_triggers_remove

__all__ = [
    "APPROVED",
    "BASIS_PACE",
    "BASIS_YEAR_PLAN",
    "FIGURE_FIELDS",
    "NO_TARGET_LABEL",
    "PROGRESS_MODELS",
    "STATE_LABELS",
    "VERDICT_LABELS",
    "AreaRow",
    "CountedFigures",
    "CumulativeSummary",
    "EntryStatus",
    "EvaluationCell",
    "Headline",
    "IndicatorRow",
    "ItemRow",
    "PendingFigure",
    "PeriodCoverage",
    "PlanProgress",
    "YearCell",
    "achievement_for",
    "plan_progress",
    "plans_progress",
    "progress_cache_clear",
    "progress_derived",
    "progress_narrowed",
    "progress_tables",
    "progress_triggers_install",
    "progress_triggers_remove",
    "restates_no_figure",
    "state_label_of",
    "status_labels",
    "status_rule_get",
]
