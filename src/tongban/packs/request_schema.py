"""``requests.yaml``: the request types (诉求类型) a pack offers, their limits, and how they are routed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from tongban.calendar.limits import Unit
from tongban.packs.schema import (
    Code,
    DivisionCode,
    Text,
    Text100,
    Text200,
    Text300,
    Violation,
    _duplicates,
    _raise_violations,
)
from tongban.requests.booking import WORKDAYS, Range, Weekday, range_of
from tongban.requests.domain import Channel, Kind, Level, ProviderKind, Stage
from tongban.requests.index import Indicator

# The longest limit in days a pack may declare; hours go up to the same year.
MAX_DAYS = 365
# Weights written with two decimals may miss 1 by a rounding error, never by more.
WEIGHT_TOLERANCE = 1e-6


class _Plain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationRule(StrEnum):
    required = "required"  # 随手拍: a photo's GPS position or a point on the map
    optional = "optional"
    none = "none"


class LimitSpec(_Plain):
    value: Annotated[int, Field(ge=1, le=MAX_DAYS * 24)]
    unit: Unit

    @model_validator(mode="after")
    def _rules(self) -> LimitSpec:
        if self.unit is not Unit.hours and self.value > MAX_DAYS:
            _raise_violations(
                [(("value",), f"以天计的时限不能超过 {MAX_DAYS} 天", f"a limit in days is at most {MAX_DAYS}")]
            )
        return self

    def stored(self) -> dict[str, object]:
        """As ``RequestType.limits`` stores it (``requests.domain.limits_of`` reads it back)."""
        return {"value": self.value, "unit": self.unit.value}


class StageLimitSpec(LimitSpec):
    """A stage's limit; ``urgent`` and ``complex`` replace it for requests the dispatcher marks so."""

    urgent: LimitSpec | None = None
    complex: LimitSpec | None = None

    @model_validator(mode="after")
    def _order(self) -> StageLimitSpec:
        # Limits in different units are not compared: 24 小时 against 5 工作日 depends on the calendar.
        found: list[Violation] = []
        if self.urgent and self.urgent.unit is self.unit and self.urgent.value > self.value:
            found.append((("urgent", "value"), "紧急时限不能长于一般时限", "the urgent limit exceeds the general one"))
        if self.complex and self.complex.unit is self.unit and self.complex.value < self.value:
            found.append(
                (("complex", "value"), "复杂时限不能短于一般时限", "the complex limit is below the general one")
            )
        _raise_violations(found)
        return self

    def stored_stage(self) -> dict[str, object]:
        by_priority = {name: limit.stored() for name in ("urgent", "complex") if (limit := getattr(self, name))}
        return {"limit": self.stored(), "by_priority": by_priority}


class LimitsSpec(_Plain):
    """One entry per stage the type has; a type without ``accept`` skips the written acceptance decision."""

    dispatch: StageLimitSpec | None = None
    sign: StageLimitSpec | None = None
    accept: StageLimitSpec | None = None
    handle: StageLimitSpec
    extension: LimitSpec | None = None
    # Petitions: the time to ask for a review (复查) or re-review (复核) after the answer, and the
    # reviewing body's time to give its opinion (信访工作条例 第35、36条: 30 days each).
    review: LimitSpec | None = None

    def stages(self) -> dict[Stage, StageLimitSpec]:
        given = {Stage(name): getattr(self, name) for name in (stage.value for stage in Stage)}
        return {stage: spec for stage, spec in given.items() if spec is not None}

    def stored(self) -> dict[str, object]:
        """``{"stages": {stage: {"limit", "by_priority"}}, "extension", "review"}``, the shape ``limits_of`` reads."""
        stages = {stage.value: spec.stored_stage() for stage, spec in self.stages().items()}
        extension, review = (spec.stored() if spec else None for spec in (self.extension, self.review))
        return {"stages": stages, "extension": extension, "review": review}


class LevelSpec(_Plain):
    """Where a dispute goes at this level: the body among these whose jurisdiction covers the request's."""

    level: Level
    departments: Annotated[list[Code], Field(min_length=1)]
    # The handling limit while the dispute is at this level (村级调解 is quicker than the county centre's).
    limit: LimitSpec | None = None

    def stored(self) -> dict[str, object]:
        limit = self.limit.stored() if self.limit else None
        return {"level": self.level.value, "departments": list(self.departments), "limit": limit}


class RequestTypeSpec(_Plain):
    code: Code
    kind: Kind
    name: Text200
    name_en: Text300 | None = None
    description: Text | None = None
    jurisdiction: DivisionCode
    channels: Annotated[list[Channel], Field(min_length=1)]
    location: LocationRule = LocationRule.optional
    photos: Annotated[int, Field(ge=0, le=9)] = 0
    limits: LimitsSpec
    default_department: Code | None = None
    # Disputes (矛盾纠纷) move village → town → county; each level names its mediation bodies.
    levels: list[LevelSpec] = []

    @model_validator(mode="after")
    def _rules(self) -> RequestTypeSpec:
        if self.levels and self.kind is not Kind.dispute:
            _raise_violations([(("levels",), "只有矛盾纠纷分级处理", "only disputes have levels")])
        if self.kind is Kind.dispute and not self.levels:
            _raise_violations([(("levels",), "矛盾纠纷须列出调处层级", "a dispute type lists its levels")])
        petition = self.kind is Kind.petition
        if petition != (self.limits.review is not None):
            zh, en = (
                ("信访事项须写明复查、复核时限", "a petition type states its review limit")
                if petition
                else ("只有信访事项有复查、复核", "only petitions have a review")
            )
            _raise_violations([(("limits", "review"), zh, en)])
        _raise_violations(_duplicates((item.level.value for item in self.levels), "level", "levels"))
        _raise_violations(self._level_order())
        return self

    def _level_order(self) -> list[Violation]:
        """Escalation goes one level up at a time, so the levels run village → town → county without a gap."""
        order = list(Level)
        ranks = [order.index(item.level) for item in self.levels]
        for index in range(1, len(ranks)):
            if ranks[index] != ranks[index - 1] + 1:
                zh = "层级须按 村 → 镇 → 县 依次排列，不能跳级"
                en = "levels run village → town → county, in order and without a gap"
                return [(("levels", index, "level"), zh, en)]
        return []


def _time_of_day(value: object) -> str:
    # YAML reads an unquoted 9:00 as the number 540 (base 60), hence the quotes.
    if not isinstance(value, str) or not re.fullmatch(r"([01][0-9]|2[0-3]):[03]0", value):
        zh = '时间须加引号写成整点或半点，如 "09:00"、"17:30"'
        _raise_violations([((), zh, 'write a whole or half hour, quoted: "09:00", "17:30"')])
    return str(value)


# On the whole or the half hour, China Standard Time.
TimeOfDay = Annotated[str, BeforeValidator(_time_of_day)]


def _days(value: object) -> object:
    # One message for both forms, rather than one per branch of the union.
    weekdays = {day.value for day in Weekday}
    if value == WORKDAYS or (isinstance(value, list) and value and all(day in weekdays for day in value)):
        return value
    zh = "应为 workdays（按法定工作日），或星期的列表，如 [mon, wed]"
    _raise_violations([((), zh, "must be workdays (the official working days) or a list of weekdays, as [mon, wed]")])
    return value


Days = Annotated[Literal["workdays"] | list[Weekday], BeforeValidator(_days)]


class SlotRangeSpec(_Plain):
    """A weekly range a provider can be booked in: ``workdays`` (the official calendar) or named weekdays."""

    days: Days
    start: TimeOfDay
    end: TimeOfDay

    def range(self) -> Range:
        return range_of(self.days, self.start, self.end)

    def stored(self) -> dict[str, object]:
        days = self.days if isinstance(self.days, str) else [day.value for day in self.days]
        return {"days": days, "start": self.start, "end": self.end}


class ProviderSpec(_Plain):
    """Someone a resident can book for a dispute (掌上矛调预约): a mediator, an agent or a lawyer.

    ``hours`` is what residents read; ``slots`` is what they can book (``requests.slots``), and
    ``department`` is the organisation whose reviewers see the bookings.
    """

    code: Code
    kind: ProviderKind
    name: Text100
    name_en: Text200 | None = None
    jurisdiction: DivisionCode
    department: Code
    phone: Annotated[str, Field(pattern=r"^[0-9\-]{5,20}$")]
    hours: Text100
    slots: Annotated[list[SlotRangeSpec], Field(min_length=1)]
    slot_minutes: Literal[30, 60] = 60

    @model_validator(mode="after")
    def _slots(self) -> ProviderSpec:
        _raise_violations(self._slot_violations())
        return self

    def _slot_violations(self) -> list[Violation]:
        """Each range holds a slot, and no two overlap: a slot is then named by its start alone."""
        ranges = [spec.range() for spec in self.slots]
        step = timedelta(minutes=self.slot_minutes)
        for index, item in enumerate(ranges):
            if datetime.combine(date.min, item.start) + step > datetime.combine(date.min, item.end):
                minutes = self.slot_minutes
                zh, en = f"时段短于一次预约的 {minutes} 分钟", f"shorter than one {minutes}-minute slot"
                return [(("slots", index, "end"), zh, en)]
            if any(item.overlaps(earlier) for earlier in ranges[:index]):
                return [(("slots", index), "可预约时段相互重叠", "the range overlaps an earlier one")]
        return []

    def stored_slots(self) -> dict[str, object]:
        """As ``Provider.slots`` stores them (``requests.slots.hours_of`` reads them back)."""
        return {"minutes": self.slot_minutes, "ranges": [spec.stored() for spec in self.slots]}


class RoutingRuleSpec(_Plain):
    """Requests of these types (all, when none are named) whose text holds any keyword go to the department."""

    department: Code
    keywords: Annotated[list[Text100], Field(min_length=1)]
    types: list[Code] = []


class RoutingSpec(_Plain):
    rules: list[RoutingRuleSpec] = []
    # CSV with header ``text,department``: labelled requests the department classifier learns from.
    examples: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _rules(self) -> RoutingSpec:
        if self.examples is not None and not _csv_inside_pack(PurePosixPath(self.examples)):
            zh, en = "应为服务包内的 .csv 文件路径", "must be the path of a .csv file inside the pack"
            _raise_violations([(("examples",), zh, en)])
        return self


def _csv_inside_pack(path: PurePosixPath) -> bool:
    return not path.is_absolute() and ".." not in path.parts and path.suffix == ".csv"


class RoutingExampleRow(_Plain):
    """A row of the examples file: what a requester wrote, and the department that should take it."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    department: Code


EXAMPLE_COLUMNS = ("text", "department")


class IndexSpec(_Plain):
    """信访生态指数: each indicator's weight (together 1) and the scores at which it turns green or yellow (三色图)."""

    weights: Annotated[dict[Indicator, float], Field(min_length=1)]
    green: Annotated[float, Field(ge=0, le=100)]
    yellow: Annotated[float, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _rules(self) -> IndexSpec:
        # Written as "not ≥" so that a NaN, which compares false with everything, is refused too.
        found: list[Violation] = [
            (("weights", name.value), "权重应为不小于 0 的数", "a weight must be a number of at least 0")
            for name, weight in self.weights.items()
            if not weight >= 0
        ]
        total = sum(self.weights.values())
        if not abs(total - 1) <= WEIGHT_TOLERANCE:
            found.append((("weights",), f"各项权重之和应为 1，现为 {total:g}", f"the weights sum to {total:g}, not 1"))
        if self.yellow > self.green:
            found.append((("yellow",), "黄色分数线不能高于绿色分数线", "the yellow threshold is above the green one"))
        _raise_violations(found)
        return self

    def stored(self) -> dict[str, object]:
        """As ``LoadedPack.request_index`` stores it (``requests.index.scheme_of`` reads it back)."""
        weights = {name.value: weight for name, weight in self.weights.items()}
        return {"weights": weights, "green": self.green, "yellow": self.yellow}


class RequestsFile(_Plain):
    request_types: Annotated[list[RequestTypeSpec], Field(min_length=1)]
    routing: RoutingSpec = RoutingSpec()
    providers: list[ProviderSpec] = []
    index: IndexSpec | None = None

    @model_validator(mode="after")
    def _rules(self) -> RequestsFile:
        _raise_violations(_duplicates((item.code for item in self.request_types), "code", "request_types"))
        _raise_violations(_duplicates((item.code for item in self.providers), "code", "providers"))
        return self
