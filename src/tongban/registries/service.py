"""Shared registries inside the platform: loading an owner's file, and reading what they hold about a person.

Reading a person's record is audited every time (who read which registry about whom), as
the personal-data rules require; loading a file is audited once, with its size and hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role
from tongban.auth.models import Department, User
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Forbidden, NotFound
from tongban.identity.domain import InvalidIdNumber, mask_id_number, validate_id_number
from tongban.registries.models import Registry, RegistryRecord
from tongban.rules.domain import INVALID, FactType, parse_value

Progress = Callable[[str, int, int], None]
BATCH = 5_000


@dataclass(frozen=True)
class Origin:
    """Where shared data comes from, as a person is told: the registry, its owner and how fresh it is."""

    code: str
    name: str
    name_en: str | None
    department: str
    department_en: str | None
    refresh: str


@dataclass(frozen=True)
class Reading:
    """A value read from a registry, with where it came from, for "data instead of paper"."""

    origin: Origin
    field: str
    value: Any
    found: bool  # whether the registry holds a record of the person at all


def registry(session: Session, code: str) -> Registry:
    found = session.get(Registry, code)
    if found is None:
        raise NotFound(f"登记库 {code} 不存在", f"registry {code} not found", "registry")
    return found


def read_person(
    session: Session, actor: Actor, id_number: str, wanted: Iterable[tuple[str, str]], purpose: str
) -> dict[tuple[str, str], Reading]:
    """The values of ``wanted`` (registry, field) about one person; each registry read is audited.

    A citizen reads only about themselves; staff read for a case or a check they work on,
    and the purpose is recorded with the read.
    """
    if actor.role is Role.citizen and not _is_self(session, actor, id_number):
        raise Forbidden("只能查询本人的共享数据", "residents may read only their own shared data")
    by_registry: dict[str, list[str]] = {}
    for code, field in wanted:
        by_registry.setdefault(code, []).append(field)
    found: dict[tuple[str, str], Reading] = {}
    for code, fields in by_registry.items():
        origin = _origin(session, registry(session, code))
        record = session.get(RegistryRecord, (code, id_number))
        for field in fields:
            value = record.data.get(field) if record else None
            found[(code, field)] = Reading(origin, field, value, record is not None)
        audit.record(
            session,
            actor,
            "read",
            "registry_records",
            f"{code}/{mask_id_number(id_number)}",
            after={"fields": fields, "found": record is not None, "purpose": purpose},
        )
    return found


def origins(session: Session, codes: Iterable[str]) -> dict[str, Origin]:
    """The registries among ``codes`` that the platform holds, described; codes no loaded pack declares are left out."""
    held = session.scalars(select(Registry).where(Registry.code.in_(set(codes)))).all()
    return {source.code: _origin(session, source) for source in held}


def _origin(session: Session, source: Registry) -> Origin:
    department = session.get(Department, source.department_code)
    name, name_en = (department.name, department.name_en) if department else (source.department_code, None)
    return Origin(source.code, source.name, source.name_en, name, name_en, source.refresh)


def _is_self(session: Session, actor: Actor, id_number: str) -> bool:
    user = session.get(User, actor.user_id) if actor.user_id else None
    return user is not None and user.id_number == id_number


def load_file(
    factory: sessionmaker[Session], actor: Actor, code: str, path: Path, progress: Progress | None = None
) -> int:
    """Replaces a registry's records with the rows of a CSV or Parquet file, in one transaction.

    Every row is checked first (an ID number that is not valid, a value not of its field's
    type) and nothing is written when any is wrong; the error names the row.
    """
    report = progress or (lambda stage, done, total: None)
    with transaction(factory) as session:
        source = registry(session, code)
        rows = list(_checked_rows(source, path))
        session.execute(delete(RegistryRecord).where(RegistryRecord.registry_code == code))
        for start in range(0, len(rows), BATCH):
            session.add_all(
                RegistryRecord(registry_code=code, id_number=key, data=data)
                for key, data in rows[start : start + BATCH]
            )
            session.flush()
            report("load", min(start + BATCH, len(rows)), len(rows))
        source.loaded_at = utcnow()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        audit.record(session, actor, "load", "registries", code, after={"rows": len(rows), "sha256": digest})
        return len(rows)


def _checked_rows(source: Registry, path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    fields = {field["name"]: FactType(field["type"]) for field in source.fields}
    for line, row in _read(path, ["id_number", *fields]):
        yield _id_of(row.get("id_number"), line), _typed(row, fields, line)


def _id_of(raw: Any, line: int) -> str:
    try:
        return validate_id_number(str(raw or "")).value
    except InvalidIdNumber as exc:
        raise BadInput(f"第 {line} 行：{exc.message_zh}", f"row {line}: {exc.message_en}", "id_number") from None


def _typed(row: Mapping[str, Any], fields: Mapping[str, FactType], line: int) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, kind in fields.items():
        value = parse_value(None if row.get(name) is None else str(row[name]), kind)
        if value is INVALID:
            raise BadInput(
                f"第 {line} 行 {name}：{row[name]!r} 不是 {kind.value}", f"row {line}: {name} is not {kind.value}", name
            )
        data[name] = value
    return data


def _read(path: Path, columns: list[str]) -> Iterable[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise BadInput(f"找不到文件 {path}", f"no file {path}", "file")
    with duckdb.connect() as db:
        try:
            relation = (
                db.read_parquet(str(path))
                if path.suffix.lower() == ".parquet"
                else db.read_csv(str(path), header=True, all_varchar=True)
            )
        except duckdb.Error as exc:
            problem = str(exc).splitlines()[0]
            raise BadInput(f"无法读取文件：{problem}", f"cannot read the file: {problem}", "file") from None
        absent = [name for name in columns if name not in relation.columns]
        if absent:
            raise BadInput(f"文件缺少列：{'、'.join(absent)}", f"the file lacks column(s): {', '.join(absent)}", "file")
        names = relation.columns
        # The data row's line: after the header, for a CSV people open in a spreadsheet.
        for index, values in enumerate(relation.fetchall(), 2):
            yield index, dict(zip(names, values, strict=True))


def field_types(session: Session) -> dict[str, dict[str, str]]:
    """Registry code → {field: type}, for checking packs against registries already loaded."""
    return {
        code: {f["name"]: f["type"] for f in fields}
        for code, fields in session.execute(select(Registry.code, Registry.fields))
    }
