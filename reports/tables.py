"""The comparison table: columns, ordering and formatting only (the view passes the rows)."""

import django_tables2 as tables
from django_tables2.data import TableListData
from django_tables2.utils import OrderBy, OrderByTuple

from .selectors import NO_TARGET, NO_TARGET_LABEL, TableRows

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


class OrderedOnce(TableListData):
    """Table data that sorts each ordering of the same rows once and reuses it.

    django-tables2 sorts a list in Python on every request (about 20× the trivial view for a
    national plan sorted by rate); the selector returns the same ``TableRows`` until the data
    changes, so each sorted copy is kept on it. The rows themselves are never sorted in place.
    """

    ordering_key: tuple = ()  # the accessors the rows are sorted by; () for the default order

    def order_by(self, aliases):
        accessors = []
        for alias in aliases:
            column = self.table.columns[OrderBy(alias).bare]
            same_direction = alias[0] == column.order_by_alias[0]
            accessors += column.order_by if same_direction else column.order_by.opposite
        key = tuple(accessors)
        self.ordering_key = key
        orderings = getattr(self.data, "orderings", None)
        if orderings is None or key not in orderings:
            ordered = sorted(self.data, key=OrderByTuple(accessors).key)
            if orderings is None:
                self.data = ordered
                return
            orderings[key] = ordered
        self.data = orderings[key]


class ProgressTable(tables.Table):
    area_label = tables.Column("取組分野", order_by=("area_order", "item_number", "indicator_id", "fiscal_year"))
    item_title = tables.Column("事項", order_by=("area_order", "item_number", "indicator_id", "fiscal_year"))
    indicator_label = tables.Column("指標", order_by=("indicator_label", "fiscal_year"))
    section_name = tables.Column("担当課")
    fiscal_year = tables.Column(
        "年度", accessor="fiscal_year_label", order_by=("fiscal_year", "area_order", "item_number", "indicator_id")
    )
    target = tables.Column("目標", accessor="target_display", order_by="target", attrs=NUMERIC)
    actual = tables.Column("実績", accessor="actual_display", order_by="actual", attrs=NUMERIC)
    rate = tables.Column("達成率", accessor="rate_display", order_by="rate", attrs=NUMERIC)
    status = tables.Column("状況")

    class Meta:
        attrs = {"class": "progress-table"}
        orderable = True
        empty_text = "条件に合う行はありません。"
        template_name = "reports/_table.html"

    # The row template (reports/_table.html) writes the cells from each row's record in this
    # column order: django-tables2's per-cell rendering inspects a method for every cell, which
    # cost more than everything else on the page. Columns here give headers and ordering.
    BODY_COLUMNS = (
        "area_label",
        "item_title",
        "indicator_label",
        "section_name",
        "fiscal_year",
        "target",
        "actual",
        "rate",
        "status",
    )

    def __init__(self, rows: TableRows | list, *args, labels: dict[str, str], **kwargs):
        super().__init__(OrderedOnce(rows), *args, **kwargs)
        self.labels = {**labels, NO_TARGET: NO_TARGET_LABEL}
