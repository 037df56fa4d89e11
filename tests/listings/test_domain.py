"""The lottery draw: fixed by its seed, checked against the commitment, the same whoever re-runs it."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongban.listings.domain import DrawError, commitment, draw, parse_seed, ticket, verify

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
