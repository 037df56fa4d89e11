"""A pensioner's own qualification, suspension notices and objections (申诉), and the officer's decision.

A resident reads only their own record, found by the ID number of their account. An objection
goes to the run's data officers (:func:`tongban.registries.qualification.is_officer`) for the
places they cover; overturning it is a check that found the person alive, so payment resumes
the same day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role
from tongban.auth.models import User
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.identity.domain import mask_id_number
from tongban.registries import standings
from tongban.registries.models import CertificationRun, Qualification, SuspensionNotice
from tongban.registries.qualification import Check, Decision, NoticeStatus, is_officer

TEXT_LIMIT = 2000


@dataclass(frozen=True)
class NoticeView:
    id: int
    person_id: str
    name: str
    id_number: str | None  # masked
    region_code: str
    issued_on: date
    basis: str
    text: str
    status: str
    lifted_on: date | None
    lifted_because: str | None
    objection_reason: str | None
    objection_evidence: str | None
    objected_at: datetime | None
    decision: str | None
    decision_note: str | None
    decided_by: str | None
    decided_at: datetime | None

    @property
    def objection(self) -> str:
        """none, pending, upheld or overturned."""
        if self.objection_reason is None:
            return "none"
        return self.decision or "pending"

    @property
    def may_object(self) -> bool:
        return self.status == NoticeStatus.open and self.objection_reason is None


@dataclass(frozen=True)
class MyQualification:
    person_id: str
    name: str
    id_number: str | None  # masked
    status: str
    reason: str
    last_evidence: date | None
    valid_until: date | None
    notices: list[NoticeView]  # the latest first


def mine(session: Session, actor: Actor) -> MyQualification | None:
    """The caller's own qualification, or None when no run has named them."""
    person = _own_record(session, actor)
    if person is None:
        return None
    notices = session.scalars(
        select(SuspensionNotice).where(SuspensionNotice.person_id == person.person_id)
        .order_by(SuspensionNotice.issued_on.desc(), SuspensionNotice.id.desc())
    )  # fmt: skip
    return MyQualification(
        person.person_id, person.name, mask_id_number(person.id_number), person.status, person.reason,
        person.last_evidence, person.valid_until, [_view(notice, person) for notice in notices],
    )  # fmt: skip


def object_to(factory: sessionmaker[Session], actor: Actor, notice_id: int, reason: str, evidence: str) -> NoticeView:
    """The pensioner objects to their own notice, once, while it is open."""
    reason, evidence = _text(reason, "reason", required=True), _text(evidence, "evidence", required=False)
    with transaction(factory) as session:
        person = _own_record(session, actor)
        notice = _locked(session, notice_id)
        if person is None or notice is None or notice.person_id != person.person_id:
            raise NotFound("找不到该告知书", "notice not found", "notice")
        if notice.status != NoticeStatus.open or notice.objection_reason is not None:
            raise Conflict("该告知书已提出申诉或已恢复发放", "already objected to, or payment resumed", "notice")
        notice.objection_reason, notice.objection_evidence, notice.objected_at = reason, evidence or None, utcnow()
        audit.record(session, actor, "object", "suspension_notices", str(notice.id), after={"reason": reason})
        session.flush()
        return _view(notice, person)


def objections(session: Session, actor: Actor, pending_only: bool = True) -> list[NoticeView]:
    """Objections the officer may decide: their departments' runs, their places; the oldest first."""
    _require_officer_role(actor)
    query = (
        select(SuspensionNotice, Qualification, CertificationRun.department_code)
        .join(Qualification, Qualification.person_id == SuspensionNotice.person_id)
        .join(CertificationRun, CertificationRun.id == SuspensionNotice.run_id)
        .where(SuspensionNotice.objection_reason.is_not(None))
        .order_by(SuspensionNotice.objected_at, SuspensionNotice.id)
    )
    if pending_only:
        query = query.where(SuspensionNotice.decision.is_(None))
    return [
        _view(notice, person)
        for notice, person, department in session.execute(query)
        if is_officer(actor, department) and actor.covers(person.region_code)
    ]


def notice(session: Session, actor: Actor, notice_id: int) -> NoticeView:
    """A notice, for the pensioner it names or an officer who may decide it."""
    found = session.get(SuspensionNotice, notice_id)
    person = session.get(Qualification, found.person_id) if found else None
    if found is None or person is None or not _may_read(session, actor, found, person):
        raise NotFound("找不到该告知书", "notice not found", "notice")
    return _view(found, person)


def decide(
    factory: sessionmaker[Session], actor: Actor, notice_id: int, decision: Decision, note: str, today: date
) -> NoticeView:
    """The officer's answer to an objection; overturning it resumes payment today."""
    _require_officer_role(actor)
    note = _text(note, "note", required=True)
    with transaction(factory) as session:
        found = _locked(session, notice_id)
        person = session.get(Qualification, found.person_id) if found else None
        if found is None or person is None or not _officer_of(session, actor, found, person):
            raise NotFound("找不到该告知书", "notice not found", "notice")
        if found.objection_reason is None or found.decision is not None:
            raise Conflict("该告知书没有待处理的申诉", "this notice has no objection waiting", "notice")
        found.decision, found.decision_note = decision.value, note
        found.decided_by, found.decided_at = actor.username, utcnow()
        audit.record(session, actor, "decide", "suspension_notices", str(found.id), after={"decision": decision.value})
        if decision is Decision.overturned:
            standings.settle(session, actor, person, Check(today, alive=True), today)
            found.lifted_because = f"申诉成立：{note}"
        session.flush()
        return _view(found, person)


def _own_record(session: Session, actor: Actor) -> Qualification | None:
    if actor.role is not Role.citizen:
        raise Forbidden("仅本人可查看", "only the pensioner may see this")
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or not user.id_number:
        return None
    return session.scalars(select(Qualification).where(Qualification.id_number == user.id_number)).first()


def _locked(session: Session, notice_id: int) -> SuspensionNotice | None:
    query = select(SuspensionNotice).where(SuspensionNotice.id == notice_id).with_for_update()
    return session.scalars(query).first()


def _may_read(session: Session, actor: Actor, found: SuspensionNotice, person: Qualification) -> bool:
    if actor.role is Role.citizen:
        own = _own_record(session, actor)
        return own is not None and own.person_id == person.person_id
    return _officer_of(session, actor, found, person)


def _officer_of(session: Session, actor: Actor, found: SuspensionNotice, person: Qualification) -> bool:
    run = session.get(CertificationRun, found.run_id) if found.run_id else None
    return is_officer(actor, run.department_code if run else None) and actor.covers(person.region_code)


def _require_officer_role(actor: Actor) -> None:
    if actor.role not in (Role.admin, Role.reviewer):
        raise Forbidden("仅数据专员可处理申诉", "only data officers decide objections")


def _text(value: str, field: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise BadInput("请填写此项", "this is required", field)
    if len(value) > TEXT_LIMIT:
        raise BadInput(f"不超过 {TEXT_LIMIT} 字", f"at most {TEXT_LIMIT} characters", field)
    return value


def _view(notice: SuspensionNotice, person: Qualification) -> NoticeView:
    return NoticeView(
        notice.id, person.person_id, person.name, mask_id_number(person.id_number), person.region_code,
        notice.issued_on, notice.basis, notice.text, notice.status, notice.lifted_on, notice.lifted_because,
        notice.objection_reason, notice.objection_evidence, notice.objected_at, notice.decision,
        notice.decision_note, notice.decided_by, notice.decided_at,
    )  # fmt: skip
