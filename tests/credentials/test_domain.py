"""House code rules as plain Python: every colour change an inspection may make, numbers, and who may act."""

from __future__ import annotations

from datetime import date

import pytest

from tongban.auth.domain import Actor, Role
from tongban.credentials.domain import (
    MEANINGS,
    Colour,
    Finding,
    HouseCodeRule,
    blocked,
    checked_finding,
    house_number,
    may_inspect,
    may_oversee,
    may_see_private,
    next_serial,
    normalised_number,
    number_prefix,
    stops_building,
)
from tongban.errors import BadInput

TODAY = date(2025, 6, 16)
ISSUED = date(2025, 6, 2)
G, Y, R = Colour.green, Colour.yellow, Colour.red
REASON, FIXED = "外墙超出批准范围", "已拆除超出部分"

# (from, to, reason given, rectification given) → the field refused, or None when the finding stands.
TRANSITIONS: dict[tuple[Colour, Colour, bool, bool], str | None] = {
    (G, G, False, False): None,
    (G, G, True, False): None,
    (G, G, False, True): "rectification",
    (G, G, True, True): "rectification",
    (G, Y, False, False): "reason",
    (G, Y, True, False): None,
    (G, Y, False, True): "reason",
    (G, Y, True, True): "rectification",
    (G, R, False, False): "reason",
    (G, R, True, False): None,
    (G, R, False, True): "reason",
    (G, R, True, True): "rectification",
    (Y, G, False, False): None,
    (Y, G, True, False): None,
    (Y, G, False, True): "rectification",
    (Y, G, True, True): "rectification",
    (Y, Y, False, False): "reason",
    (Y, Y, True, False): None,
    (Y, Y, False, True): "reason",
    (Y, Y, True, True): "rectification",
    (Y, R, False, False): "reason",
    (Y, R, True, False): None,
    (Y, R, False, True): "reason",
    (Y, R, True, True): "rectification",
    (R, G, False, False): "rectification",
    (R, G, True, False): "rectification",
    (R, G, False, True): None,
    (R, G, True, True): None,
    (R, Y, False, False): "reason",
    (R, Y, True, False): "colour",
    (R, Y, False, True): "reason",
    (R, Y, True, True): "colour",
    (R, R, False, False): "reason",
    (R, R, True, False): None,
    (R, R, False, True): "reason",
    (R, R, True, True): None,
}


def test_the_transition_table_covers_every_case() -> None:
    assert len(TRANSITIONS) == len(Colour) ** 2 * 4


@pytest.mark.parametrize(("case", "refused"), TRANSITIONS.items(), ids=lambda v: "-".join(map(str, v)) if v else "ok")
def test_each_colour_change_is_allowed_or_refused_on_its_field(
    case: tuple[Colour, Colour, bool, bool], refused: str | None
) -> None:
    current, colour, with_reason, with_rectification = case
    finding = Finding(colour, TODAY, REASON if with_reason else None, FIXED if with_rectification else None)
    if refused is None:
        assert checked_finding(current, finding, ISSUED, TODAY).colour is colour
    else:
        with pytest.raises(BadInput) as error:
            checked_finding(current, finding, ISSUED, TODAY)
        assert error.value.field == refused


def test_a_red_code_turns_green_only_with_what_was_put_right() -> None:
    with pytest.raises(BadInput) as error:
        checked_finding(R, Finding(G, TODAY, "复查合格"), ISSUED, TODAY)
    assert (error.value.field, error.value.message_zh) == ("rectification", "红码转绿码须写明整改情况")
    assert checked_finding(R, Finding(G, TODAY, None, f"  {FIXED}  "), ISSUED, TODAY).rectification == FIXED


def test_blank_text_counts_as_none_and_long_text_is_refused() -> None:
    with pytest.raises(BadInput) as blank:
        checked_finding(G, Finding(Y, TODAY, "   "), ISSUED, TODAY)
    assert blank.value.field == "reason"
    with pytest.raises(BadInput) as long:
        checked_finding(G, Finding(R, TODAY, "超" * 1001), ISSUED, TODAY)
    assert long.value.field == "reason"


def test_inspections_are_dated_between_the_last_one_and_today() -> None:
    assert checked_finding(G, Finding(G, ISSUED), ISSUED, TODAY).inspected_on == ISSUED
    for day in (date(2025, 6, 1), date(2025, 6, 17)):
        with pytest.raises(BadInput) as error:
            checked_finding(G, Finding(G, day), ISSUED, TODAY)
        assert error.value.field == "inspected_on"


def test_only_red_stops_building() -> None:
    assert [stops_building(colour) for colour in Colour] == [False, False, True]


def test_each_colour_says_what_it_means_in_both_languages() -> None:
    assert (MEANINGS[R].name_zh, MEANINGS[R].meaning_zh) == ("红码", "停工整改")
    assert (MEANINGS[Y].name_zh, MEANINGS[Y].meaning_zh) == ("黄码", "上门核实")
    assert (MEANINGS[G].name_zh, MEANINGS[G].meaning_zh) == ("绿码", "正常施工")
    assert all(meaning.name_en and meaning.meaning_en for meaning in MEANINGS.values())


def test_the_refusal_names_the_code_and_the_reason_in_both_languages() -> None:
    error = blocked("330703-2025-00001", REASON)
    assert error.status == 409
    assert error.message_zh == f"农宅码 330703-2025-00001 为红码：{REASON}，整改并复查转绿后方可进入下一环节"
    assert "330703-2025-00001" in error.message_en and REASON in error.message_en


def test_approval_numbers_count_per_county_and_year() -> None:
    assert house_number("330703", 2025, next_serial(None)) == "330703-2025-00001"
    assert next_serial("330703-2025-00041") == 42
    assert number_prefix("330703104201", 2026) == "330703-2026-"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("330703-2025-00001", "330703-2025-00001"),
        (" 330703 - 2025 - 00001 ", "330703-2025-00001"),
        ("３３０７０３－２０２５－００００１", "330703-2025-00001"),
        ("330703—2025—00001", "330703-2025-00001"),
        ("", None),
        (None, None),
        (330703, None),
    ],
)
def test_an_approval_number_is_read_as_typed_on_a_phone(typed: object, number: str | None) -> None:
    assert normalised_number(typed) == number


def test_a_rule_reads_the_packs_declaration() -> None:
    declared = {"guards": "B", "approval_field": "approval_number", "inspectors": "zjj"}
    assert HouseCodeRule.of("A", declared) == HouseCodeRule("A", "B", "approval_number", "zjj", None)


VILLAGE = "330703104201"
INSPECTOR = Actor(1, "inspector", Role.reviewer, "330703104", "hp-zjj")


@pytest.mark.parametrize(
    ("actor", "inspects", "oversees"),
    [
        (INSPECTOR, True, True),
        (Actor(2, "district", Role.reviewer, "330703", "hp-zjj"), True, True),
        (Actor(3, "other town", Role.reviewer, "330703101", "hp-zjj"), False, False),
        (Actor(4, "other department", Role.reviewer, "330703104", "hp-zrzy"), False, False),
        (Actor(5, "supervisor", Role.supervisor, "330703"), False, True),
        (Actor(6, "window", Role.window, "330703104"), False, False),
        (Actor(7, "villager", Role.citizen, VILLAGE), False, False),
        (Actor(8, "admin", Role.admin), False, True),
    ],
    ids=lambda value: value.username if isinstance(value, Actor) else str(value),
)
def test_who_inspects_and_who_oversees_a_house(actor: Actor, inspects: bool, oversees: bool) -> None:
    assert may_inspect(actor, "hp-zjj", VILLAGE) is inspects
    assert may_oversee(actor, "hp-zjj", VILLAGE) is oversees


def test_the_owner_sees_the_photos_and_a_neighbour_does_not() -> None:
    assert may_see_private(Actor(7, "villager", Role.citizen), 7, "hp-zjj", VILLAGE)
    assert not may_see_private(Actor(9, "neighbour", Role.citizen), 7, "hp-zjj", VILLAGE)
    assert not may_see_private(Actor(None, "anonymous", None), None, "hp-zjj", VILLAGE)
    assert may_see_private(INSPECTOR, 7, "hp-zjj", VILLAGE)
