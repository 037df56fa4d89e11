"""Catalogue API: public, since a service guide is public information (政务公开)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.catalog import service
from tongban.catalog.schemas import (
    BundleListOut,
    BundleMemberOut,
    BundleOut,
    BundleSummaryOut,
    GuideOut,
    SearchOut,
    ServiceSummaryOut,
)
from tongban.web.deps import ReadSession

router = APIRouter(tags=["catalog"])


@router.get("/services", response_model=SearchOut)
def search_services(
    session: ReadSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SearchOut:
    """Owner: public. Searches the catalogue by words, category and jurisdiction."""
    total, items = service.search(session, q, category, jurisdiction, limit, offset)
    return SearchOut(total=total, items=[ServiceSummaryOut.model_validate(item) for item in items])


@router.get("/services/{code}", response_model=GuideOut)
def service_guide(code: str, session: ReadSession) -> GuideOut:
    """Owner: public. The service guide (办事指南)."""
    return GuideOut.model_validate(service.guide(session, code))


@router.get("/bundles", response_model=BundleListOut)
def list_bundles(session: ReadSession) -> BundleListOut:
    """Owner: public. Every bundle (一件事) on offer."""
    return BundleListOut(items=[BundleSummaryOut(code=c, name=n, name_en=e) for c, n, e in service.bundles(session)])


@router.get("/bundles/{code}", response_model=BundleOut)
def bundle_guide(code: str, session: ReadSession) -> BundleOut:
    """Owner: public. A bundle's members, with the one form and the materials applying for it asks for."""
    bundle = service.bundle_guide(session, code)
    members = [
        BundleMemberOut(service=ServiceSummaryOut.model_validate(member.service), after=member.after)
        for member in bundle.members
    ]
    return BundleOut.model_validate(
        {
            **vars(bundle),
            "members": members,
            "form_fields": bundle.form_fields,
            "materials": bundle.materials,
        }
    )
