"""The working-day calendar for time limits (时限按工作日计算) and promised deadlines.

A day is a working day unless it is a weekend or a holiday, except that an adjusted
working weekend (调休上班日) is one. Each year's days come from, in order of precedence:

1. a pack's :class:`CalendarOverride` when it fully declares the year;
2. the official schedule in ``chinese-calendar``;
3. the estimate in :mod:`tongban.calendar.holidays` — such days are *provisional*.

Single override dates for years the override does not fully declare patch the source
beneath (a local holiday, a late correction).
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tongban.calendar.holidays import ONE_DAY, YearDays, year_days

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarError(ValueError):
    """A bad calendar input; ``source`` and ``entry`` say where it is."""

    def __init__(self, message_zh: str, message_en: str, source: str = "", entry: str = "") -> None:
        where = ": ".join(part for part in (source, entry) if part)
        super().__init__(f"{where}: {message_en}" if where else message_en)
        self.source = source
        self.entry = entry
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class CalendarOverride:
    """A pack's own holidays and working days; ``years`` are the years it fully declares."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()

    def as_mapping(self) -> dict[str, Any]:
        """The ``calendar.yaml`` shape, with ISO dates: what ``override_from_mapping`` reads back."""
        years = sorted(self.years | {day.year for day in self.holidays | self.workdays})
        return {
            "years": {
                str(year): {
                    "holidays": sorted(day.isoformat() for day in _in_year(self.holidays, year)),
                    "workdays": sorted(day.isoformat() for day in _in_year(self.workdays, year)),
                }
                for year in years
            }
        }


def merge(overrides: Iterable[CalendarOverride]) -> CalendarOverride:
    """Several packs' overrides as one (packs loaded together may not declare the same year)."""
    found = list(overrides)
    return CalendarOverride(
        holidays=frozenset().union(*(o.holidays for o in found)),
        workdays=frozenset().union(*(o.workdays for o in found)),
        years=frozenset().union(*(o.years for o in found)),
    )


@dataclass(frozen=True)
class WorkingDay:
    day: date
    provisional: bool


@dataclass(frozen=True)
class Pause:
    """A stopped clock (补正, 听证, 专家评审); ``end`` is None while it is still stopped."""

    start: date
    end: date | None


@dataclass(frozen=True)
class Deadline:
    due: date
    provisional: bool


class WorkingCalendar:
    """Answers "is this a working day" and counts working days; cheap to keep and share."""

    def __init__(self, override: CalendarOverride | None = None) -> None:
        self._override = override or CalendarOverride()
        self._years: dict[int, YearDays] = {}

    def is_working_day(self, day: date) -> bool:
        days = self._year(day.year)
        if day in days.workdays:
            return True
        return day not in days.holidays and day.weekday() < 5

    def is_provisional(self, day: date) -> bool:
        """True when ``day``'s year is estimated, not published (see module docstring)."""
        return self._year(day.year).provisional

    def add_working_days(self, start: date, n: int) -> WorkingDay:
        """The ``n``-th working day after ``start``; ``start`` itself is not counted (民法典 第201条).

        ``n == 0`` gives ``start`` when it is a working day, otherwise the next one.
        ``provisional`` is set when any day walked over lies in an estimated year.
        """
        if n < 0:
            raise CalendarError("工作日数不能为负数", f"working days must not be negative, got {n}")
        first = start if n == 0 else start + ONE_DAY
        day = first
        remaining = max(n, 1) - self.is_working_day(day)
        while remaining:
            day += ONE_DAY
            remaining -= self.is_working_day(day)
        return WorkingDay(day=day, provisional=self.any_provisional(first, day))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when ``b`` is before ``a`` (days overdue)."""
        if b < a:
            return -self.working_days_between(b, a)
        return sum(self.is_working_day(a + ONE_DAY * k) for k in range(1, (b - a).days + 1))

    def any_provisional(self, first: date, last: date) -> bool:
        """True when any year from ``first`` to ``last`` (inclusive) is estimated."""
        return any(self._year(year).provisional for year in range(first.year, last.year + 1))

    def _year(self, year: int) -> YearDays:
        if year not in self._years:
            self._years[year] = self._compose(year)
        return self._years[year]

    def _compose(self, year: int) -> YearDays:
        own_holidays = _in_year(self._override.holidays, year)
        own_workdays = _in_year(self._override.workdays, year)
        if year in self._override.years:
            return YearDays(holidays=own_holidays, workdays=own_workdays, provisional=False)
        base = year_days(year)
        return YearDays(
            holidays=(base.holidays - own_workdays) | own_holidays,
            workdays=(base.workdays - own_holidays) | own_workdays,
            provisional=base.provisional,
        )


def months_later(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, or that month's last day (2024-02-29 + 12 → 2025-02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def promised_deadline(
    accepted: date, working_days: int, paused: Sequence[Pause], calendar: WorkingCalendar
) -> Deadline | None:
    """The day a case is due: ``working_days`` after acceptance, plus the working days paused.

    Counting starts the day after acceptance (民法典 第201条). Each closed pause gives back
    the working days from the day after it started up to and including the day it ended;
    overlapping pauses are merged so no day is given back twice. While a pause is open the
    clock is stopped and the due day is unknown: the result is ``None``.
    """
    if any(pause.end is None for pause in paused):
        return None
    spans = _merged((pause.start, pause.end) for pause in paused if pause.end is not None)
    given_back = sum(calendar.working_days_between(start, end) for start, end in spans)
    # The count walks over every paused day too, so it already sees any estimated year.
    due = calendar.add_working_days(accepted, working_days + given_back)
    return Deadline(due=due.day, provisional=due.provisional)


def _merged(spans: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if end < start:
            raise CalendarError("暂停的结束日期早于开始日期", f"a pause ends ({end}) before it starts ({start})")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _in_year(days: frozenset[date], year: int) -> frozenset[date]:
    return frozenset(d for d in days if d.year == year)


def override_from_mapping(data: Mapping[Any, Any], source: str) -> CalendarOverride:
    """Read ``{"years": {2027: {"holidays": [...], "workdays": [...]}}}`` from a pack file.

    Year keys may be ints or digit strings, dates ISO strings or ``date`` objects. Every
    year listed is fully declared: its weekdays not listed as holidays are working days.
    """
    years = data.get("years") if isinstance(data, Mapping) else None
    if not isinstance(years, Mapping):
        raise CalendarError("日历文件须包含 years 映射", "calendar file must have a 'years' mapping", source)
    holidays: set[date] = set()
    workdays: set[date] = set()
    for key, entry in years.items():
        year = _year_key(key, source)
        year_holidays, year_workdays = _year_entry(year, entry, source)
        holidays |= year_holidays
        workdays |= year_workdays
    return CalendarOverride(
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        years=frozenset(_year_key(key, source) for key in years),
    )


def _year_key(key: object, source: str) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 1 <= key <= 9998:
        return key
    if isinstance(key, str) and key.isdigit() and len(key) == 4:
        return int(key)
    raise CalendarError("年份无效", f"invalid year {key!r}", source, f"years.{key}")


def _year_entry(year: int, entry: object, source: str) -> tuple[set[date], set[date]]:
    where = f"years.{year}"
    if entry is None:
        entry = {}
    if not isinstance(entry, Mapping):
        raise CalendarError("年份下须为映射", "a year must map to holidays/workdays", source, where)
    unknown = sorted(str(key) for key in entry if key not in ("holidays", "workdays"))
    if unknown:
        raise CalendarError(f"未知字段：{', '.join(unknown)}", f"unknown field(s): {', '.join(unknown)}", source, where)
    holidays = _date_list(year, entry.get("holidays"), source, f"{where}.holidays")
    workdays = _date_list(year, entry.get("workdays"), source, f"{where}.workdays")
    both = sorted(holidays & workdays)
    if both:
        raise CalendarError(
            f"{both[0].isoformat()} 同时列为节假日和工作日",
            f"{both[0].isoformat()} is listed both as a holiday and as a working day",
            source,
            where,
        )
    return holidays, workdays


def _date_list(year: int, items: object, source: str, where: str) -> set[date]:
    if items is None:
        return set()
    if not isinstance(items, list | tuple):
        raise CalendarError("须为日期列表", "must be a list of dates", source, where)
    return {_date_item(year, item, source, f"{where}[{index}]") for index, item in enumerate(items)}


def _date_item(year: int, item: object, source: str, where: str) -> date:
    day = _parse_date(item)
    if day is None:
        raise CalendarError(
            f"日期无效：{item!r}（应为 YYYY-MM-DD）",
            f"invalid date {item!r} (expected YYYY-MM-DD)",
            source,
            where,
        )
    if day.year != year:
        raise CalendarError(f"{day.isoformat()} 不在 {year} 年内", f"{day.isoformat()} is not in {year}", source, where)
    return day


def _parse_date(item: object) -> date | None:
    # A datetime is a date subclass; a time of day in a calendar file is a mistake.
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    if not isinstance(item, str):
        return None
    if not _ISO_DATE.fullmatch(item.strip()):
        return None
    try:
        return date.fromisoformat(item.strip())
    except ValueError:
        return None
