"""Working days of a Japanese public office, for moving reminders off weekends and holidays.

A day is a working day unless it is a Saturday, a Sunday, a national holiday (国民の祝日,
including substitute holidays, from the ``holidays`` library, so new holidays come with an
upgrade rather than a hand-kept table) or the year-end closure from 29 December to 3 January
(行政機関の休日に関する法律 第1条).
"""

import datetime
from functools import cache

import holidays


@cache
def _national_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("JP", years=year))


def is_working_day(day: datetime.date) -> bool:
    """Return whether the prefectural office is open on ``day``."""
    if day.weekday() >= 5:
        return False
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return False
    return day not in _national_holidays(day.year)


def previous_working_day(day: datetime.date) -> datetime.date:
    """Return ``day`` itself when it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    return day


def next_working_day(day: datetime.date) -> datetime.date:
    """Return ``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day
