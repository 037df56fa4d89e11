"""Recording writes in the audit log and verifying the chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit.domain import GENESIS, Break, EntryContent, canonical_json, entry_hash, first_break
from tongban.audit.models import AuditEntry, AuditHead
from tongban.auth.domain import Actor
from tongban.db import utcnow

VERIFY_BATCH = 5_000


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    key: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Appends one entry inside the caller's transaction, so the log and the write commit together."""
    head = _locked_head(session)
    content = EntryContent(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor.username,
        action=action,
        entity=entity,
        entity_key=key,
        before=canonical_json(before),
        after=canonical_json(after),
    )
    entry = AuditEntry(
        seq=content.seq,
        at=content.at,
        actor=content.actor,
        action=action,
        entity=entity,
        entity_key=key,
        before=content.before,
        after=content.after,
        prev_hash=head.hash,
        hash=entry_hash(content, head.hash),
    )
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def _locked_head(session: Session) -> AuditHead:
    # FOR UPDATE serialises concurrent writers on PostgreSQL; SQLite serialises writes anyway.
    head = session.scalars(select(AuditHead).where(AuditHead.id == 1).with_for_update()).one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def verify(session: Session) -> tuple[int, Break | None]:
    """Returns how many entries were checked and the first break, if any."""
    checked = 0
    prev_hash, prev_seq = GENESIS, 0
    for batch in _batches(session):
        found = first_break(batch, prev_hash, prev_seq)
        if found is not None:
            return found.seq - 1, found
        checked += len(batch)
        prev_seq, prev_hash = batch[-1][0].seq, batch[-1][2]
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (prev_seq, prev_hash):
        return checked, Break(prev_seq + 1, "链尾的条目已被删除", "entries at the end of the chain were deleted")
    return checked, None


def _batches(session: Session) -> Iterator[list[tuple[EntryContent, str, str]]]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(VERIFY_BATCH)
        ).all()
        if not rows:
            return
        yield [(_content(row), row.prev_hash, row.hash) for row in rows]
        last = rows[-1].seq


def _content(row: AuditEntry) -> EntryContent:
    return EntryContent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_key=row.entity_key,
        before=row.before,
        after=row.after,
    )


def history(session: Session, entity: str, key: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_key == key).order_by(AuditEntry.seq)
        )
    )


def upsert(
    session: Session, actor: Actor, model: type[Any], values: dict[str, Any], stamps: dict[str, Any] | None = None
) -> str:
    """Creates or updates one row by primary key, auditing the difference.

    Returns ``created``, ``updated`` or ``unchanged``; an unchanged row writes nothing,
    which is what makes loading the same pack twice a no-op. ``stamps`` (an ``updated_at``)
    are written only with a creation or a change, so they never make a change themselves.
    """
    mapper = model.__mapper__
    key_columns = [column.key for column in mapper.primary_key]
    key = tuple(values[name] for name in key_columns)
    entity = model.__tablename__
    key_text = "/".join(str(part) for part in key)
    row = session.get(model, key if len(key) > 1 else key[0])
    if row is None:
        values = {**values, **(stamps or {})}
        session.add(model(**values))
        record(session, actor, "create", entity, key_text, after=values)
        return "created"
    before = {name: getattr(row, name) for name in values}
    if before == values:
        return "unchanged"
    changed = {name: value for name, value in values.items() if before[name] != value}
    before.update({name: getattr(row, name) for name in stamps or {}})
    changed.update(stamps or {})
    for name, value in changed.items():
        setattr(row, name, value)
    record(session, actor, "update", entity, key_text, {k: before[k] for k in changed}, changed)
    return "updated"


def delete(session: Session, actor: Actor, row: Any) -> None:
    """Deletes one row, keeping its last state in the log."""
    mapper = row.__mapper__
    key_text = "/".join(str(getattr(row, column.key)) for column in mapper.primary_key)
    before = {column.key: getattr(row, column.key) for column in mapper.column_attrs}
    session.delete(row)
    record(session, actor, "delete", row.__tablename__, key_text, before=before)
