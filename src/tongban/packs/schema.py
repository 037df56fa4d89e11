"""The pack format of docs/PACKS.md as Pydantic models: one per file kind and nested record.

Every model forbids unknown fields, so a misspelt field is an error rather than silently
dropped. Rules that tie fields together (a promise never exceeds the legal limit, …) are
collected in one ``model_validator`` per model and raised together as a ``pack_rules``
error whose context lists each violation with its own field and bilingual message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from tongban.auth.domain import JurisdictionLevel
from tongban.packs.domain import ALL, Loc


class ItemType(StrEnum):
    """事项类型."""

    license = "行政许可"
    confirmation = "行政确认"
    payment = "行政给付"
    levy = "行政征收"
    adjudication = "行政裁决"
    reward = "行政奖励"
    other_power = "其他行政权力"
    public_service = "公共服务"


class HandlingType(StrEnum):
    instant = "即办件"
    promised = "承诺件"


class TimeUnit(StrEnum):
    working_days = "工作日"
    calendar_days = "自然日"


class OnlineDepth(StrEnum):
    """网上办理深度."""

    information = "一级"
    forms_online = "二级"
    one_visit = "三级"
    fully_online = "四级"


class CrossRegionScope(StrEnum):
    """通办范围."""

    none = "无"
    city = "市内通办"
    province = "省内通办"
    yangtze_delta = "长三角通办"
    nationwide = "跨省通办"


class Channel(StrEnum):
    window = "window"
    bank = "bank"
    terminal = "terminal"
    online = "online"
    mobile = "mobile"


CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
PACK_CODE_PATTERN = r"^[a-z0-9-]+$"
DIVISION_PATTERN = r"^\d{6}(\d{3}){0,2}$"
SOURCE_PATTERN = r"^(applicant|registry:[A-Za-z0-9][A-Za-z0-9_.\-]*)$"
FORM_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"

# Regular expressions read badly in an error message; say what they mean instead.
PATTERN_HINTS: dict[str, tuple[str, str]] = {
    CODE_PATTERN: ("代码只能包含字母、数字和 - _ .", "a code may only hold letters, digits and - _ ."),
    PACK_CODE_PATTERN: ("只能包含小写字母、数字和 -", "may only hold lower-case letters, digits and -"),
    DIVISION_PATTERN: ("行政区划代码应为 6、9 或 12 位数字", "a division code has 6, 9 or 12 digits"),
    SOURCE_PATTERN: ("应为 applicant 或 registry:<代码>", "must be applicant or registry:<code>"),
    FORM_KEY_PATTERN: (
        "只能包含小写字母、数字和 _，以字母开头",
        "may only hold lower-case letters, digits and _, starting with a letter",
    ),
}


def _text(max_length: int | None = None) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _pattern(pattern: str, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, pattern=pattern, max_length=max_length)


Text = Annotated[str, _text()]
Text32 = Annotated[str, _text(32)]
Text40 = Annotated[str, _text(40)]
Text64 = Annotated[str, _text(64)]
Text100 = Annotated[str, _text(100)]
Text200 = Annotated[str, _text(200)]
Text300 = Annotated[str, _text(300)]
Code = Annotated[str, _pattern(CODE_PATTERN, 64)]
PackCode = Annotated[str, _pattern(PACK_CODE_PATTERN, 64)]
TierCode = Annotated[str, _pattern(CODE_PATTERN, 32)]
DivisionCode = Annotated[str, _pattern(DIVISION_PATTERN, 12)]
Source = Annotated[str, _pattern(SOURCE_PATTERN, 64)]
FormKey = Annotated[str, _pattern(FORM_KEY_PATTERN, 64)]
Count = Annotated[int, Field(ge=0)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]

# Digits of a division code (行政区划代码) by level: 6 for province, city and county, 9 for
# town or street, 12 for village or community.
LEVELS = {
    JurisdictionLevel.province: (6, "省级"),
    JurisdictionLevel.city: (6, "市级"),
    JurisdictionLevel.county: (6, "县级"),
    JurisdictionLevel.town: (9, "乡镇级"),
    JurisdictionLevel.village: (12, "村级"),
}

Violation = tuple[Loc, str, str]

_RULES = {
    "promise_exceeds_legal": ("承诺时限 {p} 超过法定时限 {l}", "the promised limit {p} exceeds the legal limit {l}"),
    "instant_promises_zero": ("即办件的承诺时限必须为 0", "an instant item (即办件) must promise 0 days"),
    "visits_need_reason": ("到现场次数大于 0 时必须说明理由", "visits_reason is required when visits is more than 0"),
    "level_digits": ("{zh}区划代码应为 {n} 位", "a {en} code has {n} digits"),
    "own_parent": ("上级不能是自己", "a jurisdiction cannot be its own parent"),
    "duplicate": ("{field} 重复：{value}", "duplicate {field} {value!r}"),
}


def _rule(loc: Loc, rule: str, **params: Any) -> Violation:
    zh, en = _RULES[rule]
    return loc, zh.format(**params), en.format(**params)


def _raise_violations(violations: Sequence[Violation]) -> None:
    if violations:
        summary = "; ".join(f"{'.'.join(map(str, loc))}: {en}" for loc, _, en in violations)
        raise PydanticCustomError("pack_rules", "{summary}", {"summary": summary, "violations": violations})


def _duplicates(items: Iterable[str], field: str, list_name: str) -> list[Violation]:
    seen: Counter[str] = Counter()
    found: list[Violation] = []
    for index, value in enumerate(items):
        seen[value] += 1
        if seen[value] == 2:
            found.append(_rule((list_name, index, field), "duplicate", field=field, value=value))
    return found


def _split_services(value: Any) -> Any:
    """``all``, a list, or in a CSV cell ``a;b;c`` (blank: none)."""
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip() == ALL:
            return [ALL]
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Record):
    """A point tier: every point of the tier handles ``services`` (``all``: the whole pack)."""

    name: Text100
    name_en: Text | None = None
    description: Text | None = None
    services: list[Code] = []

    _services = field_validator("services", mode="before")(_split_services)


class Home(_Record):
    """Where distances are measured from when a visitor gives no place (e.g. the citizen centre)."""

    name: Text100
    name_en: Text | None = None
    lat: Latitude
    lon: Longitude


class PackMeta(_Record):
    """``pack.yaml``."""

    code: PackCode
    name: Text200
    name_en: Text | None = None
    version: Text32
    description: Text | None = None
    point_tiers: dict[TierCode, Tier] = {}
    home: Home | None = None


class Limit(_Record):
    value: Count
    unit: TimeUnit


class Material(_Record):
    """申请材料; a ``registry:<code>`` source is read from shared data, never asked for."""

    code: Code
    name: Text200
    issuer: Text200 | None = None
    originals: Count
    copies: Count
    required: bool
    source: Source = "applicant"
    notes: Text | None = None


class Fee(_Record):
    item: Text
    amount: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    basis: Text | None = None


class FormField(_Record):
    key: FormKey
    label: Text
    label_en: Text | None = None
    type: Text32
    required: bool = False
    source: Source | None = None


class Service(_Record):
    """A service (事项) file under ``services/``, after GB/T 39046."""

    code: Code
    basic_code: Code
    name: Text200
    name_en: Text300 | None = None
    category: Text64
    item_type: ItemType
    jurisdiction: DivisionCode
    department: Code
    handling_type: HandlingType
    legal_limit: Limit
    promised_limit: Limit
    acceptance_conditions: Text
    materials: list[Material] = []
    visits: Count
    visits_reason: Text | None = None
    online_depth: OnlineDepth
    cross_region_scope: CrossRegionScope
    channels: Annotated[list[Channel], Field(min_length=1)]
    fees: list[Fee] = []
    legal_basis: list[Text] = []
    steps: list[Text] = []
    form_fields: list[FormField] = []
    locations: Text
    hours: Text200
    consult_phone: Text40
    complaint_phone: Text40
    result_name: Text200 | None = None
    keywords: list[Text] = []

    @model_validator(mode="after")
    def _rules(self) -> Service:
        _raise_violations(
            [
                *self._limit_violations(),
                *self._visit_violations(),
                *_duplicates((m.code for m in self.materials), "code", "materials"),
                *_duplicates((f.key for f in self.form_fields), "key", "form_fields"),
                *_duplicates(self.channels, "channel", "channels"),
            ]
        )
        return self

    def _limit_violations(self) -> list[Violation]:
        legal, promised = self.legal_limit, self.promised_limit
        found: list[Violation] = []
        if legal.unit == promised.unit and promised.value > legal.value:
            found.append(_rule(("promised_limit", "value"), "promise_exceeds_legal", p=promised.value, l=legal.value))
        if self.handling_type is HandlingType.instant and promised.value != 0:
            found.append(_rule(("promised_limit", "value"), "instant_promises_zero"))
        return found

    def _visit_violations(self) -> list[Violation]:
        if self.visits > 0 and not self.visits_reason:
            return [_rule(("visits_reason",), "visits_need_reason")]
        return []


class _Row(_Record):
    """A CSV row: a blank cell is an absent field."""

    @model_validator(mode="before")
    @classmethod
    def _drop_blank_cells(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data


class JurisdictionRow(_Row):
    """A row of ``jurisdictions.csv``."""

    code: DivisionCode
    name: Text100
    name_en: Text200 | None = None
    level: JurisdictionLevel
    parent: DivisionCode | None = None

    @model_validator(mode="after")
    def _rules(self) -> JurisdictionRow:
        found: list[Violation] = []
        digits, level_zh = LEVELS[self.level]
        if len(self.code) != digits:
            found.append(_rule(("code",), "level_digits", zh=level_zh, en=self.level.value, n=digits))
        if self.parent == self.code:
            found.append(_rule(("parent",), "own_parent"))
        _raise_violations(found)
        return self


class DepartmentRow(_Row):
    """A row of ``departments.csv``."""

    code: Code
    name: Text100
    name_en: Text200 | None = None
    jurisdiction: DivisionCode
    phone: Text40 | None = None


class PointRow(_Row):
    """A row of ``points.csv``: a service point (网点)."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    tier: TierCode
    jurisdiction: DivisionCode
    address: Text300
    lat: Latitude
    lon: Longitude
    hours: Text200
    phone: Text40
    transit: Text | None = None
    services: list[Code] = []

    _services = field_validator("services", mode="before")(_split_services)

    @model_validator(mode="after")
    def _rules(self) -> PointRow:
        _raise_violations(_duplicates(self.services, "service", "services"))
        return self


class PosterRow(_Row):
    """A row of ``posters.csv``: a poster (宣传画报) at a busy place."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    place: Text200
    lat: Latitude
    lon: Longitude
    guidance: Text | None = None


class CalendarYear(_Record):
    holidays: list[date] = []
    workdays: list[date] = []


class CalendarFile(_Record):
    """``calendar.yaml``'s shape; ``tongban.calendar.domain`` checks what the dates mean."""

    years: dict[int, CalendarYear | None]


JURISDICTION_COLUMNS = ("code", "name", "name_en", "level", "parent")
DEPARTMENT_COLUMNS = ("code", "name", "name_en", "jurisdiction", "phone")
POINT_COLUMNS = (
    "code",
    "name",
    "name_en",
    "tier",
    "jurisdiction",
    "address",
    "lat",
    "lon",
    "hours",
    "phone",
    "transit",
    "services",
)
POSTER_COLUMNS = ("code", "name", "name_en", "place", "lat", "lon", "guidance")
