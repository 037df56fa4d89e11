"""The working-day calendar in force: the built-in one with every loaded pack's override."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.calendar.domain import WorkingCalendar, merge
from tongban.packs import service as packs


def working_calendar(session: Session) -> WorkingCalendar:
    return WorkingCalendar(merge(packs.loaded_calendars(session)))
