"""Proactive discovery's rules without a database: the month's deadline, matching a need to a resource, actions."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.calendar.domain import months_later
from tongban.registries.discovery import (
    Action,
    ActionRefused,
    Aggregate,
    Hit,
    NeedStatus,
    Offer,
    aggregate_type,
    check_action,
    choose,
    needs_of,
    task_closes,
    town_of,
)

VILLAGE = "330502104201"  # 保卫村, 东林镇, 吴兴区


@pytest.mark.parametrize(
    ("found", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 1, 15), date(2025, 2, 15)),
        (date(2025, 12, 20), date(2026, 1, 20)),
        (date(2025, 3, 31), date(2025, 4, 30)),
    ],
)
def test_a_task_is_due_one_calendar_month_after_discovery(found: date, due: date) -> None:
    assert months_later(found, 1) == due


def test_months_back_for_the_quiet_period_cross_the_year() -> None:
    assert months_later(date(2025, 3, 31), -12) == date(2024, 3, 31)
    assert months_later(date(2025, 1, 10), -1) == date(2024, 12, 10)


def test_the_town_of_a_village_is_its_first_nine_digits() -> None:
    assert town_of(VILLAGE) == "330502104"


def offer(code: str, area: str, remaining: int, need: str = "care") -> Offer:
    return Offer(code, need, area, remaining)


def test_the_nearest_level_wins_village_then_town_then_county_then_city() -> None:
    offers = [
        offer("city", "330500", 50),
        offer("county", "330502", 20),
        offer("town", "330502104", 5),
        offer("village", VILLAGE, 1),
    ]
    assert choose(offers, "care", VILLAGE) == offers[3]
    assert choose(offers[:3], "care", VILLAGE) == offers[2]
    assert choose(offers[:2], "care", VILLAGE) == offers[1]
    assert choose(offers[:1], "care", VILLAGE) == offers[0]


def test_at_one_level_the_most_places_left_wins_then_the_code() -> None:
    offers = [offer("b", "330502", 3), offer("a", "330502", 3), offer("c", "330502", 7)]
    assert choose(offers, "care", VILLAGE).code == "c"  # type: ignore[union-attr]
    assert choose(offers[:2], "care", VILLAGE).code == "a"  # type: ignore[union-attr]


def test_a_full_resource_another_places_resource_or_another_need_is_never_chosen() -> None:
    offers = [
        offer("full", VILLAGE, 0),
        offer("elsewhere", "330502103", 9),  # 埭溪镇: not this village's town
        offer("medical", "330502", 9, need="medical"),
    ]
    assert choose(offers, "care", VILLAGE) is None
    assert choose([*offers, offer("county", "330502", 1)], "care", VILLAGE).code == "county"  # type: ignore[union-attr]


def test_rules_pointing_to_one_need_make_one_need() -> None:
    hits = [Hit("Z02", "living"), Hit("Z01", "medical"), Hit("Z04", "living")]
    assert needs_of(hits) == {"living": ["Z02", "Z04"], "medical": ["Z01"]}


def test_an_aggregate_takes_only_fields_of_a_type_it_can_use() -> None:
    assert aggregate_type(Aggregate.count_members, None) == "integer"
    assert aggregate_type(Aggregate.sum, "number") == "number"
    assert aggregate_type(Aggregate.max, "date") == "date"
    assert aggregate_type(Aggregate.any, "boolean") == "boolean"
    assert aggregate_type(Aggregate.sum, "text") is None
    assert aggregate_type(Aggregate.any, "integer") is None
    assert aggregate_type(Aggregate.count_members, "integer") is None


def test_assisted_and_not_needed_ask_for_a_note_and_a_referral_for_a_resource() -> None:
    with pytest.raises(ActionRefused) as refused:
        check_action(NeedStatus.matched, Action.assisted, " ", None)
    assert refused.value.field == "note"
    with pytest.raises(ActionRefused):
        check_action(NeedStatus.unmatched, Action.not_needed, "", None)
    with pytest.raises(ActionRefused) as refused:
        check_action(NeedStatus.unmatched, Action.referred, "", None)
    assert refused.value.field == "resource"
    check_action(NeedStatus.matched, Action.referred, "", "r-1")


def test_a_settled_need_takes_no_more_actions_and_a_task_closes_when_all_are_settled() -> None:
    with pytest.raises(ActionRefused):
        check_action(NeedStatus.assisted, Action.not_needed, "重复", None)
    assert task_closes([NeedStatus.assisted, NeedStatus.not_needed])
    assert not task_closes([NeedStatus.assisted, NeedStatus.matched])
