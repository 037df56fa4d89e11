"""The working-day calendar in force: the built-in one with every loaded pack's override."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tongban.calendar.domain import WorkingCalendar, merge
from tongban.packs import service as packs


def working_calendar(session: Session) -> WorkingCalendar:
    return WorkingCalendar(merge(packs.loaded_calendars(session)))


# Offices count days in China Standard Time, whatever the server's clock is set to.
CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(CHINA).date()
