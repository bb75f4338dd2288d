"""The item-year thread (やり取り): who may read and write it, and what the workflow writes into it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from cycle.models import Comment, Notice
from cycle.policies import REASON_NOT_OWNER_COMMENT, REASON_NOT_OWNER_THREAD, REASON_THREAD_LOCKED
from cycle.selectors import era_time_label
from cycle.services import ERROR_COMMENT_EMPTY, comment_post
from evaluations import services as workflow
from evaluations import workflow_events
from evaluations.models import SelfEvaluation
from programs.fiscal_years import era_label
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR, PASSWORD, complete_evaluation, make_user

pytestmark = pytest.mark.django_db


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _entry(item, year=OPEN_YEAR) -> str:
    return reverse("evaluations:entry", args=[item.id, year])


def _post(client, item, body, year=OPEN_YEAR, next_url=None):
    return client.post(
        reverse("cycle:comment_post", args=[item.id]),
        {"fiscal_year": year, "body": body, "next": _entry(item, year) if next_url is None else next_url},
    )


def _kinds(item, year=OPEN_YEAR) -> list[tuple[str, str, str]]:
    return list(
        Comment.objects.filter(item=item, fiscal_year=year)
        .order_by("created_at", "id")
        .values_list("kind", "body", "author_role")
    )


# -- Writing and reading ----------------------------------------------------------------------


def test_owning_staff_write_and_the_entry_screen_shows_author_role_and_era_time(world):
    client = _client(world, "staff_own")
    response = _post(client, world.own_item, "  目標値の根拠を\r\n確認しています。  ")
    assert response.status_code == 302
    assert response.url == _entry(world.own_item) + "#thread"
    comment = Comment.objects.get()
    assert (comment.kind, comment.body, comment.author, comment.author_role) == (
        Comment.Kind.COMMENT,
        "目標値の根拠を\n確認しています。",
        world.users["staff_own"],
        STAFF,
    )
    history = comment.history.get()
    assert (history.history_type, history.history_user) == ("+", world.users["staff_own"])
    html = client.get(_entry(world.own_item)).content.decode()
    assert 'id="thread"' in html
    assert "目標値の根拠を<br>確認しています。" in html
    assert f'<strong class="thread-author">staff-own</strong>（{STAFF}）' in html
    assert era_time_label(comment.created_at) in html


def test_the_time_is_shown_in_tokyo_in_the_era_of_the_day():
    moment = datetime.datetime(2026, 11, 20, 5, 5, tzinfo=datetime.UTC)
    assert era_time_label(moment) == "令和8年11月20日 14:05"
    assert era_time_label(datetime.datetime(2019, 4, 30, 3, 0, tzinfo=datetime.UTC)) == "平成31年4月30日 12:00"


@pytest.mark.parametrize(("role", "shown"), [("manager", MANAGER), ("admin", SYSTEM_ADMIN)])
def test_managers_and_administrators_write_in_their_role(world, role, shown):
    assert _post(_client(world, role), world.own_item, "確認をお願いします").status_code == 302
    assert _kinds(world.own_item) == [("comment", "確認をお願いします", shown)]


def test_staff_of_another_section_can_neither_post_nor_read(world):
    comment_post(item=world.own_item, fiscal_year=OPEN_YEAR, body="所管課だけの話", by=world.users["manager"])
    client = _client(world, "staff_other")
    response = _post(client, world.own_item, "よその課から")
    assert response.status_code == 403
    assert REASON_NOT_OWNER_COMMENT in response.content.decode()
    assert _kinds(world.own_item) == [("comment", "所管課だけの話", MANAGER)]
    for url in (_entry(world.own_item), reverse("reports:item", args=[world.own_item.id])):
        html = client.get(url).content.decode()
        assert "所管課だけの話" not in html
        assert REASON_NOT_OWNER_THREAD in html
        assert 'name="body"' not in html


def test_anonymous_users_are_sent_to_log_in_and_nothing_is_written(world, client):
    response = _post(client, world.own_item, "匿名")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Comment.objects.count() == 0


def test_a_user_without_a_role_is_refused(world):
    assert _post(_client(world, "no_role"), world.own_item, "権限なし").status_code == 403
    assert Comment.objects.count() == 0


def test_on_a_locked_year_staff_are_refused_and_managers_still_write(world):
    response = _post(_client(world, "staff_own"), world.own_item, "確定後の質問", year=LOCKED_YEAR)
    assert response.status_code == 403
    assert REASON_THREAD_LOCKED.format(year=era_label(LOCKED_YEAR)) in response.content.decode()
    assert Comment.objects.count() == 0
    assert _post(_client(world, "manager"), world.own_item, "次年度に修正", year=LOCKED_YEAR).status_code == 302
    assert _kinds(world.own_item, LOCKED_YEAR) == [("comment", "次年度に修正", MANAGER)]
    html = _client(world, "staff_own").get(_entry(world.own_item, LOCKED_YEAR)).content.decode()
    assert "次年度に修正" in html and 'name="body"' not in html


def test_an_empty_comment_is_refused_with_a_message_and_nothing_written(world):
    client = _client(world, "staff_own")
    response = _post(client, world.own_item, " \n ")
    assert response.status_code == 302
    assert Comment.objects.count() == 0
    assert ERROR_COMMENT_EMPTY in client.get(response.url).content.decode()


def test_a_year_outside_the_plan_is_refused(world):
    client = _client(world, "staff_own")
    _post(client, world.own_item, "範囲外", year=2030)
    assert Comment.objects.count() == 0


def test_markup_in_a_comment_is_shown_as_text(world):
    client = _client(world, "staff_own")
    _post(client, world.own_item, '<script>alert("x")</script><b>太字</b>')
    html = client.get(_entry(world.own_item)).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;太字&lt;/b&gt;" in html
    assert '<script>alert("x")' not in html and "<b>太字</b>" not in html


def test_the_return_address_must_be_on_this_site(world):
    response = _post(_client(world, "staff_own"), world.own_item, "外へ", next_url="https://evil.example/")
    assert response.url == _entry(world.own_item) + "#thread"


def test_the_item_page_shows_each_years_thread_and_posts_to_the_chosen_year(world):
    comment_post(item=world.own_item, fiscal_year=LOCKED_YEAR, body="令和4年度の話", by=world.users["manager"])
    client = _client(world, "staff_own")
    item_url = reverse("reports:item", args=[world.own_item.id])
    html = client.get(item_url).content.decode()
    assert "<h3>令和4年度</h3>" in html and "令和4年度の話" in html
    # Staff may write only to open years: the locked ones are not offered.
    assert f'<option value="{OPEN_YEAR}" selected>' in html and f'<option value="{LOCKED_YEAR}"' not in html
    response = _post(client, world.own_item, "今年度の話", next_url=item_url)
    assert response.url == item_url + "#thread"
    assert "今年度の話" in client.get(item_url).content.decode()


# -- What the workflow writes ------------------------------------------------------------------


def _submit(world):
    complete_evaluation(world.own_item, OPEN_YEAR)
    return workflow.self_evaluation_submit(
        item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"], expected_version=1
    )


def _review(client, record, action, comment=""):
    return client.post(
        reverse("evaluations:review", args=[record.id]),
        {"action": action, "comment": comment, "version": record.version, "reason": ""},
    )


def test_a_return_puts_its_reason_in_the_thread_and_notifies_the_submitter(world):
    record = _submit(world)
    manager = _client(world, "manager")
    assert _review(manager, record, "return", "受講者数の内訳を記入してください").status_code == 302
    assert _kinds(world.own_item) == [
        ("submitted", "", STAFF),
        ("returned", "受講者数の内訳を記入してください", MANAGER),
    ]
    notice = Notice.objects.get(recipient=world.users["staff_own"])
    assert (notice.kind, notice.item, notice.fiscal_year, notice.actor) == (
        Notice.Kind.RETURNED,
        world.own_item,
        OPEN_YEAR,
        world.users["manager"],
    )
    assert notice.comment.body == "受講者数の内訳を記入してください"
    assert notice.read_at is None
    assert not Notice.objects.filter(recipient=world.users["staff_other"]).exists()
    html = _client(world, "staff_own").get(_entry(world.own_item)).content.decode()
    assert "【差戻し】" in html and "受講者数の内訳を記入してください" in html


def test_an_approval_carries_its_comment_or_none_and_notifies_the_submitter(world):
    record = _submit(world)
    assert _review(_client(world, "manager"), record, "approve", "よくまとまっています").status_code == 302
    assert _kinds(world.own_item)[-1] == ("approved", "よくまとまっています", MANAGER)
    assert list(Notice.objects.filter(recipient=world.users["staff_own"]).values_list("kind", flat=True)) == [
        Notice.Kind.APPROVED
    ]
    other = SelfEvaluation.objects.create(
        item=world.own_item, fiscal_year=2021, status="submitted", submitted_by=world.users["staff_own"]
    )
    other.item.area.plan.reporting_years.filter(fiscal_year=2021).update(is_locked=False)
    workflow.self_evaluation_approve(evaluation=other, user=world.users["manager"])
    assert _kinds(world.own_item, 2021) == [("approved", "", MANAGER)]


def test_a_submission_notifies_every_manager_and_not_the_submitter(world):
    second = make_user("manager-2", role=MANAGER)
    gone = make_user("manager-gone", role=MANAGER)
    gone.is_active = False
    gone.save()
    complete_evaluation(world.own_item, OPEN_YEAR)
    response = _client(world, "staff_own").post(
        reverse("evaluations:submit", args=[world.own_item.id, OPEN_YEAR]), {"version": 1}
    )
    assert response.status_code == 302
    notices = Notice.objects.filter(kind=Notice.Kind.SUBMITTED)
    assert sorted(notices.values_list("recipient__username", flat=True)) == sorted(["manager", second.username])
    assert {(n.item_id, n.fiscal_year, n.actor_id) for n in notices} == {
        (world.own_item.id, OPEN_YEAR, world.users["staff_own"].id)
    }


def test_a_refused_return_writes_nothing_to_the_thread(world):
    record = _submit(world)
    _review(_client(world, "manager"), record, "return", "  ")
    assert _kinds(world.own_item) == [("submitted", "", STAFF)]
    assert not Notice.objects.filter(kind=Notice.Kind.RETURNED).exists()


def test_a_failing_listener_rolls_the_transition_back(world, monkeypatch):
    record = _submit(world)

    def broken(event):
        raise PermissionDenied("listener failed")

    monkeypatch.setattr(workflow_events, "_listeners", [*workflow_events.listeners(), broken])
    with pytest.raises(PermissionDenied):
        workflow.self_evaluation_return(evaluation=record, user=world.users["manager"], comment="やり直し")
    record.refresh_from_db()
    assert record.status == SelfEvaluation.Status.SUBMITTED
    assert _kinds(world.own_item) == [("submitted", "", STAFF)]
    assert not Notice.objects.filter(kind=Notice.Kind.RETURNED).exists()


def test_cycle_registers_its_listener_once():
    from cycle.services import workflow_event_record

    assert workflow_events.listeners().count(workflow_event_record) == 1
