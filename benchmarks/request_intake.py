"""Benchmark: citizen requests raised (诉求受理) per second, with a million requests already in PostgreSQL.

    .venv/bin/python benchmarks/request_intake.py [--requests 1000000] [--submissions 5000] [--seed 1]

Fills a PostgreSQL database of its own as ``request_board.py`` does (its county and its
generated requests, by COPY), loads the Huzhou supervision pack with the province's and the
city's packs above it (request types, routing rules and examples, limits), and lets the
table settle (VACUUM ANALYZE, CHECKPOINT). Then residents raise ``--submissions``
complaints (``fh-complaint``) over the web, one at a time, through
``tongban.requests.service.submit``, the function ``POST /api/v1/requests`` calls: the
Idempotency-Key look-up (the web form sends a key), the type, channel, place and requester
checks, the tracking code, the department suggestion, the dispatch clock on the
working-day calendar, the timeline entry and the hash-chained audit entry, one committed
transaction per request, and the view the API answers with. Half the texts name a
keyword of one of the pack's rules (rule path), half do not and go to the pack's
classifier (model path); they are the pack's own example texts with a greeting and a plea
around them (``request_routing.py``'s).

The floors, in the same run and interleaved with the submissions one request at a time (so
that whatever else the machine is doing weighs on both alike): right after each submission,
the request row it wrote is written again under another id and tracking code with a bare
SQLAlchemy Core INSERT in a transaction of its own, into the same table of a million rows
with all its indexes: what one committed row per request costs at the least. A second floor
writes a copy of all three rows the submission inserted (the request, its timeline entry,
its audit entry) in one transaction. Neither reads or checks anything; they bound the
service from below, they are not an alternative to it.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import request_board as board
from request_routing import GREETINGS, PLEAS
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, Table, event, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM, Actor
from tongban.auth.models import Jurisdiction, User
from tongban.auth.service import actor_of
from tongban.db import make_session_factory
from tongban.files.service import FileStore
from tongban.packs import service as packs
from tongban.requests import routing_store, service
from tongban.requests.domain import Channel
from tongban.requests.models import CitizenRequest, RequestEvent
from tongban.requests.routing import match_rule

ROOT = Path(__file__).resolve().parent.parent
# huzhou-supervision's places hang under 湖州市 (nanxun-elderly-card) and 浙江省 (wucheng-e-kuaiban).
PACKS = [ROOT / "packs" / name for name in ("wucheng-e-kuaiban", "nanxun-elderly-card", "huzhou-supervision")]
PACK, TYPE, TOWN = "huzhou-supervision", "fh-complaint", "330502005"
WARM_UP = 10  # untimed submissions first: jieba's dictionary, the pack's classifier, the calendar
PATHS = ("rule", "model")
TRACKING_CODE = "uq_requests_tracking_code"
REQUESTS = CitizenRequest.__table__
EVENTS = RequestEvent.__table__
AUDIT = AuditEntry.__table__
err = Console(stderr=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests in the table before intake")
    parser.add_argument("--submissions", type=int, default=5000, help="requests raised through the service")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


# --- the database --------------------------------------------------------------------------------


@contextmanager
def counted_rows(progress: Progress, task: TaskID) -> Iterator[None]:
    """Advances the bar as ``request_board.write_requests`` generates its rows (it takes no callback)."""
    original = board.request_row

    def row(n: int, draw: random.Random, reliability: dict[str, float], now: datetime) -> tuple[Any, ...]:
        if n % 10_000 == 0:
            progress.advance(task, 10_000)
        return original(n, draw, reliability, now)

    board.request_row = row
    try:
        yield
    finally:
        board.request_row = original


def fill(engine: Engine, count: int, seed: int) -> None:
    draw = random.Random(seed)
    reliability = board.county(engine, draw)
    with bar() as progress:
        task = progress.add_task(f"COPY {count:,} requests", total=count)
        with counted_rows(progress, task):
            seconds = board.write_requests(engine, count, draw, reliability)
    print(f"{count:,} requests written and analysed in {seconds:.1f} s (request_board.write_requests)")
    with engine.begin() as conn:  # COPY gave the ids; new requests take theirs from the sequence
        conn.execute(text("SELECT setval(pg_get_serial_sequence('requests', 'id'), (SELECT max(id) FROM requests))"))
    start = time.perf_counter()
    packs.load(make_session_factory(engine), SYSTEM, PACKS)
    print(f"packs {', '.join(path.name for path in PACKS)} loaded in {time.perf_counter() - start:.1f} s")


def settle(engine: Engine) -> None:
    """Vacuumed, analysed and checkpointed, so that autovacuum and a checkpoint do not land inside a timing."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("requests", "request_events", "audit_entries", "audit_head"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        conn.execute(text("CHECKPOINT"))


# --- what residents write ------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    path: str  # rule | model
    actor: Actor
    submission: service.Submission


def plan(factory: sessionmaker[Session], count: int, rng: random.Random) -> list[Planned]:
    """``count`` complaints, alternately naming a rule's keyword and not, from residents of the board's county."""
    with factory() as session:
        examples = routing_store.examples_of(session, PACK)
        rules = routing_store.rules_of(session, PACK)
        villages = list(session.scalars(select(Jurisdiction.code).where(Jurisdiction.parent_code == TOWN)))
        residents = [actor_of(user) for user in session.scalars(select(User).where(User.role == "citizen"))]
    texts: dict[str, list[str]] = {path: [] for path in PATHS}
    half = -(-count // 2)
    for _ in range(100 * count + 1000):
        words = f"{rng.choice(GREETINGS)}{rng.choice(examples).text}{rng.choice(PLEAS)}"
        path = "model" if match_rule(words, TYPE, rules) is None else "rule"
        if len(texts[path]) < half:
            texts[path].append(words)
        if all(len(found) == half for found in texts.values()):
            break
    else:
        raise RuntimeError(f"too few texts for a path: { {path: len(found) for path, found in texts.items()} }")
    planned = []
    for n in range(count):
        path = PATHS[n % 2]
        mapped = rng.random() < 0.5  # half mark the place on the map
        submission = service.Submission(
            type_code=TYPE,
            text=texts[path][n // 2],
            channel=Channel.web,
            jurisdiction_code=rng.choice(villages),
            lat=30.87 + rng.uniform(-0.01, 0.01) if mapped else None,
            lon=120.10 + rng.uniform(-0.01, 0.01) if mapped else None,
            idempotency_key=uuid.uuid4().hex,
        )
        planned.append(Planned(path, rng.choice(residents), submission))
    return planned


# --- timing --------------------------------------------------------------------------------------

Row = tuple[Table, dict[str, Any]]
# The floors write their copies of a request's rows under these offsets (ids, audit seq) and suffixes (unique keys).
FLOORS = {"request row": (100_000_000, "A"), "request, event, audit rows": (200_000_000, "B")}


@dataclass
class Timings:
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # what → seconds
    cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # what → this process's CPU s
    done: Counter[str] = field(default_factory=Counter)  # what → requests
    routed: Counter[tuple[str, str | None]] = field(default_factory=Counter)  # (path, suggested_by) → requests
    refused: Counter[str] = field(default_factory=Counter)  # the database's message → submissions
    statements: int = 0  # sent by service.submit
    rows: int = 0  # written per request by service.submit


class Statements:
    """Counts the statements the engine sends while switched on."""

    def __init__(self, engine: Engine) -> None:
        self.on, self.count = False, 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += self.on


def run(engine: Engine, statements: Statements, planned: Sequence[Planned], label: str, floors: bool = True) -> Timings:
    """Each submission through ``service.submit``, then the floors' copies of its rows, each timed on its own.

    Interleaved one request at a time, so that whatever else the machine does falls on both alike.
    """
    result = Timings()
    factory = make_session_factory(engine)
    with tempfile.TemporaryDirectory() as folder, bar() as progress:
        store = FileStore(Path(folder))
        task = progress.add_task(label, total=len(planned))
        for item in planned:
            statements.on = True
            start, cpu = time.perf_counter(), time.process_time()
            try:
                view, _ = service.submit(factory, store, item.actor, item.submission)
            except IntegrityError as exc:
                # Two tracking codes alike (32 random bits a day) is counted and reported; anything else is a bug.
                if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != TRACKING_CODE:
                    raise
                result.refused[str(exc.orig).splitlines()[0]] += 1
                continue
            finally:
                result.seconds[f"submit, {item.path} path"] += time.perf_counter() - start
                result.cpu[f"submit, {item.path} path"] += time.process_time() - cpu
                statements.on = False
                progress.advance(task)
            result.done[f"submit, {item.path} path"] += 1
            if not floors:
                continue
            rows = written(engine, view.id)
            result.routed[item.path, rows[0][1]["suggested_by"]] += 1
            result.rows = len(rows)
            for name, (offset, suffix) in FLOORS.items():
                batch = copies(rows[:1] if name == "request row" else rows, offset, suffix)
                start, cpu = time.perf_counter(), time.process_time()
                with engine.begin() as conn:
                    for table, row in batch:
                        conn.execute(insert(table), row)
                result.seconds[f"floor: {name}"] += time.perf_counter() - start
                result.cpu[f"floor: {name}"] += time.process_time() - cpu
                result.done[f"floor: {name}"] += 1
    result.statements = statements.count
    return result


def written(engine: Engine, request_id: int) -> list[Row]:
    """The rows a submission wrote: the request, its timeline entry, its audit entry."""
    with engine.connect() as conn:
        request = dict(conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id)).mappings().one())
        events = conn.execute(select(EVENTS).where(EVENTS.c.request_id == request_id)).mappings().all()
        query = select(AUDIT).where(AUDIT.c.entity == "requests", AUDIT.c.entity_key == request["tracking_code"])
        audit = conn.execute(query).mappings().all()
    return [(REQUESTS, request), *((EVENTS, dict(row)) for row in events), *((AUDIT, dict(row)) for row in audit)]


def copies(rows: Sequence[Row], offset: int, suffix: str) -> list[Row]:
    """The same rows under other keys, so that they can be written beside the originals."""
    copied: list[Row] = []
    for table, row in rows:
        if table is REQUESTS:
            key = row["idempotency_key"]
            row = row | {"id": row["id"] + offset, "tracking_code": row["tracking_code"] + suffix}
            row["idempotency_key"] = key + suffix if key else None
        elif table is EVENTS:
            row = row | {"id": row["id"] + offset, "request_id": row["request_id"] + offset}
        else:
            row = row | {"seq": row["seq"] + offset, "entity_key": row["entity_key"] + suffix}
        copied.append((table, row))
    return copied


# --- the report ----------------------------------------------------------------------------------


def machine(engine: Engine) -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {memory:.1f} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {version} over 127.0.0.1, {date.today()}"
    )


def table(timings: Timings) -> str:
    """A Markdown table: each line's time per request against the first floor's."""
    floor = next(iter(FLOORS))
    per_floor = timings.seconds[f"floor: {floor}"] / timings.done[f"floor: {floor}"]
    submitted = [f"submit, {path} path" for path in PATHS]
    lines = [
        "| what | requests | seconds | ms/request | requests/s | time vs floor | Python CPU ms/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    everything = [
        (
            "submit, all",
            sum(timings.done[name] for name in submitted),
            sum(timings.seconds[name] for name in submitted),
            sum(timings.cpu[name] for name in submitted),
        )
    ]
    names = [*submitted, *(f"floor: {name}" for name in FLOORS)]
    everything += [
        (name, timings.done[name], timings.seconds[name], timings.cpu[name]) for name in names if timings.done[name]
    ]
    for name, count, seconds, cpu in everything:
        per = seconds / count
        figures = f"{count:,} | {seconds:.2f} | {per * 1000:.2f} | {count / seconds:,.0f} | {per / per_floor:.2f}×"
        lines.append(f"| {name} | {figures} | {cpu / count * 1000:.2f} |")
    return "\n".join(lines)


def load() -> str:
    return "load average " + " ".join(f"{figure:.1f}" for figure in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with board.database() as engine:
        print(machine(engine))
        fill(engine, args.requests, args.seed)
        statements = Statements(engine)
        planned = plan(make_session_factory(engine), WARM_UP + args.submissions, rng)
        run(engine, statements, planned[:WARM_UP], "warm-up", floors=False)
        settle(engine)
        with engine.connect() as conn:
            before = conn.execute(select(func.count()).select_from(REQUESTS)).scalar_one()
        print(f"{before:,} requests in the table before the timed submissions; {load()}")
        statements.count = 0
        timings = run(engine, statements, planned[WARM_UP:], "submit, then the floors")
        print(f"{load()} after")

    submitted = sum(timings.done[f"submit, {path} path"] for path in PATHS)
    attempts = submitted + sum(timings.refused.values())
    print()
    print(table(timings))
    print()
    suggested = ", ".join(
        f"{path} path → {by or 'none'}: {n:,}" for (path, by), n in sorted(timings.routed.items(), key=str)
    )
    print(f"suggestions: {suggested}")
    print(f"per submission: {timings.statements / attempts:.1f} statements sent, {timings.rows} rows inserted")
    for reason, n in timings.refused.items():
        print(f"refused by the database ({n}×): {reason}")
    seconds = sum(timings.seconds[f"submit, {path} path"] for path in PATHS)
    floor = timings.seconds[f"floor: {next(iter(FLOORS))}"] / timings.done[f"floor: {next(iter(FLOORS))}"]
    print(
        f"{submitted:,} submissions with {before:,} requests in the table: {submitted / seconds:,.0f}/s through "
        f"service.submit, floor {1 / floor:,.0f}/s ({seconds / submitted / floor:.1f}× the floor's time per request)"
    )


if __name__ == "__main__":
    main()
