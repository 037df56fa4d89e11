"""Booking a provider (掌上矛调预约): weekly ranges cut into slots of 30 or 60 minutes, and a booking's life.

A pack declares each provider's bookable ranges (``providers[].slots``) beside the ``hours``
text residents read; the text is never parsed, since "周二、周四 9:00-11:30（免费咨询）" or
"工作日 8:30-17:00" carry more than a parser could safely read. Slots follow one another from
a range's start without gaps or overlaps, so a slot is named by its start alone: the database's
unique (provider, start) then refuses a double booking by itself. Times are China Standard
Time, as the office keeps them.

Plain Python: the service passes the time now and the working-day calendar in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import CHINA
from tongban.errors import BadInput, Conflict

# "workdays" follows the official calendar: weekdays less holidays, plus adjusted working weekends (调休).
WORKDAYS = "workdays"
SLOT_MINUTES = (30, 60)
# How far ahead a resident may book: two weeks, so a provider's diary is not filled months out.
BOOK_AHEAD_DAYS = 14


class AppointmentStatus(StrEnum):
    booked = "booked"  # 已预约
    cancelled = "cancelled"  # 已取消（时段让出）


APPOINTMENT_STATUS_NAMES: Mapping[AppointmentStatus, tuple[str, str]] = {
    AppointmentStatus.booked: ("已预约", "Booked"),
    AppointmentStatus.cancelled: ("已取消", "Cancelled"),
}


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"

    @property
    def number(self) -> int:
        """Monday 0, as ``date.weekday`` counts."""
        return list(Weekday).index(self)


@dataclass(frozen=True)
class Range:
    """Bookable from ``start`` to ``end`` on these weekdays (Monday 0), or on working days when None."""

    days: frozenset[int] | None
    start: time
    end: time

    def open_on(self, day: date, calendar: WorkingCalendar) -> bool:
        return calendar.is_working_day(day) if self.days is None else day.weekday() in self.days

    def overlaps(self, other: Range) -> bool:
        """Could two ranges cover the same moment? Working days may fall on any weekday."""
        same_days = self.days is None or other.days is None or bool(self.days & other.days)
        return same_days and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Hours:
    minutes: int
    ranges: tuple[Range, ...]


def range_of(days: str | Sequence[str], start: str, end: str) -> Range:
    """A range as the pack writes it: ``workdays`` or weekday names, and ``HH:MM`` times."""
    numbers = None if days == WORKDAYS else frozenset(Weekday(day).number for day in days)
    return Range(numbers, time.fromisoformat(start), time.fromisoformat(end))


def hours_of(stored: Mapping[str, Any]) -> Hours:
    """A provider's bookable hours as ``Provider.slots`` stores them."""
    ranges = tuple(range_of(item["days"], item["start"], item["end"]) for item in stored["ranges"])
    return Hours(int(stored["minutes"]), ranges)


def starts_on(hours: Hours, day: date, calendar: WorkingCalendar) -> list[datetime]:
    """The starts of the day's slots, in order; a slot that would run past its range's end is not one."""
    step = timedelta(minutes=hours.minutes)
    found: list[datetime] = []
    for declared in hours.ranges:
        if not declared.open_on(day, calendar):
            continue
        at, end = datetime.combine(day, declared.start, CHINA), datetime.combine(day, declared.end, CHINA)
        while at + step <= end:
            found.append(at)
            at += step
    return sorted(found)


def booking_days(now: datetime) -> list[date]:
    """The days a resident may book on: from today for ``BOOK_AHEAD_DAYS`` days."""
    today = now.astimezone(CHINA).date()
    return [today + timedelta(days=n) for n in range(BOOK_AHEAD_DAYS + 1)]


def check_bookable(hours: Hours, starts_at: datetime, now: datetime, calendar: WorkingCalendar) -> None:
    """A slot of the provider's, still ahead, within the booking window; otherwise a bad input on ``starts_at``."""
    if starts_at.tzinfo is None:
        raise BadInput("预约时间须带时区", "give the time with its time zone", "starts_at")
    if starts_at <= now:
        raise BadInput("不能预约已经过去的时间", "that time has already passed", "starts_at")
    # Measured before converting: a time in year 9999 has no China time to convert to.
    too_far = starts_at - now > timedelta(days=BOOK_AHEAD_DAYS + 1)
    local = None if too_far else starts_at.astimezone(CHINA)
    if local is None or local.date() not in booking_days(now):
        raise BadInput(
            f"只能预约 {BOOK_AHEAD_DAYS} 天内的时段", f"book at most {BOOK_AHEAD_DAYS} days ahead", "starts_at"
        )
    if local not in starts_on(hours, local.date(), calendar):
        raise BadInput("该时间不是可预约的时段", "that time is not one of the provider's slots", "starts_at")


def check_cancellable(status: AppointmentStatus, starts_at: datetime, now: datetime) -> None:
    """A live booking is cancelled before it starts; after that the meeting happened or was missed."""
    if status is not AppointmentStatus.booked:
        raise Conflict("该预约已取消", "the booking was already cancelled")
    if starts_at <= now:
        raise Conflict("预约时间已到，不能再取消", "the booking has started; it can no longer be cancelled")
