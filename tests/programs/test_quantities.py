from decimal import Decimal

import pytest

from programs.quantities import (
    ERROR_QUANTITY_EMPTY,
    Quantity,
    QuantityError,
    format_quantity,
    format_rate,
    parse_quantity,
)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("１，３５０人", Decimal(1350), "人"),
        ("1,350人", Decimal(1350), "人"),
        ("1350", Decimal(1350), ""),
        ("１４４", Decimal(144), ""),
        ("１回", Decimal(1), "回"),
        (" 2,410 所 ", Decimal(2410), "所"),
        ("12.5%", Decimal("12.5"), "%"),
        ("０", Decimal(0), ""),
    ],
)
def test_parse_quantity_normalises_full_width_digits_separators_and_keeps_the_unit(text, value, unit):
    assert parse_quantity(text) == Quantity(value=value, unit=unit)


def test_parse_quantity_marks_approximate_figures_and_keeps_their_value():
    assert parse_quantity("約800人") == Quantity(value=Decimal(800), unit="人", approximate=True)


@pytest.mark.parametrize("text", ["-5", "－５人", "−3"])
def test_parse_quantity_refuses_negative_values(text):
    with pytest.raises(QuantityError, match="マイナス"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["abc", "百人", "1,35,0", "1.2.3", "人144"])
def test_parse_quantity_refuses_non_numbers(text):
    with pytest.raises(QuantityError, match="数値として読み取れません"):
        parse_quantity(text)


def test_parse_quantity_refuses_empty_input():
    with pytest.raises(QuantityError) as error:
        parse_quantity("　")
    assert str(error.value) == ERROR_QUANTITY_EMPTY


def test_format_quantity_and_rate():
    assert format_quantity(Decimal("1350.00"), "人") == "1,350人"
    assert format_quantity(Decimal("12.50")) == "12.5"
    assert format_quantity(None) == "－"
    assert format_rate(Decimal("94.1")) == "94.1%"
    assert format_rate(None) == "－"
    assert format_rate(Decimal("9999.9")) == "9999.9%"
    assert format_rate(Decimal("1234567890123456789000.0")) == "9,999.9%超"  # issue 12 item 4
