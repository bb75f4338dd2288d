"""The import's preview and its apply are one change: what the preview lists is exactly what is written."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from evaluations.changes import state_change
from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.selectors import item_year_states
from sheets.exports.entry_template import HEADER_ACTIVITIES, HEADER_ACTUAL_TEXT, HEADER_NEXT_STEPS, HEADER_VALUE
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD

from .helpers import download_template, fill, history_count

pytestmark = pytest.mark.django_db


def _client(world) -> Client:
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    return client


def _upload(client, data: bytes):
    return client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", data)})


def _confirm(client, response):
    return client.post(reverse("sheets:import_confirm"), {"token": response.context["token"]}, follow=True)


def _second_item(world):
    item = factories.item(area=world.own_item.area, number=3, section=world.own_item.section, title="相談窓口")
    counted = factories.indicator(item_=item, key="desks", name="窓口数", unit="か所")
    factories.target(indicator_=counted, unit="か所", value=Decimal(10), target_text="10か所")
    factories.yearly_result(indicator_=counted, fiscal_year=OPEN_YEAR, value=Decimal(8), actual_text="8か所")
    SelfEvaluation.objects.create(item=item, fiscal_year=OPEN_YEAR, activities="前の取組", version=3)
    return item, counted


def test_the_change_the_preview_lists_is_the_change_apply_writes(world):
    item, counted = _second_item(world)
    client = _client(world)
    filled = fill(
        download_template(client, fiscal_year=str(OPEN_YEAR)),
        results={
            world.indicator_id: {HEADER_VALUE: "１５０人"},
            counted.id: {HEADER_VALUE: 9, HEADER_ACTUAL_TEXT: "相談窓口 9か所"},
        },
        evaluations={
            world.own_item.id: {HEADER_ACTIVITIES: "講師養成研修を実施"},
            item.id: {HEADER_ACTIVITIES: "前の取組", HEADER_NEXT_STEPS: "窓口を増やす"},
        },
    )
    ids = [world.own_item.id, item.id]
    before = item_year_states(item_ids=ids, fiscal_year=OPEN_YEAR)
    response = _upload(client, filled)
    preview = response.context["preview"]
    assert preview.errors == ()
    previewed = {changes.item_id: changes.change for changes in preview.changes}
    assert sorted(previewed) == sorted(ids)
    assert [(f.field, f.before, f.after) for f in previewed[item.id].fields] == [
        ("value", "8か所", "9か所"),
        ("actual_text", "8か所", "相談窓口 9か所"),
        ("next_steps", "（空欄）", "窓口を増やす"),
    ]

    assert "2件の事項を更新しました" in _confirm(client, response).content.decode()
    after = item_year_states(item_ids=ids, fiscal_year=OPEN_YEAR)
    for item_id in ids:
        assert state_change(before[item_id], after[item_id]).fields == previewed[item_id].fields


def test_a_wording_typed_beside_a_blank_figure_is_written_as_the_preview_shows(world):
    """Before: the preview listed it, and apply silently dropped it (no figure, no record)."""
    client = _client(world)
    filled = fill(
        download_template(client, fiscal_year=str(OPEN_YEAR)),
        results={world.indicator_id: {HEADER_ACTUAL_TEXT: "集計中（5月に確定）"}},
    )
    response = _upload(client, filled)
    changes = [(f.field, f.old, f.new) for item in response.context["preview"].changes for f in item.fields]
    assert changes == [("受講者数（実績（原文））", "（空欄）", "集計中（5月に確定）")]
    _confirm(client, response)
    result = YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR)
    assert (result.value, result.actual_text) == (None, "集計中（5月に確定）")


def test_a_figure_written_outside_the_entry_workflow_after_the_preview_is_a_conflict(world):
    """The version did not move (a direct edit by an administrator), yet the change is no longer the previewed one."""
    result = factories.yearly_result(indicator_=world.own_item.indicators.get(), fiscal_year=OPEN_YEAR)
    client = _client(world)
    filled = fill(
        download_template(client, fiscal_year=str(OPEN_YEAR)), results={world.indicator_id: {HEADER_VALUE: 150}}
    )
    response = _upload(client, filled)
    result.value, result.actual_text = Decimal(149), "149人"
    result.save()
    before = history_count()
    page = _confirm(client, response).content.decode()
    assert "他の利用者が更新しました" in page
    assert history_count() == before
    assert YearlyResult.objects.get(pk=result.pk).value == Decimal(149)
