"""Keeping a pensioner's standing and what hangs on it — a suspension notice, a follow-up — in step.

A run does it for thousands at once (:mod:`tongban.registries.certify_import`); a community
worker's finding or an officer's decision does it for one person (:func:`settle`). Both build the
rows here, so a notice or a task reads the same whichever way it came.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.db import utcnow
from tongban.identity.domain import mask_id_number
from tongban.registries.models import FollowUp, Qualification, SuspensionNotice
from tongban.registries.qualification import (
    FOLLOW_UP_WORKING_DAYS,
    Check,
    Effects,
    FollowUpStatus,
    NoticeStatus,
    Standing,
    effects,
    follow_up_kind,
    notice_text,
    standing,
)


def due_on(session: Session, today: date) -> date:
    return calendar.working_calendar(session).add_working_days(today, FOLLOW_UP_WORKING_DAYS).day


def follow_up_row(
    person_id: str, region_code: str, death: date | None, birth_date: date | None, run_id: int, found: Standing,
    today: date, due: date,
) -> dict[str, Any]:  # fmt: skip
    return {
        "person_id": person_id,
        "run_id": run_id,
        "kind": follow_up_kind(death, birth_date, today).value,
        "community_code": region_code,
        "reason": found.reason,
        "created_on": today,
        "due_on": due,
        "status": FollowUpStatus.open.value,
    }


def notice_row(person_id: str, name: str, run_id: int | None, found: Standing, today: date) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "run_id": run_id,
        "issued_on": today,
        "basis": found.reason,
        "text": notice_text(name, today, found.reason),
        "status": NoticeStatus.open.value,
    }


def lifted(today: date, because: str) -> dict[str, Any]:
    """A notice lifted: payment resumes (恢复发放) on ``today``."""
    return {"status": NoticeStatus.lifted.value, "lifted_on": today, "lifted_because": because}


def withdrawn(by: str, because: str) -> dict[str, Any]:
    """A follow-up nobody needs to do any more: the data settled the person."""
    return {"status": FollowUpStatus.withdrawn.value, "note": because, "closed_by": by, "closed_at": utcnow()}


def standing_values(found: Standing) -> dict[str, Any]:
    return {
        "status": found.status.value,
        "reason": found.reason,
        "last_evidence": found.last_evidence,
        "valid_until": found.valid_until,
        "updated_at": utcnow(),
    }


def settle(session: Session, actor: Actor, person: Qualification, check: Check, today: date) -> Effects:
    """Records a person's finding about ``person`` and opens or closes the notice and task it calls for."""
    found = standing(person.death_event, person.last_life_event, check, today)
    before = {"status": person.status, "valid_until": _iso(person.valid_until)}
    for key, value in standing_values(found).items():
        setattr(person, key, value)
    person.checked_on, person.checked_alive = check.on, check.alive
    notice = _open(session, SuspensionNotice, person.person_id)
    task = _open(session, FollowUp, person.person_id)
    wanted = effects(found.status, notice is not None, task is not None)
    if wanted.issue_notice:
        session.add(SuspensionNotice(**notice_row(person.person_id, person.name, person.run_id, found, today)))
    if notice is not None and wanted.lift_notice:
        _assign(notice, lifted(today, found.reason))
    if wanted.open_follow_up:
        death = person.death_event if check.alive else check.on
        row = follow_up_row(
            person.person_id, person.region_code, death, person.birth_date, person.run_id, found, today,
            due_on(session, today),
        )  # fmt: skip
        session.add(FollowUp(**row))
    if task is not None and wanted.withdraw_follow_up:
        _assign(task, withdrawn(actor.username, found.reason))
    after = {"status": found.status.value, "valid_until": _iso(found.valid_until), "check": _iso(check.on)}
    audit.record(session, actor, "settle", "qualifications", _key(person), before=before, after=after)
    session.flush()
    return wanted


def _open(session: Session, table: type[FollowUp] | type[SuspensionNotice], person_id: str) -> Any:
    query = select(table).where(table.person_id == person_id, table.status == "open").with_for_update()
    return session.scalars(query).first()


def _assign(row: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(row, key, value)


def _key(person: Qualification) -> str:
    """The audit log names a pensioner by roll number and masked ID, never the full number."""
    return f"{person.person_id}/{mask_id_number(person.id_number) or '-'}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
