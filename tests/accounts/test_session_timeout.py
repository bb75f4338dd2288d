"""Issue 20 item 4: the login page says when the idle limit ended the session; 延長 renews it."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.sessions import MESSAGE_TIMED_OUT
from evaluations.models import SelfEvaluation, YearlyResult
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db


def _client(world, role="staff_own") -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _entry_url(world):
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


def test_a_save_after_the_session_ran_out_leads_to_a_login_page_that_says_why(world):
    client = _client(world)
    url = _entry_url(world)
    Session.objects.all().delete()  # what the idle limit does while the user writes
    response = client.post(url, {f"value_{world.indicator_id}": "150", "self_assessment": "長い文章", "action": "save"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "timeout=1" in response["Location"]
    assert "next=" in response["Location"]
    assert not SelfEvaluation.objects.exists()
    assert not YearlyResult.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert MESSAGE_TIMED_OUT in page
    assert "一定時間操作がなかったため、ログアウトしました。" in page


def test_a_first_visit_or_a_logout_shows_no_timeout_message(world):
    client = Client()
    response = client.get(_entry_url(world))
    assert "timeout" not in response["Location"]
    assert MESSAGE_TIMED_OUT not in client.get(response["Location"]).content.decode()

    client = _client(world)
    client.post(reverse("logout"))
    response = client.get(_entry_url(world))
    assert "timeout" not in response["Location"]


def test_extending_renews_the_session_and_needs_the_csrf_token(world):
    client = _client(world)
    soon = timezone.now() + datetime.timedelta(seconds=60)
    Session.objects.update(expire_date=soon)  # a minute left, as when the warning shows
    response = client.post(reverse("session_extend"))
    assert response.status_code == 200
    assert response.json() == {"seconds": settings.SESSION_COOKIE_AGE}
    renewed = Session.objects.get().expire_date
    assert renewed >= soon + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE - 120)

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.post(reverse("session_extend")).status_code == 403


def test_extending_an_ended_session_leads_to_the_login_page_and_renews_nothing(world):
    client = _client(world)
    Session.objects.all().delete()
    response = client.post(reverse("session_extend"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "timeout=1" in response["Location"]
    assert not Session.objects.exists()
