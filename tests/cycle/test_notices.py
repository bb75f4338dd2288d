"""In-app notices (お知らせ): the header count's fixed cost, the list, and clearing when read."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cycle.models import Comment, Notice
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


def test_the_list_offers_each_item_year_and_reading_it_marks_nothing_read(world):
    # Issue 18 item 11: opening お知らせ marked every notice read, a write on a GET.
    _notify(world, 2)
    client = _client(world, "staff_own")
    response = client.get(reverse("cycle:notices"))
    html = response.content.decode()
    notice = Notice.objects.filter(recipient=world.users["staff_own"]).first()
    assert f'<form method="post" action="{reverse("cycle:notice_open", args=[notice.id])}"' in html
    assert "差し戻されました" in html and "令和5年度" in html and "講師養成研修" in html
    assert html.count('<span class="count-badge">未読</span>') == 2
    assert 'id="notice-count">2<' in html  # the header still counts them
    assert "すべて既読にする" in html
    assert _unread(world) == 2
    again = client.get(reverse("cycle:notices")).content.decode()
    assert again.count('<span class="count-badge">未読</span>') == 2


def test_opening_a_notice_marks_that_item_years_notices_read_and_opens_the_thread(world):
    _notify(world, 2)
    _notify(world, 1, item=world.other_item)
    client = _client(world, "staff_own")
    notice = Notice.objects.filter(item=world.own_item).first()
    response = client.post(reverse("cycle:notice_open", args=[notice.id]))
    assert response.status_code == 302
    # Issue 20 item 5: a notice opens the entry page at the figures (it opened the thread below them).
    assert response.url == reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]) + "#figures"
    assert _unread(world) == 1  # the other item's notice is still unread


def test_opening_a_notice_by_get_is_refused_and_marks_nothing(world):
    _notify(world, 1)
    notice = Notice.objects.get()
    response = _client(world, "staff_own").get(reverse("cycle:notice_open", args=[notice.id]))
    assert response.status_code == 405
    assert _unread(world) == 1


def test_mark_all_read_is_a_post_that_touches_only_my_notices(world):
    _notify(world, 3)
    _notify(world, 2, role="manager", kind=Notice.Kind.SUBMITTED)
    client = _client(world, "staff_own")
    assert client.get(reverse("cycle:notices_mark_read")).status_code == 405
    assert _unread(world) == 3
    response = client.post(reverse("cycle:notices_mark_read"), follow=True)
    assert response.redirect_chain == [(reverse("cycle:notices"), 302)]
    assert "3件のお知らせを既読にしました。" in response.content.decode()
    assert _unread(world) == 0 and _unread(world, "manager") == 2
    assert "すべて既読にする" not in response.content.decode()


def test_nobody_opens_someone_elses_notice(world):
    _notify(world, 1)
    notice = Notice.objects.get()
    assert _client(world, "staff_other").post(reverse("cycle:notice_open", args=[notice.id])).status_code == 404
    assert _unread(world) == 1


def test_anonymous_users_are_sent_to_log_in_for_notices(world, client):
    _notify(world, 1)
    for url in (reverse("cycle:notices"), reverse("cycle:notice_open", args=[Notice.objects.get().id])):
        response = client.post(url) if "open" in url else client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert _unread(world) == 1


def test_the_list_runs_the_same_queries_at_two_sizes(world):
    client = _client(world, "manager")
    _notify(world, 2, role="manager", kind=Notice.Kind.SUBMITTED)
    _small, small_sql = _get(client, reverse("cycle:notices"))
    _notify(world, 20, role="manager", kind=Notice.Kind.SUBMITTED, item=world.other_item)
    _large, large_sql = _get(client, reverse("cycle:notices"))
    assert len(large_sql) == len(small_sql), "\n".join(large_sql)


# -- Notices follow access (issue 18 item 12) ---------------------------------------------------


def _returned_with(world, body: str) -> Notice:
    comment = Comment.objects.create(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        kind=Comment.Kind.RETURNED,
        body=body,
        author=world.users["manager"],
        author_role="管理職",
    )
    return Notice.objects.create(
        recipient=world.users["staff_own"],
        kind=Notice.Kind.RETURNED,
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        actor=world.users["manager"],
        comment=comment,
    )


def test_a_user_removed_from_the_section_no_longer_sees_its_notices_or_counts_them(world):
    notice = _returned_with(world, "所管課だけの話：受講者の内訳")
    client = _client(world, "staff_own")
    assert "所管課だけの話" in client.get(reverse("cycle:notices")).content.decode()

    world.own_item.section.members.remove(world.users["staff_own"])

    html = client.get(reverse("cycle:notices")).content.decode()
    assert "所管課だけの話" not in html and "講師養成研修" not in html
    assert "お知らせはありません。" in html
    assert "notice-count" not in client.get(MY_WORK).content.decode()
    assert client.post(reverse("cycle:notice_open", args=[notice.id])).status_code == 404
    assert client.post(reverse("cycle:notices_mark_read")).status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is None  # nothing was written for a notice the user may not see


def test_notices_follow_the_same_policy_as_the_thread_page(world):
    from cycle.policies import can_read_thread

    _returned_with(world, "やり取りの本文")
    user = world.users["staff_own"]
    world.own_item.section.members.remove(user)
    user.groups.clear()
    user.groups.add(*world.users["manager"].groups.all())  # now a manager: every thread, every notice
    fresh = type(user).objects.get(pk=user.pk)

    assert can_read_thread(fresh, world.own_item) is None
    assert "やり取りの本文" in _client(world, "staff_own").get(reverse("cycle:notices")).content.decode()
