"""Catalogue API: public, since a service guide is public information (政务公开)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tongban.catalog import service
from tongban.catalog.schemas import GuideOut, SearchOut, ServiceSummaryOut
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
