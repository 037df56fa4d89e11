"""Cases API per CONTRACT: apply, read, the inbox, actions with ``If-Match``, materials, the board."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Response, UploadFile
from pydantic import BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.cases import actions, inbox, service, uploads, views
from tongban.cases.domain import Action, Colour, DeadlineView, MissingItem, SpecialKind
from tongban.errors import BadInput
from tongban.files.service import FileStore
from tongban.web.deps import AppSettings, Factory, ReadSession, require

router = APIRouter(tags=["cases"])
Citizen = Annotated[Actor, Depends(require(Role.citizen, Role.window))]
Staff = Annotated[Actor, Depends(require(Role.window, Role.reviewer, Role.supervisor))]
Windows = Annotated[Actor, Depends(require(Role.window))]
Supervisors = Annotated[Actor, Depends(require(Role.supervisor, Role.admin))]
Anyone = Annotated[Actor, Depends(require(*Role))]


class ApplicantIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=15, max_length=20)
    phone: str | None = Field(default=None, max_length=20)


class ConsentIn(BaseModel):
    method: Literal["signed", "verbal", "phone"]
    statement: str = Field(min_length=1, max_length=1000)


class ApplicationIn(BaseModel):
    service: str | None = Field(default=None, max_length=64)
    bundle: str | None = Field(default=None, max_length=64)
    form: dict[str, Any] = Field(default_factory=dict)
    channel: Literal["window", "bank", "terminal", "online", "mobile"] = "online"
    received_at: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    delivery_method: Literal["window", "post", "online"] = "window"
    deliver_at: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")
    applicant: ApplicantIn | None = None
    consent: ConsentIn | None = None


class DeadlineOut(BaseModel):
    due_at: date | None
    working_days_left: int | None
    colour: Colour
    provisional: bool


class StepOut(BaseModel):
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
    deadline: DeadlineOut | None
    mine: bool


class MaterialOut(BaseModel):
    code: str
    name: str
    required: bool
    source: str
    status: str
    file_name: str | None
    media_type: str | None
    note: str | None


class EventOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    step: str | None
    reason: str | None
    data: dict[str, Any] | None


class CaseOut(BaseModel):
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
    due_at: date | None
    working_days_left: int | None
    colour: Colour | None
    steps: list[StepOut]
    materials: list[MaterialOut]
    history: list[EventOut]
    children: list[CaseOut]
    version: int
    can: list[str]

    @classmethod
    def of(cls, view: views.CaseView) -> CaseOut:
        data = {name: getattr(view, name) for name in cls.model_fields if hasattr(view, name)}
        deadline = view.deadline
        data |= {
            "due_at": deadline.due_on if deadline else None,
            "working_days_left": deadline.days_left if deadline else None,
            "colour": deadline.colour if deadline else None,
            "steps": [_step_out(step) for step in view.steps],
            "materials": [MaterialOut.model_validate(vars(m)) for m in view.materials],
            "history": [EventOut.model_validate(vars(e)) for e in view.events],
            "children": [cls.of(child) for child in view.children],
        }
        return cls.model_validate(data)


def _deadline_out(deadline: DeadlineView | None) -> DeadlineOut | None:
    if deadline is None:
        return None
    return DeadlineOut(
        due_at=deadline.due_on,
        working_days_left=deadline.days_left,
        colour=deadline.colour,
        provisional=deadline.provisional,
    )


def _step_out(step: views.StepView) -> StepOut:
    return StepOut.model_validate(vars(step) | {"deadline": _deadline_out(step.deadline)})


def _answer(response: Response, view: views.CaseView) -> CaseOut:
    response.headers["ETag"] = f'"{view.version}"'
    return CaseOut.of(view)


@router.post("/cases", response_model=CaseOut, status_code=201)
def apply(
    body: ApplicationIn,
    actor: Citizen,
    factory: Factory,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> CaseOut:
    """Owner: citizen, window. Applies for a service or a bundle; a retried Idempotency-Key returns the same case."""
    application = service.Application(
        service=body.service,
        bundle=body.bundle,
        form=body.form,
        channel=body.channel,
        received_at=body.received_at,
        delivery_method=body.delivery_method,
        deliver_at=body.deliver_at,
        applicant=service.Applicant(**body.applicant.model_dump()) if body.applicant else None,
        consent=service.Consent(**body.consent.model_dump()) if body.consent else None,
        idempotency_key=idempotency_key,
    )
    view, created = service.apply(factory, actor, application)
    if not created:
        response.status_code = 200
    return _answer(response, view)


class CaseListOut(BaseModel):
    items: list[CaseOut]


@router.get("/cases", response_model=CaseListOut)
def my_cases(actor: Anyone, session: ReadSession) -> CaseListOut:
    """Owner: the applicant (any logged-in user). The caller's own cases, newest first."""
    today = calendar.today()
    cases = inbox.my_cases(session, actor)
    return CaseListOut(items=[CaseOut.of(views.case_view(session, actor, case, today)) for case in cases])


@router.get("/cases/{case_id}", response_model=CaseOut)
def read_case(case_id: Annotated[int, Path(ge=1)], actor: Anyone, session: ReadSession, response: Response) -> CaseOut:
    """Owner: the applicant; staff of its jurisdictions and of its steps. The case with steps, deadlines, history."""
    case = views.readable_case(session, actor, case_id)
    return _answer(response, views.case_view(session, actor, case, calendar.today()))


class MissingIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class ActionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)
    step: str | None = Field(default=None, max_length=64)
    items: list[MissingIn] = Field(default_factory=list, max_length=100)
    special: SpecialKind | None = None


def _version(if_match: str | None) -> int:
    value = (if_match or "").strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BadInput("请在 If-Match 头中给出办件版本", "send the case version in an If-Match header", "If-Match")
    return int(value)


@router.post("/cases/{case_id}/actions/{action}", response_model=CaseOut)
def act(
    case_id: Annotated[int, Path(ge=1)],
    action: Action,
    actor: Anyone,
    factory: Factory,
    response: Response,
    body: ActionIn | None = None,
    if_match: Annotated[str | None, Header(max_length=20)] = None,
) -> CaseOut:
    """Owner: the holder of the case's open step (window, reviewer); the applicant for withdraw and resume."""
    body = body or ActionIn()
    data = actions.ActionInput(
        reason=body.reason,
        step=body.step,
        items=[MissingItem(item.code, item.reason) for item in body.items],
        special=body.special,
    )
    return _answer(response, actions.act(factory, actor, case_id, action, _version(if_match), data))


@router.post("/cases/{case_id}/materials/{code}", response_model=CaseOut)
def upload_material(
    case_id: Annotated[int, Path(ge=1)],
    code: Annotated[str, Path(max_length=64)],
    file: UploadFile,
    actor: Anyone,
    factory: Factory,
    settings: AppSettings,
    response: Response,
) -> CaseOut:
    """Owner: the applicant or the receiving window. Uploads a material (PDF, JPEG, PNG; at most 10 MB)."""
    data = file.file.read(uploads.MAX_UPLOAD + 1)
    view = uploads.upload(factory, FileStore.from_settings(settings), actor, case_id, code, file.filename or code, data)
    return _answer(response, view)


class TaskOut(BaseModel):
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
    deadline: DeadlineOut | None
    colour: Colour


class TaskListOut(BaseModel):
    items: list[TaskOut]


@router.get("/tasks", response_model=TaskListOut)
def tasks(
    actor: Staff,
    session: ReadSession,
    colour: Colour | None = None,
    kind: Annotated[str | None, Query(pattern="^(receive|accept|review|deliver)$")] = None,
) -> TaskListOut:
    """Owner: window, reviewer, supervisor. The caller's inbox: open steps of their role, department, jurisdiction."""
    found = inbox.tasks(session, actor, colour, kind)
    return TaskListOut(items=[_task_out(task) for task in found])


def _task_out(task: inbox.Task) -> TaskOut:
    return TaskOut.model_validate(vars(task) | {"deadline": _deadline_out(task.deadline), "colour": task.colour})


class PickupIn(BaseModel):
    agent: str = Field(min_length=1, max_length=64)
    declaration: str = Field(min_length=1, max_length=2000)


@router.post("/pickups", response_model=CaseListOut)
def batch_pickup(body: PickupIn, actor: Windows, factory: Factory) -> CaseListOut:
    """Owner: window. 批量代领: hands every approved case an agency filed to the agency, on its declaration."""
    done = actions.pickup(factory, actor, body.agent, body.declaration)
    return CaseListOut(items=[CaseOut.of(view) for view in done])


class BoardRowOut(BaseModel):
    department_code: str | None
    department_name: str
    jurisdiction_code: str
    jurisdiction_name: str
    green: int
    yellow: int
    red: int
    paused: int
    total: int


class BoardOut(BaseModel):
    items: list[BoardRowOut]


@router.get("/board", response_model=BoardOut)
def supervisor_board(actor: Supervisors, session: ReadSession) -> BoardOut:
    """Owner: supervisor, admin. Open cases by department and place, coloured by deadline."""
    rows = inbox.board(session, actor)
    return BoardOut(items=[BoardRowOut.model_validate(vars(row) | {"total": row.total}) for row in rows])
