"""Benchmark: the supervisor's board, red list and indicators over a million requests in PostgreSQL.

    .venv/bin/python benchmarks/request_board.py [--requests 1000000] [--repeat 5] [--seed 1] [--plans]
                                                 [--candidate NAME ...]

Writes a county of fifteen towns and 180 villages, 42 departments (county bureaux and each
town's offices), three request types and a thousand residents straight into a PostgreSQL
database of its own (COPY, not the ORM), then the requests: received over the last two years,
more of the old ones finished, each department as quick and as well rated as its own habits,
a third of the answered ones rated. Then it times, as a county supervisor (whose area holds
every request), the code the pages run:

- ``supervision.board`` by department and by town (open requests by colour),
- ``supervision.queue`` for the red list (overdue requests, the 200 most overdue),
- ``indicators.ranking`` by department over the last twelve months, and ``indicators.trend``
  by month over the same months,

each against the baseline of a bare ``SELECT department_code, count(*) FROM requests GROUP BY
department_code`` on the same table in the same run: the median of ``--repeat`` runs after one
warm-up, and the ratio to the baseline's. ``EXPLAIN (ANALYZE, BUFFERS)`` of each query's SQL
shows which indexes it used (``--plans`` prints the whole plans). ``--candidate`` adds one of
the candidate indexes below, runs ANALYZE, times everything again and drops it, to see whether
it helps.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.auth.models import Department, Jurisdiction, User
from tongban.calendar.limits import CHINA, Colour
from tongban.db import make_engine, make_session_factory
from tongban.migrations import upgrade
from tongban.requests import indicators, supervision
from tongban.requests.index import DEFAULT_SCHEME, Period, Window, default_range
from tongban.requests.indicators import Breakdown
from tongban.requests.models import RequestType

POSTGRES_URL = os.environ.get("TONGBAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
COUNTY, TOWNS, VILLAGES_PER_TOWN, BUREAUX = "330523", 15, 12, 12
DAYS = 730
OPEN = ("submitted", "routed", "signed", "in_progress")
TYPES = {"bench-report": "report", "bench-petition": "petition", "bench-enterprise": "enterprise_demand"}
# Index name (bench_NAME) → its columns: each is added alone, timed, and dropped again.
CANDIDATES = {
    "open_due": "(due_at) WHERE status IN ('submitted', 'routed', 'signed', 'in_progress')",
    "submitted_department": "(submitted_at, department_code)",
}
COLUMNS = [
    "id",
    "tracking_code",
    "type_code",
    "kind",
    "channel",
    "title",
    "text",
    "jurisdiction_code",
    "requester_name",
    "status",
    "priority",
    "department_code",
    "stage",
    "due_at",
    "warn_at",
    "signed_in_time",
    "closed_in_time",
    "extended",
    "send_backs",
    "review_round",
    "escalated_at",
    "submitted_at",
    "routed_at",
    "replied_at",
    "closed_at",
    "version",
]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plans", action="store_true", help="print every query's whole plan")
    parser.add_argument("--candidate", action="append", choices=sorted(CANDIDATES), default=[])
    return parser.parse_args(argv)


@contextmanager
def database() -> Iterator[Engine]:
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"tongban_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the county ----------------------------------------------------------------------------------


def towns() -> list[str]:
    return [f"{COUNTY}{100 + n:03d}" for n in range(TOWNS)]


def villages(town: str) -> list[str]:
    return [f"{town}{200 + n:03d}" for n in range(VILLAGES_PER_TOWN)]


def county(engine: Engine, draw: random.Random) -> dict[str, float]:
    """Places, departments with how reliably each keeps its limits, request types and residents."""
    places = [{"code": COUNTY, "name": "县", "level": "county"}]
    places += [{"code": town, "name": f"镇{town[-3:]}", "level": "town", "parent_code": COUNTY} for town in towns()]
    places += [
        {"code": village, "name": f"村{village[-6:]}", "level": "village", "parent_code": town}
        for town in towns()
        for village in villages(town)
    ]
    offices = [(f"bureau-{n}", COUNTY) for n in range(BUREAUX)]
    offices += [(f"{town}-{kind}", town) for town in towns() for kind in ("cj", "sf")]
    now = datetime.now(UTC)
    limits = {"stages": {"sign": {"limit": {"value": 1, "unit": "工作日"}, "by_priority": {}}}, "extension": None}
    limits["stages"]["handle"] = {"limit": {"value": 15, "unit": "工作日"}, "by_priority": {}}
    with engine.begin() as conn:
        conn.execute(insert(Jurisdiction), [{"parent_code": None, **place} for place in places])
        conn.execute(insert(Department), [{"code": c, "name": c, "jurisdiction_code": p} for c, p in offices])
        conn.execute(insert(RequestType), [_type(code, kind, limits, now) for code, kind in TYPES.items()])
        conn.execute(insert(User), [_resident(n, now) for n in range(1000)])
    return {code: draw.uniform(0.6, 0.99) for code, _ in offices}


def _type(code: str, kind: str, limits: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "name": code,
        "jurisdiction_code": COUNTY,
        "channels": ["web"],
        "location": "optional",
        "photos": 0,
        "limits": limits,
        "levels": [],
        "pack_code": "bench",
        "updated_at": now,
    }


def _resident(n: int, now: datetime) -> dict[str, Any]:
    return {"username": f"r{n}", "display_name": f"r{n}", "password_hash": "-", "role": "citizen", "created_at": now}


# --- the requests --------------------------------------------------------------------------------


def request_row(n: int, draw: random.Random, reliability: dict[str, float], now: datetime) -> tuple[Any, ...]:
    """One request as a row of ``COLUMNS``: the older it is, the likelier it is finished."""
    age = timedelta(days=draw.uniform(0, DAYS))
    received = now - age
    town = draw.choice(towns())
    place = town if draw.random() < 0.1 else draw.choice(villages(town))
    finished = draw.random() < min(0.985, 0.1 + age.days / 20)
    status = _finished_status(draw) if finished else draw.choices(OPEN, (15, 20, 5, 60))[0]
    routed = status not in ("submitted", "withdrawn") or (status == "withdrawn" and draw.random() < 0.5)
    department = (draw.choice([d for d in reliability if d.startswith((town, "bureau"))])) if routed else None
    good = reliability.get(department or "", 0.8)
    routed_at = received + timedelta(hours=draw.uniform(0.5, 30)) if routed else None
    signed = routed_at is not None and status not in ("routed", "withdrawn")
    answered = status in ("replied", "closed")
    replied_at = routed_at + timedelta(days=draw.uniform(1, 25)) if answered and routed_at else None
    ended = status in ("closed", "refused", "withdrawn")
    closed_at = (replied_at or routed_at or received) + timedelta(days=2) if ended else None
    stage, due, warn = _clock(status, routed_at or received, now, draw)
    escalated = now - timedelta(days=1) if status in OPEN and draw.random() < 0.01 else None
    kind_code = draw.choice(list(TYPES))
    return (
        n, f"B{n:010d}", kind_code, TYPES[kind_code], "web", f"诉求{n}", "路面开挖，希望尽快处理", place, "居民",
        status, "general", department, stage, due, warn,
        (draw.random() < good) if signed else None, (draw.random() < good) if answered else None,
        False, 0, 0, escalated, received, routed_at, replied_at, closed_at, 1,
    )  # fmt: skip


def _finished_status(draw: random.Random) -> str:
    return draw.choices(("closed", "replied", "refused", "withdrawn"), (85, 8, 3, 4))[0]


def _clock(status: str, since: datetime, now: datetime, draw: random.Random) -> tuple[Any, Any, Any]:
    """An open request's running limit; old open requests are long overdue (red)."""
    if status not in OPEN:
        return None, None, None
    stage = {"submitted": "dispatch", "routed": "sign", "signed": "accept", "in_progress": "handle"}[status]
    due = since + timedelta(days=draw.choice((1, 5, 15)))
    return stage, due, due - timedelta(days=1)


def write_requests(engine: Engine, count: int, draw: random.Random, reliability: dict[str, float]) -> float:
    """COPY in one stream, then a third of the answered requests rated by a resident; returns seconds."""
    now = datetime.now(UTC)
    start = time.perf_counter()
    answered: list[tuple[int, str | None]] = []
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY requests ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(1, count + 1):
                row = request_row(n, draw, reliability, now)
                copy.write_row(row)
                if row[9] in ("replied", "closed") and draw.random() < 1 / 3:
                    answered.append((n, row[11]))
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY ratings (subject_kind, subject_id, subject_ref, rater_user_id, level, channel, at) FROM STDIN"
            ) as copy,
        ):
            for n, department in answered:
                good = reliability.get(department or "", 0.8)
                level = 5 if draw.random() < good else draw.choice((1, 2, 3, 4))
                copy.write_row(("request", n, f"B{n:010d}", draw.randint(1, 1000), level, "web", now))
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


# --- timing --------------------------------------------------------------------------------------


class Recorder:
    """The SQL the engine last sent, to EXPLAIN the very statement a page runs."""

    def __init__(self, engine: Engine) -> None:
        self.last: tuple[str, Any] = ("", None)
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.lstrip().upper().startswith("EXPLAIN"):
            self.last = (statement, parameters)


def queries(session: Session) -> dict[str, Callable[[], object]]:
    supervisor = Actor(user_id=None, username="bench", role=Role.supervisor, jurisdiction_code=COUNTY)
    today = datetime.now(CHINA).date()
    months = Window(*default_range(Period.month, today))
    baseline = text("SELECT department_code, count(*) FROM requests GROUP BY department_code")
    # Each runs one statement, so the last one sent is the one to EXPLAIN.
    return {
        "baseline: count(*) GROUP BY department_code": lambda: session.execute(baseline).all(),
        "board by department": lambda: supervision.board(session, supervisor, "department"),
        "board by town": lambda: supervision.board(session, supervisor, "town"),
        "red list (200 most overdue)": lambda: supervision.queue(session, supervisor, Colour.red),
        "indicators by department, 12 months": lambda: indicators.ranking(
            session, supervisor, Breakdown.department, months, DEFAULT_SCHEME
        ),
        "indicators by month, 12 months": lambda: indicators.trend(
            session, supervisor, months, Period.month, DEFAULT_SCHEME
        ),
    }


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # warm: the plan, the caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scans(plan: list[str]) -> str:
    """The plan's scans, one word each: which tables were read whole and which indexes were used."""
    found = []
    for line in plan:
        words = line.strip().lstrip("->").strip()
        if "Scan" in words and " on " in words:
            found.append(words.split("  (")[0])
    return "; ".join(dict.fromkeys(found))


def measure(engine: Engine, recorder: Recorder, repeat: int, plans: bool) -> dict[str, float]:
    results: dict[str, float] = {}
    factory = make_session_factory(engine)
    with factory() as session:
        for name, run in queries(session).items():
            results[name] = median_seconds(run, repeat)
            statement, parameters = recorder.last
            with engine.connect() as conn:
                plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)]
            baseline = next(iter(results.values()))
            print(f"  {name:42} {results[name] * 1000:9.1f} ms  {results[name] / baseline:6.2f}× baseline")
            print(f"  {'':42} {scans(plan)}")
            if plans:
                print("\n".join("      " + line for line in plan))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    draw = random.Random(args.seed)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with database() as engine:
        recorder = Recorder(engine)
        with engine.connect() as conn:
            print(f"PostgreSQL {conn.exec_driver_sql('SHOW server_version').scalar()}")
        reliability = county(engine, draw)
        seconds = write_requests(engine, args.requests, draw, reliability)
        with engine.connect() as conn:
            shape = conn.exec_driver_sql(
                "SELECT count(*), count(*) FILTER (WHERE status IN ('submitted', 'routed', 'signed', 'in_progress')),"
                " count(*) FILTER (WHERE due_at < now()), (SELECT count(*) FROM ratings) FROM requests"
            ).one()
        print(
            f"{shape[0]:,} requests ({shape[1]:,} open, {shape[2]:,} overdue) and {shape[3]:,} ratings "
            f"written and analysed in {seconds:.1f} s, {date.today()}"
        )
        print(f"median of {args.repeat} runs after a warm-up:")
        measure(engine, recorder, args.repeat, args.plans)
        for name in args.candidate:
            with engine.begin() as conn:
                conn.execute(text(f"CREATE INDEX bench_{name} ON requests {CANDIDATES[name]}"))
                conn.execute(text("ANALYZE requests"))
            print(f"with candidate index bench_{name} ON requests {CANDIDATES[name]}:")
            measure(engine, recorder, args.repeat, args.plans)
            with engine.begin() as conn:
                conn.execute(text(f"DROP INDEX bench_{name}"))


if __name__ == "__main__":
    main()
