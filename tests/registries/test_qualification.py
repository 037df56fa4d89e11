"""The rules of pension qualification in the platform, without a database."""

from __future__ import annotations

from datetime import date

from tongban.auth.domain import Actor, Role
from tongban.registries.domain import Status
from tongban.registries.qualification import (
    Check,
    FollowUpKind,
    effects,
    follow_up_kind,
    is_officer,
    notice_text,
    standing,
)

AS_OF = date(2025, 12, 31)


def test_a_qualification_is_valid_until_twelve_months_after_the_last_sign_of_life() -> None:
    found = standing(None, date(2025, 11, 3), None, AS_OF)
    assert found.status is Status.CERTIFIED
    assert found.last_evidence == date(2025, 11, 3)
    assert found.valid_until == date(2026, 11, 3)


def test_the_twenty_ninth_of_february_is_valid_until_the_twenty_eighth() -> None:
    leap_day = Check(date(2024, 2, 29), alive=True)
    assert standing(None, None, leap_day, date(2024, 3, 1)).valid_until == date(2025, 2, 28)


def test_a_suspended_pensioner_has_no_validity() -> None:
    found = standing(date(2025, 6, 1), date(2025, 5, 1), None, AS_OF)
    assert found.status is Status.SUSPENDED
    assert found.valid_until is None
    assert "2025-06-01" in found.reason


def test_without_a_check_the_standing_is_the_contracts_verdict() -> None:
    assert standing(None, None, None, AS_OF).status is Status.MANUAL
    assert standing(None, date(2024, 12, 31), None, AS_OF).status is Status.MANUAL
    assert standing(date(2025, 3, 1), date(2025, 4, 1), None, AS_OF).status is Status.MANUAL


def test_a_visit_that_found_the_person_alive_keeps_them_certified_for_a_year() -> None:
    check = Check(date(2025, 3, 10), alive=True)
    found = standing(None, None, check, AS_OF)
    assert found.status is Status.CERTIFIED
    assert found.valid_until == date(2026, 3, 10)
    assert found.reason == "2025-03-10 经人工核实健在"
    assert standing(None, None, check, date(2026, 3, 10)).status is Status.MANUAL


def test_a_visit_after_a_death_record_settles_it_but_a_later_death_record_does_not() -> None:
    alive = Check(date(2025, 3, 10), alive=True)
    assert standing(date(2025, 1, 5), None, alive, AS_OF).status is Status.CERTIFIED
    assert standing(date(2025, 4, 1), None, alive, AS_OF).status is Status.SUSPENDED


def test_a_visit_that_found_the_person_deceased_suspends_unless_life_evidence_follows() -> None:
    deceased = Check(date(2025, 3, 10), alive=False)
    found = standing(None, date(2025, 2, 1), deceased, AS_OF)
    assert found.status is Status.SUSPENDED
    assert found.reason == "2025-03-10 经人工核实已死亡"
    assert standing(None, date(2025, 3, 15), deceased, AS_OF).status is Status.MANUAL


def test_a_notice_opens_on_suspension_and_lifts_on_certification() -> None:
    assert effects(Status.SUSPENDED, notice_open=False, follow_up_open=False).issue_notice
    assert not effects(Status.SUSPENDED, notice_open=True, follow_up_open=False).issue_notice
    assert effects(Status.CERTIFIED, notice_open=True, follow_up_open=False).lift_notice
    # A manual check does not resume payment by itself: the notice waits for the check.
    manual = effects(Status.MANUAL, notice_open=True, follow_up_open=False)
    assert not manual.lift_notice and manual.open_follow_up


def test_one_open_follow_up_per_person_withdrawn_when_data_settles_them() -> None:
    assert not effects(Status.MANUAL, notice_open=False, follow_up_open=True).open_follow_up
    assert effects(Status.CERTIFIED, notice_open=False, follow_up_open=True).withdraw_follow_up
    assert effects(Status.SUSPENDED, notice_open=False, follow_up_open=True).withdraw_follow_up


def test_a_disputed_death_or_great_age_is_visited_others_check_their_face_remotely() -> None:
    assert follow_up_kind(date(2025, 1, 1), date(1960, 1, 1), AS_OF) is FollowUpKind.community_visit
    assert follow_up_kind(None, date(1945, 12, 31), AS_OF) is FollowUpKind.community_visit
    assert follow_up_kind(None, date(1946, 1, 1), AS_OF) is FollowUpKind.remote_face_check
    assert follow_up_kind(None, None, AS_OF) is FollowUpKind.remote_face_check


def test_the_notice_names_the_person_the_day_and_the_way_to_object() -> None:
    text = notice_text("王丽", date(2026, 1, 5), "2025-06-01 死亡记录，其后无生存记录")
    assert text.startswith("王丽：") and "2026-01-05" in text and "申诉" in text


def test_data_officers_are_administrators_and_reviewers_of_the_runs_department() -> None:
    reviewer = Actor(1, "r", Role.reviewer, "330726", "pj-sbj")
    assert is_officer(reviewer, "pj-sbj")
    assert not is_officer(reviewer, "pj-ybj")
    assert not is_officer(reviewer, None)
    assert is_officer(Actor(2, "a", Role.admin), None)
    assert not is_officer(Actor(3, "w", Role.window, "330726", "pj-sbj"), "pj-sbj")
