"""Numbers as staff type them: 「１，３５０人」「1,350」「約800人」「１回」.

Input is normalised with Unicode NFKC (full-width digits and separators become ASCII),
thousands separators are dropped and the unit that follows the number is kept.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

ERROR_QUANTITY_EMPTY = "数値が入力されていません。"
ERROR_QUANTITY_NOT_A_NUMBER = "「{text}」は数値として読み取れません。例:「144」「1,350人」"
# No colon: forms put 「<field>: 」 in front of this message.
ERROR_QUANTITY_NEGATIVE = "「{text}」はマイナスの値のため入力できません。0以上の数値を入力してください。"

ERROR_WHOLE_NUMBER = "{label}: {unit}で数える値は整数で入力してください。"
# Counted units: a meeting or a person is never a fraction (「1.5回」 is a typing mistake). The one list.
WHOLE_NUMBER_UNITS = frozenset({"回", "人"})

# Words that qualify a figure without changing it (「約800人」 is recorded as 800).
_APPROXIMATE_PREFIXES = ("約", "およそ", "概ね")
_QUANTITY_PATTERN = re.compile(r"^(?P<sign>[-−])?(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>[^\d]*)$")


class QuantityError(ValueError):
    """Raised with a Japanese message a user can act on."""


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    unit: str
    approximate: bool = False


def parse_quantity(text: str | int | Decimal) -> Quantity:
    """Parse 「１，３５０人」 into Quantity(1350, "人"); refuse negatives and non-numbers."""
    if isinstance(text, int | Decimal):
        if text < 0:
            raise QuantityError(ERROR_QUANTITY_NEGATIVE.format(text=text))
        return Quantity(Decimal(text), "")
    normalised = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    if not normalised:
        raise QuantityError(ERROR_QUANTITY_EMPTY)
    approximate = normalised.startswith(_APPROXIMATE_PREFIXES)
    for prefix in _APPROXIMATE_PREFIXES:
        normalised = normalised.removeprefix(prefix)
    match = _QUANTITY_PATTERN.match(normalised)
    if not match:
        raise QuantityError(ERROR_QUANTITY_NOT_A_NUMBER.format(text=text))
    if match.group("sign"):
        raise QuantityError(ERROR_QUANTITY_NEGATIVE.format(text=text))
    try:
        value = Decimal(match.group("number").replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
        raise QuantityError(ERROR_QUANTITY_NOT_A_NUMBER.format(text=text)) from error
    return Quantity(value=value, unit=match.group("unit"), approximate=approximate)


def format_quantity(value: Decimal | int | None, unit: str = "", *, empty: str = "－") -> str:
    """Format 1350.00 with unit 人 as 「1,350人」 and 12.50 as 「12.5」; ``empty`` for None."""
    if value is None:
        return empty
    number = Decimal(value)
    text = f"{int(number):,}" if number == number.to_integral_value() else f"{number.normalize():,f}"
    return f"{text}{unit}"


# Past this a rate says only "far beyond": 「1234567890123456789000.0%」 helps no one read the figure.
RATE_DISPLAY_CAP = Decimal("9999.9")


def format_rate(rate: Decimal | None, *, empty: str = "－") -> str:
    """Format a rate already rounded by the achievement rules: 94.1 → 「94.1%」, 12345.6 → 「9,999.9%超」."""
    if rate is None:
        return empty
    if rate > RATE_DISPLAY_CAP:
        return f"{RATE_DISPLAY_CAP:,}%超"
    return f"{rate}%"


def is_whole_number_unit(unit: str) -> bool:
    """Return whether figures in ``unit`` are counts (whole numbers): 「人」「回」 (also full-width forms)."""
    return unicodedata.normalize("NFKC", unit or "").strip() in WHOLE_NUMBER_UNITS


def breaks_whole_number_unit(value: Decimal | None, unit: str) -> bool:
    """Return whether ``value`` is a fraction in a counted unit (1.5回)."""
    return value is not None and is_whole_number_unit(unit) and value != value.to_integral_value()
