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

from tongban.packs.domain import ALL, Loc
from tongban.rules.domain import FactType


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
STEP_JURISDICTION_PATTERN = r"^(receiving|form:[a-z][a-z0-9_]*|\d{6}(\d{3}){0,2})$"
FACT_SOURCE_PATTERN = r"^(registry:[A-Za-z0-9][A-Za-z0-9_\-]*\.[a-z][a-z0-9_]*|form:[a-z][a-z0-9_]*|case:filed_on)$"
PAGE_PATH_PATTERN = r"^/([A-Za-z0-9_.~%?=&#\-][A-Za-z0-9_.~%/?=&#\-]*)?$"

# Regular expressions read badly in an error message; say what they mean instead.
PATTERN_HINTS: dict[str, tuple[str, str]] = {
    CODE_PATTERN: ("代码只能包含字母、数字和 - _ .", "a code may only hold letters, digits and - _ ."),
    PACK_CODE_PATTERN: ("只能包含小写字母、数字和 -", "may only hold lower-case letters, digits and -"),
    DIVISION_PATTERN: ("行政区划代码应为 6、9 或 12 位数字", "a division code has 6, 9 or 12 digits"),
    SOURCE_PATTERN: ("应为 applicant 或 registry:<代码>", "must be applicant or registry:<code>"),
    STEP_JURISDICTION_PATTERN: (
        "应为 receiving、form:<表单字段> 或 6、9、12 位行政区划代码",
        "must be receiving, form:<form field> or a division code of 6, 9 or 12 digits",
    ),
    FACT_SOURCE_PATTERN: (
        "应为 registry:<登记库>.<字段>、form:<表单字段> 或 case:filed_on",
        "must be registry:<registry>.<field>, form:<form field> or case:filed_on",
    ),
    PAGE_PATH_PATTERN: (
        "应为本平台页面路径，以 / 开头，如 /services/330703-NZT-01",
        "must be a path of a page of this platform starting with /, e.g. /services/330703-NZT-01",
    ),
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
PagePath = Annotated[str, _pattern(PAGE_PATH_PATTERN, 300)]
FormKey = Annotated[str, _pattern(FORM_KEY_PATTERN, 64)]
Count = Annotated[int, Field(ge=0)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]

Violation = tuple[Loc, str, str]

_RULES = {
    "promise_exceeds_legal": ("承诺时限 {p} 超过法定时限 {l}", "the promised limit {p} exceeds the legal limit {l}"),
    "instant_promises_zero": ("即办件的承诺时限必须为 0", "an instant item (即办件) must promise 0 days"),
    "visits_need_reason": ("到现场次数大于 0 时必须说明理由", "visits_reason is required when visits is more than 0"),
    "level_digits": ("{zh}区划代码应为 {n} 位", "a {en} code has {n} digits"),
    "own_parent": ("上级不能是自己", "a jurisdiction cannot be its own parent"),
    "duplicate": ("{field} 重复：{value}", "duplicate {field} {value!r}"),
    "select_needs_options": ("选择题必须列出 options", "a select field needs options"),
    "options_only_for_select": ("只有 select 类型可以有 options", "only a select field has options"),
    "instant_has_no_workflow": (
        "即办件在受理时办结，不能声明 workflow",
        "an instant item (即办件) is done on acceptance and has no workflow",
    ),
    "parallel_split": (
        "并联组 {label} 的步骤必须连续",
        "the steps of parallel group {label} must be consecutive",
    ),
    "member_after_self": ("成员不能排在自己之后", "a member cannot come after itself"),
    "alliance_too_small": ("联盟至少需要两个成员", "an alliance needs at least two members"),
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


class RatingSettings(_Record):
    """好差评: the working days a department has to rectify a bad rating."""

    rectification_days: Annotated[int, Field(ge=1, le=60)] = 15


class ScenarioLink(_Record):
    label: Text100
    label_en: Text | None = None
    href: PagePath


class Scenario(_Record):
    """应用场景: one use of the seed system, with the platform pages where it happens."""

    code: Code
    name: Text100
    name_en: Text | None = None
    description: Text | None = None
    description_en: Text | None = None
    links: Annotated[list[ScenarioLink], Field(min_length=1)]


class PackMeta(_Record):
    """``pack.yaml``."""

    code: PackCode
    name: Text200
    name_en: Text | None = None
    version: Text32
    description: Text | None = None
    point_tiers: dict[TierCode, Tier] = {}
    home: Home | None = None
    ratings: RatingSettings = RatingSettings()
    scenarios: list[Scenario] = []


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


class FieldType(StrEnum):
    """How a form field is asked for and checked (see docs/PACKS.md)."""

    text = "text"
    textarea = "textarea"
    number = "number"
    date = "date"
    phone = "phone"
    id_number = "id_number"
    credit_code = "credit_code"
    email = "email"
    select = "select"
    checkbox = "checkbox"


class FormField(_Record):
    key: FormKey
    label: Text
    label_en: Text | None = None
    type: FieldType
    required: bool = False
    source: Source | None = None
    options: list[Text100] = []

    @model_validator(mode="after")
    def _rules(self) -> FormField:
        if self.type is FieldType.select and not self.options:
            _raise_violations([_rule(("type",), "select_needs_options")])
        if self.type is not FieldType.select and self.options:
            _raise_violations([_rule(("options",), "options_only_for_select")])
        return self


class StepRole(StrEnum):
    """Who works a step; supervisors oversee cases (督办) and do not work them."""

    window = "window"
    reviewer = "reviewer"


# A step's `jurisdiction: receiving` is worked where the case was received (多地联办).
RECEIVING = "receiving"
# `jurisdiction: form:<key>`: worked where a registry-filled form field says (the applicant's village).
FROM_FORM = "form:"
StepJurisdiction = Annotated[str, _pattern(STEP_JURISDICTION_PATTERN, 70)]


class WorkflowStep(_Record):
    """One step of a service's workflow; consecutive steps with one ``parallel`` label run together."""

    code: Code
    name: Text100
    name_en: Text200 | None = None
    role: StepRole
    department: Code | None = None
    jurisdiction: StepJurisdiction | None = None
    limit: Annotated[int, Field(ge=0, le=365)] | None = None
    optional: bool = False
    parallel: Code | None = None


FactName = Annotated[str, _pattern(FORM_KEY_PATTERN, 64)]
RuleId = Annotated[str, _pattern(CODE_PATTERN, 32)]


class FactSpec(_Record):
    source: Annotated[str, _pattern(FACT_SOURCE_PATTERN, 130)]
    type: FactType
    label: Text100 | None = None


class RuleSpec(_Record):
    id: RuleId
    expr: Annotated[str, _text(2000)]
    message: Text300
    message_en: Text300 | None = None


class Eligibility(_Record):
    """Who may apply: rules (SQL boolean expressions) over named facts; checked by ``rules.domain``."""

    facts: dict[FactName, FactSpec] = {}
    rules: Annotated[list[RuleSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _rules(self) -> Eligibility:
        _raise_violations(_duplicates((rule.id for rule in self.rules), "id", "rules"))
        return self


class HouseCode(_Record):
    """农宅码: an approved case of this service issues a house code that guards the construction service's steps."""

    guards: Code  # the construction service (开工放样、巡查与竣工验收) whose steps a red code stops
    approval_field: FormKey  # that service's form field where the applicant types the approval number
    inspectors: Code  # the department whose reviewers inspect and colour the code (施工巡查)
    village_field: FormKey | None = None  # this service's form field naming the house's village; default: receiving


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
    workflow: list[WorkflowStep] = []
    eligibility: Eligibility | None = None
    house_code: HouseCode | None = None

    @model_validator(mode="after")
    def _rules(self) -> Service:
        _raise_violations(
            [
                *self._limit_violations(),
                *self._visit_violations(),
                *self._workflow_violations(),
                *_duplicates((m.code for m in self.materials), "code", "materials"),
                *_duplicates((f.key for f in self.form_fields), "key", "form_fields"),
                *_duplicates(self.channels, "channel", "channels"),
                *_duplicates((step.code for step in self.workflow), "code", "workflow"),
            ]
        )
        return self

    def _workflow_violations(self) -> list[Violation]:
        found: list[Violation] = []
        if self.handling_type is HandlingType.instant and self.workflow:
            found.append(_rule(("workflow",), "instant_has_no_workflow"))
        closed: set[str] = set()
        for index, step in enumerate(self.workflow):
            previous = self.workflow[index - 1].parallel if index else None
            if step.parallel is not None and step.parallel != previous and step.parallel in closed:
                found.append(_rule(("workflow", index, "parallel"), "parallel_split", label=step.parallel))
            if previous is not None and previous != step.parallel:
                closed.add(previous)
        return found

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


class BundleMember(_Record):
    service: Code
    after: list[Code] = []


class Bundle(_Record):
    """A file under ``bundles/``: several services applied for as one thing (一件事)."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    category: Text64
    jurisdiction: DivisionCode
    description: Text | None = None
    members: Annotated[list[BundleMember], Field(min_length=2)]
    channels: Annotated[list[Channel], Field(min_length=1)]
    keywords: list[Text] = []

    @model_validator(mode="after")
    def _rules(self) -> Bundle:
        found = _duplicates((member.service for member in self.members), "service", "members")
        found += [
            _rule(("members", index, "after"), "member_after_self")
            for index, member in enumerate(self.members)
            if member.service in member.after
        ]
        _raise_violations(found)
        return self


class CrossRegionMode(StrEnum):
    """跨域通办 modes."""

    online = "全程网办"
    proxy = "代收代办"
    joint = "多地联办"


class AllianceService(_Record):
    service: Code
    modes: Annotated[list[CrossRegionMode], Field(min_length=1)]


class Alliance(_Record):
    """Jurisdictions that receive each other's services (跨域通办联盟)."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    since: date | None = None
    description: Text | None = None
    members: list[DivisionCode]
    services: list[AllianceService] = []

    @model_validator(mode="after")
    def _rules(self) -> Alliance:
        found = _duplicates(self.members, "member", "members")
        found += _duplicates((item.service for item in self.services), "service", "services")
        if len(set(self.members)) < 2:
            found.append(_rule(("members",), "alliance_too_small"))
        _raise_violations(found)
        return self


class AlliancesFile(_Record):
    """``alliances.yaml``."""

    alliances: list[Alliance]
