"""The admin's Target form reads the typed wording into kind, value, unit and year, and says what it read."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from programs.admin import TargetForm
from programs.models import Target
from tests import factories
from tests.workflow_world import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator():
    plan = factories.plan_period(name="第9期", ordinal=9, first_fiscal_year=2024, last_fiscal_year=2026)
    return factories.indicator(item_=factories.item(area=factories.policy_area(plan=plan)), unit="人")


def _form(indicator, **data):
    return TargetForm(data={"indicator": indicator.id, "source": "plan", "unit": "", **data})


def test_empty_kind_is_read_from_the_wording(indicator):
    form = _form(indicator, target_text="令和７年度目標：年２回以上")
    assert form.is_valid(), form.errors
    target = form.save(commit=False)
    assert (target.kind, target.value, target.unit, target.fiscal_year, target.target_text) == (
        "frequency", Decimal(2), "回", 2025, "令和７年度目標：年２回以上",
    )  # fmt: skip
    assert form.reading_described == "「令和７年度目標：年２回以上」→ 令和7年度の目標: 回数（年○回以上） 2回"


def test_ticked_box_overrides_the_chosen_kind(indicator):
    form = _form(indicator, target_text="1,350人（R6～8）", kind="per_year", value="5", read_wording="on")
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["kind"], form.cleaned_data["value"]) == ("cumulative", Decimal(1350))


def test_unreadable_wording_asks_for_the_kind_and_keeps_the_wording(indicator):
    form = _form(indicator, target_text="研修の充実を図る")
    assert not form.is_valid()
    assert "目標の文言を読み取れませんでした" in form.errors["kind"][0]
    chosen = _form(indicator, target_text="研修の充実を図る", kind="direction", direction="increase")
    assert chosen.is_valid(), chosen.errors
    assert chosen.save(commit=False).target_text == "研修の充実を図る"


def test_admin_add_page_reads_the_wording_and_shows_what_it_read(indicator):
    make_user("root", superuser=True)
    client = Client()
    assert client.login(username="root", password=PASSWORD)
    response = client.post(
        reverse("admin:programs_target_add"),
        {"indicator": indicator.id, "target_text": "62区市町村で各１人以上", "source": "plan", "unit": ""},
        follow=True,
    )
    assert response.status_code == 200
    target = Target.objects.get(indicator=indicator)
    assert (target.kind, target.value, target.unit) == ("coverage", Decimal(62), "区市町村")
    said = "目標の文言を読み取りました: 「62区市町村で各１人以上」→ 区市町村カバー 62区市町村"
    assert said in response.content.decode()
