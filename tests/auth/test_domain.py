from __future__ import annotations

import pytest

from tongban.auth.domain import Actor, Role, division_prefix


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("320000", "32"),
        ("320200", "3202"),
        ("320211", "320211"),
        ("320211100", "320211100"),
        ("320211100000", "320211100"),
        ("320211100001", "320211100001"),
        ("320211000000", "320211"),
        ("320200000000", "3202"),
    ],
)
def test_division_prefix_drops_only_whole_levels(code: str, prefix: str) -> None:
    assert division_prefix(code) == prefix


def test_a_town_is_not_inside_its_neighbour() -> None:
    window = Actor(1, "w", Role.window, jurisdiction_code="320211100")
    assert window.covers("320211100001")
    assert not window.covers("320211101")


def test_a_district_covers_its_towns_but_not_the_city() -> None:
    district = Actor(1, "w", Role.reviewer, jurisdiction_code="320211")
    assert district.covers("320211100")
    assert not district.covers("320200")


def test_an_admin_without_a_jurisdiction_sees_everything_and_others_nothing_unscoped() -> None:
    assert Actor(1, "a", Role.admin).covers("320211")
    assert not Actor(1, "c", Role.citizen).covers("320211")
