"""Points API: public, like the posters and bank counters it describes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from tongban.catalog.api import ServiceSummaryOut
from tongban.points import service
from tongban.points.service import Nearby, PointView
from tongban.web.deps import ReadSession

router = APIRouter(tags=["points"])


class PointOut(BaseModel):
    id: str
    name: str
    name_en: str | None
    tier: str
    tier_name: str
    jurisdiction: str
    jurisdiction_name: str
    address: str
    lat: float
    lon: float
    hours: str
    phone: str
    transit: str | None
    url: str

    @classmethod
    def of(cls, view: PointView, base_url: str) -> PointOut:
        return cls(
            id=view.code,
            name=view.name,
            name_en=view.name_en,
            tier=view.tier,
            tier_name=view.tier_name,
            jurisdiction=view.jurisdiction_code,
            jurisdiction_name=view.jurisdiction_name,
            address=view.address,
            lat=view.lat,
            lon=view.lon,
            hours=view.hours,
            phone=view.phone,
            transit=view.transit,
            url=point_url(base_url, view.code),
        )


class NearbyOut(PointOut):
    distance_m: float

    @classmethod
    def near(cls, item: Nearby, base_url: str) -> NearbyOut:
        return cls(**PointOut.of(item.point, base_url).model_dump(), distance_m=round(item.distance_m, 1))


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
    return NearbyList(items=[NearbyOut.near(item, base) for item in found])


@router.get("/points/{code}", response_model=PointDetailOut)
def point_detail(code: str, request: Request, session: ReadSession) -> PointDetailOut:
    """Owner: public. A point with the services it handles."""
    found = service.detail(session, code)
    base = request.app.state.settings.base_url
    services = [ServiceSummaryOut.of(item) for item in found.services]
    return PointDetailOut(**PointOut.of(found.point, base).model_dump(), services=services)
