"""A certification run into the platform: qualifications, follow-ups, suspension notices and resumptions.

One transaction for the whole run: the platform never holds half a run. Rows stream from DuckDB
a batch at a time and are written with executemany inserts and updates, a few statements per
batch, so a county's 40,000 pensioners take seconds and memory stays flat for a province.

Importing is idempotent: a run is known by its file's SHA-256 and its as-of day, and importing the
same again changes nothing. A run older than one already imported is refused: it would undo newer findings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.auth.models import Department
from tongban.calendar import service as calendar
from tongban.db import Base, transaction, utcnow
from tongban.errors import BadInput
from tongban.registries import standings
from tongban.registries.domain import Status
from tongban.registries.models import (
    CertificationResult,
    CertificationRun,
    FollowUp,
    Qualification,
    SuspensionNotice,
)
from tongban.registries.qualification import Check, effects, standing
from tongban.registries.run_file import RunCounts, RunFile, RunRow

Progress = Callable[[str, int, int], None]
BATCH = 5_000
STAGE = "import"


@dataclass(frozen=True)
class Imported:
    run_id: int
    created: bool  # False: this file was imported before, and nothing changed


@dataclass
class Tally:
    """What the import did in the platform, counted as it goes."""

    follow_ups_opened: int = 0
    follow_ups_withdrawn: int = 0
    notices_issued: int = 0
    resumed: int = 0
    kept_by_checks: int = 0


@dataclass
class Batch:
    """The statements one batch of the run turns into."""

    results: list[dict[str, Any]] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    lifted: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """What the platform already holds about a batch's people."""

    checks: dict[str, Check | None]  # person → their latest check; absent: no qualification yet
    notices: dict[str, int]  # person → open notice
    follow_ups: dict[str, int]  # person → open follow-up


def import_run(
    factory: sessionmaker[Session],
    actor: Actor,
    run_file: Path,
    roll: Path,
    as_of: date,
    department: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> Imported:
    """Imports ``run_file`` (``tongban certify --out``) made from the pensioner ``roll`` as of ``as_of``."""
    report = progress or (lambda stage, done, total: None)
    day = today or calendar.today()
    digest = _digest(run_file)
    with RunFile(run_file, roll) as source, transaction(factory) as session:
        _check_department(session, department)
        same = (CertificationRun.digest == digest) & (CertificationRun.as_of == as_of)
        earlier = session.scalars(select(CertificationRun.id).where(same)).first()
        if earlier is not None:
            return Imported(earlier, False)
        _check_order(session, as_of)
        counts = source.counts()
        run = _new_run(session, actor, run_file.name, digest, as_of, department, counts)
        tally, done, due = Tally(), 0, standings.due_on(session, day)
        report(STAGE, 0, counts.pensioners)
        for rows in source.batches(BATCH):
            _write(session, _plan(rows, _known(session, rows), run, actor, day, due, tally))
            done += len(rows)
            report(STAGE, done, counts.pensioners)
        _finish(session, actor, run, tally)
        return Imported(run.id, True)


def _digest(path: Path) -> str:
    if not path.is_file():
        raise BadInput(f"找不到文件 {path}", f"no file {path}", "run_file")
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def _check_order(session: Session, as_of: date) -> None:
    latest = session.scalar(select(func.max(CertificationRun.as_of)))
    if latest is not None and as_of < latest:
        raise BadInput(
            f"已导入 {latest.isoformat()} 的批次，不能再导入更早的批次",
            f"a run as of {latest.isoformat()} is imported already; an older run would undo newer findings",
            "as_of",
        )


def _check_department(session: Session, code: str | None) -> None:
    if code is not None and session.get(Department, code) is None:
        raise BadInput(f"部门 {code} 不存在", f"no department {code}", "department")


def _new_run(
    session: Session, actor: Actor, name: str, digest: str, as_of: date, department: str | None, counts: RunCounts
) -> CertificationRun:
    run = CertificationRun(
        as_of=as_of, digest=digest, file_name=name[:255], department_code=department,
        pensioners=counts.pensioners, certified=counts.by_status[Status.CERTIFIED],
        suspended=counts.by_status[Status.SUSPENDED], manual=counts.by_status[Status.MANUAL],
        matched_by_id=counts.matched_by_id, matched_fuzzy=counts.matched_fuzzy, unmatched=counts.unmatched,
        follow_ups_opened=0, follow_ups_withdrawn=0, notices_issued=0, resumed=0, kept_by_checks=0,
        imported_by=actor.username, imported_at=utcnow(),
    )  # fmt: skip
    session.add(run)
    session.flush()
    return run


def _known(session: Session, rows: Sequence[RunRow]) -> Known:
    people = [row.person_id for row in rows]
    held = session.execute(
        select(Qualification.person_id, Qualification.checked_on, Qualification.checked_alive).where(
            Qualification.person_id.in_(people)
        )
    )
    checks = {pid: Check(on, bool(alive)) if on is not None else None for pid, on, alive in held}
    notices = _open_ids(session, SuspensionNotice, people) if checks else {}
    follow_ups = _open_ids(session, FollowUp, people) if checks else {}
    return Known(checks, notices, follow_ups)


def _open_ids(session: Session, table: type[FollowUp] | type[SuspensionNotice], people: list[str]) -> dict[str, int]:
    query = select(table.person_id, table.id).where(table.status == "open", table.person_id.in_(people))
    return {pid: row_id for pid, row_id in session.execute(query)}


def _plan(
    rows: Sequence[RunRow], known: Known, run: CertificationRun, actor: Actor, today: date, due: date, tally: Tally
) -> Batch:
    batch = Batch()
    for row in rows:
        check = known.checks.get(row.person_id)
        found = standing(row.death_event, row.last_life_event, check, run.as_of)
        tally.kept_by_checks += found.status is not row.status
        batch.results.append(_result(run.id, row))
        person = {**_person(row), **standings.standing_values(found), "run_id": run.id}
        (batch.changed if row.person_id in known.checks else batch.new).append(person)
        notice, task = known.notices.get(row.person_id), known.follow_ups.get(row.person_id)
        wanted = effects(found.status, notice is not None, task is not None)
        if wanted.issue_notice:
            batch.notices.append(standings.notice_row(row.person_id, row.name, run.id, found, today))
        if notice is not None and wanted.lift_notice:
            batch.lifted.append({"id": notice, **standings.lifted(today, f"{found.reason}（批次 {run.id}）")})
        if wanted.open_follow_up:
            # A death a person found counts like a recorded one: the conflict needs someone there.
            death = row.death_event or (check.on if check and not check.alive else None)
            batch.follow_ups.append(
                standings.follow_up_row(
                    row.person_id, row.region_code, death, row.birth_date, run.id, found, today, due
                )
            )
        if task is not None and wanted.withdraw_follow_up:
            batch.withdrawn.append(
                {"id": task, **standings.withdrawn(actor.username, f"批次 {run.id}：{found.reason}")}
            )
    _count(tally, batch)
    return batch


def _result(run_id: int, row: RunRow) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "person_id": row.person_id,
        "status": row.status.value,
        "reason": row.reason,
        "last_life_event": row.last_life_event,
        "death_event": row.death_event,
        "matched_by": row.matched_by,
        "region_code": row.region_code,
    }


def _person(row: RunRow) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "id_number": row.id_number,
        "name": row.name,
        "birth_date": row.birth_date,
        "region_code": row.region_code,
        "last_life_event": row.last_life_event,
        "death_event": row.death_event,
        "matched_by": row.matched_by,
    }


def _count(tally: Tally, batch: Batch) -> None:
    tally.follow_ups_opened += len(batch.follow_ups)
    tally.follow_ups_withdrawn += len(batch.withdrawn)
    tally.notices_issued += len(batch.notices)
    tally.resumed += len(batch.lifted)


def _write(session: Session, batch: Batch) -> None:
    """Core executemany statements (the ORM's bulk path would group rows and send many more statements);
    qualifications first, as notices and follow-ups refer to them."""
    inserts = (
        (CertificationResult, batch.results), (Qualification, batch.new), (FollowUp, batch.follow_ups),
        (SuspensionNotice, batch.notices),
    )  # fmt: skip
    for model, rows in inserts:
        if rows:
            session.execute(_table(model).insert(), rows)
    updates = ((Qualification, "person_id", batch.changed), (FollowUp, "id", batch.withdrawn),
               (SuspensionNotice, "id", batch.lifted))  # fmt: skip
    for model, key, rows in updates:
        if rows:
            session.execute(_by_key(_table(model), key, rows[0]), [_keyed(row, key) for row in rows])


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _by_key(table: Table, key: str, sample: dict[str, Any]) -> Update:
    """UPDATE table SET each column of ``sample`` WHERE key = :k_key, for executemany."""
    values: dict[str, Any] = {column: bindparam(column) for column in sample if column != key}
    return update(table).where(table.c[key] == bindparam(f"k_{key}")).values(values)


def _keyed(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {(f"k_{key}" if column == key else column): value for column, value in row.items()}


def _finish(session: Session, actor: Actor, run: CertificationRun, tally: Tally) -> None:
    for name, value in vars(tally).items():
        setattr(run, name, value)
    counts = {"pensioners": run.pensioners, "certified": run.certified, "suspended": run.suspended}
    counts |= {"manual": run.manual, **vars(tally)}
    audit.record(
        session, actor, "import", "certification_runs", str(run.id),
        after={"as_of": run.as_of.isoformat(), "file": run.file_name, "sha256": run.digest, **counts},
    )  # fmt: skip
