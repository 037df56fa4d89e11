"""Benchmark: nearest service points (就近办) through the k-d tree index against a scan.

    .venv/bin/python benchmarks/nearest_points.py [--points 10000] [--queries 20000] [--seed 1]
                                                    [--brute-queries 1000]

Random points across Wuxi, each handling some of 44 services; random queries
(a place, a service, limit 10). The index and the scan run in the same process
on the same queries, so the ratio holds even when the machine's speed does not.
Results are printed and written to benchmarks/results/nearest_points.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy

from tongban.geo import EARTH_RADIUS_M
from tongban.points.domain import NearestIndex, PointLocation, brute_force_nearest

WUXI_LAT = (31.3, 31.9)
WUXI_LON = (119.9, 120.6)
SERVICES = tuple(f"sb-{i:04d}" for i in range(1, 45))
LIMIT = 10
RESULTS = Path(__file__).parent / "results" / "nearest_points.json"

Query = tuple[float, float, str]
Answer = list[tuple[str, float]]
T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    engine: str
    queries: int
    total_s: float

    @property
    def us_per_query(self) -> float:
        return self.total_s / self.queries * 1e6

    @property
    def queries_per_s(self) -> float:
        return self.queries / self.total_s


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--brute-queries", type=int, default=1_000, help="scan queries (a prefix of the index queries)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if min(args.points, args.queries, args.brute_queries) < 1:
        parser.error("--points, --queries and --brute-queries must be at least 1")
    return args


def machine_facts() -> dict[str, str | int | None]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def random_points(rng: random.Random, count: int) -> list[PointLocation]:
    """One point in five is a full-service hall (综合窗口); the rest handle 10-20 services."""
    points = []
    for i in range(count):
        services = frozenset(SERVICES) if rng.random() < 0.2 else frozenset(rng.sample(SERVICES, rng.randint(10, 20)))
        points.append(PointLocation(f"wx-{i:06d}", rng.uniform(*WUXI_LAT), rng.uniform(*WUXI_LON), services))
    return points


def random_queries(rng: random.Random, count: int) -> list[Query]:
    return [(rng.uniform(*WUXI_LAT), rng.uniform(*WUXI_LON), rng.choice(SERVICES)) for _ in range(count)]


def run(engine: str, search: Callable[[Query], Answer], queries: Sequence[Query]) -> tuple[Timing, list[Answer]]:
    search(queries[0])  # warm-up: first-call costs are not what a query costs
    start = time.perf_counter()
    answers = [search(q) for q in queries]
    return Timing(engine, len(queries), time.perf_counter() - start), answers


def timed(action: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def build_index(points: list[PointLocation]) -> tuple[NearestIndex, dict[str, float]]:
    """Time the all-points tree, then the 44 per-service trees (built lazily on first use)."""
    build_s, index = timed(lambda: NearestIndex(points))
    trees_s, _ = timed(lambda: [index.nearest(31.6, 120.3, service=s, limit=LIMIT) for s in SERVICES])
    return index, {"all_points_tree_s": build_s, "service_trees_s": trees_s, "total_s": build_s + trees_s}


class NumpyScan:
    """A vectorised scan, for an honest second baseline: the pure-Python scan flatters the index.

    Per-service member arrays are prepared up front (like the index's build), so a
    query measures every qualifying point in one numpy call and keeps the nearest.
    """

    def __init__(self, points: Sequence[PointLocation]) -> None:
        self.codes = [p.code for p in points]
        self.lat = np.radians([p.lat for p in points])
        self.lon = np.radians([p.lon for p in points])
        self.members = {
            s: np.array([i for i, p in enumerate(points) if s in p.service_codes], dtype=np.intp) for s in SERVICES
        }

    def nearest(self, lat: float, lon: float, service: str, limit: int) -> Answer:
        idx = self.members[service]
        phi, lam = np.radians(lat), np.radians(lon)
        a = (
            np.sin((self.lat[idx] - phi) / 2) ** 2
            + np.cos(phi) * np.cos(self.lat[idx]) * np.sin((self.lon[idx] - lam) / 2) ** 2
        )
        d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        near = np.argpartition(d, limit)[:limit] if len(d) > limit else np.arange(len(d))
        ranked = sorted((float(d[j]), self.codes[idx[j]]) for j in near)
        return [(code, distance) for distance, code in ranked]


def same_points(a: Answer, b: Answer) -> bool:
    """Same codes in the same order; metres may differ in the last bits between math and numpy."""
    return [c for c, _ in a] == [c for c, _ in b] and all(
        abs(x - y) < 1e-6 for (_, x), (_, y) in zip(a, b, strict=True)
    )


def print_table(timings: list[Timing], baseline: Timing) -> None:
    print(f"{'engine':<12} {'queries':>8} {'total s':>9} {'µs/query':>10} {'queries/s':>11} {'vs brute':>12}")
    for t in timings:
        ratio = t.us_per_query / baseline.us_per_query
        print(
            f"{t.engine:<12} {t.queries:>8} {t.total_s:>9.3f} {t.us_per_query:>10.1f} "
            f"{t.queries_per_s:>11.0f} {ratio:>12.5f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    points = random_points(rng, args.points)
    queries = random_queries(rng, args.queries)
    sample = queries[: min(args.brute_queries, args.queries)]
    facts = machine_facts()
    print(" | ".join(f"{k}: {v}" for k, v in facts.items()))
    print(f"points: {args.points}, services: {len(SERVICES)}, limit: {LIMIT}, seed: {args.seed}")

    index, build = build_index(points)
    print(
        f"index build: all-points tree {build['all_points_tree_s'] * 1e3:.1f} ms, "
        f"{len(SERVICES)} service trees {build['service_trees_s'] * 1e3:.1f} ms, "
        f"total {build['total_s'] * 1e3:.1f} ms"
    )

    timings, mismatches = time_engines(index, points, queries, sample)
    print_table(timings, baseline=timings[1])
    indexed, scanned, vectorised = timings
    print(
        f"index is {scanned.us_per_query / indexed.us_per_query:.1f}x faster per query than brute-force, "
        f"{vectorised.us_per_query / indexed.us_per_query:.1f}x faster than numpy-scan"
    )
    print(
        f"answers compared: {len(sample)}, index mismatches: {mismatches['index']}, "
        f"numpy-scan mismatches: {mismatches['numpy-scan']}"
    )
    write_results(args, facts, build, timings, len(sample), mismatches)
    return 1 if any(mismatches.values()) else 0


def time_engines(
    index: NearestIndex, points: list[PointLocation], queries: list[Query], sample: list[Query]
) -> tuple[list[Timing], dict[str, int]]:
    """Index over all queries; both scans over the sample, a prefix of the same queries."""
    indexed, index_answers = run("index", lambda q: index.nearest(q[0], q[1], service=q[2], limit=LIMIT), queries)
    scanned, scan_answers = run(
        "brute-force", lambda q: brute_force_nearest(points, q[0], q[1], service=q[2], limit=LIMIT), sample
    )
    numpy_scan = NumpyScan(points)
    vectorised, numpy_answers = run("numpy-scan", lambda q: numpy_scan.nearest(q[0], q[1], q[2], LIMIT), sample)
    # The index must match the scan exactly, codes and metres alike.
    mismatches = {
        "index": sum(a != b for a, b in zip(index_answers[: len(sample)], scan_answers, strict=True)),
        "numpy-scan": sum(not same_points(a, b) for a, b in zip(numpy_answers, scan_answers, strict=True)),
    }
    return [indexed, scanned, vectorised], mismatches


def write_results(
    args: argparse.Namespace,
    facts: dict[str, str | int | None],
    build: dict[str, float],
    timings: list[Timing],
    compared: int,
    mismatches: dict[str, int],
) -> None:
    indexed, scanned = timings[:2]
    params = {"points": args.points, "queries": args.queries, "brute_queries": compared, "seed": args.seed}
    result = {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": facts,
        "params": {**params, "limit": LIMIT, "services": len(SERVICES)},
        "build": build,
        "engines": [{**asdict(t), "us_per_query": t.us_per_query, "queries_per_s": t.queries_per_s} for t in timings],
        "ratio_index_over_brute_force": indexed.us_per_query / scanned.us_per_query,
        "answers_compared": compared,
        "mismatches": mismatches,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
