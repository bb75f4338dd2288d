"""A figure typed for an indicator is a number and the indicator's unit, nothing else.

「120人<b>bold</b>」 typed as next year's target used to be stored as its wording.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from evaluations import services
from evaluations.forms import ItemEntryForm
from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.quantity_input import indicator_quantity
from programs.models import Indicator, Target
from programs.quantities import QuantityError
from sheets.exports.entry_template import HEADER_VALUE
from tests.sheets.helpers import download_template, fill
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db

ACCEPTED = [("120人", Decimal(120)), ("１２０人", Decimal(120)), ("120", Decimal(120)), ("1,350 人", Decimal(1350))]
REFUSED = ["120人<b>bold</b>", "120円", "120人です", "約120人", "120人\n<script>", "人120"]


@pytest.mark.parametrize(("typed", "value"), ACCEPTED)
def test_a_number_with_the_indicators_unit_or_none_is_accepted(typed, value):
    assert indicator_quantity(typed, unit="人") == value


@pytest.mark.parametrize("typed", REFUSED)
def test_anything_else_is_refused_with_a_message_naming_the_unit(typed):
    with pytest.raises(QuantityError, match="人"):
        indicator_quantity(typed, unit="人")


def test_a_wrong_unit_is_refused_saying_which_unit_the_indicator_counts_in():
    # Issue 20 item 6: 「144名」 was refused with only an example; the message names the unit.
    with pytest.raises(QuantityError) as refused:
        indicator_quantity("144名", unit="人")
    assert (
        str(refused.value)
        == "「144名」は数値と単位だけで入力してください。この指標の単位は「人」です（例:「120人」）。"
    )
    with pytest.raises(QuantityError) as refused:
        indicator_quantity("12回", unit="")
    assert str(refused.value) == "「12回」は数値だけで入力してください。この指標に単位はありません（例:「120」）。"


def test_a_unit_is_compared_after_nfkc_normalisation():
    assert indicator_quantity("12.5％", unit="%") == Decimal("12.5")
    with pytest.raises(QuantityError):
        indicator_quantity("12回", unit="")


def _form(world, data):
    indicator = Indicator.objects.get(pk=world.indicator_id)
    return ItemEntryForm(
        data,
        indicators=[indicator],
        targets_by_indicator={indicator.id: (Decimal(153), Target.Kind.PER_YEAR)},
        ratings=None,
        requires_reason=False,
    )


@pytest.mark.parametrize(("typed", "value"), ACCEPTED)
def test_the_form_accepts_next_years_target_as_a_number_and_unit(world, typed, value):
    form = _form(world, {f"next_target_{world.indicator_id}": typed})
    assert form.is_valid(), form.errors
    assert form.next_targets == {world.indicator_id: (value, typed)}


@pytest.mark.parametrize("typed", REFUSED)
def test_the_form_refuses_anything_else_naming_the_field(world, typed):
    name = f"next_target_{world.indicator_id}"
    form = _form(world, {name: typed})
    assert not form.is_valid()
    assert "受講者数 翌年度の目標" in form.errors[name][0]
    assert "人" in form.errors[name][0]


def test_the_form_applies_the_same_rule_to_the_years_figure(world):
    name = f"value_{world.indicator_id}"
    form = _form(world, {name: "150人<b>"})
    assert not form.is_valid()
    assert "受講者数" in form.errors[name][0]


@pytest.mark.parametrize("typed", ["120人<b>bold</b>", "120円"])
def test_the_service_refuses_a_wording_that_is_not_the_number_and_unit(world, typed):
    with pytest.raises(ValidationError) as refused:
        services.item_entry_save(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            user=world.users["staff_own"],
            values={world.indicator_id: Decimal(150)},
            evaluation={"activities": "研修を実施"},
            next_targets={world.indicator_id: (Decimal(120), typed)},
            expected_version=0,
        )
    assert "受講者数 翌年度の目標" in " ".join(refused.value.message_dict[f"next_target_{world.indicator_id}"])
    assert not Target.objects.filter(fiscal_year=OPEN_YEAR + 1).exists()
    assert not YearlyResult.objects.exists()
    assert not SelfEvaluation.objects.exists()


def test_the_service_stores_the_target_in_one_wording(world):
    services.item_entry_save(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        user=world.users["staff_own"],
        values={},
        next_targets={world.indicator_id: (Decimal(120), "１２０ 人")},
        expected_version=0,
    )
    target = Target.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR + 1)
    assert (target.value, target.target_text) == (Decimal(120), "120人")


def test_the_entry_screen_shows_the_field_error_and_saves_nothing(world):
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    response = client.post(
        reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]),
        {
            f"value_{world.indicator_id}": "150",
            f"next_target_{world.indicator_id}": "120人<b>bold</b>",
            "activities": "研修を実施",
            "version": "0",
            "action": "save",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "受講者数 翌年度の目標" in html
    assert "<b>bold</b>" not in html  # shown back escaped, never as markup
    assert not Target.objects.filter(fiscal_year=OPEN_YEAR + 1).exists()
    assert not SelfEvaluation.objects.exists()


def test_the_import_refuses_a_figure_with_markup_after_the_number(world):
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    workbook = fill(
        download_template(client, fiscal_year=str(OPEN_YEAR)),
        results={world.indicator_id: {HEADER_VALUE: "120人<b>bold</b>"}},
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", workbook)})
    preview = response.context["preview"]
    assert not preview.is_valid
    assert not preview.updates
    assert not YearlyResult.objects.exists()


def test_the_import_refuses_words_after_the_number_of_an_indicator_without_a_unit(world):
    ratio = world.own_item.indicators.create(key="ratio", name="達成度", unit="")
    Target.objects.create(indicator=ratio, kind=Target.Kind.PER_YEAR, value=Decimal(10), target_text="10")
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    workbook = fill(
        download_template(client, fiscal_year=str(OPEN_YEAR)), results={ratio.id: {HEADER_VALUE: "12<b>bold</b>"}}
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", workbook)})
    preview = response.context["preview"]
    assert not preview.is_valid
    assert not preview.updates
