"""Benchmark: a nearest-points query as the server answers it, database included.

    .venv/bin/python benchmarks/nearest_points_server.py [--points 10000] [--queries 3000] [--seed 1]

Loads N random points (as in nearest_points.py) into a SQLite database in a temporary
folder, then times `tongban.points.service.nearest` — revision check, index, and the
query that reads the found points' details — against a baseline that does what a plain
implementation would: select every point handling the service, measure each, sort.
Both run in this process on the same queries and must give the same answers.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from nearest_points import SERVICES, machine_facts, random_points, random_queries
from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.models import Department, Jurisdiction
from tongban.catalog.models import Service
from tongban.db import make_engine, make_session_factory, transaction, utcnow
from tongban.geo import haversine_m
from tongban.migrations import upgrade
from tongban.packs.models import LoadedPack
from tongban.points import service
from tongban.points.domain import PointLocation
from tongban.points.models import Point, PointService, PointTier

LIMIT = 10
Query = tuple[float, float, str]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def fill(session: Session, points: list[PointLocation]) -> None:
    session.add(Jurisdiction(code="320200", name="无锡市", level="city"))
    session.flush()
    session.add(Department(code="sb", name="社保中心", jurisdiction_code="320200"))
    session.add(PointTier(pack_code="bench", code="bank", name="银行网点"))
    session.add(LoadedPack(code="bench", name="bench", version="1", checksum="1", loaded_at=utcnow()))
    session.flush()
    session.add_all(_service(code) for code in SERVICES)
    session.add_all(
        Point(code=p.code, name=p.code, tier="bank", jurisdiction_code="320200", address="无锡", lat=p.lat,
              lon=p.lon, hours="9:00-17:00", phone="0510", pack_code="bench")
        for p in points
    )  # fmt: skip
    session.flush()
    session.add_all(PointService(point_code=p.code, service_code=s) for p in points for s in p.service_codes)


def _service(code: str) -> Service:
    return Service(
        code=code, basic_code=code, name=code, category="社会保险", item_type="公共服务", jurisdiction_code="320200",
        department_code="sb", handling_type="承诺件", legal_limit=20, legal_limit_unit="工作日", promised_limit=5,
        promised_limit_unit="工作日", acceptance_conditions="", visits=0, online_depth="四级", cross_region_scope="无",
        channels=[], fees=[], legal_basis=[], steps=[], form_fields=[], locations="", hours="", consult_phone="",
        complaint_phone="", keywords=[], search_text=code, pack_code="bench", updated_at=utcnow(),
    )  # fmt: skip


def scan(session: Session, lat: float, lon: float, service_code: str) -> list[str]:
    """The baseline: every point that handles the service, measured and sorted in Python."""
    rows = session.execute(
        select(Point.code, Point.lat, Point.lon)
        .join(PointService, PointService.point_code == Point.code)
        .where(PointService.service_code == service_code)
    ).all()
    ranked = sorted((haversine_m(lat, lon, p_lat, p_lon), code) for code, p_lat, p_lon in rows)[:LIMIT]
    codes = [code for _, code in ranked]
    session.execute(select(Point).where(Point.code.in_(codes))).all()  # the details the answer shows
    return codes


def indexed(session: Session, lat: float, lon: float, service_code: str) -> list[str]:
    return [item.point.code for item in service.nearest(session, service_code, lat, lon, LIMIT)]


def timed(
    session: Session, search: Callable[[Session, float, float, str], list[str]], queries: list[Query]
) -> tuple[float, list[list[str]]]:
    search(session, *queries[0])
    start = time.perf_counter()
    answers = [search(session, *q) for q in queries]
    return time.perf_counter() - start, answers


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    points = random_points(rng, args.points)
    queries = random_queries(rng, args.queries)
    print(" | ".join(f"{k}: {v}" for k, v in machine_facts().items()))
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            fill(session, points)
        with factory() as session:
            index_s, index_answers = timed(session, indexed, queries)
            scan_s, scan_answers = timed(session, scan, queries)
        engine.dispose()
    mismatches = sum(a != b for a, b in zip(index_answers, scan_answers, strict=True))
    per_index, per_scan = index_s / len(queries) * 1e6, scan_s / len(queries) * 1e6
    print(f"points: {args.points}, queries: {len(queries)}, limit: {LIMIT}, database: SQLite")
    print(f"{'engine':<14} {'µs/query':>10} {'queries/s':>10}")
    print(f"{'service+index':<14} {per_index:>10.1f} {1e6 / per_index:>10.0f}")
    print(f"{'sql+scan':<14} {per_scan:>10.1f} {1e6 / per_scan:>10.0f}")
    print(f"index is {per_scan / per_index:.1f}x faster; answers compared: {len(queries)}, mismatches: {mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
