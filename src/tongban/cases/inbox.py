"""Staff views over many cases: the inbox of open steps, the supervisor's board, the overdue sweep.

The deadline of a step or case is computed, not stored: the calendar may gain an override
after a case opened, and pauses move it. The sweep stores only which warnings it raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import Department, Jurisdiction
from tongban.calendar import service as calendar
from tongban.calendar.domain import WorkingCalendar
from tongban.cases import views
from tongban.cases.domain import CLOSED, STATUS_TEXT, CaseStatus, Colour, DeadlineView, StepStatus
from tongban.cases.models import Case, CaseStep
from tongban.cases.service import record
from tongban.db import transaction
from tongban.errors import Forbidden
from tongban.identity.domain import mask_name

WORKERS = (Role.window, Role.reviewer, Role.supervisor)
COLOUR_ORDER = {Colour.red: 0, Colour.yellow: 1, Colour.paused: 2, Colour.green: 3}


@dataclass(frozen=True)
class Task:
    step_id: int
    case_id: int
    case_number: str
    case_version: int
    title: str
    applicant: str
    step_code: str
    step_name: str
    kind: str
    case_status: str
    status_zh: str
    received_jurisdiction: str
    handling_jurisdiction: str
    mode: str | None
    opened_on: date | None
    deadline: DeadlineView | None

    @property
    def colour(self) -> Colour:
        return self.deadline.colour if self.deadline else Colour.green


def tasks(session: Session, actor: Actor, colour: Colour | None = None, kind: str | None = None) -> list[Task]:
    """The actor's inbox: open steps of their role, in their jurisdiction and department; most urgent first."""
    if actor.role not in WORKERS:
        raise Forbidden("只有工作人员有待办", "only staff have an inbox")
    rows = session.scalars(
        select(CaseStep)
        .options(selectinload(CaseStep.case).selectinload(Case.pauses))
        .where(CaseStep.status == StepStatus.open.value, CaseStep.role == actor.role.value)
    ).all()
    cal = calendar.working_calendar(session)
    today = calendar.today()
    found = [_task(step, today, cal) for step in rows if views.holds(actor, step) and (not kind or step.kind == kind)]
    found = [task for task in found if colour is None or task.colour is colour]
    return sorted(found, key=_urgency)


def _urgency(task: Task) -> tuple[int, date]:
    due = task.deadline.due_on if task.deadline else None
    return COLOUR_ORDER[task.colour], due or date.max


def _task(step: CaseStep, today: date, cal: WorkingCalendar) -> Task:
    case = step.case
    return Task(
        step_id=step.id,
        case_id=case.id,
        case_number=case.number,
        case_version=case.version,
        title=case.title,
        applicant=mask_name(case.applicant_name),
        step_code=step.code,
        step_name=step.name,
        kind=step.kind,
        case_status=case.status,
        status_zh=STATUS_TEXT[CaseStatus(case.status)][0],
        received_jurisdiction=case.received_jurisdiction,
        handling_jurisdiction=case.handling_jurisdiction,
        mode=case.mode,
        opened_on=step.opened_on,
        deadline=views.step_deadline(step, case, today, cal),
    )


@dataclass(frozen=True)
class BoardRow:
    """Open cases of one department in one town (or county), by colour."""

    department_code: str | None
    department_name: str
    jurisdiction_code: str
    jurisdiction_name: str
    green: int
    yellow: int
    red: int
    paused: int

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red + self.paused


def board(session: Session, actor: Actor) -> list[BoardRow]:
    """The supervisor's board (督办看板): open cases by handling department and place, reddest first."""
    counts: dict[tuple[str | None, str], Counter[Colour]] = {}
    for case, deadline in _supervised(session, actor):
        colour = deadline.colour if deadline else Colour.green
        counts.setdefault((case.handling_department, case.handling_jurisdiction), Counter())[colour] += 1
    rows = [_board_row(session, key, counter) for key, counter in counts.items()]
    return sorted(rows, key=lambda row: (-row.red, -row.yellow, -row.total, row.jurisdiction_code))


def _supervised(session: Session, actor: Actor) -> list[tuple[Case, DeadlineView | None]]:
    """Accepted open cases the supervisor covers (members, not bundles, are counted), with their deadlines."""
    if actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有督查人员可以查看看板", "only supervisors see the board")
    cases = session.scalars(
        select(Case)
        .options(selectinload(Case.pauses))
        .where(Case.status.not_in([status.value for status in CLOSED]), Case.accepted_on.is_not(None))
    ).all()
    cal, today = calendar.working_calendar(session), calendar.today()
    return [
        (case, views.case_deadline(case, today, cal))
        for case in cases
        if actor.covers(case.handling_jurisdiction) and case.kind != "bundle"
    ]


def _board_row(session: Session, key: tuple[str | None, str], counter: Counter[Colour]) -> BoardRow:
    department_code, jurisdiction_code = key
    department = session.get(Department, department_code) if department_code else None
    jurisdiction = session.get(Jurisdiction, jurisdiction_code)
    return BoardRow(
        department_code,
        department.name if department else "—",
        jurisdiction_code,
        jurisdiction.name if jurisdiction else jurisdiction_code,
        counter[Colour.green],
        counter[Colour.yellow],
        counter[Colour.red],
        counter[Colour.paused],
    )


@dataclass(frozen=True)
class SweepReport:
    checked: int
    yellow: int
    red: int


def sweep(factory: sessionmaker[Session], today: date | None = None) -> SweepReport:
    """Raises a warning on each open step that turned yellow or red since the last sweep; once per level."""
    today = today or calendar.today()
    raised: Counter[Colour] = Counter()
    with transaction(factory) as session:
        cal = calendar.working_calendar(session)
        steps = session.scalars(
            select(CaseStep)
            .options(selectinload(CaseStep.case).selectinload(Case.pauses))
            .where(CaseStep.status == StepStatus.open.value)
        ).all()
        for step in steps:
            deadline = views.step_deadline(step, step.case, today, cal)
            if deadline is None or deadline.colour not in (Colour.yellow, Colour.red):
                continue
            if step.warned == deadline.colour.value or (step.warned == Colour.red.value):
                continue
            step.warned = deadline.colour.value
            raised[deadline.colour] += 1
            _warn(session, step, deadline)
        return SweepReport(len(steps), raised[Colour.yellow], raised[Colour.red])


def _warn(session: Session, step: CaseStep, deadline: DeadlineView) -> None:
    colour = deadline.colour
    zh = "即将到期" if colour is Colour.yellow else "已超期"
    status = CaseStatus(step.case.status)
    record(
        session,
        SYSTEM,
        step.case,
        f"warning_{colour.value}",
        status,
        status,
        step=step.code,
        reason=f"{step.name}{zh}（到期日 {deadline.due_on}）",
        data={"due_on": str(deadline.due_on), "days_left": deadline.days_left},
    )


def my_cases(session: Session, actor: Actor) -> Sequence[Case]:
    """A resident's cases, newest first; bundle members are read through their bundle."""
    if actor.user_id is None:
        return []
    return session.scalars(
        select(Case)
        .where(
            (Case.applicant_user_id == actor.user_id) | (Case.submitted_by == actor.user_id),
            Case.parent_id.is_(None),
        )
        .order_by(Case.submitted_at.desc(), Case.id.desc())
        .limit(200)
    ).all()


@dataclass(frozen=True)
class OverdueCase:
    """An open case past its promised date: a line of the board's red list."""

    case_id: int
    number: str
    title: str
    status_zh: str
    status_en: str
    department_name: str
    jurisdiction_name: str
    due_on: date | None
    days_left: int | None


def red_cases(session: Session, actor: Actor, limit: int = 100) -> list[OverdueCase]:
    """The board's red cases (超期), most overdue first; the same cases ``board`` counts as red."""
    found = [
        (case, deadline)
        for case, deadline in _supervised(session, actor)
        if deadline is not None and deadline.colour is Colour.red
    ]
    found.sort(key=lambda pair: (pair[1].days_left or 0, pair[0].id))
    return [_overdue(session, case, deadline) for case, deadline in found[:limit]]


def _overdue(session: Session, case: Case, deadline: DeadlineView) -> OverdueCase:
    department = session.get(Department, case.handling_department) if case.handling_department else None
    jurisdiction = session.get(Jurisdiction, case.handling_jurisdiction)
    zh, en = STATUS_TEXT[CaseStatus(case.status)]
    return OverdueCase(
        case_id=case.id,
        number=case.number,
        title=case.title,
        status_zh=zh,
        status_en=en,
        department_name=department.name if department else "—",
        jurisdiction_name=jurisdiction.name if jurisdiction else case.handling_jurisdiction,
        due_on=deadline.due_on,
        days_left=deadline.days_left,
    )
