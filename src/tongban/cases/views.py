"""Reading cases: who may see which, and the case as its applicant and staff read it.

A case nobody may see answers "not found", the same as one that does not exist, so that
case numbers cannot be probed. Staff see personal data masked (DESIGN §4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tongban.auth.domain import Actor, Role
from tongban.auth.models import Department, Jurisdiction
from tongban.calendar import service as calendar
from tongban.calendar.domain import Pause, WorkingCalendar
from tongban.cases.domain import (
    ALLOWED_FROM,
    STATUS_TEXT,
    STEP_OF,
    Action,
    CaseStatus,
    DeadlineView,
    StepKind,
    StepStatus,
    deadline_view,
)
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep
from tongban.errors import NotFound
from tongban.identity.domain import mask_id_number, mask_phone

TAKES_MATERIALS = frozenset({CaseStatus.submitted, CaseStatus.forwarded, CaseStatus.missing_materials})
STAFF = (Role.window, Role.reviewer, Role.supervisor)


def owns(actor: Actor, case: Case) -> bool:
    """The applicant, or whoever filed it for them (a social worker, an agency)."""
    return actor.user_id is not None and actor.user_id in (case.applicant_user_id, case.submitted_by)


def holds(actor: Actor, step: CaseStep) -> bool:
    """The step is in the actor's inbox: their role, their jurisdiction, their department if it names one."""
    if actor.role is None or actor.role.value != step.role or not actor.covers(step.jurisdiction_code):
        return False
    return step.department_code is None or step.department_code == actor.department_code


def holds_intake(session: Session, actor: Actor, case: Case) -> bool:
    return any(holds(actor, step) for step in case.steps if step.kind in ("receive", "accept"))


def can_see(session: Session, actor: Actor, case: Case) -> bool:
    if owns(actor, case) or (actor.role is Role.admin and actor.jurisdiction_code is None):
        return True
    if actor.role in (Role.window, Role.supervisor, Role.admin):
        places = (case.received_jurisdiction, case.handling_jurisdiction, case.deliver_jurisdiction)
        if any(actor.covers(place) for place in places):
            return True
    if actor.role in STAFF:
        return any(holds(actor, step) for step in _steps_of_family(session, case))
    return False


def _steps_of_family(session: Session, case: Case) -> Sequence[CaseStep]:
    """A bundle's staff work on its members: one who holds a member's step may read the bundle too."""
    ids = [case.id, *session.scalars(select(Case.id).where(Case.parent_id == case.id))]
    if case.parent_id is not None:
        ids.append(case.parent_id)
    return session.scalars(select(CaseStep).where(CaseStep.case_id.in_(ids))).all()


def readable_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.scalars(
        select(Case)
        .options(selectinload(Case.steps), selectinload(Case.pauses), selectinload(Case.materials))
        .where(Case.id == case_id)
    ).one_or_none()
    if case is None or not can_see(session, actor, case):
        raise NotFound(f"办件 {case_id} 不存在", f"case {case_id} not found", "id")
    return case


def pauses_of(case: Case) -> list[Pause]:
    return [Pause(pause.start, pause.end) for pause in case.pauses]


def case_deadline(case: Case, today: date, cal: WorkingCalendar) -> DeadlineView | None:
    if case.calendar_days or CaseStatus(case.status) in (CaseStatus.delivered, CaseStatus.withdrawn):
        return None
    return deadline_view(case.accepted_on, case.promised_days, pauses_of(case), today, cal)


def step_deadline(step: CaseStep, case: Case, today: date, cal: WorkingCalendar) -> DeadlineView | None:
    """A step with its own limit counts from the day it opened; others share the case's deadline."""
    if step.status != StepStatus.open.value:
        return None
    if step.limit_days is not None:
        return deadline_view(step.opened_on, step.limit_days, pauses_of(case), today, cal)
    return case_deadline(case, today, cal)


@dataclass(frozen=True)
class StepView:
    id: int
    kind: str
    code: str
    name: str
    name_en: str | None
    stage: int
    role: str
    department: str | None
    jurisdiction: str
    optional: bool
    limit_days: int | None
    status: str
    opened_on: date | None
    done_at: datetime | None
    done_by: str | None
    note: str | None
    deadline: DeadlineView | None
    mine: bool


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str
    required: bool
    source: str
    status: str
    file_name: str | None
    media_type: str | None
    note: str | None


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    step: str | None
    reason: str | None
    data: dict[str, Any] | None


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    kind: str
    service: str | None
    bundle: str | None
    parent_id: int | None
    title: str
    status: str
    status_zh: str
    status_en: str
    status_reason: str | None
    applicant_name: str
    applicant_id_number: str | None
    applicant_phone: str | None
    on_behalf: bool
    consent: dict[str, Any] | None
    channel: str
    mode: str | None
    received_jurisdiction: str
    received_name: str
    handling_jurisdiction: str
    handling_name: str
    handling_department: str | None
    department_name: str | None
    deliver_jurisdiction: str
    delivery_method: str
    form: dict[str, Any]
    promised_days: int | None
    submitted_at: datetime
    accepted_on: date | None
    decided_at: datetime | None
    delivered_at: datetime | None
    deadline: DeadlineView | None
    steps: list[StepView]
    materials: list[MaterialView]
    events: list[EventView]
    children: list[CaseView]
    version: int
    can: list[str]


def case_view(session: Session, actor: Actor, case: Case, today: date) -> CaseView:
    """The case as ``actor`` reads it; a bundle with its members, all on one calendar."""
    return _case_view(session, actor, case, today, calendar.working_calendar(session), with_children=True)


def _case_view(
    session: Session, actor: Actor, case: Case, today: date, cal: WorkingCalendar, *, with_children: bool
) -> CaseView:
    session.refresh(case)
    # Staff read personal data masked even on cases they filed for someone (DESIGN §4).
    mine = owns(actor, case) and actor.role is Role.citizen
    status = CaseStatus(case.status)
    zh, en = STATUS_TEXT[status]
    children = session.scalars(select(Case).where(Case.parent_id == case.id).order_by(Case.id)).all()
    root = session.get(Case, case.parent_id) if case.parent_id else case
    assert root is not None  # a member's parent is never deleted
    return CaseView(
        id=case.id,
        number=case.number,
        kind=case.kind,
        service=case.service_code,
        bundle=case.bundle_code,
        parent_id=case.parent_id,
        title=case.title,
        status=case.status,
        status_zh=zh,
        status_en=en,
        status_reason=case.status_reason,
        applicant_name=case.applicant_name,
        applicant_id_number=case.applicant_id_number if mine else mask_id_number(case.applicant_id_number),
        applicant_phone=case.applicant_phone if mine else mask_phone(case.applicant_phone),
        on_behalf=case.on_behalf,
        consent=case.consent,
        channel=case.channel,
        mode=case.mode,
        received_jurisdiction=case.received_jurisdiction,
        received_name=_place_name(session, case.received_jurisdiction),
        handling_jurisdiction=case.handling_jurisdiction,
        handling_name=_place_name(session, case.handling_jurisdiction),
        handling_department=case.handling_department,
        department_name=_department_name(session, case.handling_department),
        deliver_jurisdiction=case.deliver_jurisdiction,
        delivery_method=case.delivery_method,
        form=dict(case.form),
        promised_days=case.promised_days,
        submitted_at=case.submitted_at,
        accepted_on=case.accepted_on,
        decided_at=case.decided_at,
        delivered_at=case.delivered_at,
        deadline=case_deadline(case, today, cal),
        steps=[_step_view(actor, step, case, today, cal) for step in case.steps],
        materials=[_material_view(material) for material in root.materials],
        events=[_event_view(event) for event in case.events],
        children=[_case_view(session, actor, child, today, cal, with_children=False) for child in children]
        if with_children
        else [],
        version=case.version,
        can=possible_actions(actor, case),
    )


def possible_actions(actor: Actor, case: Case) -> list[str]:
    """What the actor could do now, for pages to offer only buttons that will work."""
    status = CaseStatus(case.status)
    found = []
    for action, statuses in ALLOWED_FROM.items():
        if status not in statuses:
            continue
        kind = STEP_OF.get(action)
        if kind is not None and not any(is_open(step, kind) and holds(actor, step) for step in case.steps):
            continue
        if kind is None and not _may_without_step(actor, case, action):
            continue
        found.append(action.value)
    return found


def _may_without_step(actor: Actor, case: Case, action: Action) -> bool:
    if action is Action.withdraw:
        return owns(actor, case)
    if action is Action.resume:
        return owns(actor, case) or works_on(actor, case)
    return works_on(actor, case)  # notify_missing, end_special


def works_on(actor: Actor, case: Case) -> bool:
    """The actor holds an open step of the case."""
    return any(is_open(step) and holds(actor, step) for step in case.steps)


def is_open(step: CaseStep, kind: StepKind | None = None) -> bool:
    return step.status == StepStatus.open.value and (kind is None or step.kind == kind.value)


def _step_view(actor: Actor, step: CaseStep, case: Case, today: date, cal: WorkingCalendar) -> StepView:
    return StepView(
        id=step.id,
        kind=step.kind,
        code=step.code,
        name=step.name,
        name_en=step.name_en,
        stage=step.stage,
        role=step.role,
        department=step.department_code,
        jurisdiction=step.jurisdiction_code,
        optional=step.optional,
        limit_days=step.limit_days,
        status=step.status,
        opened_on=step.opened_on,
        done_at=step.done_at,
        done_by=step.done_by,
        note=step.note,
        deadline=step_deadline(step, case, today, cal),
        mine=step.status == StepStatus.open.value and holds(actor, step),
    )


def _material_view(material: CaseMaterial) -> MaterialView:
    return MaterialView(
        material.code,
        material.name,
        material.required,
        material.source,
        material.status,
        material.file_name,
        material.media_type,
        material.note,
    )


def _event_view(event: CaseEvent) -> EventView:
    return EventView(
        event.at,
        event.actor,
        event.action,
        event.from_status,
        event.to_status,
        event.step_code,
        event.reason,
        event.data,
    )


def _place_name(session: Session, code: str) -> str:
    jurisdiction = session.get(Jurisdiction, code)
    return jurisdiction.name if jurisdiction else code


def _department_name(session: Session, code: str | None) -> str | None:
    department = session.get(Department, code) if code else None
    return department.name if department else None


@dataclass(frozen=True)
class StepOwner:
    """Who works a step, as a person reads it (for pages): the department's and the place's names."""

    department_name: str | None
    jurisdiction_name: str


def step_owners(session: Session, steps: Sequence[StepView]) -> dict[int, StepOwner]:
    """Names for the departments and places of a case's steps, by step id."""
    return {
        step.id: StepOwner(_department_name(session, step.department), _place_name(session, step.jurisdiction))
        for step in steps
    }
