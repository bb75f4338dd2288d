"""The comparison table: columns, ordering and formatting only (the view passes the rows)."""

import django_tables2 as tables

from .selectors import NO_TARGET, NO_TARGET_LABEL

NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


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

    def __init__(self, *args, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = {**labels, NO_TARGET: NO_TARGET_LABEL}
