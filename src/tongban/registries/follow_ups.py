"""Follow-ups (核实任务) for pensioners the data could not settle, worked by their community's workers.

A community worker (全科社工, role ``window``) sees and works only the follow-ups of the places
their jurisdiction covers; anyone else's is "not found", so that nobody learns of another
community's pensioners. ID numbers are masked on every view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.auth.models import Jurisdiction
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.identity.domain import mask_id_number
from tongban.registries import standings
from tongban.registries.models import FollowUp, Qualification
from tongban.registries.qualification import Check, FollowUpStatus, Outcome

NOTE_LIMIT = 2000


@dataclass(frozen=True)
class FollowUpView:
    id: int
    person_id: str
    name: str
    id_number: str | None  # masked
    community_code: str
    community_name: str | None
    kind: str
    reason: str
    created_on: date
    due_on: date
    status: str
    outcome: str | None
    checked_on: date | None
    note: str | None
    closed_by: str | None
    standing: str  # the person's qualification status now
    valid_until: date | None

    def overdue(self, today: date) -> bool:
        return self.status == FollowUpStatus.open and self.due_on < today


def follow_ups(
    session: Session, actor: Actor, status: FollowUpStatus | None = FollowUpStatus.open
) -> list[FollowUpView]:
    """The follow-ups of the caller's communities, the earliest due first."""
    _require_worker(actor)
    query = _visible(actor).order_by(FollowUp.due_on, FollowUp.id)
    if status is not None:
        query = query.where(FollowUp.status == status.value)
    return _views(session, session.execute(query).all())


def follow_up(session: Session, actor: Actor, follow_up_id: int) -> FollowUpView:
    _require_worker(actor)
    found = session.execute(_visible(actor).where(FollowUp.id == follow_up_id)).first()
    if found is None:
        raise NotFound("找不到该核实任务", "follow-up not found", "follow_up")
    return _views(session, [found])[0]


def counts(session: Session, actor: Actor, today: date) -> tuple[int, int]:
    """Open follow-ups in the caller's communities, and how many of them are overdue."""
    if actor.role is not Role.window:
        return 0, 0
    open_ = (FollowUp.status == FollowUpStatus.open.value) & _scope(actor)
    query = select(func.count(), func.count().filter(FollowUp.due_on < today)).where(open_)
    total, late = session.execute(query).one()
    return int(total), int(late)


def record_outcome(
    factory: sessionmaker[Session],
    actor: Actor,
    follow_up_id: int,
    outcome: Outcome,
    checked_on: date,
    note: str,
    today: date,
) -> FollowUpView:
    """What the worker found on ``checked_on``: the task closes and the pensioner's standing follows."""
    _require_worker(actor)
    note = _note(note)
    with transaction(factory) as session:
        found = session.execute(_visible(actor).where(FollowUp.id == follow_up_id).with_for_update()).first()
        if found is None:
            raise NotFound("找不到该核实任务", "follow-up not found", "follow_up")
        task, person = found
        _check_day(task, checked_on, today)
        if task.status != FollowUpStatus.open:
            raise Conflict("该任务已办结或已撤回", "this follow-up is closed already", "follow_up")
        task.status, task.outcome, task.checked_on, task.note = (
            FollowUpStatus.done.value,
            outcome.value,
            checked_on,
            note,
        )
        task.closed_by, task.closed_at = actor.username, utcnow()
        session.flush()
        audit.record(session, actor, "outcome", "certification_follow_ups", str(task.id),
                     after={"outcome": outcome.value, "checked_on": checked_on.isoformat()})  # fmt: skip
        standings.settle(session, actor, person, Check(checked_on, outcome is Outcome.certified), today)
        return _views(session, [found])[0]


def _require_worker(actor: Actor) -> None:
    if actor.role is not Role.window:
        raise Forbidden("仅社区工作人员可办理核实任务", "only community workers work follow-ups")


def _visible(actor: Actor) -> Select[FollowUp, Qualification]:
    joined = select(FollowUp, Qualification).join(Qualification, Qualification.person_id == FollowUp.person_id)
    return joined.where(_scope(actor))


def _scope(actor: Actor) -> ColumnElement[bool]:
    if actor.jurisdiction_code is None:
        return false()  # a worker without a jurisdiction covers nobody
    return FollowUp.community_code.startswith(division_prefix(actor.jurisdiction_code), autoescape=True)


def _note(note: str) -> str:
    note = note.strip()
    if not note:
        raise BadInput("请写明核实情况（何时、如何见到本人或得知死亡）", "say what you found and how", "note")
    if len(note) > NOTE_LIMIT:
        raise BadInput(f"核实情况不超过 {NOTE_LIMIT} 字", f"at most {NOTE_LIMIT} characters", "note")
    return note


def _check_day(task: FollowUp, checked_on: date, today: date) -> None:
    if checked_on > today:
        raise BadInput("核实日期不能晚于今天", "the check cannot be dated in the future", "checked_on")
    if checked_on < task.created_on:
        raise BadInput("核实日期不能早于任务下达日期", "the check cannot predate the follow-up", "checked_on")


def _views(session: Session, found: Sequence[Any]) -> list[FollowUpView]:
    """Views of (follow-up, qualification) rows, each with its community's name."""
    codes = {task.community_code for task, _ in found}
    named = select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(codes))
    names = {code: name for code, name in session.execute(named)}
    return [_view(task, person, names.get(task.community_code)) for task, person in found]


def _view(task: FollowUp, person: Qualification, community: str | None) -> FollowUpView:
    return FollowUpView(
        task.id, person.person_id, person.name, mask_id_number(person.id_number), task.community_code, community,
        task.kind, task.reason, task.created_on, task.due_on, task.status, task.outcome, task.checked_on, task.note,
        task.closed_by, person.status, person.valid_until,
    )  # fmt: skip
