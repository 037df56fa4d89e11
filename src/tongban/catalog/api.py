"""Catalogue API: public, since a service guide is public information (政务公开)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tongban.catalog import service
from tongban.catalog.domain import ServiceGuide, ServiceSummary
from tongban.web.deps import ReadSession

router = APIRouter(tags=["catalog"])


class LimitOut(BaseModel):
    value: int
    unit: str


class ServiceSummaryOut(BaseModel):
    code: str
    name: str
    name_en: str | None
    category: str
    item_type: str
    handling_type: str
    promised_limit: LimitOut
    visits: int
    jurisdiction: str
    jurisdiction_name: str

    @classmethod
    def of(cls, summary: ServiceSummary) -> ServiceSummaryOut:
        return cls(
            code=summary.code,
            name=summary.name,
            name_en=summary.name_en,
            category=summary.category,
            item_type=summary.item_type,
            handling_type=summary.handling_type,
            promised_limit=LimitOut(value=summary.promised_limit.value, unit=summary.promised_limit.unit),
            visits=summary.visits,
            jurisdiction=summary.jurisdiction_code,
            jurisdiction_name=summary.jurisdiction_name,
        )


class SearchOut(BaseModel):
    total: int
    items: list[ServiceSummaryOut]


class MaterialOut(BaseModel):
    code: str
    name: str
    issuer: str | None
    originals: int
    copies: int
    required: bool
    source: str
    from_registry: bool
    notes: str | None


class GuideOut(ServiceSummaryOut):
    basic_code: str
    department: str
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

    @classmethod
    def of_guide(cls, guide: ServiceGuide) -> GuideOut:
        summary = ServiceSummaryOut.of(guide.summary).model_dump()
        materials = [MaterialOut(**vars(item), from_registry=item.from_registry) for item in guide.materials]
        return cls(
            **summary,
            basic_code=guide.basic_code,
            department=guide.department_code,
            department_name=guide.department_name,
            legal_limit=LimitOut(value=guide.legal_limit.value, unit=guide.legal_limit.unit),
            acceptance_conditions=guide.acceptance_conditions,
            materials=materials,
            visits_reason=guide.visits_reason,
            online_depth=guide.online_depth,
            cross_region_scope=guide.cross_region_scope,
            channels=guide.channels,
            fees=guide.fees,
            legal_basis=guide.legal_basis,
            steps=guide.steps,
            form_fields=guide.form_fields,
            locations=guide.locations,
            hours=guide.hours,
            consult_phone=guide.consult_phone,
            complaint_phone=guide.complaint_phone,
            result_name=guide.result_name,
        )


@router.get("/services", response_model=SearchOut)
def search_services(
    session: ReadSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SearchOut:
    """Owner: public. Searches the catalogue by words, category and jurisdiction."""
    total, items = service.search(session, q, category, jurisdiction, limit, offset)
    return SearchOut(total=total, items=[ServiceSummaryOut.of(item) for item in items])


@router.get("/services/{code}", response_model=GuideOut)
def service_guide(code: str, session: ReadSession) -> GuideOut:
    """Owner: public. The service guide (办事指南)."""
    return GuideOut.of_guide(service.guide(session, code))
