"""Points API: public, like the posters and bank counters it describes."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from tongban.catalog.schemas import ServiceSummaryOut
from tongban.points import service
from tongban.points.service import PointView
from tongban.web.deps import ReadSession
from tongban.web.schemas import Out

router = APIRouter(tags=["points"])


class PointOut(Out):
    id: str = Field(validation_alias="code")
    name: str
    name_en: str | None
    tier: str
    tier_name: str
    jurisdiction: str = Field(validation_alias="jurisdiction_code")
    jurisdiction_name: str
    address: str
    lat: float
    lon: float
    hours: str
    phone: str
    transit: str | None
    url: str

    @classmethod
    def of(cls, view: PointView, base_url: str, **extra: Any) -> Self:
        return cls.model_validate({**vars(view), "url": point_url(base_url, view.code), **extra})


class NearbyOut(PointOut):
    distance_m: float


class NearbyList(BaseModel):
    items: list[NearbyOut]


class PointDetailOut(PointOut):
    services: list[ServiceSummaryOut]


def point_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/points/{code}"


@router.get("/points", response_model=NearbyList)
def nearest_points(
    request: Request,
    session: ReadSession,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    service_code: Annotated[str | None, Query(alias="service", max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> NearbyList:
    """Owner: public. Points that handle the service, nearest first, each with ``distance_m``."""
    base = request.app.state.settings.base_url
    found = service.nearest(session, service_code, lat, lon, limit)
    return NearbyList(items=[NearbyOut.of(item.point, base, distance_m=round(item.distance_m, 1)) for item in found])


@router.get("/points/{code}", response_model=PointDetailOut)
def point_detail(code: str, request: Request, session: ReadSession) -> PointDetailOut:
    """Owner: public. A point with the services it handles."""
    found = service.detail(session, code)
    base = request.app.state.settings.base_url
    services = [ServiceSummaryOut.model_validate(item) for item in found.services]
    return PointDetailOut.of(found.point, base, services=services)
