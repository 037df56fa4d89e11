"""Booking rules without a database: slots cut from declared ranges, what may be booked, what may be cancelled."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import CHINA
from tongban.errors import BadInput, Conflict
from tongban.requests.booking import (
    AppointmentStatus,
    Hours,
    booking_days,
    check_bookable,
    check_cancellable,
    hours_of,
    range_of,
    starts_on,
)

CAL = WorkingCalendar()
# 周二、周四 9:00-11:30, half-hour bookings: the village legal adviser's free consultations.
ADVISER = hours_of({"minutes": 30, "ranges": [{"days": ["tue", "thu"], "start": "09:00", "end": "11:30"}]})
# 工作日 8:30-17:00, hour-long bookings.
OFFICE = Hours(60, (range_of("workdays", "08:30", "17:00"),))
# Monday 29 September 2025, before the National Day holiday (1–8 October; Saturday 11 October is worked).
MONDAY = datetime(2025, 9, 29, 8, 0, tzinfo=CHINA)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def test_half_hour_slots_follow_each_other_from_the_start_of_the_range() -> None:
    tuesday = date(2025, 9, 30)
    assert [slot.strftime("%H:%M") for slot in starts_on(ADVISER, tuesday, CAL)] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert starts_on(ADVISER, date(2025, 10, 1), CAL) == []  # a Wednesday


def test_an_hour_slot_that_would_run_past_closing_is_not_offered() -> None:
    starts = starts_on(OFFICE, date(2025, 9, 29), CAL)
    assert (starts[0].strftime("%H:%M"), starts[-1].strftime("%H:%M"), len(starts)) == ("08:30", "15:30", 8)


def test_working_days_follow_the_official_calendar_not_the_weekday() -> None:
    assert starts_on(OFFICE, date(2025, 10, 2), CAL) == []  # a Thursday in the National Day holiday
    assert starts_on(OFFICE, date(2025, 10, 11), CAL) != []  # the Saturday worked in its place


def test_a_slot_of_the_provider_ahead_of_now_is_bookable() -> None:
    check_bookable(ADVISER, at(date(2025, 9, 30), 10, 30), MONDAY, CAL)


@pytest.mark.parametrize(
    ("starts_at", "why"),
    [
        (at(date(2025, 9, 30), 10, 15), "not on the half hour"),
        (at(date(2025, 9, 30), 11, 30), "the range's end"),
        (at(date(2025, 10, 1), 9), "a Wednesday"),
        (at(date(2025, 9, 23), 9), "last week"),
        (at(date(2025, 10, 16), 9), "beyond two weeks"),
        (datetime.fromisoformat("9999-12-31T23:00:00+00:00"), "the end of time"),
    ],
)
def test_other_times_are_refused_on_the_start_time(starts_at: datetime, why: str) -> None:
    with pytest.raises(BadInput) as refused:
        check_bookable(ADVISER, starts_at, MONDAY, CAL)
    assert refused.value.field == "starts_at", why


def test_the_same_moment_in_utc_is_the_same_slot() -> None:
    check_bookable(ADVISER, datetime.fromisoformat("2025-09-30T01:30:00+00:00"), MONDAY, CAL)  # 09:30 in China


def test_the_window_is_today_and_the_next_fourteen_days_in_china() -> None:
    late_sunday_utc = datetime.fromisoformat("2025-09-28T17:00:00+00:00")  # already Monday 01:00 in China
    days = booking_days(late_sunday_utc)
    assert (days[0], days[-1]) == (date(2025, 9, 29), date(2025, 10, 13))


def test_ranges_on_shared_days_overlap_and_on_other_days_do_not() -> None:
    mornings = range_of(["mon", "tue"], "09:00", "12:00")
    assert mornings.overlaps(range_of(["tue"], "11:30", "13:00"))
    assert not mornings.overlaps(range_of(["wed"], "09:00", "12:00"))
    assert not mornings.overlaps(range_of(["mon"], "12:00", "13:00"))
    assert mornings.overlaps(range_of("workdays", "08:00", "09:30"))  # working days may be any weekday


def test_a_booking_is_cancelled_once_and_before_it_starts() -> None:
    starts = MONDAY + timedelta(hours=2)
    check_cancellable(AppointmentStatus.booked, starts, MONDAY)
    with pytest.raises(Conflict):
        check_cancellable(AppointmentStatus.cancelled, starts, MONDAY)
    with pytest.raises(Conflict):
        check_cancellable(AppointmentStatus.booked, starts, starts)
