from __future__ import annotations

from datetime import date

import pytest

from tongban.auth.domain import Actor, Role
from tongban.calendar.domain import WorkingCalendar
from tongban.errors import BadInput, Conflict, Forbidden
from tongban.ratings.domain import (
    Level,
    RectificationStatus,
    SubjectKind,
    Verdict,
    check_can_rectify,
    check_can_visit,
    check_finished,
    check_rateable,
    check_rater,
    checked_comment,
    checked_visit_note,
    is_bad,
    is_overdue,
    may_rectify,
    may_see,
    may_visit,
    rectification_due,
)

CAL = WorkingCalendar()


def staff(role: Role, place: str | None, department: str | None = None) -> Actor:
    return Actor(user_id=1, username="someone", role=role, jurisdiction_code=place, department_code=department)


def test_only_dissatisfied_and_very_dissatisfied_are_bad() -> None:
    assert {level for level in Level if is_bad(level)} == {Level.dissatisfied, Level.very_dissatisfied}


def test_the_levels_are_the_five_national_ones_coded_one_to_five() -> None:
    assert [(int(level), level.name_zh) for level in sorted(Level, reverse=True)] == [
        (5, "非常满意"),
        (4, "满意"),
        (3, "基本满意"),
        (2, "不满意"),
        (1, "非常不满意"),
    ]


def test_a_bad_rating_must_say_what_went_wrong() -> None:
    with pytest.raises(BadInput) as refused:
        checked_comment(Level.dissatisfied, "   ")
    assert refused.value.field == "comment"


def test_a_good_rating_needs_no_comment_and_blank_comments_are_dropped() -> None:
    assert checked_comment(Level.satisfied, "  ") is None
    assert checked_comment(Level.very_dissatisfied, " 排队两小时 ") == "排队两小时"


def test_calls_are_not_yet_rateable() -> None:
    check_rateable(SubjectKind.case)
    check_rateable(SubjectKind.request)
    with pytest.raises(BadInput) as refused:
        check_rateable(SubjectKind.call)
    assert refused.value.field == "subject_kind"


def test_the_applicant_and_whoever_filed_the_case_may_rate_it_and_nobody_else() -> None:
    check_rater(3, applicant_user_id=3, submitted_by=9)
    check_rater(9, applicant_user_id=3, submitted_by=9)
    for stranger in (4, None):
        with pytest.raises(Forbidden):
            check_rater(stranger, applicant_user_id=3, submitted_by=9)


def test_a_case_still_in_progress_or_a_request_not_answered_cannot_be_rated() -> None:
    check_finished(SubjectKind.case, True)
    for kind in (SubjectKind.case, SubjectKind.request):
        with pytest.raises(Conflict) as refused:
            check_finished(kind, False)
        assert refused.value.field == "subject_id"


def test_the_national_day_holiday_does_not_count_towards_the_rectification_limit() -> None:
    assert rectification_due(date(2025, 9, 30), 15, CAL) == date(2025, 10, 28)


def test_an_open_rectification_is_overdue_only_after_its_due_day() -> None:
    due = date(2025, 10, 28)
    assert not is_overdue(RectificationStatus.open, due, due)
    assert is_overdue(RectificationStatus.open, due, date(2025, 10, 29))


def test_a_rectified_one_is_never_overdue() -> None:
    assert not is_overdue(RectificationStatus.rectified, date(2025, 10, 28), date(2026, 1, 1))


def test_department_staff_see_their_own_department_in_their_jurisdiction() -> None:
    assert may_see(staff(Role.reviewer, "320200", "wx-sbzx"), "wx-sbzx", "320211")
    assert not may_see(staff(Role.reviewer, "320200", "wx-ybj"), "wx-sbzx", "320211")
    assert not may_see(staff(Role.reviewer, "320213", "wx-sbzx"), "wx-sbzx", "320211")


def test_a_window_without_a_department_sees_its_whole_jurisdiction() -> None:
    assert may_see(staff(Role.window, "320211"), "wx-sbzx", "320211100")


def test_supervisors_see_their_jurisdiction_and_an_admin_everything() -> None:
    assert may_see(staff(Role.supervisor, "320200"), "wx-sbzx", "320211")
    assert not may_see(staff(Role.supervisor, "320213"), "wx-sbzx", "320211")
    assert may_see(staff(Role.admin, None), "wx-sbzx", "320211")


def test_residents_and_dispatchers_see_no_rectifications() -> None:
    assert not may_see(staff(Role.citizen, "320211"), None, "320211")
    assert not may_see(staff(Role.dispatcher, "320211"), None, "320211")


def test_the_department_rectifies_and_the_supervisor_visits_not_the_other_way_round() -> None:
    reviewer, supervisor = staff(Role.reviewer, "320200", "wx-sbzx"), staff(Role.supervisor, "320200")
    assert may_rectify(reviewer, "wx-sbzx", "320211") and not may_rectify(supervisor, "wx-sbzx", "320211")
    assert may_visit(supervisor, "320211") and not may_visit(reviewer, "320211")


def test_a_rectification_is_rectified_once_and_visited_only_after() -> None:
    check_can_rectify(RectificationStatus.open)
    with pytest.raises(Conflict):
        check_can_rectify(RectificationStatus.rectified)
    check_can_visit(RectificationStatus.rectified)
    for status in (RectificationStatus.open, RectificationStatus.closed):
        with pytest.raises(Conflict):
            check_can_visit(status)


def test_a_rater_still_unsatisfied_at_the_return_visit_has_their_reasons_recorded() -> None:
    assert checked_visit_note(Verdict.satisfied, " ") is None
    with pytest.raises(BadInput) as refused:
        checked_visit_note(Verdict.unsatisfied, None)
    assert refused.value.field == "note"
