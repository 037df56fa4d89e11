"""The assistance officer's work (助联体): tasks in their jurisdiction, one household's task, and its actions.

Who sees what: a reviewer of the program's department (救助专管员) sees and works the tasks
of households in their jurisdiction (their town, or a village or county); a supervisor sees
those of their jurisdiction; an administrator without one sees all. Another town's officer
neither sees nor acts on a task. Opening a task reads the members' records from the
household register, and each such read is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVarTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.auth.models import Jurisdiction
from tongban.errors import BadInput, Forbidden, NotFound
from tongban.identity.domain import mask_id_number
from tongban.registries import service as registries
from tongban.registries.discovery import (
    SETTLED,
    Action,
    ActionRefused,
    NeedStatus,
    TaskStatus,
    after_action,
    check_action,
    serves,
    task_closes,
)
from tongban.registries.models import (
    AssistanceNeed,
    AssistanceProgram,
    AssistanceResource,
    AssistanceTask,
    NeedCategory,
)
from tongban.registries.offers import offers_of, resources_of

Ts = TypeVarTuple("Ts")
READERS = (Role.reviewer, Role.supervisor, Role.admin)
OFFICERS = (Role.reviewer,)
MEMBER_FIELDS = ("name", "relation", "age")


def visible(query: Select[*Ts], actor: Actor) -> Select[*Ts]:
    """Narrows a query over tasks (joined to their program) to what ``actor`` may see."""
    if actor.role not in READERS:
        raise Forbidden("无权查看主动发现任务", "you may not see discovery tasks")
    if actor.role is Role.reviewer:
        # Only the program's own officers: a health-bureau reviewer in the same town sees nothing.
        query = query.where(AssistanceProgram.department_code == actor.department_code)
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return query
    if actor.jurisdiction_code is None:
        return query.where(AssistanceTask.id.is_(None))
    return query.where(AssistanceTask.village_code.startswith(division_prefix(actor.jurisdiction_code)))


def tasks_query() -> Select[AssistanceTask]:
    return select(AssistanceTask).join(AssistanceProgram, AssistanceProgram.code == AssistanceTask.program_code)


@dataclass(frozen=True)
class TaskRow:
    task: AssistanceTask
    needs: list[AssistanceNeed]
    overdue: bool


def tasks(session: Session, actor: Actor, today: date, status: TaskStatus | None = None) -> list[TaskRow]:
    """The officer's list: open ones first, the nearest deadline first."""
    query = visible(tasks_query(), actor)
    if status is not None:
        query = query.where(AssistanceTask.status == status.value)
    found = list(
        session.scalars(query.order_by(AssistanceTask.status.desc(), AssistanceTask.due_on, AssistanceTask.id))
    )
    needs = _needs_by_task(session, [task.id for task in found])
    return [TaskRow(task, needs.get(task.id, []), _overdue(task, today)) for task in found]


def task_row(session: Session, actor: Actor, task_id: int, today: date) -> TaskRow:
    task = task_of(session, actor, task_id)
    return TaskRow(task, _needs_by_task(session, [task.id]).get(task.id, []), _overdue(task, today))


def _overdue(task: AssistanceTask, today: date) -> bool:
    return task.status == TaskStatus.open and task.due_on < today


def _needs_by_task(session: Session, ids: list[int]) -> dict[int, list[AssistanceNeed]]:
    found: dict[int, list[AssistanceNeed]] = {}
    if not ids:
        return found
    query = select(AssistanceNeed).where(AssistanceNeed.task_id.in_(ids)).order_by(AssistanceNeed.id)
    for need in session.scalars(query):
        found.setdefault(need.task_id, []).append(need)
    return found


def task_of(session: Session, actor: Actor, task_id: int) -> AssistanceTask:
    """The task, if ``actor`` may see it: an unknown task is not found, another place's is forbidden."""
    if session.get(AssistanceTask, task_id) is None:
        raise NotFound(f"任务 {task_id} 不存在", f"task {task_id} not found", "task")
    found = session.scalars(visible(tasks_query(), actor).where(AssistanceTask.id == task_id)).first()
    if found is None:
        raise Forbidden("该任务不在您的辖区或职责范围内", "this task is outside your jurisdiction or duties")
    return found


@dataclass(frozen=True)
class Member:
    masked_id: str
    values: dict[str, Any]  # name, relation, age as the household register holds them now


@dataclass(frozen=True)
class Referral:
    code: str
    label: str
    remaining: int


@dataclass(frozen=True)
class TaskView:
    task: AssistanceTask
    program: AssistanceProgram
    members: list[Member]
    needs: list[AssistanceNeed]
    categories: dict[str, NeedCategory]
    resources: dict[str, AssistanceResource]
    referrals: dict[int, list[Referral]]  # need id → resources it may be referred to
    place_names: dict[str, str]
    overdue: bool


def view(session: Session, actor: Actor, task_id: int, today: date) -> TaskView:
    """Everything the task page shows; the members are read from the register (audited) as of now."""
    task = task_of(session, actor, task_id)
    program = session.get(AssistanceProgram, task.program_code)
    assert program is not None  # a task's program is a foreign key
    needs = _needs_by_task(session, [task.id]).get(task.id, [])
    resources = {row.code: row for row in resources_of(session, program.code)}
    return TaskView(
        task,
        program,
        _members(session, actor, program, task),
        needs,
        categories_of(session, program.code),
        resources,
        {need.id: _referrals(session, program.code, task, need, resources, today) for need in needs},
        place_names(session, [task.village_code, task.town_code]),
        _overdue(task, today),
    )


def _members(session: Session, actor: Actor, program: AssistanceProgram, task: AssistanceTask) -> list[Member]:
    register = program.households["registry"]
    wanted = [(register, name) for name in MEMBER_FIELDS]
    members: list[Member] = []
    for id_number in task.members:
        read = registries.read_person(session, actor, id_number, wanted, f"assistance task {task.id}")
        values = {name: read[(register, name)].value for name in MEMBER_FIELDS}
        members.append(Member(mask_id_number(id_number), values))
    return members


def _referrals(
    session: Session,
    program: str,
    task: AssistanceTask,
    need: AssistanceNeed,
    resources: dict[str, AssistanceResource],
    today: date,
) -> list[Referral]:
    """Other resources of the need's category serving the household's place with places left this year."""
    if need.status in SETTLED:
        return []
    found = [
        offer
        for offer in offers_of(session, program, today)
        if offer.need == need.category_code and offer.code != need.resource_code and offer.remaining > 0
        if serves(offer.area, task.village_code)
    ]
    return [Referral(offer.code, resources[offer.code].organisation, offer.remaining) for offer in found]


def category_names(session: Session, programs: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """Need category code → (name, name_en), across the programs named."""
    return {code: (row.name, row.name_en) for p in set(programs) for code, row in categories_of(session, p).items()}


def resources_by_code(session: Session, programs: Iterable[str]) -> dict[str, AssistanceResource]:
    return {row.code: row for program in set(programs) for row in resources_of(session, program)}


def categories_of(session: Session, program: str) -> dict[str, NeedCategory]:
    query = select(NeedCategory).where(NeedCategory.program_code == program).order_by(NeedCategory.position)
    return {row.code: row for row in session.scalars(query)}


def place_names(session: Session, codes: list[str]) -> dict[str, str]:
    rows = session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(set(codes))))
    return {row.code: row.name for row in rows}


def act(
    session: Session,
    actor: Actor,
    task_id: int,
    need_id: int,
    action: Action,
    note: str,
    resource: str | None,
    today: date,
) -> AssistanceTask:
    """An officer settles a need (assisted, not needed) or refers it; the task closes with its last need."""
    if actor.role not in OFFICERS:
        raise Forbidden("只有救助专管员可以办理", "only assistance officers may act on a task")
    task = task_of(session, actor, task_id)
    need = session.get(AssistanceNeed, need_id)
    if need is None or need.task_id != task.id:
        raise NotFound(f"任务 {task_id} 没有需求 {need_id}", f"task {task_id} has no need {need_id}", "need")
    try:
        check_action(NeedStatus(need.status), action, note, resource)
    except ActionRefused as exc:
        raise BadInput(exc.message_zh, exc.message_en, exc.field) from None
    before = {"status": need.status, "resource": need.resource_code}
    if action is Action.referred:
        _refer(session, task, need, resource or "", today)
    else:
        need.note, need.settled_on, need.settled_by = note.strip(), today, actor.username
    need.status = after_action(action).value
    entry = {"on": today.isoformat(), "by": actor.username, "action": action.value}
    need.history = [*need.history, {**entry, "resource": need.resource_code, "note": note.strip() or None}]
    _close_if_done(session, task, today)
    after = {"status": need.status, "resource": need.resource_code, "note": note.strip() or None}
    audit.record(session, actor, action.value, "assistance_needs", str(need.id), before=before, after=after)
    return task


def _refer(session: Session, task: AssistanceTask, need: AssistanceNeed, resource: str, today: date) -> None:
    """To another resource of the category that serves the place and has a place left this year."""
    offers = {offer.code: offer for offer in offers_of(session, task.program_code, today)}
    offer = offers.get(resource)
    if offer is None or offer.need != need.category_code or not serves(offer.area, task.village_code):
        raise BadInput(
            f"资源 {resource} 不提供该类帮扶或不服务本地", f"{resource} does not offer this here", "resource"
        )
    if resource == need.resource_code:
        raise BadInput(f"需求已匹配资源 {resource}", f"the need is already with {resource}", "resource")
    if offer.remaining < 1:
        raise BadInput(f"资源 {resource} 今年已无名额", f"{resource} has no place left this year", "resource")
    need.resource_code, need.matched_on = resource, today


def _close_if_done(session: Session, task: AssistanceTask, today: date) -> None:
    session.flush()
    statuses = [NeedStatus(need.status) for need in _needs_by_task(session, [task.id]).get(task.id, [])]
    if task_closes(statuses):
        task.status, task.closed_on = TaskStatus.closed.value, today
