"""What a plan period's name, number and years may be, and what a title may hold: the one rule.

Every way a period is created (the admin's form, the rollover, the sheet import, the YAML loader,
the commands) reads these functions, through the model's validators or the period writer
(``evaluations.services.plan_period_create``), so that a typo refused in one place is refused in
all of them. Pure: nothing here reads the database.

- A fiscal year is one the application can label: 平成元年度 (1989) to 2100 (``fiscal_years``).
- A period's number (第N期) is 1 to 999.
- A name is read as it looks: two names that differ only in width or spaces (「第７期」, 「第 7 期」
  beside 第7期) are the same name (``name_key``), so the second is refused as a look-alike.
- No name or title holds a control character (NUL, tab, newline …): they broke pages, the
  workbooks and every reminder mail's Subject (the period name is in it). An item's title is
  the one multi-line title: line breaks are allowed there, nothing else.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator

from .fiscal_years import fiscal_year_range_error

ORDINAL_MIN = 1
ORDINAL_MAX = 999

ERROR_CONTROL_CHARACTER = "{label}に制御文字（改行・タブ・NUL など）は使えません。"
ERROR_CONTROL_CHARACTER_MULTILINE = "{label}に制御文字（タブ・NUL など）は使えません（改行は使えます）。"
ERROR_NAME_REQUIRED = "計画期間の名称を入力してください。"
ERROR_INVISIBLE_CHARACTER = "計画期間の名称に見えない文字（ゼロ幅スペース・書式制御文字など）は使えません。"
ERROR_NAME_TOO_LONG = "計画期間の名称は{limit}文字以内にしてください。"
ERROR_ORDINAL_RANGE = f"期の番号は{ORDINAL_MIN}～{ORDINAL_MAX}の整数にしてください。"
ERROR_YEARS_ORDER = "開始年度は終了年度以前にしてください。"
ERROR_NAME_CONFUSABLE = "「{name}」は登録済みの{existing}と紛らわしいため使えません。"

NAME_MAX_LENGTH = 20  # PlanPeriod.name's max_length (the model reads it from here)
_LINE_BREAKS = {"\n", "\r"}


def _control_characters(text: str, *, allowed: set[str] = frozenset()) -> bool:
    # Cc: C0/C1 controls incl. NUL, tab and newline; Zl/Zp: the Unicode line and paragraph separators.
    return any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} and char not in allowed for char in text)


def single_line_error(text: str, *, label: str) -> str | None:
    """Return why a one-line name or title is refused (a control character), or None."""
    return ERROR_CONTROL_CHARACTER.format(label=label) if _control_characters(text) else None


def multi_line_error(text: str, *, label: str) -> str | None:
    """Return why a multi-line title is refused (a control character other than a line break), or None."""
    if _control_characters(text, allowed=_LINE_BREAKS):
        return ERROR_CONTROL_CHARACTER_MULTILINE.format(label=label)
    return None


# A PositiveSmallIntegerField on PostgreSQL (ordinal, area and item numbers); SQLite's validators allow 64 bits.
SMALLINT_MAX = 32767
ERROR_FIGURE = "{label}「{value}」は登録できません: {messages}"


def figure_error(model, field_name: str, value) -> str | None:
    """Return why the model field refuses the figure (too many digits or decimals, beyond a smallint), or None.

    Every preview that reads a figure (the sheet import, the rollover's changed wording) asks this,
    so the confirm's ``full_clean`` never refuses a figure the preview let through.
    """
    if value is None:
        return None
    field = model._meta.get_field(field_name)
    try:
        field.clean(value, None)
        if field.get_internal_type() == "PositiveSmallIntegerField":
            MaxValueValidator(SMALLINT_MAX)(value)
    except ValidationError as error:
        return ERROR_FIGURE.format(label=field.verbose_name, value=value, messages=" ".join(error.messages))
    return None


def validate_single_line(value: str) -> None:
    """Model validator: refuse control characters in a one-line name or title."""
    if message := single_line_error(str(value), label="名称・表題"):
        raise ValidationError(message, code="control_character")


def validate_multi_line(value: str) -> None:
    """Model validator: refuse control characters other than line breaks in a multi-line title."""
    if message := multi_line_error(str(value), label="表題"):
        raise ValidationError(message, code="control_character")


def validate_fiscal_year(value: int) -> None:
    """Model validator: refuse a fiscal year outside 平成元年度–2100 (「6」 typed for 令和6)."""
    if message := fiscal_year_range_error(value):
        raise ValidationError(message, code="fiscal_year_range")


def validate_ordinal(value: int) -> None:
    if not ORDINAL_MIN <= value <= ORDINAL_MAX:
        raise ValidationError(ERROR_ORDINAL_RANGE, code="ordinal_range")


def normalised_name(name: str) -> str:
    """Return the name as it is stored: as typed, without surrounding spaces (look-alikes are refused, not merged)."""
    return name.strip()


def name_key(name: str) -> str:
    """Return the name as it reads: 「第７期」 and 「第 7 期」 read as 「第7期」 (names equal here are one name).

    Invisible format characters (Unicode Cf: zero-width space, soft hyphen, word joiner, BOM,
    direction marks) read as nothing, so they cannot make a look-alike either.
    """
    visible = "".join(char for char in unicodedata.normalize("NFKC", name) if unicodedata.category(char) != "Cf")
    return re.sub(r"\s+", "", visible)


def name_problem(name: str) -> str | None:
    """Return why a period name (as typed) is refused: a control character, empty or too long; else None."""
    stored = normalised_name(name)
    if message := single_line_error(name, label="計画期間の名称"):
        return message
    if any(unicodedata.category(char) == "Cf" for char in name):
        return ERROR_INVISIBLE_CHARACTER
    if not stored:
        return ERROR_NAME_REQUIRED
    if len(stored) > NAME_MAX_LENGTH:
        return ERROR_NAME_TOO_LONG.format(limit=NAME_MAX_LENGTH)
    return None


def period_problems(*, name: str, ordinal: int | None, first_fiscal_year: int, last_fiscal_year: int) -> dict[str, str]:
    """Return the Japanese reason each field of a new period is refused, by field name (empty: acceptable).

    ``name`` as typed (it is checked before and after normalising); ``ordinal`` None: not chosen yet.
    """
    problems: dict[str, str] = {}
    if message := name_problem(name):
        problems["name"] = message
    if ordinal is not None and not ORDINAL_MIN <= ordinal <= ORDINAL_MAX:
        problems["ordinal"] = ERROR_ORDINAL_RANGE
    for field, year in (("first_fiscal_year", first_fiscal_year), ("last_fiscal_year", last_fiscal_year)):
        if message := fiscal_year_range_error(year):
            problems[field] = message
    in_range = "first_fiscal_year" not in problems and "last_fiscal_year" not in problems
    if in_range and first_fiscal_year > last_fiscal_year:
        problems["last_fiscal_year"] = ERROR_YEARS_ORDER
    return problems


def confusable_name(name: str, others) -> str | None:
    """Return the first of ``others`` (names) that reads as ``name`` but is spelled differently, or None."""
    key = name_key(name)
    return next((other for other in others if other != name and name_key(other) == key), None)
