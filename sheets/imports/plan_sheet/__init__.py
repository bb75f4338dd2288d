"""Read a prefecture's own self-evaluation sheet (自己評価シート) into a plan draft, to set a period up from it.

``plan_sheet_read`` opens the upload with the entry import's defences (size, zip bomb, macros,
external links, parts the sheet never has, cells outside the bounds) and returns the rows of
the sheet, its merged ranges and formula cells, and the 「達成状況」 worksheet where there is one.
``plan_sheet_parse`` is pure: it identifies the layout from the header rows (or takes the one
named), reads the fiscal years from the year headings (「令和３年度」「30年度」「R3」「平成30年度」),
then every area and item row into a frozen ``PlanDraft``, and lists every cell it could not place
as a ``SheetProblem`` (sheet, row, column and a Japanese message).

Two ways to read an item's indicators:
- the application's own export carries, on 「達成状況」, the columns marked 取込用 (indicator keys,
  stored targets, coverage counts, verdicts): read from there, the round trip loses nothing, and
  the official cells are checked against them;
- a sheet typed by hand has only the official cells: the 目標 cell is read by the target grammar
  (``programs.target_wording``), one indicator per figure, and the 実績 cell (where the layout has
  one) gives each year's result.
Merged cells hold their text in the top-left cell; an item spans the rows its 事項 cell is merged
over; line breaks inside cells and full-width digits are kept verbatim in the texts.

The modules, along the seams: ``workbook`` (reading the upload within bounds), ``grid`` (cells
and merged ranges, the placed layout), ``layout`` (recognising the layout and the fiscal years),
``areas`` (area and item rows into drafts), ``targets`` (a hand-typed 目標 and 実績 cell),
``progress_sheet`` (the 「達成状況」 reader), ``parse`` (``plan_sheet_parse``, which runs them in
turn), ``drafts`` (the frozen result) and ``messages`` (limits, messages, patterns). Callers
import from the package; a test that changes a limit patches the module that reads it.
"""

from .drafts import (
    AreaDraft,
    EvaluationDraft,
    IndicatorDraft,
    ItemDraft,
    PlanDraft,
    ResultDraft,
    SheetProblem,
    TargetDraft,
)
from .grid import _Grid, cell_text, normalised
from .parse import plan_sheet_parse
from .targets import target_wordings
from .workbook import (
    MAX_WORKBOOK_ROWS,
    MAX_WORKBOOK_TEXT,
    MAX_WORKSHEETS,
    PROGRESS_BOUNDS,
    SHEET_BOUNDS,
    PlanSheetRows,
    SheetRows,
    plan_sheet_read,
)

__all__ = [
    "MAX_WORKBOOK_ROWS",
    "MAX_WORKBOOK_TEXT",
    "MAX_WORKSHEETS",
    "PROGRESS_BOUNDS",
    "SHEET_BOUNDS",
    "AreaDraft",
    "EvaluationDraft",
    "IndicatorDraft",
    "ItemDraft",
    "PlanDraft",
    "PlanSheetRows",
    "ResultDraft",
    "SheetProblem",
    "SheetRows",
    "TargetDraft",
    "_Grid",
    "cell_text",
    "normalised",
    "plan_sheet_parse",
    "plan_sheet_read",
    "target_wordings",
]
