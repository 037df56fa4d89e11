"""Where a year's holidays come from: the official schedule, or an estimate.

The State Council publishes each year's schedule (放假安排) late in the previous year. The
``chinese-calendar`` package carries the published ones; for any other year this module
estimates, and every day it estimates is *provisional*.

Estimation rules (the 2025 national rules: 元旦 1 day, 春节 4, 清明 1, 劳动节 2, 端午 1,
中秋 1, 国庆 3). The published schedules turn these statutory days into longer runs by
moving weekends (调休); we cannot know those moves, so the estimate errs on the side of
rest. Counting an uncertain day as a holiday only makes a deadline later, while counting a
holiday as a working day would make the government miss a promise it never made:

1. Long runs are taken whole, as recent schedules have made them:
   春节 from 除夕 (the last day of the lunar year) through 初七, 8 days;
   劳动节 1–5 May; 国庆节 1–7 October.
2. Single days: 元旦 1 January, 清明 (the solar term), 端午 (lunar 5/5), 中秋 (lunar 8/15).
   One that falls on a weekend or inside a run is made up (补休) on the next weekday that
   is not already a holiday — as 2025 did with 中秋 on 6 October, giving 8 October.
3. Bridges: a lone weekday between a holiday and a weekend (or another holiday) is a
   holiday, since the schedule almost always closes such a gap by 调休.
4. No adjusted working weekend (调休上班日) is estimated: every weekend is a rest day.

Lunar dates and the 清明 solar term come from ``lunar_python``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearDays:
    """The days of one year that differ from "Monday to Friday work, weekends rest"."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    provisional: bool


@lru_cache(maxsize=1)
def package_years() -> range:
    """The years whose official schedule the installed ``chinese-calendar`` knows."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def year_days(year: int) -> YearDays:
    """The official schedule when it is known, otherwise the provisional estimate."""
    if year in package_years():
        return official_year(year)
    return estimated_year(year)


@lru_cache(maxsize=64)
def official_year(year: int) -> YearDays:
    return YearDays(
        holidays=_in_year(chinese_calendar.holidays, year),
        workdays=_in_year(chinese_calendar.workdays, year),
        provisional=False,
    )


@lru_cache(maxsize=64)
def estimated_year(year: int) -> YearDays:
    return YearDays(holidays=estimated_holidays(year), workdays=frozenset(), provisional=True)


def estimated_holidays(year: int) -> frozenset[date]:
    """The holidays of ``year`` estimated by the rules in the module docstring."""
    # Next year's 元旦 can make 31 December a bridge day.
    rest = _festival_days(year) | {date(year + 1, 1, 1)}
    bridged = rest | set(_bridges(rest, year))
    return _in_year(bridged, year)


def _in_year(days: Iterable[date], year: int) -> frozenset[date]:
    return frozenset(d for d in days if d.year == year)


def _festival_days(year: int) -> set[date]:
    days = set(_long_runs(year))
    for single in sorted(_single_days(year)):
        if _is_weekend(single) or single in days:
            days.add(_next_free_weekday(single, days))
        days.add(single)
    return days


def _long_runs(year: int) -> Iterable[date]:
    new_years_eve = _lunar(year, 1, 1) - ONE_DAY
    yield from _run(new_years_eve, 8)  # 春节: 除夕 … 初七
    yield from _run(date(year, 5, 1), 5)  # 劳动节
    yield from _run(date(year, 10, 1), 7)  # 国庆节


def _single_days(year: int) -> list[date]:
    return [date(year, 1, 1), _qingming(year), _lunar(year, 5, 5), _lunar(year, 8, 15)]


def _run(first: date, length: int) -> Iterable[date]:
    return (first + ONE_DAY * offset for offset in range(length))


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    # The jieqi table of lunar year ``year`` holds the 清明 of solar year ``year`` (early April).
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _next_free_weekday(day: date, holidays: set[date]) -> date:
    candidate = day + ONE_DAY
    while _is_weekend(candidate) or candidate in holidays:
        candidate += ONE_DAY
    return candidate


def _bridges(holidays: set[date], year: int) -> Iterable[date]:
    """Weekdays of ``year`` that would be a lone working day between rest days, one a holiday."""

    def resting(day: date) -> bool:
        return _is_weekend(day) or day in holidays

    for day in _run(date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days):
        neighbours = (day - ONE_DAY, day + ONE_DAY)
        if resting(day) or not all(resting(n) for n in neighbours):
            continue
        if any(n in holidays for n in neighbours):
            yield day
