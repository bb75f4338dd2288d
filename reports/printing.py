"""What a printed page says about itself: the plan and item, the print date and whether its figures are approved.

Chromium repeats a table's ``<thead>`` on every printed page (a ``position: fixed`` block also
repeats, but over the page's first lines), so ``templates/base.html`` wraps the content of a
page that passes a ``PrintHeader`` in a presentation table whose head is this header.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from evaluations.models import SelfEvaluation
from evaluations.progress import EntryStatus
from programs.fiscal_years import era_date_label, era_label

APPROVED = SelfEvaluation.Status.APPROVED
NOTE_ALL_APPROVED = "掲載した年度の数値・自己評価は全て承認済みです。"
NOTE_NOTHING_ENTERED = "入力された年度はありません。"
NOTE_UNAPPROVED = "未承認の年度を含みます：{years}"


@dataclass(frozen=True)
class PrintHeader:
    title: str
    printed_on: str  # 「令和8年11月30日」
    approval: str


def approval_note(years: Iterable[tuple[int, str]]) -> str:
    """Say whether the (fiscal year, entry status) pairs shown are approved.

    For example 「未承認の年度を含みます：令和5年度（提出済）」; years not yet entered are left out.
    """
    entered = [(year, status) for year, status in years if status != EntryStatus.NOT_STARTED]
    if not entered:
        return NOTE_NOTHING_ENTERED
    pending = [f"{era_label(year)}（{EntryStatus.LABELS[status]}）" for year, status in entered if status != APPROVED]
    return NOTE_UNAPPROVED.format(years="、".join(pending)) if pending else NOTE_ALL_APPROVED


def item_print_header(*, plan, area_label: str, item_label: str, years, today: datetime.date) -> PrintHeader:
    """Return the header printed on every page of an item's report."""
    return PrintHeader(
        title=f"{plan} {area_label} {item_label}",
        printed_on=era_date_label(today),
        approval=approval_note((year.fiscal_year, year.entry_status) for year in years),
    )
