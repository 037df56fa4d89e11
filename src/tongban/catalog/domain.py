"""What the catalogue answers: search terms and a service guide (办事指南), as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tongban.catalog.forms import merge_fields, merge_materials

MAX_TERMS = 5


def search_terms(query: str | None) -> list[str]:
    """Words of a query, lower-cased; full-width spaces separate words too."""
    if not query:
        return []
    words = query.replace("\u3000", " ").lower().split()
    return [word[:50] for word in words[:MAX_TERMS]]


@dataclass(frozen=True)
class Limit:
    value: int
    unit: str


@dataclass(frozen=True)
class MaterialItem:
    code: str
    name: str
    issuer: str | None
    originals: int
    copies: int
    required: bool
    source: str
    notes: str | None

    @property
    def from_registry(self) -> bool:
        """Shared data (数据共享): the applicant is not asked for it."""
        return self.source.startswith("registry:")


@dataclass(frozen=True)
class ServiceSummary:
    code: str
    name: str
    name_en: str | None
    category: str
    item_type: str
    handling_type: str
    promised_limit: Limit
    visits: int
    jurisdiction_code: str
    jurisdiction_name: str


@dataclass(frozen=True)
class ServiceGuide(ServiceSummary):
    """The service guide (办事指南): the summary and everything an applicant needs to know."""

    basic_code: str
    department_code: str
    department_name: str
    legal_limit: Limit
    acceptance_conditions: str
    materials: list[MaterialItem]
    visits_reason: str | None
    online_depth: str
    cross_region_scope: str
    channels: list[str]
    fees: list[dict[str, Any]]
    legal_basis: list[str]
    steps: list[str]
    form_fields: list[dict[str, Any]]
    locations: str
    hours: str
    consult_phone: str
    complaint_phone: str
    result_name: str | None
    keywords: list[str] = field(default_factory=list)
    workflow: list[dict[str, Any]] = field(default_factory=list)
    cross_region: list[CrossRegion] = field(default_factory=list)
    pack_code: str = ""
    has_rules: bool = False

    @property
    def materials_to_bring(self) -> list[MaterialItem]:
        return [item for item in self.materials if not item.from_registry]

    @property
    def materials_from_data(self) -> list[MaterialItem]:
        return [item for item in self.materials if item.from_registry]

    @property
    def instant(self) -> bool:
        return self.handling_type == "即办件"

    @property
    def calendar_days(self) -> bool:
        return self.promised_limit.unit == "自然日"


@dataclass(frozen=True)
class CrossRegion:
    """An alliance that receives this service for each other (跨域通办), and in which modes."""

    alliance_code: str
    alliance_name: str
    members: list[str]
    modes: list[str]


@dataclass(frozen=True)
class BundleMemberView:
    service: ServiceGuide
    after: list[str]


@dataclass(frozen=True)
class BundleGuide:
    """A bundle (一件事) with its members' guides in declared order."""

    code: str
    name: str
    name_en: str | None
    category: str
    jurisdiction_code: str
    description: str | None
    channels: list[str]
    members: list[BundleMemberView]
    pack_code: str

    @property
    def form_fields(self) -> list[dict[str, Any]]:
        """One form for the whole bundle: every member's fields, each key once."""
        return merge_fields([member.service.form_fields for member in self.members])

    @property
    def materials(self) -> list[dict[str, Any]]:
        """Every member's materials, each code once."""
        return merge_materials([[vars(item) for item in member.service.materials] for member in self.members])


CHANNEL_NAMES = {
    "window": ("窗口办理", "At a window"),
    "bank": ("银行网点", "At a bank branch"),
    "terminal": ("自助终端", "Self-service terminal"),
    "online": ("网上办理", "Online"),
    "mobile": ("掌上办理", "On the phone"),
}
