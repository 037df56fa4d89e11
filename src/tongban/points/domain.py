"""Nearest service points (就近办): which points that handle a service are nearest to a place.

Pure rules: no database, no HTTP. The service layer loads `PointLocation`s from
the database and keeps a `NearestIndex` in a `RevisionCache` keyed by the packs'
revision, so a pack reload rebuilds the index once and every other request reuses it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy.spatial import cKDTree

from tongban.geo import haversine_m

MAX_LIMIT = 100
T = TypeVar("T")

# Chord distances are compared with this slack so that floating-point rounding in
# the ECEF coordinates can never drop a point the exact haversine ranking would
# keep: 1e-12 of the unit sphere is about 6 micrometres on the ground.
_REL_SLACK = 1e-9
_ABS_SLACK = 1e-12


class BadCoordinate(ValueError):
    """A query or a point outside the valid range (坐标或数量不合法)."""

    def __init__(self, field: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"{field}: {message_en}")
        self.field = field
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class PointLocation:
    """Where a point (网点) is and which services (事项) it handles."""

    code: str
    lat: float
    lon: float
    service_codes: frozenset[str]


def check_query(lat: float, lon: float, limit: int) -> None:
    """Raise BadCoordinate unless lat, lon and limit are in range (NaN is out of range)."""
    _check_lat_lon(lat, lon, field_prefix="", whose_zh="", whose_en="")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadCoordinate("limit", f"数量必须在 1 到 {MAX_LIMIT} 之间", f"limit must be between 1 and {MAX_LIMIT}")


def _check_lat_lon(lat: float, lon: float, *, field_prefix: str, whose_zh: str, whose_en: str) -> None:
    if not -90.0 <= lat <= 90.0:
        raise BadCoordinate(
            f"{field_prefix}lat",
            f"{whose_zh}纬度必须在 -90 到 90 之间",
            f"{whose_en}latitude must be between -90 and 90",
        )
    if not -180.0 <= lon <= 180.0:
        raise BadCoordinate(
            f"{field_prefix}lon",
            f"{whose_zh}经度必须在 -180 到 180 之间",
            f"{whose_en}longitude must be between -180 and 180",
        )


def brute_force_nearest(
    points: Iterable[PointLocation], lat: float, lon: float, *, service: str | None, limit: int
) -> list[tuple[str, float]]:
    """The scan baseline: measure every candidate, sort by (distance, code), keep `limit`."""
    check_query(lat, lon, limit)
    ranked = sorted(
        (haversine_m(lat, lon, p.lat, p.lon), p.code) for p in points if service is None or service in p.service_codes
    )
    return [(code, distance) for distance, code in ranked[:limit]]


def _unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def _unit_vectors(points: Sequence[PointLocation]) -> np.ndarray:
    phi = np.radians(np.fromiter((p.lat for p in points), dtype=float, count=len(points)))
    lam = np.radians(np.fromiter((p.lon for p in points), dtype=float, count=len(points)))
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


class _Subset:
    """A k-d tree over some points on the unit sphere: chord order is great-circle order."""

    def __init__(self, points: Sequence[PointLocation]) -> None:
        self.points = tuple(points)
        self.tree = cKDTree(_unit_vectors(self.points))

    def nearest(self, lat: float, lon: float, limit: int) -> list[tuple[str, float]]:
        candidates = self._candidates(_unit_vector(lat, lon), limit)
        ranked = sorted((haversine_m(lat, lon, p.lat, p.lon), p.code) for p in candidates)
        return [(code, distance) for distance, code in ranked[:limit]]

    def _candidates(self, xyz: tuple[float, float, float], limit: int) -> list[PointLocation]:
        """The `limit` nearest points, plus every point tied with the last one.

        Asking for one more than needed tells whether the cut falls between two
        (nearly) equally distant points; only then is the ball query needed, so
        the tie is settled by code exactly as the scan settles it.
        """
        k = min(limit + 1, len(self.points))
        chords, indices = (np.atleast_1d(a) for a in self.tree.query(xyz, k=k))
        if k <= limit:
            return [self.points[i] for i in indices]
        edge = chords[limit - 1] * (1 + _REL_SLACK) + _ABS_SLACK
        if chords[limit] > edge:
            return [self.points[i] for i in indices[:limit]]
        return [self.points[i] for i in self.tree.query_ball_point(xyz, edge)]


class NearestIndex:
    """Nearest points, optionally only those handling one service, without scanning.

    One tree holds every point; one tree per service code is built on the first
    query for that service, so a filtered query searches only points that qualify.
    """

    def __init__(self, points: Iterable[PointLocation]) -> None:
        self._points = tuple(points)
        for i, p in enumerate(self._points):
            _check_lat_lon(
                p.lat,
                p.lon,
                field_prefix=f"points[{i}].",
                whose_zh=f"网点 {p.code} 的",
                whose_en=f"point {p.code}: ",
            )
        self._by_service: dict[str, list[PointLocation]] = {}
        for p in self._points:
            for service in p.service_codes:
                self._by_service.setdefault(service, []).append(p)
        self._all = _Subset(self._points) if self._points else None
        self._trees: dict[str, _Subset] = {}
        self._build_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._points)

    def nearest(self, lat: float, lon: float, *, service: str | None, limit: int) -> list[tuple[str, float]]:
        """(point code, metres) nearest first; ties go to the smaller code; [] for an unknown service."""
        check_query(lat, lon, limit)
        subset = self._all if service is None else self._service_subset(service)
        return [] if subset is None else subset.nearest(lat, lon, limit)

    def _service_subset(self, service: str) -> _Subset | None:
        subset = self._trees.get(service)
        if subset is not None:
            return subset
        members = self._by_service.get(service)
        if not members:
            return None
        # The lock stops two first requests for one service building the same tree twice.
        with self._build_lock:
            subset = self._trees.get(service)
            if subset is None:
                subset = self._trees[service] = _Subset(members)
        return subset


class RevisionCache(Generic[T]):
    """One value (an index and what it answers with), rebuilt only when the revision token changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision: Hashable | None = None
        self._value: T | None = None

    def get(self, revision: Hashable, build: Callable[[], T]) -> T:
        # Building under the lock makes concurrent requests after a reload wait for
        # one build instead of each building their own. A failed build keeps the old value.
        with self._lock:
            if self._value is None or self._revision != revision:
                self._value = build()
                self._revision = revision
            return self._value
