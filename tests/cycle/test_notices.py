"""In-app notices (お知らせ): the header count's fixed cost, the list, and clearing when read."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cycle.models import Notice
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _notify(world, count: int, role="staff_own", kind=Notice.Kind.RETURNED, item=None):
    Notice.objects.bulk_create(
        Notice(
            recipient=world.users[role],
            kind=kind,
            item=item or world.own_item,
            fiscal_year=OPEN_YEAR,
            actor=world.users["manager"],
        )
        for _ in range(count)
    )


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response, [query["sql"] for query in queries.captured_queries]


def _unread(world, role="staff_own") -> int:
    return Notice.objects.filter(recipient=world.users[role], read_at__isnull=True).count()


MY_WORK = reverse("evaluations:my_work")


def test_the_header_shows_the_unread_count_with_one_query_at_any_number(world):
    client = _client(world, "staff_own")
    _get(client, MY_WORK)  # computes the plan's progress once, so both measured reads find it cached
    _notify(world, 1)
    small, small_sql = _get(client, MY_WORK)
    assert 'id="notice-count">1<span class="visually-hidden">件の未読</span>' in small.content.decode()
    _notify(world, 11)
    _notify(world, 5, role="manager")  # someone else's do not count
    large, large_sql = _get(client, MY_WORK)
    assert 'id="notice-count">12<' in large.content.decode()
    assert len(large_sql) == len(small_sql), "\n".join(large_sql)
    assert sum('"cycle_notice"' in sql for sql in large_sql) == 1, "\n".join(large_sql)


def test_no_count_and_no_badge_without_unread_notices(world):
    html = _client(world, "staff_own").get(MY_WORK).content.decode()
    assert ">お知らせ</a>" in html and "notice-count" not in html


def test_a_page_seen_logged_out_runs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "お知らせ" not in response.content.decode()


def test_the_list_links_to_the_item_year_and_opening_it_marks_the_notices_read(world):
    _notify(world, 2)
    client = _client(world, "staff_own")
    response = client.get(reverse("cycle:notices"))
    html = response.content.decode()
    notice = Notice.objects.filter(recipient=world.users["staff_own"]).first()
    assert f'href="{reverse("cycle:notice_open", args=[notice.id])}"' in html
    assert "差し戻されました" in html and "令和5年度" in html and "講師養成研修" in html
    assert html.count('<span class="count-badge">未読</span>') == 2  # shown as unread this time
    assert "notice-count" not in html  # the header already counts them read
    assert _unread(world) == 0
    assert "未読</span>" not in client.get(reverse("cycle:notices")).content.decode()


def test_opening_a_notice_marks_that_item_years_notices_read_and_opens_the_thread(world):
    _notify(world, 2)
    _notify(world, 1, item=world.other_item)
    client = _client(world, "staff_own")
    notice = Notice.objects.filter(item=world.own_item).first()
    response = client.get(reverse("cycle:notice_open", args=[notice.id]))
    assert response.status_code == 302
    # Issue 20 item 5: a notice opens the entry page at the figures (it opened the thread below them).
    assert response.url == reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]) + "#figures"
    assert _unread(world) == 1  # the other item's notice is still unread


def test_nobody_opens_someone_elses_notice(world):
    _notify(world, 1)
    notice = Notice.objects.get()
    assert _client(world, "staff_other").get(reverse("cycle:notice_open", args=[notice.id])).status_code == 404
    assert _unread(world) == 1


def test_anonymous_users_are_sent_to_log_in_for_notices(world, client):
    _notify(world, 1)
    for url in (reverse("cycle:notices"), reverse("cycle:notice_open", args=[Notice.objects.get().id])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert _unread(world) == 1


def test_the_list_runs_the_same_queries_at_two_sizes(world):
    client = _client(world, "manager")
    _notify(world, 2, role="manager", kind=Notice.Kind.SUBMITTED)
    _small, small_sql = _get(client, reverse("cycle:notices"))
    _notify(world, 20, role="manager", kind=Notice.Kind.SUBMITTED, item=world.other_item)
    _large, large_sql = _get(client, reverse("cycle:notices"))
    assert len(large_sql) == len(small_sql), "\n".join(large_sql)
