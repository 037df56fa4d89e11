"""The lottery draw: fixed by its seed, checked against the commitment, the same whoever re-runs it."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.auth.domain import Actor, Role
from tongban.listings.domain import (
    DrawError,
    DrawStatus,
    Plot,
    check_plots,
    commitment,
    draw,
    enrolment_open,
    may_organise,
    parse_seed,
    ticket,
    verify,
)

SEED = bytes(range(32))
HOUSEHOLDS = ["任前村-001", "任前村-002", "任前村-003", "任前村-004"]
PLOTS = ["A-1", "A-2", "B-1"]


def test_the_draw_follows_the_documented_tickets() -> None:
    result = draw(SEED, HOUSEHOLDS, PLOTS)
    tickets = sorted(ticket(SEED, household) for household in HOUSEHOLDS)
    assert [allocation.ticket for allocation in result] == tickets
    assert [allocation.plot for allocation in result] == ["A-1", "A-2", "B-1", None]
    import hmac

    first = result[0]
    assert first.ticket == hmac.new(SEED, first.household.encode(), hashlib.sha256).hexdigest()


@given(order=st.permutations(HOUSEHOLDS))
def test_the_order_households_are_listed_in_does_not_matter(order: list[str]) -> None:
    assert draw(SEED, order, PLOTS) == draw(SEED, HOUSEHOLDS, PLOTS)


def test_another_seed_gives_another_draw_and_is_refused_by_the_commitment() -> None:
    other = bytes(reversed(range(32)))
    assert [a.household for a in draw(other, HOUSEHOLDS, PLOTS)] != [a.household for a in draw(SEED, HOUSEHOLDS, PLOTS)]
    verify(SEED, commitment(SEED).upper())
    with pytest.raises(DrawError):
        verify(other, commitment(SEED))


@pytest.mark.parametrize("text", ["zz", "00" * 31, "00" * 33])
def test_a_malformed_seed_is_refused(text: str) -> None:
    with pytest.raises(DrawError):
        parse_seed(text)


def test_a_household_listed_twice_is_refused() -> None:
    with pytest.raises(DrawError) as exc:
        draw(SEED, [*HOUSEHOLDS, HOUSEHOLDS[0]], PLOTS)
    assert HOUSEHOLDS[0] in exc.value.message_zh


def test_enrolment_runs_through_the_deadlines_whole_day_in_beijing() -> None:
    last_day = date(2026, 12, 31)
    late_evening = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    past_midnight = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)  # 00:00 on 1 January in Beijing
    assert enrolment_open(DrawStatus.open, last_day, late_evening)
    assert not enrolment_open(DrawStatus.open, last_day, past_midnight)
    assert not enrolment_open(DrawStatus.drawn, last_day, late_evening)


def test_only_staff_of_the_villages_town_organise_its_draws() -> None:
    village = "330703104201"
    assert may_organise(Actor(1, "lipu", Role.window, "330703104"), village)
    assert may_organise(Actor(2, "admin", Role.admin), village)
    assert not may_organise(Actor(3, "xiaoshun", Role.window, "330703101"), village)
    assert not may_organise(Actor(4, "reviewer", Role.reviewer, "330703104"), village)
    assert not may_organise(Actor(5, "villager", Role.citizen, village), village)


@pytest.mark.parametrize(
    "plots",
    [
        [],
        [Plot("A 1", 120, "平原")],
        [Plot("=cmd()", 120, "平原")],
        [Plot("A1", 0, "平原")],
        [Plot("A1", 120, " ")],
        [Plot("A1", 120, "平原"), Plot("A1", 110, "平原")],
    ],
)
def test_plots_that_cannot_be_published_one_per_line_or_make_no_sense_are_refused(plots: list[Plot]) -> None:
    with pytest.raises(DrawError):
        check_plots(plots)
