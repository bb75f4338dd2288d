"""Read a figure typed for an indicator: a number and the indicator's own unit, nothing else.

「120人」「１２０人」「1,350 人」 and 「120」 are 120 (or 1350) for an indicator counted in 人;
「120円」, 「約120人」 and 「120人<b>bold</b>」 are refused, because whatever follows the
number would otherwise be kept as the figure's wording. Units are compared after NFKC
normalisation, as the Excel import compares them (「％」 is 「%」).
"""

import unicodedata
from decimal import Decimal

from django.db import models

from programs.quantities import (
    ERROR_WHOLE_NUMBER,
    QuantityError,
    breaks_whole_number_unit,
    format_quantity,
    parse_quantity,
)

ERROR_DIGITS = "{label}: 整数部は{integer}桁まで、小数は{decimal}桁までで入力してください"
# The unit is named (issue 20 item 6): 「144名」 refused must say the indicator counts in 人.
ERROR_NOT_NUMBER_AND_UNIT = (
    "「{text}」は数値と単位だけで入力してください。この指標の単位は「{unit}」です（例:「{example}」）。"
)
ERROR_NOT_NUMBER_NO_UNIT = "「{text}」は数値だけで入力してください。この指標に単位はありません（例:「{example}」）。"


def _normalised(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def indicator_quantity(text: str, *, unit: str) -> Decimal:
    """Return the number in ``text``; raise QuantityError unless it is the number, optionally followed by ``unit``."""
    quantity = parse_quantity(text)
    if quantity.approximate or _normalised(quantity.unit) not in ("", _normalised(unit)):
        unit = _normalised(unit)
        example = format_quantity(Decimal(120), unit)
        message = ERROR_NOT_NUMBER_AND_UNIT if unit else ERROR_NOT_NUMBER_NO_UNIT
        raise QuantityError(message.format(text=text, unit=unit, example=example))
    return quantity.value


def next_target_label(indicator) -> str:
    """Name the next-year target field of an indicator, in the form and in the service's errors alike."""
    return f"{indicator.label} 翌年度の目標"


def digit_limits(model: type[models.Model], name: str) -> tuple[int, int]:
    """Return (integer digits, decimal places) a DecimalField stores: max_digits=14, decimal_places=2 → (12, 2)."""
    field = model._meta.get_field(name)
    return field.max_digits - field.decimal_places, field.decimal_places


def fitted_to(value: Decimal, limits: tuple[int, int]) -> Decimal | None:
    """Return ``value`` as the field stores it, or None when it has too many digits for ``limits``.

    Trailing zeros do not count (「1.500」 is 1.50), so what the form accepts the model accepts.
    """
    integer_digits, places = limits
    if not value.is_finite() or abs(value) >= Decimal(10) ** integer_digits:
        return None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        return None
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1).scaleb(-places)) if isinstance(exponent, int) and exponent < -places else value


def typed_quantity(raw: str | None, *, label: str, unit: str, limits: tuple[int, int]) -> tuple[Decimal | None, str]:
    """Read a figure typed into a form: (value, "") or (None, the Japanese reason naming ``label``).

    The one reading of the entry screen and the period's figures screen: the indicator's unit
    (``indicator_quantity``), the digits the field stores (``fitted_to``) and whole numbers in a
    counted unit (1.5回 is refused). A blank input is (None, "").
    """
    if not raw or not raw.strip():
        return None, ""
    try:
        value = indicator_quantity(raw, unit=unit)
    except QuantityError as error:
        return None, f"{label}: {error}"
    fitted = fitted_to(value, limits)
    if fitted is None:
        integer, decimal = limits
        return None, ERROR_DIGITS.format(label=label, integer=integer, decimal=decimal)
    if breaks_whole_number_unit(fitted, unit):
        return None, ERROR_WHOLE_NUMBER.format(label=label, unit=unit)
    return fitted, ""
