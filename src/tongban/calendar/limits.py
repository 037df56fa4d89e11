"""Time limits in hours, calendar days or working days, and the traffic-light colour of a due time.

A limit in days ends at the close of its last day in China Standard Time: counting starts the
day after the start (民法典 第201条), so 15 calendar days from 1 March are due by the end of
16 March. A limit in hours is due that many hours after the start, whatever the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tongban.calendar.domain import WorkingCalendar

CHINA = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


class Unit(StrEnum):
    hours = "小时"
    calendar_days = "自然日"
    working_days = "工作日"


class Colour(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"


@dataclass(frozen=True)
class TimeLimit:
    value: int
    unit: Unit

    def text(self) -> str:
        return f"{self.value} {self.unit.value}"


def due_at(start: datetime, limit: TimeLimit, calendar: WorkingCalendar) -> datetime:
    """When a limit that starts at ``start`` runs out (aware, in China Standard Time)."""
    local = start.astimezone(CHINA)
    if limit.unit is Unit.hours:
        return local + timedelta(hours=limit.value)
    if limit.unit is Unit.calendar_days:
        return _end_of(local.date() + timedelta(days=limit.value))
    return _end_of(calendar.add_working_days(local.date(), limit.value).day)


def warn_at(start: datetime, limit: TimeLimit, due: datetime, calendar: WorkingCalendar) -> datetime:
    """When a running limit turns yellow: the start of the working day before the due day.

    That is the warning the supervisor's board and orders (督办) give: a limit due on Monday
    turns yellow on the Friday before. A limit in hours turns yellow for its last quarter.
    """
    if limit.unit is Unit.hours:
        return start.astimezone(CHINA) + timedelta(hours=limit.value * 3 / 4)
    day = due.astimezone(CHINA).date() - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return max(datetime.combine(day, time.min, CHINA), start.astimezone(CHINA))


def colour_at(due: datetime, warn: datetime, now: datetime) -> Colour:
    """Stored beside the due time, the warning time makes the colour a comparison a query can do."""
    if now > due:
        return Colour.red
    if now >= warn:
        return Colour.yellow
    return Colour.green


def _end_of(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, CHINA)
