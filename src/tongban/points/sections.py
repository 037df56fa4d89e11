"""Page fragments of the points context that other contexts' pages embed: the nearest-points section.

``pages.py`` and ``api.py`` are routers and are never imported by another context;
what another context may reuse lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from tongban.config import Settings
from tongban.errors import BadInput
from tongban.points import service
from tongban.points.service import Area, Nearby, Origin, PointView
from tongban.web.i18n import locale_of, pick

NEAREST_LIMIT = 10


@dataclass(frozen=True)
class Place:
    """A place as the visitor gave it: their own position, an area's code, or nothing."""

    lat: float | None = None
    lon: float | None = None
    area: str | None = None


def place_query(
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    area: Annotated[str | None, Query(max_length=12)] = None,
) -> Place:
    return Place(lat, lon, area)


ChosenPlace = Annotated[Place, Depends(place_query)]


@dataclass(frozen=True)
class NearestSection:
    """What the shared nearest-points partial shows; ``areas`` is None where no place can be chosen."""

    origin: Origin
    items: list[Nearby]
    markers: list[dict[str, Any]]
    areas: list[Area] | None = None
    area: str | None = None
    action: str = ""
    keep: tuple[tuple[str, str], ...] = ()
    home: Origin | None = None


YOUR_LOCATION = ("您的位置", "your location")


def origin_of(choices: list[Area], place: Place, home: Origin) -> Origin:
    """The visitor's own position beats a chosen area, which beats the pack's home (the citizen centre)."""
    lat, lon = place.lat, place.lon
    if (lat is None) != (lon is None):
        raise BadInput("请同时提供纬度和经度", "give both latitude and longitude", "lat" if lat is None else "lon")
    if lat is not None and lon is not None:
        return Origin(lat, lon, *YOUR_LOCATION)
    if not place.area:
        return home
    for choice in choices:
        if choice.code == place.area:
            return Origin(choice.lat, choice.lon, choice.name, choice.name_en)
    raise BadInput(f"区域 {place.area} 没有网点", f"no points in area {place.area}", "area")


def markers(request: Request, items: list[PointView]) -> list[dict[str, Any]]:
    """Map markers as plain data for the page's JSON island, named in the page's language."""
    settings: Settings = request.app.state.settings
    locale = locale_of(request, settings.default_locale)
    return [
        {
            "name": pick(locale, item.name, item.name_en),
            "tier": pick(locale, item.tier_name, item.tier_name_en),
            "address": item.address,
            "lat": item.lat,
            "lon": item.lon,
            "url": f"/points/{item.code}",
        }
        for item in items
    ]


def guide_section(
    request: Request, session: Session, service_code: str, place: Place, action: str
) -> NearestSection | None:
    """The nearest points for a service guide; None where no pack brought any points."""
    return nearest_section(request, session, service_code, place, action) if service.any_loaded(session) else None


def nearest_section(
    request: Request,
    session: Session,
    service_code: str | None,
    place: Place,
    action: str,
    keep: tuple[tuple[str, str], ...] = (),
) -> NearestSection:
    """The nearest points to a chosen place, with the choices offered in its form."""
    choices = service.areas(session)
    home = service.home(session, service_code)
    origin = origin_of(choices, place, home)
    items = service.nearest(session, service_code, origin.lat, origin.lon, NEAREST_LIMIT)
    return NearestSection(
        home=home,
        origin=origin,
        items=items,
        markers=markers(request, [item.point for item in items]),
        areas=choices,
        area=place.area,
        action=action,
        keep=keep,
    )
