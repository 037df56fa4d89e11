"""Point pages: nearest points (就近办), a point's page and the posters that lead to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tongban.catalog import service as catalog
from tongban.config import Settings
from tongban.errors import NotFound
from tongban.points import service
from tongban.points.api import point_url
from tongban.points.qr import qr_svg
from tongban.points.sections import ChosenPlace, NearestSection, markers, nearest_section
from tongban.points.service import Origin
from tongban.web.deps import PageActor, ReadSession
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)


def page_url(request: Request, path: str) -> str:
    """The absolute address a QR code must carry: the configured base URL, not the Host header."""
    settings: Settings = request.app.state.settings
    return f"{settings.base_url.rstrip('/')}{path}"


@router.get("/points")
def nearest_page(
    request: Request,
    actor: PageActor,
    session: ReadSession,
    place: ChosenPlace,
    service_code: Annotated[str | None, Query(alias="service", max_length=64)] = None,
) -> Response:
    summary = None
    if service_code:
        summary = catalog.names(session, [service_code]).get(service_code)
        if summary is None:
            raise NotFound(f"事项 {service_code} 不存在", f"service {service_code} not found", "service")
    keep = (("service", service_code),) if service_code else ()
    section = nearest_section(request, session, service_code, place, "/points", keep)
    return render(request, actor, "points/nearest.html", section=section, summary=summary)


@router.get("/points/{code}")
def point_page(code: str, request: Request, actor: PageActor, session: ReadSession) -> Response:
    found = service.detail(session, code)
    url = point_url(request.app.state.settings.base_url, code)
    return render(
        request,
        actor,
        "points/point.html",
        detail=found,
        markers=markers(request, [found.point]),
        url=url,
        qr=qr_svg(url),
    )


@router.get("/posters")
def posters_page(request: Request, actor: PageActor, session: ReadSession) -> Response:
    found = service.posters(session)
    codes = {poster.code: qr_svg(page_url(request, f"/posters/{poster.code}")) for poster in found}
    return render(request, actor, "points/posters.html", posters=found, codes=codes)


@router.get("/posters/{code}")
def poster_page(code: str, request: Request, actor: PageActor, session: ReadSession) -> Response:
    found = service.poster(session, code)
    url = page_url(request, f"/posters/{code}")
    section = NearestSection(
        origin=Origin(found.lat, found.lon, found.place, None),
        items=found.nearest,
        markers=markers(request, [item.point for item in found.nearest]),
    )
    return render(request, actor, "points/poster.html", poster=found, section=section, url=url, qr=qr_svg(url))
