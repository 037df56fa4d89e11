"""助联体 API: the officer's tasks, one task, and the actions on a need, under ``/api/v1/assistance``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.db import transaction
from tongban.registries import assistance_service as service
from tongban.registries.discovery import Action, TaskStatus
from tongban.web.deps import Factory, ReadSession, require

router = APIRouter(prefix="/assistance", tags=["assistance"])
Readers = Annotated[Actor, Depends(require(*service.READERS))]
Officers = Annotated[Actor, Depends(require(*service.OFFICERS))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class NeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: int
    category: str = Field(validation_alias="category_code")
    rules: list[str]
    status: str
    resource: str | None = Field(validation_alias="resource_code")
    matched_on: date | None
    note: str | None
    settled_on: date | None


class TaskOut(BaseModel):
    id: int
    program: str
    household_id: str
    town_code: str
    village_code: str
    discovered_on: date
    due_on: date
    status: str
    closed_on: date | None
    overdue: bool
    rules: list[str]
    needs: list[NeedOut]

    @classmethod
    def of(cls, row: service.TaskRow) -> TaskOut:
        task = row.task
        return cls(
            id=task.id, program=task.program_code, household_id=task.household_id, town_code=task.town_code,
            village_code=task.village_code, discovered_on=task.discovered_on, due_on=task.due_on, status=task.status,
            closed_on=task.closed_on, overdue=row.overdue, rules=[hit["id"] for hit in task.hits],
            needs=[NeedOut.model_validate(need) for need in row.needs],
        )  # fmt: skip


class MemberOut(BaseModel):
    id_number: str = Field(description="masked: region and last four digits")
    name: str | None
    relation: str | None
    age: int | None


class TaskDetailOut(TaskOut):
    facts: dict[str, Any]
    members: list[MemberOut]


class ActionIn(BaseModel):
    note: str = Field(default="", max_length=2000)
    resource: str | None = Field(default=None, max_length=64, description="for a referral: the resource's code")


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(
    actor: Readers, session: ReadSession, status: Annotated[TaskStatus | None, Query()] = None
) -> list[TaskOut]:
    """Owner: reviewer (the program's department), supervisor, admin; households in their jurisdiction only."""
    rows = service.tasks(session, actor, calendar.today(), status)
    return [TaskOut.of(row) for row in rows]


@router.get("/tasks/{task_id}", response_model=TaskDetailOut)
def get_task(task_id: Id, actor: Readers, factory: Factory) -> TaskDetailOut:
    """Owner: reviewer, supervisor, admin, in the household's jurisdiction. Members' reads are audited."""
    with transaction(factory) as session:
        view = service.view(session, actor, task_id, calendar.today())
    members = [MemberOut(id_number=m.masked_id, **m.values) for m in view.members]
    base = TaskOut.of(service.TaskRow(view.task, view.needs, view.overdue))
    return TaskDetailOut(**base.model_dump(), facts=view.task.facts, members=members)


@router.post("/tasks/{task_id}/needs/{need_id}/actions/{action}", response_model=TaskOut)
def act(
    task_id: Id, need_id: Id, action: Action, actor: Officers, factory: Factory, body: ActionIn | None = None
) -> TaskOut:
    """Owner: reviewer of the program's department in the household's town: assisted (note), referred
    (resource) or not_needed (reason). The task closes with its last need."""
    body = body or ActionIn()
    today = calendar.today()
    with transaction(factory) as session:
        service.act(session, actor, task_id, need_id, action, body.note, body.resource, today)
        row = service.task_row(session, actor, task_id, today)
    return TaskOut.of(row)
