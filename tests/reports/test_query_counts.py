"""Every report page and the API run the same number of queries on Tokyo's data and on 10× more.

The synthetic data (bench/synthetic.py) adds ten times Tokyo's areas, with items, indicators
of every target kind, results, municipalities and self-evaluations, to both plans the pages
show, so the selectors read ten times the rows with the same queries.
"""

import pytest
from django.urls import reverse

from bench.synthetic import TOKYO_AREAS, grow_plan
from programs.models import Item, PlanPeriod
from reports.services import api_token_create

from .conftest import count_queries

pytestmark = pytest.mark.django_db


def _grow_tenfold() -> None:
    for name in ("第7期", "第8期"):
        grow_plan(PlanPeriod.objects.get(name=name), areas=TOKYO_AREAS * 10)


def _urls() -> dict[str, str]:
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    cumulative = Item.objects.get(area__plan__name="第7期", area__number=2, area__sub_number=1, number=1)
    area = item.area_id
    return {
        "dashboard": reverse("reports:dashboard"),
        "dashboard_7th": reverse("reports:dashboard") + "?plan=第7期",
        "dashboard_filtered": reverse("reports:dashboard") + f"?area={area}&status=mostly_achieved&fiscal_year=2021",
        "dashboard_statuses": reverse("reports:dashboard") + "?plan=第7期&status=not_achieved&status=decreased",
        "item": reverse("reports:item", args=[item.id]),
        "item_cumulative": reverse("reports:item", args=[cumulative.id]),
        "table": reverse("reports:table") + "?plan=第7期&sort=-rate",
        "table_filtered": reverse("reports:table") + f"?area={area}&fiscal_year=2021&status=mostly_achieved",
        "table_statuses": reverse("reports:table") + "?plan=第7期&status=achieved&status=no_target",
        "table_xlsx": reverse("reports:table_xlsx") + "?plan=第7期&status=not_achieved",
        "compare": reverse("reports:compare"),
        "api": reverse("reports:api_progress") + "?plan=第7期",
        # 「未承認の実績を含める」: the same pages over the plan read with the newest figures (issue 12)
        "dashboard_unapproved": reverse("reports:dashboard") + "?plan=第7期&unapproved=on",
        "table_unapproved": reverse("reports:table") + "?plan=第7期&unapproved=on",
        "api_unapproved": reverse("reports:api_progress") + "?plan=第7期&unapproved=on",
        "ping": reverse("reports:ping"),
    }


# Queries beyond the session, user and role look-ups that every logged-in page pays (the ping
# page), once the plan's progress is computed: reading it costs one query (the version token).
REPORT_QUERIES = {
    # Every HTML page also counts the user's unread notices for the header (お知らせ), once; the
    # dashboard's entry panel reads the year and its last reminder per section (two queries).
    # plans, reporting years, progress token, areas + sections (filter), header sections, notices, reference figures
    "dashboard": 10,
    "dashboard_7th": 10,
    "dashboard_filtered": 11,  # + the chosen area's validation
    # Several statuses, and the 要対応 list built from the rows already read (issue 12 item 7): no query more.
    "dashboard_statuses": 10,
    # item, reporting years (the 「入力画面へ」 year), progress token, header sections, notices, reference figures;
    # thread: item, reporting years, comments; the item's programmes and their budgets (issue 21 item 16)
    "item": 11,
    "item_cumulative": 11,
    "table": 6,  # plans, progress token, areas + sections (filter), header sections, notices
    "table_filtered": 7,
    "table_statuses": 6,
    "table_xlsx": 2,  # no filter form rendered, no header
    "compare": 7,  # plans, areas of both plans, progress token, header sections, notices, programme predecessors
    "api": 2,  # plans, progress token
    "dashboard_unapproved": 10,
    "table_unapproved": 6,
    "api_unapproved": 2,
    "ping": 0,
}
# Computing a plan after a write: the status rule, areas, items, programmes, indicators,
# targets, results (with their municipality counts), the approved snapshots of results (issue 12:
# the figure that counts while a newer one awaits approval) and self-evaluations.
PROGRESS_COMPUTE_QUERIES = 9


@pytest.mark.parametrize("page", list(REPORT_QUERIES))
def test_page_runs_the_same_queries_at_tokyo_scale_and_ten_times_larger(manager_client, tokyo_data, page):
    url = _urls()[page]
    small, _ = count_queries(manager_client, url)
    _grow_tenfold()
    large, large_sql = count_queries(manager_client, url)
    assert large == small, f"{page}: {small} queries on Tokyo's data, {large} on 10×\n" + "\n".join(large_sql)


def test_api_with_a_token_runs_the_same_queries_at_both_sizes(client, manager, tokyo_data):
    _token, key = api_token_create(user=manager, name="BI")
    url = reverse("reports:api_progress")
    small, _ = count_queries(client, url, HTTP_AUTHORIZATION=f"Token {key}")
    _grow_tenfold()
    large, sql = count_queries(client, url, HTTP_AUTHORIZATION=f"Token {key}")
    assert large == small, "\n".join(sql)


def test_query_budget_per_page(manager_client, tokyo_data):
    """Pin each page's own queries, so that a new one shows up in review and not only a growing one."""
    for url in _urls().values():
        count_queries(manager_client, url)  # compute both plans' progress once
    counts = {page: count_queries(manager_client, url)[0] for page, url in _urls().items()}
    assert {page: count - counts["ping"] for page, count in counts.items()} == REPORT_QUERIES


@pytest.mark.parametrize("page", ["dashboard", "item", "table", "api"])
def test_the_first_read_after_a_write_computes_the_plan_in_a_fixed_number_of_queries(manager_client, tokyo_data, page):
    url = _urls()[page]
    count_queries(manager_client, url)  # computes the plan
    warm, _ = count_queries(manager_client, url)
    Item.objects.filter(area__plan__name="第8期").update(reference="別紙")  # any write: a new version
    cold, sql = count_queries(manager_client, url)
    assert cold - warm == PROGRESS_COMPUTE_QUERIES, "\n".join(sql)
