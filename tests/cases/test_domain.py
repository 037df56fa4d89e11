"""The case rules without a database: workflow stages, transitions, deadlines and colours."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.calendar.domain import Pause, WorkingCalendar
from tongban.cases.domain import (
    Action,
    CaseStatus,
    Colour,
    StepState,
    StepStatus,
    bundle_due_days,
    check_transition,
    colour_of,
    deadline_view,
    plan_workflow,
    required_gaps,
    stage_finished,
)
from tongban.errors import BadInput, Conflict

CAL = WorkingCalendar()
DECLARED = [
    {"code": "pre", "name": "预审", "role": "reviewer", "limit": 1},
    {"code": "plan", "name": "规划", "role": "reviewer", "parallel": "joint"},
    {"code": "build", "name": "施工", "role": "reviewer", "department": "zjj", "parallel": "joint"},
    {"code": "check", "name": "核验", "role": "window", "jurisdiction": "receiving"},
]


def plan(declared: list[dict[str, object]], instant: bool = False) -> list[tuple[str, int, str | None, str]]:
    steps = plan_workflow(
        declared, instant=instant, promised_days=5, department="zrzy", handling="320412110", receiving="320211100"
    )
    return [(step.code, step.stage, step.department, step.jurisdiction) for step in steps]


def test_consecutive_steps_with_one_label_share_a_stage() -> None:
    assert plan(DECLARED) == [
        ("pre", 0, "zrzy", "320412110"),
        ("plan", 1, "zrzy", "320412110"),
        ("build", 1, "zjj", "320412110"),
        ("check", 2, None, "320211100"),
    ]


def test_a_promised_item_without_a_workflow_gets_one_review_step_and_an_instant_item_none() -> None:
    assert plan([]) == [("review", 0, "zrzy", "320412110")]
    assert plan([], instant=True) == []


def test_an_open_optional_step_does_not_hold_up_its_stage() -> None:
    steps = [StepState(1, StepStatus.done, False), StepState(1, StepStatus.open, True)]
    assert stage_finished(steps, 1)
    assert not stage_finished([*steps, StepState(1, StepStatus.open, False)], 1)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (Action.approve, CaseStatus.submitted),
        (Action.deliver, CaseStatus.under_review),
        (Action.accept, CaseStatus.delivered),
    ],
)
def test_an_action_from_the_wrong_status_is_a_conflict(action: Action, status: CaseStatus) -> None:
    with pytest.raises(Conflict):
        check_transition(action, status, "理由")


def test_refusing_to_accept_needs_a_written_reason() -> None:
    with pytest.raises(BadInput) as exc:
        check_transition(Action.not_accept, CaseStatus.submitted, "  ")
    assert exc.value.field == "reason"


def test_national_day_is_not_counted_and_colours_follow_the_days_left() -> None:
    view = deadline_view(date(2025, 9, 30), 5, [], date(2025, 10, 13), CAL)
    assert view is not None
    assert (view.due_on, view.days_left, view.colour) == (date(2025, 10, 14), 1, Colour.yellow)
    assert deadline_view(date(2025, 9, 30), 5, [], date(2025, 10, 9), CAL).colour is Colour.green  # type: ignore[union-attr]
    assert deadline_view(date(2025, 9, 30), 5, [], date(2025, 10, 15), CAL).colour is Colour.red  # type: ignore[union-attr]


def test_a_stopped_clock_moves_the_deadline_and_shows_as_paused() -> None:
    stopped = deadline_view(date(2025, 3, 3), 5, [Pause(date(2025, 3, 4), None)], date(2025, 3, 20), CAL)
    assert stopped is not None
    assert (stopped.due_on, stopped.colour, stopped.days_left) == (None, Colour.paused, 4)
    resumed = deadline_view(date(2025, 3, 3), 5, [Pause(date(2025, 3, 4), date(2025, 3, 7))], date(2025, 3, 7), CAL)
    assert resumed is not None
    assert resumed.due_on == date(2025, 3, 13)  # 3 working days given back


def test_yellow_starts_one_working_day_before_the_due_date() -> None:
    assert [colour_of(days) for days in (3, 2, 1, 0, -1)] == [
        Colour.green,
        Colour.green,
        Colour.yellow,
        Colour.yellow,
        Colour.red,
    ]


def test_a_bundle_promises_its_longest_chain() -> None:
    members = [{"service": "a"}, {"service": "b", "after": ["a"]}, {"service": "c"}, {"service": "d", "after": ["b"]}]
    assert bundle_due_days(members, {"a": 1, "b": 2, "c": 10, "d": 3}) == 10
    assert bundle_due_days(members, {"a": 5, "b": 2, "c": 1, "d": 3}) == 10


def test_the_one_time_notice_lists_every_gap_but_never_shared_data() -> None:
    materials = [
        {"code": "id", "name": "身份证", "required": True, "source": "applicant"},
        {"code": "hukou", "name": "户口簿", "required": True, "source": "registry:household"},
        {"code": "photo", "name": "照片", "required": False, "source": "applicant"},
        {"code": "land", "name": "合同", "required": True, "source": "applicant"},
    ]
    fields = [{"key": "phone", "label": "电话", "required": True}, {"key": "name", "label": "姓名", "source": "x"}]
    gaps = required_gaps(materials, {"land"}, fields, {})
    assert [(gap.code, gap.reason) for gap in gaps] == [("id", "缺少身份证"), ("phone", "未填写电话")]
