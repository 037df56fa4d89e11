"""The per-pensioner rules of silent certification: plain Python, no files."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tongban.registries.domain import (
    REASON_STATUS,
    REASON_TEXTS,
    Event,
    EvidenceKind,
    MatchedBy,
    Reason,
    Status,
    classify,
    decide,
    name_key,
    window_start,
)

AS_OF = date(2025, 12, 31)
LIFE = EvidenceKind.LIFE
DEATH = EvidenceKind.DEATH


def on(text: str) -> date:
    return date.fromisoformat(text)


def test_a_death_with_no_later_life_evidence_suspends() -> None:
    verdict = decide([Event(LIFE, on("2025-03-01"), True), Event(DEATH, on("2025-03-02"), True)], AS_OF)
    assert verdict.status is Status.SUSPENDED
    assert verdict.reason == "2025-03-02 死亡记录，其后无生存记录"
    assert (verdict.death_event, verdict.last_life_event) == (on("2025-03-02"), on("2025-03-01"))


def test_life_evidence_on_the_day_of_death_is_not_a_conflict() -> None:
    events = [Event(LIFE, on("2025-03-02"), True), Event(DEATH, on("2025-03-02"), True)]
    assert decide(events, AS_OF).status is Status.SUSPENDED


def test_life_evidence_after_the_earliest_death_needs_a_person() -> None:
    events = [
        Event(DEATH, on("2025-05-01"), True),
        Event(DEATH, on("2025-03-02"), False),
        Event(LIFE, on("2025-04-11"), True),
    ]
    verdict = decide(events, AS_OF)
    assert verdict.status is Status.MANUAL
    assert verdict.death_event == on("2025-03-02")
    assert verdict.reason == "死亡记录 2025-03-02 之后仍有生存记录（2025-04-11），需人工核实"


def test_no_evidence_at_all_needs_a_person() -> None:
    verdict = decide([], AS_OF)
    assert (verdict.status, verdict.matched_by) == (Status.MANUAL, None)
    assert verdict.reason == "未找到任何生存记录，需人工核实"


@pytest.mark.parametrize(("days", "status"), [(0, Status.CERTIFIED), (364, Status.CERTIFIED), (365, Status.MANUAL)])
def test_the_life_window_is_the_365_days_ending_on_the_as_of_date(days: int, status: Status) -> None:
    assert decide([Event(LIFE, AS_OF - timedelta(days=days), True)], AS_OF).status is status


def test_stale_life_evidence_is_named_in_the_reason() -> None:
    verdict = decide([Event(LIFE, on("2024-12-31"), True)], AS_OF)
    assert verdict.reason == "近 365 天无生存记录（最近 2024-12-31），需人工核实"


def test_the_window_starts_after_the_day_365_days_back() -> None:
    assert window_start(AS_OF) == date(2024, 12, 31)


def test_evidence_after_the_as_of_date_is_ignored_also_for_matched_by() -> None:
    events = [Event(LIFE, on("2025-10-30"), False), Event(DEATH, AS_OF + timedelta(days=1), True)]
    verdict = decide(events, AS_OF)
    assert (verdict.status, verdict.death_event, verdict.matched_by) == (Status.CERTIFIED, None, MatchedBy.FUZZY)
    assert verdict.reason == "2025-10-30 有生存记录"


def test_one_id_match_makes_matched_by_id() -> None:
    events = [Event(LIFE, on("2025-10-30"), False), Event(LIFE, on("2025-01-30"), True)]
    assert decide(events, AS_OF).matched_by is MatchedBy.ID


def test_every_reason_has_a_status_and_a_text() -> None:
    assert set(REASON_STATUS) == set(REASON_TEXTS) == set(Reason)


def test_a_conflict_is_checked_before_the_death() -> None:
    assert classify(on("2025-01-01"), on("2025-02-01"), AS_OF) is Reason.CONFLICT
    assert classify(on("2025-01-01"), None, AS_OF) is Reason.DIED


def test_homophones_share_a_name_key_and_blank_names_have_none() -> None:
    assert name_key("王丽") == name_key("王莉") == "wang li"
    assert name_key("张伟") != name_key("张三")
    assert name_key("  ") is None
    assert name_key(None) is None
