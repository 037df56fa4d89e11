"""Proactive discovery (主动发现, 湖州“助联体”): the rules of the domain, in plain Python.

Registries show households that probably need help; a household not yet on the assistance
roll (在册困难对象) gets a task for the assistance officer of its town, due one calendar
month after the day it was found — the article's "from discovery to assistance in under a
month" (``calendar.domain.months_later``: Jan 31 → Feb 28/29). Each need the rules point to
is matched to a resource of the resources list (资源清单库) that serves the household's place
and still has capacity this year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tongban.auth.domain import division_prefix

TOWN_DIGITS = 9


class Aggregate(StrEnum):
    """How a household fact is made from its members' records in one registry."""

    count_members = "count"  # members the registry holds a record of (not `count`: str has a method of that name)
    count_true = "count_true"  # members whose boolean field is true
    sum = "sum"
    min = "min"
    max = "max"
    any = "any"  # some member's boolean field is true
    all = "all"  # every member the registry holds has it true


# Field types each aggregate accepts (None: no field), and the fact's type it gives (None: the field's).
AGGREGATE_FIELDS: dict[Aggregate, tuple[frozenset[str] | None, str | None]] = {
    Aggregate.count_members: (None, "integer"),
    Aggregate.count_true: (frozenset({"boolean"}), "integer"),
    Aggregate.sum: (frozenset({"integer", "number"}), None),
    Aggregate.min: (frozenset({"integer", "number", "date"}), None),
    Aggregate.max: (frozenset({"integer", "number", "date"}), None),
    Aggregate.any: (frozenset({"boolean"}), "boolean"),
    Aggregate.all: (frozenset({"boolean"}), "boolean"),
}


def aggregate_type(aggregate: Aggregate, field_type: str | None) -> str | None:
    """The type of a fact made by ``aggregate`` over a field of ``field_type``; None when it does not apply."""
    accepted, gives = AGGREGATE_FIELDS[aggregate]
    if accepted is None:
        return gives if field_type is None else None
    if field_type not in accepted:
        return None
    return gives or field_type


def constant_type(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "integer" if isinstance(value, int) else "number"


class ResourceKind(StrEnum):
    """Who offers a resource: the article's departments, special-group bodies and social forces."""

    government = "government"  # 社会救助职能部门
    mass_organisation = "mass_organisation"  # 特殊群体救助单位（残联、工会、妇联…）
    charity = "charity"  # 慈善组织
    social_organisation = "social_organisation"  # 服务类社会组织
    community = "community"  # 村社互助力量


RESOURCE_KIND_NAMES: dict[str, tuple[str, str]] = {
    ResourceKind.government: ("社会救助职能部门", "Government department"),
    ResourceKind.mass_organisation: ("群团组织", "People's organisation"),
    ResourceKind.charity: ("慈善组织", "Charity"),
    ResourceKind.social_organisation: ("社会组织", "Social organisation"),
    ResourceKind.community: ("村社互助", "Community mutual aid"),
}


class TaskStatus(StrEnum):
    open = "open"
    closed = "closed"


class NeedStatus(StrEnum):
    matched = "matched"  # a resource with capacity is named; the officer has not yet reported
    unmatched = "unmatched"  # no resource serving the place had capacity: the officer refers it
    assisted = "assisted"
    not_needed = "not_needed"


SETTLED = frozenset({NeedStatus.assisted, NeedStatus.not_needed})
# A need holds a place of its resource's yearly capacity while it waits and once assisted.
HOLDS_CAPACITY = (NeedStatus.matched, NeedStatus.assisted)

NEED_STATUS_NAMES: dict[str, tuple[str, str]] = {
    NeedStatus.matched: ("已匹配资源", "Matched"),
    NeedStatus.unmatched: ("待转介", "To refer"),
    NeedStatus.assisted: ("已帮扶", "Assisted"),
    NeedStatus.not_needed: ("无需帮扶", "Not needed"),
}


class Action(StrEnum):
    assisted = "assisted"  # 已帮扶, with a note of what was done
    referred = "referred"  # 转介 to another resource of the list
    not_needed = "not_needed"  # 无需帮扶, with the reason


class ActionRefused(ValueError):
    def __init__(self, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en, self.field = message_zh, message_en, field


def town_of(village: str) -> str:
    """The town (乡镇、街道) of a 12-digit village code: its first nine digits."""
    return village[:TOWN_DIGITS]


def serves(area: str, place: str) -> bool:
    """A resource serving ``area`` reaches a household in ``place`` within it (or at it)."""
    return place.startswith(division_prefix(area))


def nearness(area: str) -> int:
    """How local an area is: a village serves nearer than its town, a town than its county."""
    return len(division_prefix(area))


@dataclass(frozen=True)
class Offer:
    """A resource as matching sees it: what it offers, where, and how many places are left this year."""

    code: str
    need: str
    area: str
    remaining: int


def choose(offers: Iterable[Offer], need: str, place: str) -> Offer | None:
    """The resource for a need: serving the place with capacity left; nearest level first
    (village → town → county → city), then the most places left, then the code."""
    fitting = [offer for offer in offers if offer.need == need and offer.remaining > 0 and serves(offer.area, place)]
    if not fitting:
        return None
    return min(fitting, key=lambda offer: (-nearness(offer.area), -offer.remaining, offer.code))


@dataclass(frozen=True)
class Hit:
    """A discovery rule that held for a household, and the need it points to."""

    rule: str
    need: str


def needs_of(hits: Sequence[Hit]) -> dict[str, list[str]]:
    """Need category → the rules pointing to it, in the order the rules are declared."""
    found: dict[str, list[str]] = {}
    for hit in hits:
        found.setdefault(hit.need, []).append(hit.rule)
    return found


def check_action(status: NeedStatus, action: Action, note: str, resource: str | None) -> None:
    """What an officer may do with a need; raises ``ActionRefused`` saying why not."""
    if status in SETTLED:
        raise ActionRefused("该需求已办结", "this need is already settled", "action")
    if action is Action.referred and not resource:
        raise ActionRefused("请选择转介的资源", "choose the resource to refer to", "resource")
    if action is not Action.referred and not note.strip():
        zh, en = (
            ("请填写帮扶情况", "say what was done") if action is Action.assisted else ("请填写原因", "give the reason")
        )
        raise ActionRefused(zh, en, "note")


def after_action(action: Action) -> NeedStatus:
    return {
        Action.assisted: NeedStatus.assisted,
        Action.referred: NeedStatus.matched,
        Action.not_needed: NeedStatus.not_needed,
    }[action]


def task_closes(statuses: Iterable[NeedStatus]) -> bool:
    """A task is done when every need is assisted or found not needed."""
    return all(status in SETTLED for status in statuses)


def year_bounds(day: date) -> tuple[date, date]:
    """Capacity is counted per calendar year: a resource's places are for the year a need was matched."""
    return date(day.year, 1, 1), date(day.year, 12, 31)
