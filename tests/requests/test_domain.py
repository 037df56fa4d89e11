"""Requests' pure rules: moves, limits per stage, extension, escalation and dispute levels."""

from __future__ import annotations

from datetime import datetime

import pytest

from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import CHINA, TimeLimit, Unit
from tongban.errors import BadInput, Conflict
from tongban.requests.domain import (
    TRANSITIONS,
    Action,
    Channel,
    Level,
    Limits,
    Priority,
    Stage,
    Status,
    extended,
    in_review,
    limits_at_level,
    limits_of,
    must_escalate,
    next_level,
    next_status,
    overseer,
    review_clock,
    review_due,
    start_clock,
)

CAL = WorkingCalendar()
DAYS = Unit.calendar_days.value
# 信访工作条例 (2022): 15 days to register and route, 15 to decide on acceptance, 60 (+30) to handle.
PETITION = limits_of(
    {
        "stages": {
            "dispatch": {"limit": {"value": 15, "unit": DAYS}},
            "accept": {"limit": {"value": 15, "unit": DAYS}},
            "handle": {"limit": {"value": 60, "unit": DAYS}},
        },
        "extension": {"value": 30, "unit": DAYS},
    }
)
HOTLINE = limits_of(
    {
        "stages": {
            "sign": {"limit": {"value": 1, "unit": "工作日"}, "by_priority": {"urgent": {"value": 2, "unit": "小时"}}},
            "handle": {
                "limit": {"value": 5, "unit": "工作日"},
                "by_priority": {"urgent": {"value": 24, "unit": "小时"}, "complex": {"value": 15, "unit": "工作日"}},
            },
        }
    }
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHINA)  # type: ignore[misc]


def test_a_petition_is_signed_then_accepted_in_writing_and_a_hotline_request_goes_straight_to_work() -> None:
    assert next_status(Status.routed, Action.sign, PETITION, None) is Status.signed
    assert next_status(Status.routed, Action.sign, HOTLINE, None) is Status.in_progress
    assert next_status(Status.signed, Action.refuse, PETITION, "不属于信访事项") is Status.refused


@pytest.mark.parametrize("action", [Action.refuse, Action.send_back, Action.extend, Action.reply, Action.escalate])
def test_actions_that_tell_the_requester_something_need_a_written_reason(action: Action) -> None:
    status = next(status for (status, act) in TRANSITIONS if act is action)
    with pytest.raises(BadInput) as raised:
        next_status(status, action, PETITION, "  ")
    assert raised.value.field == "reason"


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_only_the_declared_moves_are_allowed(status: Status, action: Action) -> None:
    if (status, action) in TRANSITIONS:
        assert next_status(status, action, HOTLINE, "理由") in Status
    else:
        with pytest.raises(Conflict):
            next_status(status, action, HOTLINE, "理由")


def test_each_petition_stage_runs_its_own_calendar_day_limit() -> None:
    received = at(2025, 9, 26, 15, 0)
    dispatch = start_clock(Status.submitted, PETITION, Priority.general, received, CAL)
    assert dispatch is not None and dispatch.stage is Stage.dispatch
    assert dispatch.due_at == at(2025, 10, 11, 23, 59, 59)
    handle = start_clock(Status.in_progress, PETITION, Priority.general, at(2025, 10, 10, 9, 0), CAL)
    assert handle is not None and handle.due_at == at(2025, 12, 9, 23, 59, 59)
    # A stage the type does not have runs no clock: a petition has no separate sign-for limit.
    assert start_clock(Status.routed, PETITION, Priority.general, received, CAL) is None


def test_priority_picks_the_urgent_general_or_complex_limit() -> None:
    start = at(2025, 11, 24, 10, 0)
    due = {p: start_clock(Status.in_progress, HOTLINE, p, start, CAL) for p in Priority}
    assert due[Priority.urgent] is not None and due[Priority.urgent].due_at == at(2025, 11, 25, 10, 0)
    assert due[Priority.general] is not None and due[Priority.general].due_at == at(2025, 12, 1, 23, 59, 59)
    assert due[Priority.complex] is not None and due[Priority.complex].due_at == at(2025, 12, 15, 23, 59, 59)


def test_a_petition_is_extended_once_by_at_most_thirty_days() -> None:
    handle = start_clock(Status.in_progress, PETITION, Priority.general, at(2025, 10, 10, 9, 0), CAL)
    assert handle is not None
    pushed = extended(handle, PETITION.extension, already=False, calendar=CAL)
    assert pushed.due_at == at(2026, 1, 8, 23, 59, 59)
    with pytest.raises(Conflict):
        extended(pushed, PETITION.extension, already=True, calendar=CAL)
    with pytest.raises(BadInput):
        extended(handle, Limits({}).extension, already=False, calendar=CAL)


@pytest.mark.parametrize(
    ("send_backs", "departments", "lead", "escalate"),
    [
        (2, ["a"], "a", False),
        (3, ["a"], "a", True),
        (0, ["a", "b", "c"], None, True),
        (0, ["a", "b", "c"], "a", False),
        (0, ["a", "b"], None, False),
    ],
)
def test_three_send_backs_or_three_departments_without_a_lead_escalate(
    send_backs: int, departments: list[str], lead: str | None, escalate: bool
) -> None:
    assert must_escalate(send_backs, departments, lead) is escalate


def test_a_dispute_moves_from_village_to_town_to_county_and_no_further() -> None:
    assert next_level(Level.village) is Level.town
    assert next_level(Level.town) is Level.county
    with pytest.raises(Conflict):
        next_level(Level.county)


def test_each_dispute_level_runs_its_own_handling_limit_and_urgent_still_applies() -> None:
    stored = {
        "stages": {
            "sign": {"limit": {"value": 1, "unit": "工作日"}},
            "handle": {"limit": {"value": 30, "unit": DAYS}, "by_priority": {"urgent": {"value": 3, "unit": DAYS}}},
        }
    }
    levels = [
        {"level": "village", "departments": ["v"], "limit": {"value": 10, "unit": DAYS}},
        {"level": "town", "departments": ["t"], "limit": {"value": 15, "unit": DAYS}},
        {"level": "county", "departments": ["c"], "limit": None},
    ]
    taken = at(2025, 10, 8, 9, 0)

    def due(level: str, priority: Priority = Priority.general) -> datetime:
        clock = start_clock(Status.in_progress, limits_at_level(stored, levels, level), priority, taken, CAL)
        assert clock is not None
        return clock.due_at

    assert due("village") == at(2025, 10, 18, 23, 59, 59)
    assert due("town") == at(2025, 10, 23, 23, 59, 59)
    assert due("county") == at(2025, 11, 7, 23, 59, 59)  # no limit of its own: the type's 30 days
    assert due("village", Priority.urgent) == at(2025, 10, 11, 23, 59, 59)
    sign = start_clock(Status.routed, limits_at_level(stored, levels, "village"), Priority.general, taken, CAL)
    assert sign is not None and sign.stage is Stage.sign  # only the handling limit is the level's


def test_a_limit_is_read_back_as_stored() -> None:
    assert HOTLINE.stages[Stage.sign].for_priority(Priority.urgent) == TimeLimit(2, Unit.hours)
    assert HOTLINE.stages[Stage.sign].for_priority(Priority.complex) == TimeLimit(1, Unit.working_days)


def test_a_liaison_stations_report_is_overseen_by_its_types_default_department() -> None:
    assert overseer(Channel.liaison_station, "fh-jw") == "fh-jw"
    assert overseer(Channel.liaison_station, None) is None
    assert all(overseer(channel, "fh-jw") is None for channel in Channel if channel is not Channel.liaison_station)


REVIEWED = limits_of(
    {
        "stages": {
            "dispatch": {"limit": {"value": 15, "unit": DAYS}},
            "sign": {"limit": {"value": 1, "unit": "工作日"}},
            "accept": {"limit": {"value": 15, "unit": DAYS}},
            "handle": {"limit": {"value": 60, "unit": DAYS}},
        },
        "extension": {"value": 30, "unit": DAYS},
        "review": {"value": 30, "unit": DAYS},
    }
)


def test_a_petitioner_asks_for_review_then_re_review_each_within_thirty_days() -> None:
    answered = at(2025, 10, 10, 16, 0)
    assert review_due(REVIEWED, 0, answered, at(2025, 11, 9, 20, 0), CAL) == at(2025, 12, 9, 23, 59, 59)
    with pytest.raises(Conflict, match="period to ask for a review"):
        review_due(REVIEWED, 0, answered, at(2025, 11, 10, 0, 0, 1), CAL)
    assert review_due(REVIEWED, 1, answered, at(2025, 10, 20, 9, 0), CAL) == at(2025, 11, 19, 23, 59, 59)
    with pytest.raises(Conflict, match="final"):
        review_due(REVIEWED, 2, answered, at(2025, 10, 20, 9, 0), CAL)
    with pytest.raises(Conflict, match="has no review"):
        review_due(PETITION, 0, answered, at(2025, 10, 20, 9, 0), CAL)


def test_a_review_round_runs_one_due_time_through_every_stage_without_an_acceptance_decision() -> None:
    limits = in_review(REVIEWED)
    assert not limits.has(Stage.accept) and limits.extension is None
    assert next_status(Status.routed, Action.sign, limits, None) is Status.in_progress
    assert next_status(Status.replied, Action.review, REVIEWED, "对处理意见不服") is Status.submitted
    with pytest.raises(BadInput):
        next_status(Status.replied, Action.review, REVIEWED, " ")
    due = at(2025, 12, 9, 23, 59, 59)
    for status, stage in (
        (Status.submitted, Stage.dispatch),
        (Status.routed, Stage.sign),
        (Status.in_progress, Stage.handle),
    ):
        clock = review_clock(status, limits, at(2025, 11, 20, 9, 0), due, CAL)
        assert clock is not None and (clock.stage, clock.due_at) == (stage, due)
        assert clock.warn_at == at(2025, 12, 8, 0, 0)
