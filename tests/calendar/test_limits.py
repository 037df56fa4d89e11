"""Time limits in hours, calendar days and working days, and the colour of a running limit."""

from __future__ import annotations

from datetime import datetime

import pytest

from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import CHINA, Colour, TimeLimit, Unit, colour_at, due_at, warn_at

CAL = WorkingCalendar()


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHINA)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("start", "limit", "due"),
    [
        # 信访: 15 calendar days from 26 September run through the National Day holiday.
        (at(2025, 9, 26, 15, 0), TimeLimit(15, Unit.calendar_days), at(2025, 10, 11, 23, 59, 59)),
        # One working day from the eve of National Day is the first day back, 9 October.
        (at(2025, 9, 30, 10, 0), TimeLimit(1, Unit.working_days), at(2025, 10, 9, 23, 59, 59)),
        # Five working days from a Friday skip the weekend.
        (at(2025, 11, 21, 9, 0), TimeLimit(5, Unit.working_days), at(2025, 11, 28, 23, 59, 59)),
        # Hours run through the night and the weekend.
        (at(2025, 11, 22, 23, 0), TimeLimit(2, Unit.hours), at(2025, 11, 23, 1, 0)),
    ],
)
def test_a_limit_ends_where_its_unit_says(start: datetime, limit: TimeLimit, due: datetime) -> None:
    assert due_at(start, limit, CAL) == due


def test_an_utc_start_counts_days_in_china() -> None:
    # 20:00 UTC on 30 September is already 1 October in Beijing.
    start = datetime.fromisoformat("2025-09-30T20:00:00+00:00")
    assert due_at(start, TimeLimit(1, Unit.calendar_days), CAL) == at(2025, 10, 2, 23, 59, 59)


def test_a_limit_turns_yellow_on_the_working_day_before_its_due_day() -> None:
    start = at(2025, 11, 21, 9, 0)
    due = due_at(start, TimeLimit(5, Unit.working_days), CAL)
    warn = warn_at(start, TimeLimit(5, Unit.working_days), due, CAL)
    assert warn == at(2025, 11, 27, 0, 0)
    assert colour_at(due, warn, at(2025, 11, 26, 18, 0)) is Colour.green
    assert colour_at(due, warn, at(2025, 11, 27, 8, 0)) is Colour.yellow
    assert colour_at(due, warn, at(2025, 11, 28, 23, 59, 59)) is Colour.yellow
    assert colour_at(due, warn, at(2025, 11, 29, 0, 0)) is Colour.red


def test_a_monday_deadline_warns_from_the_friday_before() -> None:
    start = at(2025, 11, 20, 9, 0)  # Thursday; two working days: Friday, Monday
    limit = TimeLimit(2, Unit.working_days)
    due = due_at(start, limit, CAL)
    assert due == at(2025, 11, 24, 23, 59, 59)
    assert warn_at(start, limit, due, CAL) == at(2025, 11, 21, 0, 0)


def test_a_limit_shorter_than_a_day_warns_for_its_last_quarter() -> None:
    start = at(2025, 11, 24, 10, 0)
    limit = TimeLimit(2, Unit.hours)
    due = due_at(start, limit, CAL)
    assert warn_at(start, limit, due, CAL) == at(2025, 11, 24, 11, 30)


def test_a_limit_due_the_next_working_day_is_yellow_from_the_start() -> None:
    start = at(2025, 9, 30, 10, 0)
    limit = TimeLimit(1, Unit.working_days)
    due = due_at(start, limit, CAL)
    assert warn_at(start, limit, due, CAL) == start
