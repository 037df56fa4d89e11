"""The indicators' shares, the weighted index (信访生态指数), its colours (三色图), ranks and periods."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tongban.calendar.limits import Colour
from tongban.requests.index import (
    DEFAULT_SCHEME,
    Counts,
    Indicator,
    Period,
    Scheme,
    Window,
    colour_of,
    combined,
    default_range,
    every_period,
    index_score,
    period_label,
    period_start,
    scheme_of,
    standings,
    with_empty_periods,
)

EVEN = DEFAULT_SCHEME.weights
SCHEME = Scheme(weights=EVEN, green=90, yellow=80)


def test_each_indicator_has_its_own_denominator() -> None:
    counts = Counts(
        "d",
        received=4,
        withdrawn=1,
        routed=3,
        signed=3,
        signed_in_time=2,
        answered=2,
        closed_in_time=1,
        resolved=2,
        rated=3,
        satisfied=2,
    )
    assert counts.shares() == {
        Indicator.response: (3, 3),
        Indicator.signed_on_time: (2, 3),
        Indicator.closed_on_time: (1, 2),
        Indicator.resolution: (2, 3),
        Indicator.satisfaction: (2, 3),
    }


def test_a_rate_with_nothing_to_count_is_none_not_zero() -> None:
    rates = Counts("d", received=1).rates()
    assert rates[Indicator.response] == 0.0
    assert rates[Indicator.satisfaction] is None


def test_the_index_is_the_weighted_mean_out_of_a_hundred() -> None:
    rates = {Indicator.response: 1.0, Indicator.signed_on_time: 0.5, Indicator.closed_on_time: 0.5}
    weights = {Indicator.response: 0.5, Indicator.signed_on_time: 0.25, Indicator.closed_on_time: 0.25}
    assert index_score(rates, weights) == 75.0


def test_a_missing_indicator_leaves_its_weight_to_the_others() -> None:
    rates = {Indicator.response: 1.0, Indicator.satisfaction: None}
    weights = {Indicator.response: 0.2, Indicator.satisfaction: 0.8}
    assert index_score(rates, weights) == 100.0
    assert index_score({Indicator.satisfaction: None}, weights) is None


def test_a_zero_weight_does_not_count_even_when_its_rate_is_known() -> None:
    weights = {Indicator.response: 1.0, Indicator.satisfaction: 0.0}
    assert index_score({Indicator.response: 0.5, Indicator.satisfaction: 1.0}, weights) == 50.0


@pytest.mark.parametrize(
    ("score", "colour"),
    [(90.0, Colour.green), (89.9, Colour.yellow), (80.0, Colour.yellow), (79.9, Colour.red), (None, None)],
)
def test_the_colour_thresholds_are_inclusive(score: float | None, colour: Colour | None) -> None:
    assert colour_of(score, SCHEME) is colour


def _all_routed(key: str, received: int, routed: int) -> Counts:
    return Counts(key, received=received, routed=routed, resolved=routed)


def test_equal_scores_share_a_rank_and_the_next_rank_skips() -> None:
    groups = [
        _all_routed("c", 4, 2),
        _all_routed("a", 2, 2),
        _all_routed("b", 4, 4),
        _all_routed("d", 2, 1),
        Counts("e"),
    ]
    ranked = standings(groups, SCHEME)
    # Among equals the busier comes first; a group with nothing to score is last and unranked.
    assert [(s.key, s.score, s.rank) for s in ranked] == [
        ("b", 100.0, 1),
        ("a", 100.0, 1),
        ("c", 50.0, 3),
        ("d", 50.0, 3),
        ("e", None, None),
    ]


def test_a_stored_scheme_reads_back() -> None:
    stored = {"weights": {"response": 0.4, "satisfaction": 0.6}, "green": 85, "yellow": 60}
    assert scheme_of(stored, "anji") == Scheme(
        {Indicator.response: 0.4, Indicator.satisfaction: 0.6}, 85.0, 60.0, "anji"
    )


@pytest.mark.parametrize(
    ("period", "day", "start", "label"),
    [
        (Period.day, date(2026, 11, 3), date(2026, 11, 3), "2026-11-03"),
        (Period.week, date(2026, 11, 8), date(2026, 11, 2), "2026-W45"),  # a Sunday ends its ISO week
        (Period.week, date(2027, 1, 1), date(2026, 12, 28), "2026-W53"),  # 2026 has 53 ISO weeks
        (Period.month, date(2026, 2, 28), date(2026, 2, 1), "2026-02"),
        (Period.quarter, date(2026, 9, 30), date(2026, 7, 1), "2026-Q3"),
        (Period.quarter, date(2026, 10, 1), date(2026, 10, 1), "2026-Q4"),
    ],
)
def test_a_day_falls_in_one_period(period: Period, day: date, start: date, label: str) -> None:
    assert period_start(period, day) == start
    assert period_label(period, start) == label


def test_every_period_of_a_window_from_the_one_holding_its_first_day() -> None:
    assert every_period(Period.quarter, date(2026, 2, 15), date(2026, 10, 1)) == [
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2026, 7, 1),
        date(2026, 10, 1),
    ]
    assert every_period(Period.month, date(2026, 1, 31), date(2026, 3, 1)) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]


def test_a_period_without_requests_is_a_row_of_zeros() -> None:
    found = {date(2026, 11, 1): Counts(None, received=3)}
    rows = with_empty_periods(Period.month, date(2026, 10, 1), date(2026, 11, 30), found)
    assert [(row.key, row.received) for row in rows] == [("2026-10", 0), ("2026-11", 3)]


def test_the_default_range_is_whole_periods_up_to_today() -> None:
    assert default_range(Period.month, date(2026, 11, 23)) == (date(2025, 12, 1), date(2026, 11, 23))
    assert default_range(Period.week, date(2026, 11, 23)) == (date(2026, 9, 7), date(2026, 11, 23))


def test_a_window_runs_from_midnight_in_china() -> None:
    start, end = Window(date(2026, 11, 1), date(2026, 11, 30)).instants()
    assert start.astimezone(UTC) == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 11, 30, 16, tzinfo=UTC)


def test_a_window_is_named_by_its_month_when_it_lies_in_one() -> None:
    assert Window(date(2026, 11, 1), date(2026, 11, 23)).label() == "2026-11"
    assert Window(date(2026, 1, 1), date(2026, 11, 30)).label() == "2026-01-01_2026-11-30"


def test_the_whole_area_adds_its_groups_up() -> None:
    total = combined([Counts("a", received=2, routed=1, rated=3), Counts("b", received=1, routed=1, satisfied=2)])
    assert total == Counts(None, received=3, routed=2, rated=3, satisfied=2)
