"""The catalogue's API shapes; the points API reuses the service summary."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tongban.web.schemas import Out


class LimitOut(Out):
    value: int
    unit: str


class ServiceSummaryOut(Out):
    code: str
    name: str
    name_en: str | None
    category: str
    item_type: str
    handling_type: str
    promised_limit: LimitOut
    visits: int
    jurisdiction: str = Field(validation_alias="jurisdiction_code")
    jurisdiction_name: str


class SearchOut(BaseModel):
    total: int
    items: list[ServiceSummaryOut]


class MaterialOut(Out):
    code: str
    name: str
    issuer: str | None
    originals: int
    copies: int
    required: bool
    source: str
    from_registry: bool
    notes: str | None


class WorkflowStepOut(BaseModel):
    code: str
    name: str
    name_en: str | None = None
    role: str
    department: str | None = None
    jurisdiction: str | None = None
    limit: int | None = None
    optional: bool = False
    parallel: str | None = None


class CrossRegionOut(Out):
    alliance: str = Field(validation_alias="alliance_code")
    alliance_name: str
    members: list[str]
    modes: list[str]


class GuideOut(ServiceSummaryOut):
    basic_code: str
    department: str = Field(validation_alias="department_code")
    department_name: str
    legal_limit: LimitOut
    acceptance_conditions: str
    materials: list[MaterialOut]
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
    workflow: list[WorkflowStepOut]
    cross_region: list[CrossRegionOut]


class BundleMemberOut(BaseModel):
    service: ServiceSummaryOut
    after: list[str]


class BundleOut(Out):
    """A bundle (一件事): its members in order, and the one merged form and material list it asks for."""

    code: str
    name: str
    name_en: str | None
    category: str
    jurisdiction: str = Field(validation_alias="jurisdiction_code")
    description: str | None
    channels: list[str]
    members: list[BundleMemberOut]
    form_fields: list[dict[str, Any]]
    materials: list[dict[str, Any]]


class BundleSummaryOut(BaseModel):
    code: str
    name: str
    name_en: str | None


class BundleListOut(BaseModel):
    items: list[BundleSummaryOut]
