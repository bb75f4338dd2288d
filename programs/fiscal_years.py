"""Fiscal years (April to March) and their Japanese era names.

FY2021 runs from 2021-04-01 to 2022-03-31 and is written 令和3年度. 平成 ended on
2019-04-30, so FY2019 is both 平成31年度 and 令和元年度; plans written before the change
say 平成32年度 / H32 for FY2020. We display the era current at the end of the fiscal
year (令和元年度, never 平成31年度) and parse every form staff and the seeds use.
"""

import datetime
import re
import unicodedata
import zoneinfo
from dataclasses import dataclass

FISCAL_YEAR_START_MONTH = 4
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")  # deadlines and times are the prefecture's, whatever the server's zone

ERROR_FISCAL_YEAR_UNREADABLE = "年度「{text}」を読み取れません。「2021」「R3」「令和3年度」の形で入力してください。"
ERROR_FISCAL_YEAR_OUT_OF_RANGE = "年度「{text}」は対応範囲（平成元年度（1989年度）～2100年度）の外です。"


@dataclass(frozen=True)
class Era:
    name: str
    letter: str
    first_fiscal_year: int  # the fiscal year numbered 元年 / 1 in this era

    def fiscal_year(self, era_year: int) -> int:
        return self.first_fiscal_year + era_year - 1


HEISEI = Era(name="平成", letter="H", first_fiscal_year=1989)
REIWA = Era(name="令和", letter="R", first_fiscal_year=2019)
ERAS = (REIWA, HEISEI)  # newest first: display picks the first that has begun
# The years the application accepts anywhere (typed, imported, rolled over, stored through a form):
# the eras it can label, up to a bound that keeps every derived date (deadlines) a real date.
FIRST_FISCAL_YEAR = HEISEI.first_fiscal_year
LAST_FISCAL_YEAR = 2100
_ERAS_BY_TOKEN = {token: era for era in ERAS for token in (era.name, era.letter)}

_ERA_PATTERN = re.compile(r"^(平成|令和|H|R)\s*(元|\d{1,2})\s*(?:年度|年)?$", re.IGNORECASE)
_WESTERN_PATTERN = re.compile(r"^(?:FY)?\s*(\d{4})\s*(?:年度|年)?$", re.IGNORECASE)


class FiscalYearError(ValueError):
    """Raised with a Japanese message a user can act on."""


def fiscal_year_of(day: datetime.date) -> int:
    """Return the fiscal year a calendar day falls in (April-start)."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def is_supported_fiscal_year(fiscal_year: int) -> bool:
    """Say whether the application accepts the fiscal year (平成元年度 to 2100)."""
    return FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR


def fiscal_year_range_error(fiscal_year: int) -> str | None:
    """Return the Japanese reason a fiscal year is refused, or None: the one range rule."""
    if is_supported_fiscal_year(fiscal_year):
        return None
    return ERROR_FISCAL_YEAR_OUT_OF_RANGE.format(text=fiscal_year)


def era_of(fiscal_year: int) -> Era:
    """Return the era a fiscal year is displayed in; raise FiscalYearError before 平成."""
    for era in ERAS:
        if fiscal_year >= era.first_fiscal_year:
            return era
    raise FiscalYearError(ERROR_FISCAL_YEAR_OUT_OF_RANGE.format(text=fiscal_year))


def era_year_of(fiscal_year: int) -> int:
    return fiscal_year - era_of(fiscal_year).first_fiscal_year + 1


def era_label(fiscal_year: int) -> str:
    """Return the display form: 2021 → 「令和3年度」, 2019 → 「令和元年度」, 2018 → 「平成30年度」.

    A year no era labels (1985, a stored typo such as 6) is shown as 「1985年度」: a display never fails
    on a stored row (validation refuses such years before they are written).
    """
    if fiscal_year < HEISEI.first_fiscal_year:
        return f"{fiscal_year}年度"
    era = era_of(fiscal_year)
    year = era_year_of(fiscal_year)
    return f"{era.name}{'元' if year == 1 else year}年度"


# The first calendar day of each era, newest first (平成 began 1989-01-08, 令和 2019-05-01).
_ERA_FIRST_DAYS = ((REIWA, datetime.date(2019, 5, 1)), (HEISEI, datetime.date(1989, 1, 8)))
_WEEKDAYS = "月火水木金土日"


def era_range_label(first_fiscal_year: int, last_fiscal_year: int) -> str:
    """Return 「令和3年度～令和5年度」: a span of fiscal years (a plan period's, a target's).

    A span with a year no era labels is shown with its Western years: 「1985～1987年度」.
    """
    if first_fiscal_year < HEISEI.first_fiscal_year or last_fiscal_year < HEISEI.first_fiscal_year:
        return f"{first_fiscal_year}～{last_fiscal_year}年度"
    return f"{era_label(first_fiscal_year)}～{era_label(last_fiscal_year)}"


def era_span_label(first_fiscal_year: int, last_fiscal_year: int) -> str:
    """Return a span of fiscal years in short: 「令和9～11年度」, 「平成30～令和2年度」, 「令和元～3年度」.

    A span with a year no era labels is shown with its Western years: 「1985～1987年度」.
    """
    if first_fiscal_year < HEISEI.first_fiscal_year or last_fiscal_year < HEISEI.first_fiscal_year:
        return f"{first_fiscal_year}～{last_fiscal_year}年度"
    first = era_label(first_fiscal_year).removesuffix("年度")
    last = era_label(last_fiscal_year).removesuffix("年度")
    if era_of(first_fiscal_year) == era_of(last_fiscal_year):
        last = last.removeprefix(era_of(last_fiscal_year).name)
    return f"{first}～{last}年度"


def fiscal_year_choices(fiscal_years) -> list[tuple[int, str]]:
    """Return fiscal years as form choices: [(2021, 「令和3年度」), …], in the order given."""
    return [(year, era_label(year)) for year in fiscal_years]


def era_date_label(day: datetime.date, *, weekday: bool = False) -> str:
    """Return a calendar day in the era it falls in: 2026-11-20 → 「令和8年11月20日」 (「（金）」 with ``weekday``).

    The era is the one current on that day, not the fiscal year's: 2019-04-30 is 「平成31年4月30日」.
    """
    for era, first_day in _ERA_FIRST_DAYS:
        if day >= first_day:
            year = day.year - first_day.year + 1
            label = f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
            return f"{label}（{_WEEKDAYS[day.weekday()]}）" if weekday else label
    # Before 平成 (a stored row no form would accept): the Western date, never an error page.
    label = f"{day.year}年{day.month}月{day.day}日"
    return f"{label}（{_WEEKDAYS[day.weekday()]}）" if weekday else label


def era_datetime_label(moment: datetime.datetime) -> str:
    """Return a moment in Tokyo time with its era date: 2026-11-30 08:57 UTC → 「令和8年11月30日 17:57」.

    A naive datetime is taken as Tokyo time already.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(TOKYO)
    return f"{era_date_label(moment.date())} {moment:%H:%M}"


def today_in_tokyo(now: datetime.datetime | None = None) -> datetime.date:
    """Return the calendar day in Tokyo at ``now`` (default: the current time)."""
    now = now or datetime.datetime.now(datetime.UTC)
    return now.astimezone(TOKYO).date() if now.tzinfo is not None else now.date()


def deadline_note(deadline: datetime.date, today: datetime.date) -> str:
    """Say how far a deadline is from ``today``: 「あとN日」, 「本日まで」 or 「N日超過」.

    Days are calendar days in Tokyo (inject ``today`` from ``today_in_tokyo``); the deadline
    day itself is still on time: due 2023-05-31, on 05-30 「あと1日」, on 05-31 「本日まで」,
    on 06-02 「2日超過」.
    """
    days = (deadline - today).days
    if days > 0:
        return f"あと{days}日"
    if days == 0:
        return "本日まで"
    return f"{-days}日超過"


def deadline_label(deadline: datetime.date, today: datetime.date) -> str:
    """Return 「令和5年5月31日（2日超過）」 / 「令和5年5月31日（あと3日）」."""
    return f"{era_date_label(deadline)}（{deadline_note(deadline, today)}）"


def short_era_label(fiscal_year: int) -> str:
    """Return the short form used in sheet headers: 2021 → 「R3」, 2018 → 「H30」 (before 平成: 「1985」)."""
    if fiscal_year < HEISEI.first_fiscal_year:
        return str(fiscal_year)
    return f"{era_of(fiscal_year).letter}{era_year_of(fiscal_year)}"


def parse_fiscal_year(text: str | int) -> int:
    """Read a fiscal year written as 2021, R3, 令和3年度, 令和元年度, H31, 平成31年度, H32, 令和３年度 …

    Heisei years past 31 (H32 = FY2020) are accepted because plans written before the
    change of era used them.
    """
    if isinstance(text, int):
        return _checked(text, str(text))
    normalised = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    if match := _WESTERN_PATTERN.match(normalised):
        return _checked(int(match.group(1)), text)
    if match := _ERA_PATTERN.match(normalised):
        era = _ERAS_BY_TOKEN[match.group(1).upper() if len(match.group(1)) == 1 else match.group(1)]
        era_year = 1 if match.group(2) == "元" else int(match.group(2))
        if era_year < 1:
            raise FiscalYearError(ERROR_FISCAL_YEAR_UNREADABLE.format(text=text))
        return _checked(era.fiscal_year(era_year), text)
    raise FiscalYearError(ERROR_FISCAL_YEAR_UNREADABLE.format(text=text))


_ERALESS_PATTERN = re.compile(r"^(元|\d{1,2})年度?$")


def eraless_year_of(text: str) -> int | None:
    """Return the era year of a year written without its era (「30年度」「元年度」「2年」 → 30, 1, 2), else None.

    Sheets head their year columns so (seed 003 prints 「30年度」 over area 1); whether 30 is
    平成 or 令和 is ``eraless_fiscal_year``'s to decide. Full-width digits and spaces are read.
    """
    normalised = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))
    if match := _ERALESS_PATTERN.match(normalised):
        return 1 if match.group(1) == "元" else int(match.group(1))
    return None


def eraless_fiscal_year(era_year: int, *, near: int | None = None) -> int:
    """Return the fiscal year of 「{era_year}年度」 with no era named: the era that puts it nearest ``near``.

    ``near`` is the year the context expects (a neighbouring heading's year, a plan's first year);
    without one, the change of era (FY2019), so 「30年度」 is 平成30年度 (2018) and 「5年度」 令和5年度 (2023).
    The candidates are 30 years apart, so a tie falls exactly half-way: it goes to the later era,
    令和, since a plan's sheet names the years it plans (near 2019, 「16年度」 is 令和16年度, 2034;
    「17年度」 平成17年度, 2005).
    """
    anchor = REIWA.first_fiscal_year if near is None else near
    heisei, reiwa = HEISEI.fiscal_year(era_year), REIWA.fiscal_year(era_year)
    return heisei if abs(heisei - anchor) < abs(reiwa - anchor) else reiwa


def _checked(fiscal_year: int, text: object) -> int:
    if not is_supported_fiscal_year(fiscal_year):
        raise FiscalYearError(ERROR_FISCAL_YEAR_OUT_OF_RANGE.format(text=text))
    return fiscal_year
