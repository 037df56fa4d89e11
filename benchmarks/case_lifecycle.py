"""Benchmark: full case lifecycles per second, against a floor of the same rows written with plain SQL.

    .venv/bin/python benchmarks/case_lifecycle.py [--lifecycles 300] [--database sqlite|postgres|both]

A lifecycle is what a citizen and three staff do to one case: submit, accept, two parallel
reviews by two departments, and the decision — five transactions through
`tongban.cases.service.apply` and `tongban.cases.actions.act`, each checking the version,
who may act, the workflow and the deadlines, and writing the timeline and the audit log.

The floor then replays every row those lifecycles left (cases, steps, events, materials,
audit entries) into an empty copy of the tables with plain SQLAlchemy Core INSERTs, in the
same five transactions per case, in the same process. It writes the same rows and does
nothing else: no reads, no checks, no updates, so it is a lower bound, not an alternative.
PostgreSQL runs in a database of its own, created and dropped here.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import User
from tongban.auth.service import NewUser, actor_of, add_user
from tongban.cases import actions, service
from tongban.cases.domain import Action, CaseStatus
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep
from tongban.db import make_engine, make_session_factory, transaction
from tongban.migrations import upgrade
from tongban.packs import service as packs

PACK = Path(__file__).parent / "fixtures" / "bench-cases"
POSTGRES_URL = os.environ.get("TONGBAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PEOPLE = {
    "citizen": (Role.citizen, "320211", None),
    "window": (Role.window, "320211", None),
    "planner": (Role.reviewer, "320211", "bc-a"),
    "builder": (Role.reviewer, "320211", "bc-b"),
}
TABLES: list[Any] = [Case, CaseStep, CaseEvent, CaseMaterial, AuditEntry]
LIFECYCLE_ENTITIES = ("cases", "case_materials")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    return parser.parse_args(argv)


@contextmanager
def database(kind: str) -> Iterator[Engine]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(engine)
            yield engine
            engine.dispose()
        return
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


def people(factory: sessionmaker[Session]) -> dict[str, Actor]:
    packs.load(factory, SYSTEM, [PACK])
    with transaction(factory) as session:
        for name, (role, place, department) in PEOPLE.items():
            add_user(session, SYSTEM, NewUser(name, role, name, place, department), "bench-password-1")
    with factory() as session:
        return {user.username: actor_of(user) for user in session.scalars(select(User))}


def lifecycle(factory: sessionmaker[Session], who: dict[str, Actor], n: int) -> None:
    application = service.Application(service="BC-PARALLEL", form={"project": f"项目{n}"})
    view, _ = service.apply(factory, who["citizen"], application)
    nothing = actions.ActionInput()
    view = actions.act(factory, who["window"], view.id, Action.accept, view.version, nothing)
    view = actions.act(factory, who["planner"], view.id, Action.approve, view.version, actions.ActionInput(step="plan"))
    view = actions.act(factory, who["builder"], view.id, Action.approve, view.version, nothing)
    view = actions.act(factory, who["planner"], view.id, Action.approve, view.version, nothing)
    assert view.status == CaseStatus.approved, view.status


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row the lifecycles wrote; of the audit log, only their entries."""
    with engine.connect() as conn:
        return {model.__tablename__: [dict(row._mapping) for row in conn.execute(_ours(model))] for model in TABLES}


def _ours(model: Any) -> Any:
    table = model.__table__
    return select(table).where(table.c.entity.in_(LIFECYCLE_ENTITIES)) if model is AuditEntry else select(table)


def empty(engine: Engine) -> None:
    """Empties the case tables (and the audit log, whose append-only trigger is lifted for this)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        for model in reversed(TABLES):
            conn.execute(_tail(model) if model is AuditEntry else model.__table__.delete())


def _tail(model: Any) -> Any:
    # Keep the pack's and the users' audit entries: only what the lifecycles wrote is replayed.
    return model.__table__.delete().where(model.__table__.c.entity.in_(LIFECYCLE_ENTITIES))


def floor(engine: Engine, rows: dict[str, list[dict[str, Any]]], lifecycles: int) -> float:
    """Replays the rows in five transactions per case, as many as the lifecycles took."""
    batches = _batches(rows, lifecycles)
    start = time.perf_counter()
    for batch in batches:
        with engine.begin() as conn:
            for table, row in batch:
                conn.execute(insert(table), row)
    return time.perf_counter() - start


def _batches(rows: dict[str, list[dict[str, Any]]], lifecycles: int) -> list[list[tuple[Table, dict[str, Any]]]]:
    ordered = [(model.__table__, row) for model in TABLES for row in rows[model.__tablename__]]
    per = max(1, -(-len(ordered) // (lifecycles * 5)))
    return [ordered[i : i + per] for i in range(0, len(ordered), per)]


def run(kind: str, lifecycles: int) -> dict[str, float]:
    with database(kind) as engine:
        factory = make_session_factory(engine)
        who = people(factory)
        lifecycle(factory, who, 0)  # warm caches (catalogue, calendar) before timing
        start = time.perf_counter()
        for n in range(1, lifecycles + 1):
            lifecycle(factory, who, n)
        engine_seconds = time.perf_counter() - start
        rows = snapshot(engine)
        written = sum(len(value) for value in rows.values())
        empty(engine)
        floor_seconds = floor(engine, rows, lifecycles + 1)
    return {
        "lifecycles_per_s": lifecycles / engine_seconds,
        "floor_per_s": (lifecycles + 1) / floor_seconds,
        "rows": written / (lifecycles + 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for kind in kinds:
        result = run(kind, args.lifecycles)
        ratio = result["floor_per_s"] / result["lifecycles_per_s"]
        print(
            f"{kind:8} {args.lifecycles} lifecycles: {result['lifecycles_per_s']:.1f}/s through the engine; "
            f"floor {result['floor_per_s']:.1f}/s writing the same {result['rows']:.0f} rows each with plain SQL "
            f"({ratio:.1f}× the engine's time)"
        )


if __name__ == "__main__":
    main()
