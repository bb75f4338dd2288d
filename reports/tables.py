"""The comparison table: columns, ordering and formatting only (the view passes the rows)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from programs.models import item_label_of

from .selectors import NO_TARGET, NO_TARGET_LABEL
from .templatetags.reports_tags import status_badge

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

    # Cells of these columns are right-aligned; the row template reads this set rather than
    # each column's attrs, which django-tables2 rebuilds for every cell.
    numeric_columns = frozenset({"target", "actual", "rate"})

    def __init__(self, *args, labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = {**labels, NO_TARGET: NO_TARGET_LABEL}

    def render_item_title(self, value, record):
        return format_html(
            '<a href="{}">{}</a> {}',
            reverse("reports:item", args=[record.item_id]),
            item_label_of(record.item_number),
            value,
        )

    def render_status(self, value):
        return status_badge(value, self.labels)
