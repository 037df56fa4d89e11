"""Point use cases: nearest points for a service, a point's page, a poster's page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.auth.models import Jurisdiction
from tongban.catalog import service as catalog
from tongban.catalog.domain import ServiceSummary
from tongban.errors import BadInput, NotFound
from tongban.packs.models import LoadedPack
from tongban.points.domain import BadCoordinate, NearestIndex, PointLocation, RevisionCache
from tongban.points.models import Point, PointService, PointTier, Poster

POSTER_NEAREST = 6


@dataclass(frozen=True)
class PointView:
    code: str
    name: str
    name_en: str | None
    tier: str
    tier_name: str
    tier_name_en: str | None
    jurisdiction_code: str
    jurisdiction_name: str
    address: str
    lat: float
    lon: float
    hours: str
    phone: str
    transit: str | None


@dataclass(frozen=True)
class Nearby:
    point: PointView
    distance_m: float


@dataclass(frozen=True)
class PointDetail:
    point: PointView
    services: list[ServiceSummary]


@dataclass(frozen=True)
class Area:
    """A jurisdiction with points, placed at their centre: a choice for people without geolocation."""

    code: str
    name: str
    name_en: str | None
    lat: float
    lon: float


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from."""

    lat: float
    lon: float
    name: str
    name_en: str | None


@dataclass(frozen=True)
class PosterDetail:
    code: str
    name: str
    name_en: str | None
    place: str
    lat: float
    lon: float
    guidance: str | None
    nearest: list[Nearby]


@dataclass(frozen=True)
class Snapshot:
    """Every point in memory: the index to find them, the details to show them, the areas to choose from.

    All three follow from the points, which change only when a pack is loaded.
    """

    index: NearestIndex
    views: dict[str, PointView]
    areas: list[Area]


_snapshots = RevisionCache[Snapshot]()


def _revision(session: Session) -> Hashable:
    """Changes whenever a pack is (re)loaded, in this process or another: points change only that way."""
    return tuple(session.execute(select(LoadedPack.code, LoadedPack.checksum).order_by(LoadedPack.code)).all())


def _locations(session: Session) -> list[PointLocation]:
    handled: dict[str, set[str]] = defaultdict(set)
    for point_code, service_code in session.execute(select(PointService.point_code, PointService.service_code)):
        handled[point_code].add(service_code)
    return [
        PointLocation(code, lat, lon, frozenset(handled[code]))
        for code, lat, lon in session.execute(select(Point.code, Point.lat, Point.lon))
    ]


def snapshot(session: Session) -> Snapshot:
    return _snapshots.get(_revision(session), lambda: _build(session))


def _build(session: Session) -> Snapshot:
    return Snapshot(NearestIndex(_locations(session)), _views(session), _areas(session))


def nearest(session: Session, service: str | None, lat: float, lon: float, limit: int = 10) -> list[Nearby]:
    """Points that handle ``service`` (any service when None), nearest first."""
    current = snapshot(session)
    try:
        found = current.index.nearest(lat, lon, service=service, limit=limit)
    except BadCoordinate as exc:
        raise BadInput(exc.message_zh, exc.message_en, exc.field) from exc
    return [Nearby(current.views[code], distance) for code, distance in found]


def _views(session: Session) -> dict[str, PointView]:
    rows = session.execute(
        select(Point, PointTier, Jurisdiction.name)
        .join(PointTier, (PointTier.pack_code == Point.pack_code) & (PointTier.code == Point.tier))
        .join(Jurisdiction, Jurisdiction.code == Point.jurisdiction_code)
    ).all()
    return {point.code: _view(point, tier, name) for point, tier, name in rows}


def _view(point: Point, tier: PointTier, jurisdiction_name: str) -> PointView:
    return PointView(
        code=point.code,
        name=point.name,
        name_en=point.name_en,
        tier=point.tier,
        tier_name=tier.name,
        tier_name_en=tier.name_en,
        jurisdiction_code=point.jurisdiction_code,
        jurisdiction_name=jurisdiction_name,
        address=point.address,
        lat=point.lat,
        lon=point.lon,
        hours=point.hours,
        phone=point.phone,
        transit=point.transit,
    )


def detail(session: Session, code: str) -> PointDetail:
    view = snapshot(session).views.get(code)
    if view is None:
        raise NotFound(f"网点 {code} 不存在", f"point {code} not found", "id")
    service_codes = list(session.scalars(select(PointService.service_code).where(PointService.point_code == code)))
    return PointDetail(view, list(catalog.names(session, service_codes).values()))


def poster(session: Session, code: str) -> PosterDetail:
    found = session.get(Poster, code)
    if found is None:
        raise NotFound(f"宣传画报 {code} 不存在", f"poster {code} not found", "code")
    return PosterDetail(
        code=found.code,
        name=found.name,
        name_en=found.name_en,
        place=found.place,
        lat=found.lat,
        lon=found.lon,
        guidance=found.guidance,
        nearest=nearest(session, None, found.lat, found.lon, POSTER_NEAREST),
    )


def posters(session: Session) -> list[Poster]:
    return list(session.scalars(select(Poster).order_by(Poster.code)))


def areas(session: Session) -> list[Area]:
    """Jurisdictions with points, placed at their points' centre: a choice for people without geolocation."""
    return snapshot(session).areas


def _areas(session: Session) -> list[Area]:
    rows = session.execute(
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.name_en, func.avg(Point.lat), func.avg(Point.lon))
        .join(Point, Point.jurisdiction_code == Jurisdiction.code)
        .group_by(Jurisdiction.code, Jurisdiction.name, Jurisdiction.name_en)
        .order_by(Jurisdiction.code)
    ).all()
    return [Area(code, name, name_en, float(lat), float(lon)) for code, name, name_en, lat, lon in rows]


def any_loaded(session: Session) -> bool:
    """Whether any pack brought service points; a catalogue without them still shows its guides."""
    return session.scalar(select(Point.code).limit(1)) is not None


def home(session: Session, service_code: str | None) -> Origin:
    """Where to measure from when the visitor gives no place: the home of the service's pack,
    else of any pack, else the centre of all points."""
    pack_code = catalog.pack_of(session, service_code) if service_code else None
    found = session.scalars(
        select(LoadedPack)
        .where(LoadedPack.home_lat.is_not(None), LoadedPack.home_lon.is_not(None))
        .order_by((LoadedPack.code == pack_code).desc(), LoadedPack.code)
        .limit(1)
    ).first()
    if found is not None and found.home_lat is not None and found.home_lon is not None:
        return Origin(found.home_lat, found.home_lon, found.home_name or found.name, found.home_name_en)
    lat, lon = session.execute(select(func.avg(Point.lat), func.avg(Point.lon))).one()
    if lat is None:
        raise NotFound("尚未加载任何网点", "no service points are loaded yet")
    return Origin(float(lat), float(lon), "网点分布中心", "centre of the service points")
