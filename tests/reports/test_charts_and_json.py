"""Charts carry their figures in text; the JSON numbers are numbers, rates keep one decimal."""

import json
from decimal import Decimal

import pytest

from evaluations.progress import plan_progress
from programs.models import PlanPeriod
from reports import charts, serializers


def test_json_numbers():
    assert serializers.number(Decimal("153.00")) == 153
    assert isinstance(serializers.number(Decimal("153.00")), int)
    assert serializers.number(Decimal("12.50")) == 12.5
    assert serializers.number(None) is None
    assert serializers.rate(Decimal("100.0")) == 100.0
    assert json.dumps(serializers.rate(Decimal("94.1"))) == "94.1"
    assert json.dumps(serializers.rate(Decimal("88.8"))) == "88.8"


@pytest.mark.django_db
def test_sparkline_and_bar_chart_describe_the_figures(tokyo_data):
    progress = plan_progress(plan=PlanPeriod.objects.get(name="第8期"))
    indicator = progress.items[0].indicators[0]
    spark = charts.sparkline(charts.series_of(indicator))
    assert 'role="img"' in spark
    assert "令和3年度 実績144人・目標153人" in spark
    assert "令和4年度 実績未入力・目標153人" in spark
    bars = charts.bar_chart(charts.series_of(indicator))
    assert bars.count('class="bar-target"') == 3 + 1  # three years and the legend
    assert bars.count('class="bar-actual"') == 1 + 1
    assert ">R3<" in bars


@pytest.mark.django_db
def test_cumulative_charts_draw_the_running_total_against_the_target_to_date(tokyo_data):
    progress = plan_progress(plan=PlanPeriod.objects.get(name="第7期"))
    area = next(a for a in progress.areas if a.number == 2 and a.sub_number == 1)
    series = charts.series_of(area.items[0].indicators[0])
    assert series.actuals == (Decimal("352.00"), Decimal("780.00"), Decimal("1199.00"))
    assert series.targets == (Decimal(450), Decimal(900), Decimal(1350))
    assert series.actual_label == "累計実績"


def test_sparkline_is_empty_without_figures():
    series = charts.Series((2021, 2022), (None, None), (Decimal(1), Decimal(1)), "実績", "目標", "回")
    assert charts.sparkline(series) == ""
