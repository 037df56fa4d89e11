"""``assistance.yaml`` and ``assistance-resources.csv``: proactive discovery (主动发现, 湖州“助联体”).

The YAML declares the program: which register groups people into households, the roll of
households already assisted, household facts made from the members' registry records, the
discovery rules over those facts and the needs list's categories (需求清单库). The CSV is
the resources list (资源清单库): one line per organisation's offer in one category, with the
area it serves and how many households it can take a year.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, model_validator

from tongban.packs.schema import (
    Code,
    DivisionCode,
    FactName,
    RuleId,
    Text,
    Text100,
    Text200,
    Text300,
    Violation,
    _duplicates,
    _raise_violations,
)
from tongban.registries.discovery import Aggregate, ResourceKind

RegistryCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]
RESOURCE_COLUMNS = (
    "code",
    "organisation",
    "organisation_en",
    "kind",
    "need",
    "offer",
    "offer_en",
    "area",
    "capacity",
    "phone",
)
# A constant fact (a local standard such as the minimum-living line) is a number, an integer or yes/no.
Constant = StrictBool | StrictInt | StrictFloat


class _Plain(BaseModel):
    # Declared here rather than imported so that linters see a Pydantic model's fields.
    model_config = ConfigDict(extra="forbid", frozen=True)


class HouseholdsSpec(_Plain):
    """The register that says who lives together (户) and where (the household's 12-digit village code)."""

    registry: RegistryCode
    household: FactName  # the field holding the household's id (户号)
    place: FactName  # the field holding the village (村、社区) code


class DiscoveryFact(_Plain):
    """A household fact: an aggregate over the members' records in one registry, or a constant."""

    label: Text100
    label_en: Text200 | None = None
    aggregate: Aggregate | None = None
    registry: RegistryCode | None = None
    field: FactName | None = None
    # The fact when no member has a record (a household with no income record earns 0).
    default: Constant | None = None
    value: Constant | None = None

    @model_validator(mode="after")
    def _shape(self) -> DiscoveryFact:
        _raise_violations(self._violations())
        return self

    def _violations(self) -> list[Violation]:
        if self.value is not None:
            extra = [name for name in ("aggregate", "registry", "field", "default") if getattr(self, name) is not None]
            zh, en = (
                "常量事实只写 value",
                "a constant fact has value and nothing of aggregate, registry, field, default",
            )
            return [((extra[0],), zh, en)] if extra else []
        found: list[Violation] = []
        if self.aggregate is None:
            found.append((("aggregate",), "须写 aggregate（汇总方式）或 value（常量）", "give aggregate or value"))
        if self.registry is None:
            found.append((("registry",), "须写 registry（登记库）", "give the registry"))
        if self.aggregate is Aggregate.count_members and self.field is not None:
            found.append(
                (("field",), "count 统计有记录的成员数，不写 field", "count counts members; it takes no field")
            )
        if self.aggregate not in (None, Aggregate.count_members) and self.field is None:
            found.append((("field",), f"{self.aggregate} 须写 field", f"{self.aggregate} needs a field"))
        return found


class DiscoveryRule(_Plain):
    """A rule that flags a household when it holds; ``need`` is the needs-list category it points to."""

    id: RuleId
    name: Text100
    name_en: Text200 | None = None
    expr: Annotated[str, Field(min_length=1, max_length=2000)]
    need: Code
    message: Text300
    message_en: Text300 | None = None


class NeedCategorySpec(_Plain):
    code: Code
    name: Text100
    name_en: Text200 | None = None


class AssistanceFile(_Plain):
    """``assistance.yaml``: one proactive-discovery program."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    department: Code
    # From discovery to assistance: the article's "不到1个月".
    deadline_months: Annotated[int, Field(ge=1, le=12)] = 1
    # A household whose task was closed is not flagged again for this long.
    quiet_months: Annotated[int, Field(ge=0, le=60)] = 12
    households: HouseholdsSpec
    roll: RegistryCode
    needs: Annotated[list[NeedCategorySpec], Field(min_length=1)]
    facts: Annotated[dict[FactName, DiscoveryFact], Field(min_length=1)]
    rules: Annotated[list[DiscoveryRule], Field(min_length=1)]

    @model_validator(mode="after")
    def _rules(self) -> AssistanceFile:
        found = _duplicates((need.code for need in self.needs), "code", "needs")
        found += _duplicates((rule.id for rule in self.rules), "id", "rules")
        _raise_violations(found)
        return self

    def stored_facts(self) -> dict[str, Any]:
        return {name: fact.model_dump(mode="json", exclude_none=True) for name, fact in self.facts.items()}


class ResourceRow(_Plain):
    """A row of ``assistance-resources.csv``; a blank cell is an absent field."""

    code: Code
    organisation: Text200
    organisation_en: Text300 | None = None
    kind: ResourceKind
    need: Code
    offer: Text
    offer_en: Text | None = None
    area: DivisionCode
    # Households a calendar year.
    capacity: Annotated[int, Field(le=1_000_000)]
    phone: Annotated[str, Field(pattern=r"^[0-9\-]{5,20}$")] | None = None

    @model_validator(mode="after")
    def _capacity(self) -> ResourceRow:
        if self.capacity < 1:
            zh = "资源须有帮扶容量：每年可帮扶的户数，至少为 1"
            _raise_violations([(("capacity",), zh, "a resource needs a capacity: households a year, at least 1")])
        return self

    @model_validator(mode="before")
    @classmethod
    def _drop_blank_cells(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data
