"""农宅码 (house codes): what a colour means, which inspection findings may change it, when it stops building.

A house approved through a service that declares ``house_code`` (docs/PACKS.md) gets a
code that starts green. Inspectors of the declared department record what they find on
site (施工巡查); the finding's colour becomes the code's. 红码停工整改、黄码上门核实、
绿码正常施工: while the code is red, no further step of the construction case it guards
may be approved.

Plain Python: the service passes today's date in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tongban.auth.domain import Actor, Role
from tongban.errors import BadInput, Conflict

MAX_TEXT = 1000
# Dashes a phone keyboard offers instead of the ASCII hyphen of an approval number.
_DASHES = str.maketrans({"—": "-", "–": "-", "‐": "-", "−": "-", "_": "-"})


class Colour(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"


@dataclass(frozen=True)
class Meaning:
    name_zh: str
    name_en: str
    meaning_zh: str
    meaning_en: str


MEANINGS: Mapping[Colour, Meaning] = {
    Colour.green: Meaning("绿码", "Green", "正常施工", "Building goes on as approved"),
    Colour.yellow: Meaning("黄码", "Yellow", "上门核实", "Staff will visit the site to verify"),
    Colour.red: Meaning("红码", "Red", "停工整改", "Stop work and put it right"),
}


def stops_building(colour: Colour) -> bool:
    """Only red stops the works; yellow asks for a visit while building goes on."""
    return colour is Colour.red


def blocked(number: str, reason: str | None) -> Conflict:
    """The refusal a reviewer sees when approving a step of a construction case guarded by a red code."""
    why_zh, why_en = reason or "未说明原因", reason or "no reason given"
    return Conflict(
        f"农宅码 {number} 为红码：{why_zh}，整改并复查转绿后方可进入下一环节",
        f"house code {number} is red ({why_en}); the next step waits until the works are put right "
        "and a re-inspection turns the code green",
        "house_code",
    )


@dataclass(frozen=True)
class HouseCodeRule:
    """A service's ``house_code`` as its pack declares it."""

    issuer: str  # the service whose approval issues the code (宅基地和建房审批)
    guards: str  # the construction service whose steps a red code stops (开工放样、巡查与竣工验收)
    approval_field: str  # the guarded service's form field holding the approval number
    inspectors: str  # the department whose reviewers inspect (施工巡查)
    village_field: str | None = None  # the issuing form's field naming the house's village

    @classmethod
    def of(cls, issuer: str, declared: Mapping[str, Any]) -> HouseCodeRule:
        return cls(
            issuer,
            guards=declared["guards"],
            approval_field=declared["approval_field"],
            inspectors=declared["inspectors"],
            village_field=declared.get("village_field"),
        )


def house_number(county: str, year: int, serial: int) -> str:
    """农村宅基地批准书编号: the county's division code, the year and the year's serial, e.g. 330703-2025-00001.

    Digits and hyphens only, so that a villager can type it on a phone's number pad.
    """
    return f"{county[:6]}-{year}-{serial:05d}"


def number_prefix(county: str, year: int) -> str:
    return f"{county[:6]}-{year}-"


def next_serial(last: str | None) -> int:
    """The serial after the year's last number (None: the year's first)."""
    return int(last.rsplit("-", 1)[1]) + 1 if last else 1


def normalised_number(typed: object) -> str | None:
    """An approval number as typed: full-width digits, other dashes and spaces are forgiven."""
    if not isinstance(typed, str):
        return None
    folded = unicodedata.normalize("NFKC", typed).translate(_DASHES)
    clean = "".join(folded.split()).upper()
    return clean or None


@dataclass(frozen=True)
class Finding:
    """What an inspector found on site (施工巡查): the colour it gives the code, and why."""

    colour: Colour
    inspected_on: date
    reason: str | None = None
    rectification: str | None = None  # 整改情况: what was put right since the code went red


def checked_finding(current: Colour, finding: Finding, earliest: date, today: date) -> Finding:
    """The finding, trimmed, if it may move the code from ``current``; otherwise a BadInput naming the field.

    Yellow and red always say why. A red code is lifted only by a re-inspection that finds
    the works put right: to green with the rectification written down, or it stays red.
    ``earliest`` is the day of the last inspection (or of issue): findings come in order.
    """
    reason = _text(finding.reason, "reason", "原因", "reason")
    rectification = _text(finding.rectification, "rectification", "整改情况", "rectification")
    _check_day(finding.inspected_on, earliest, today)
    meaning = MEANINGS[finding.colour]
    if finding.colour is not Colour.green and reason is None:
        raise BadInput(f"{meaning.name_zh}须写明原因", f"say why the code turns {meaning.name_en.lower()}", "reason")
    if current is not Colour.red and rectification is not None:
        raise BadInput(
            "只有红码复查时填写整改情况",
            "a rectification is recorded only when re-inspecting a red code",
            "rectification",
        )
    if current is Colour.red and finding.colour is Colour.yellow:
        raise BadInput(
            "红码复查只能转为绿码（整改到位）或仍为红码",
            "a red code's re-inspection turns it green (put right) or keeps it red",
            "colour",
        )
    if current is Colour.red and finding.colour is Colour.green and rectification is None:
        raise BadInput(
            "红码转绿码须写明整改情况", "say what was put right before a red code turns green", "rectification"
        )
    return Finding(finding.colour, finding.inspected_on, reason, rectification)


def _text(value: str | None, field: str, zh: str, en: str) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise BadInput(f"{zh}不能超过 {MAX_TEXT} 字", f"the {en} is longer than {MAX_TEXT} characters", field)
    return text or None


def _check_day(inspected_on: date, earliest: date, today: date) -> None:
    if inspected_on > today:
        raise BadInput("巡查日期不能晚于今天", "the inspection date cannot be in the future", "inspected_on")
    if inspected_on < earliest:
        raise BadInput(
            f"巡查日期不能早于 {earliest}（上次巡查或赋码之日）",
            f"the inspection date cannot be before {earliest} (the last inspection or the day of issue)",
            "inspected_on",
        )


# --- who may do what ---------------------------------------------------------------

OVERSEERS = frozenset({Role.supervisor, Role.admin})


def may_inspect(actor: Actor, inspectors: str, place: str) -> bool:
    """A reviewer of the declared inspecting department whose jurisdiction covers the house."""
    return actor.role is Role.reviewer and actor.department_code == inspectors and actor.covers(place)


def may_oversee(actor: Actor, inspectors: str, place: str) -> bool:
    """Staff who list the code and see its photos: its inspectors, and supervisors and admins of the place."""
    return may_inspect(actor, inspectors, place) or (actor.role in OVERSEERS and actor.covers(place))


def may_see_private(actor: Actor, owner_id: int | None, inspectors: str, place: str) -> bool:
    """Photos are for the house's owner and the staff who oversee it; the public page shows none."""
    owner = actor.user_id is not None and actor.user_id == owner_id and actor.role is Role.citizen
    return owner or may_oversee(actor, inspectors, place)


# --- what the pages and the API read -----------------------------------------------


@dataclass(frozen=True)
class PhotoView:
    id: int
    file_name: str
    media_type: str


@dataclass(frozen=True)
class InspectionView:
    id: int
    inspected_on: date
    colour: Colour
    colour_before: Colour
    reason: str | None
    rectification: str | None
    inspector: str
    at: datetime
    photos: list[PhotoView]

    @property
    def meaning(self) -> Meaning:
        return MEANINGS[self.colour]


@dataclass(frozen=True)
class HouseCodeView:
    """A house code as staff and its owner read it; the public page reads `PublicCode`."""

    id: int
    token: str
    number: str
    colour: Colour
    colour_reason: str | None
    place_code: str
    place_name: str
    applicant_name: str
    case_id: int
    case_number: str
    construction_case_id: int | None
    construction_case_number: str | None
    guards_service: str
    inspectors: str
    issued_on: date
    last_inspection: InspectionView | None
    inspections: list[InspectionView]

    @property
    def meaning(self) -> Meaning:
        return MEANINGS[self.colour]


@dataclass(frozen=True)
class PublicCode:
    """What anyone who scans the code reads: no personal data beyond the masked name, photos only if allowed."""

    token: str
    number: str
    colour: Colour
    place_name: str
    applicant: str  # masked
    issued_on: date
    last_inspection: InspectionView | None
    shows_photos: bool

    @property
    def meaning(self) -> Meaning:
        return MEANINGS[self.colour]


@dataclass(frozen=True)
class ColourCount:
    """How many codes of one place have each colour, for the inspector's chart."""

    place_code: str
    place_name: str
    green: int
    yellow: int
    red: int
