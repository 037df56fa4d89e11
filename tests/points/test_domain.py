from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.geo import haversine_m
from tongban.points.domain import (
    BadCoordinate,
    NearestIndex,
    PointLocation,
    RevisionCache,
    brute_force_nearest,
)

WUXI_STATION = (31.5884, 120.3020)  # 无锡站
WUXI_EAST_STATION = (31.5793, 120.4410)  # 无锡东站
SERVICES = ("sb-0001", "sb-0002", "sb-0003", "gjj-0001", "hj-0001")


def point(code: str, lat: float, lon: float, *services: str) -> PointLocation:
    return PointLocation(code=code, lat=lat, lon=lon, service_codes=frozenset(services))


# --- haversine ---------------------------------------------------------------


def test_wuxi_station_to_wuxi_east_station_is_13_2_km() -> None:
    assert haversine_m(*WUXI_STATION, *WUXI_EAST_STATION) == pytest.approx(13_205, abs=10)


def test_one_degree_of_latitude_is_about_111_2_km() -> None:
    assert haversine_m(31.0, 120.0, 32.0, 120.0) == pytest.approx(111_195, abs=1)


def test_a_quarter_of_the_equator_is_a_quarter_of_the_circumference() -> None:
    quarter = 2 * math.pi * 6_371_008.8 / 4
    assert haversine_m(0.0, 0.0, 0.0, 90.0) == pytest.approx(quarter, rel=1e-12)


def test_antipodal_points_are_half_the_circumference_apart() -> None:
    # Haversine loses precision near the antipode (asin at 1): a fraction of a metre in 20,000 km.
    assert haversine_m(31.5, 120.3, -31.5, -59.7) == pytest.approx(math.pi * 6_371_008.8, rel=1e-7)
    assert haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6_371_008.8, rel=1e-12)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert haversine_m(*WUXI_STATION, *WUXI_STATION) == 0.0
    assert haversine_m(*WUXI_STATION, *WUXI_EAST_STATION) == haversine_m(*WUXI_EAST_STATION, *WUXI_STATION)


# --- nearest -----------------------------------------------------------------

STATION_HALL = point("wx-station", *WUXI_STATION, "sb-0001", "hj-0001")
EAST_HALL = point("wx-east", *WUXI_EAST_STATION, "sb-0001")
CITY_HALL = point("wx-city", 31.4912, 120.3119, "gjj-0001")
SMALL = (STATION_HALL, EAST_HALL, CITY_HALL)


def test_the_nearest_point_comes_first_with_its_distance_in_metres() -> None:
    found = NearestIndex(SMALL).nearest(31.5800, 120.4300, service=None, limit=3)
    assert [code for code, _ in found] == ["wx-east", "wx-station", "wx-city"]
    assert found[0][1] == pytest.approx(haversine_m(31.5800, 120.4300, *WUXI_EAST_STATION))


def test_a_service_filter_keeps_only_points_that_handle_it() -> None:
    found = NearestIndex(SMALL).nearest(31.4900, 120.3100, service="sb-0001", limit=10)
    assert [code for code, _ in found] == ["wx-station", "wx-east"]


def test_limit_is_clamped_to_the_number_of_candidates() -> None:
    index = NearestIndex(SMALL)
    assert len(index.nearest(31.5, 120.3, service=None, limit=100)) == 3
    assert len(index.nearest(31.5, 120.3, service="hj-0001", limit=100)) == 1


def test_an_unknown_service_finds_nothing() -> None:
    assert NearestIndex(SMALL).nearest(31.5, 120.3, service="no-such", limit=5) == []


def test_an_empty_index_finds_nothing() -> None:
    index = NearestIndex([])
    assert index.nearest(31.5, 120.3, service=None, limit=5) == []
    assert index.nearest(31.5, 120.3, service="sb-0001", limit=5) == []


def test_points_at_the_same_place_are_ordered_by_code_even_at_the_cut() -> None:
    twins = [point(code, 31.55, 120.35, "sb-0001") for code in ("c", "a", "d", "b")]
    index = NearestIndex([*twins, CITY_HALL])
    assert [code for code, _ in index.nearest(31.6, 120.3, service=None, limit=2)] == ["a", "b"]
    assert [code for code, _ in index.nearest(31.6, 120.3, service="sb-0001", limit=3)] == ["a", "b", "c"]


def test_a_service_tree_is_built_once_and_reused() -> None:
    index = NearestIndex(SMALL)
    first = index.nearest(31.5, 120.3, service="sb-0001", limit=2)
    tree = index._trees["sb-0001"]
    assert index.nearest(31.5, 120.3, service="sb-0001", limit=2) == first
    assert index._trees["sb-0001"] is tree
    assert "gjj-0001" not in index._trees


@pytest.mark.parametrize(
    ("lat", "lon", "limit", "field"),
    [
        (90.5, 120.0, 5, "lat"),
        (-91.0, 120.0, 5, "lat"),
        (math.nan, 120.0, 5, "lat"),
        (31.5, 180.1, 5, "lon"),
        (31.5, -181.0, 5, "lon"),
        (31.5, math.inf, 5, "lon"),
        (31.5, 120.3, 0, "limit"),
        (31.5, 120.3, 101, "limit"),
    ],
)
def test_a_bad_query_names_the_field_in_both_languages(lat: float, lon: float, limit: int, field: str) -> None:
    for search in (
        lambda: NearestIndex(SMALL).nearest(lat, lon, service=None, limit=limit),
        lambda: brute_force_nearest(SMALL, lat, lon, service=None, limit=limit),
    ):
        with pytest.raises(BadCoordinate) as caught:
            search()
        assert caught.value.field == field
        assert caught.value.message_zh and caught.value.message_en
        assert isinstance(caught.value, ValueError)


def test_the_edges_of_the_valid_range_are_accepted() -> None:
    index = NearestIndex(SMALL)
    for lat, lon in ((90.0, 180.0), (-90.0, -180.0)):
        assert len(index.nearest(lat, lon, service=None, limit=100)) == 3


def test_a_point_with_a_bad_coordinate_is_refused_when_building() -> None:
    with pytest.raises(BadCoordinate) as caught:
        NearestIndex([CITY_HALL, point("bad", 31.5, 200.0)])
    assert caught.value.field == "points[1].lon"
    assert "bad" in caught.value.message_en and "bad" in caught.value.message_zh


# --- the index agrees with the scan -----------------------------------------

lats = st.floats(31.3, 31.9)
lons = st.floats(119.9, 120.6)
# A few fixed places make ties likely, so tie-breaking by code is exercised too.
places = st.one_of(st.tuples(lats, lons), st.sampled_from([(31.5, 120.3), (31.6, 120.4), (31.4, 120.2)]))
services = st.frozensets(st.sampled_from(SERVICES), max_size=len(SERVICES))


@st.composite
def wuxi_points(draw: st.DrawFn) -> list[PointLocation]:
    located = draw(st.lists(st.tuples(places, services), max_size=60))
    return [PointLocation(f"p{i:03d}", lat, lon, codes) for i, ((lat, lon), codes) in enumerate(located)]


@settings(max_examples=300, deadline=None)
@given(
    points=wuxi_points(),
    queries=st.lists(
        st.tuples(places, st.one_of(st.none(), st.sampled_from([*SERVICES, "unknown"])), st.integers(1, 100)),
        min_size=1,
        max_size=8,
    ),
)
def test_the_index_agrees_with_the_scan(
    points: list[PointLocation], queries: list[tuple[tuple[float, float], str | None, int]]
) -> None:
    index = NearestIndex(points)
    for (lat, lon), service, limit in queries:
        expected = brute_force_nearest(points, lat, lon, service=service, limit=limit)
        assert index.nearest(lat, lon, service=service, limit=limit) == expected


# --- the cache ---------------------------------------------------------------


class CountingBuild:
    def __init__(self, points: list[PointLocation]) -> None:
        self.points = points
        self.calls = 0

    def __call__(self) -> NearestIndex:
        self.calls += 1
        return NearestIndex(self.points)


def test_the_cache_rebuilds_only_when_the_revision_changes() -> None:
    cache, build = RevisionCache[NearestIndex](), CountingBuild(list(SMALL))
    first = cache.get((3, "2025-06-01T10:00"), build)
    assert cache.get((3, "2025-06-01T10:00"), build) is first
    assert build.calls == 1

    build.points = [STATION_HALL]
    second = cache.get((1, "2025-06-02T09:00"), build)
    assert second is not first
    assert build.calls == 2
    assert [code for code, _ in second.nearest(31.5, 120.3, service=None, limit=5)] == ["wx-station"]


def test_a_failed_build_keeps_the_old_index() -> None:
    cache = RevisionCache[NearestIndex]()
    first = cache.get(1, lambda: NearestIndex(SMALL))

    def broken() -> NearestIndex:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        cache.get(2, broken)
    assert cache.get(1, lambda: NearestIndex([])) is first


def test_concurrent_requests_after_a_reload_build_once() -> None:
    cache, build = RevisionCache[NearestIndex](), CountingBuild(list(SMALL))
    barrier = threading.Barrier(8)
    seen: list[NearestIndex] = []

    def request() -> None:
        barrier.wait()
        seen.append(cache.get("rev-1", build))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert build.calls == 1
    assert all(index is seen[0] for index in seen)
