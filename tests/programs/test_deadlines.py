"""Issue 12 item 5: deadlines in 和暦 with days left or overdue, and one date style everywhere."""

import datetime

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from evaluations.models import ReportingYear, SelfEvaluation
from programs.fiscal_years import deadline_label, deadline_note, era_datetime_label, today_in_tokyo
from tests.workflow_world import OPEN_YEAR, PASSWORD

DUE = datetime.date(2023, 5, 31)


@pytest.mark.parametrize(
    ("today", "note"),
    [
        (datetime.date(2023, 5, 1), "あと30日"),
        (datetime.date(2023, 5, 30), "あと1日"),
        (datetime.date(2023, 5, 31), "本日まで"),
        (datetime.date(2023, 6, 1), "1日超過"),
        (datetime.date(2023, 6, 12), "12日超過"),
    ],
)
def test_days_to_a_deadline_are_counted_from_the_injected_day(today, note):
    assert deadline_note(DUE, today) == note


def test_the_deadline_label_is_in_the_era_with_the_note():
    assert deadline_label(DUE, datetime.date(2023, 6, 2)) == "令和5年5月31日（2日超過）"
    assert deadline_label(DUE, datetime.date(2023, 5, 28)) == "令和5年5月31日（あと3日）"


def test_today_is_tokyos_day_not_the_servers():
    # 2023-05-31 20:00 UTC is already 1 June in Tokyo.
    assert today_in_tokyo(datetime.datetime(2023, 5, 31, 20, 0, tzinfo=datetime.UTC)) == datetime.date(2023, 6, 1)


def test_a_moment_is_shown_in_tokyo_time_with_its_era_date():
    moment = datetime.datetime(2026, 11, 30, 8, 57, tzinfo=datetime.UTC)
    assert era_datetime_label(moment) == "令和8年11月30日 17:57"


def test_the_one_date_filter():
    moment = datetime.datetime(2026, 11, 30, 8, 57, tzinfo=datetime.UTC)
    template = Template('{% load kaigo %}{{ day|era_date }}|{{ moment|era_date:"time" }}|{{ moment|era_date }}')
    rendered = template.render(Context({"day": DUE, "moment": moment}))
    assert rendered == "令和5年5月31日|令和8年11月30日 17:57|令和8年11月30日"


def test_no_template_formats_a_date_by_hand():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in [*root.glob("*/templates/**/*.html"), *root.glob("templates/**/*.html")]
        if any(pattern in path.read_text() for pattern in ('|date:"Y', "|date:'Y", "Y年n月j日", "Y/m/d"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_my_work_and_the_entry_screen_say_how_far_the_deadline_is(world, monkeypatch):
    from programs.templatetags import kaigo

    monkeypatch.setattr(kaigo, "today_in_tokyo", lambda: datetime.date(2024, 6, 2))
    ReportingYear.objects.filter(plan=world.plan, fiscal_year=OPEN_YEAR).update(deadline=datetime.date(2024, 5, 31))
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    my_work = client.get(reverse("evaluations:my_work") + f"?plan=第8期&fiscal_year={OPEN_YEAR}").content.decode()
    assert "令和6年5月31日（2日超過）" in my_work
    entry = client.get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content.decode()
    assert "令和6年5月31日（2日超過）" in entry
    monkeypatch.setattr(kaigo, "today_in_tokyo", lambda: datetime.date(2024, 5, 21))
    entry = client.get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content.decode()
    assert "令和6年5月31日（あと10日）" in entry


@pytest.mark.django_db
def test_the_submission_time_is_in_the_era_with_the_time(world):
    SelfEvaluation.objects.create(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        status=SelfEvaluation.Status.SUBMITTED,
        submitted_at=datetime.datetime(2024, 4, 30, 1, 0, tzinfo=datetime.UTC),
    )
    client = Client()
    assert client.login(username=world.users["manager"].username, password=PASSWORD)
    html = client.get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content.decode()
    assert "令和6年4月30日 10:00" in html
