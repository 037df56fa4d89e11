"""The rules of a case (办件): statuses, who may do which action, workflow stages, deadline colours.

Plain Python: no database, no clock of its own. The service passes today's date and the
working-day calendar in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from tongban.calendar.domain import Pause, WorkingCalendar, promised_deadline
from tongban.errors import BadInput, Conflict


class CaseStatus(StrEnum):
    submitted = "submitted"  # 已提交
    forwarded = "forwarded"  # 已代收转递 (代收代办)
    waiting = "waiting"  # 一件事成员：等待前序事项
    accepted = "accepted"  # 已受理
    not_accepted = "not_accepted"  # 不予受理
    missing_materials = "missing_materials"  # 一次性告知补正
    under_review = "under_review"  # 审查中
    special_procedure = "special_procedure"  # 特别程序（听证、专家评审）
    approved = "approved"  # 准予
    rejected = "rejected"  # 不予许可
    delivered = "delivered"  # 已送达
    withdrawn = "withdrawn"  # 已撤回


class Action(StrEnum):
    forward = "forward"
    accept = "accept"
    not_accept = "not_accept"
    notify_missing = "notify_missing"
    resume = "resume"
    start_special = "start_special"
    end_special = "end_special"
    approve = "approve"
    reject = "reject"
    skip = "skip"
    deliver = "deliver"
    withdraw = "withdraw"


class StepStatus(StrEnum):
    waiting = "waiting"
    open = "open"
    done = "done"
    skipped = "skipped"
    rejected = "rejected"
    cancelled = "cancelled"


class StepKind(StrEnum):
    receive = "receive"  # 代收: the receiving window checks form and identity, then forwards
    accept = "accept"  # 受理
    review = "review"  # a workflow step
    deliver = "deliver"  # 送达


class Colour(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"
    paused = "paused"


class SpecialKind(StrEnum):
    hearing = "hearing"  # 听证
    expert_review = "expert_review"  # 专家评审
    inspection = "inspection"  # 现场勘验


CLOSED = frozenset({CaseStatus.not_accepted, CaseStatus.rejected, CaseStatus.delivered, CaseStatus.withdrawn})
# Statuses a citizen may still withdraw from: nothing has been decided yet.
WITHDRAWABLE = frozenset(
    {
        CaseStatus.submitted,
        CaseStatus.forwarded,
        CaseStatus.waiting,
        CaseStatus.accepted,
        CaseStatus.missing_materials,
        CaseStatus.under_review,
        CaseStatus.special_procedure,
    }
)
PAUSED = frozenset({CaseStatus.missing_materials, CaseStatus.special_procedure})
BEFORE_ACCEPTANCE = frozenset({CaseStatus.submitted, CaseStatus.forwarded})

# Which statuses each action starts from; step actions also need an open step of the actor's.
ALLOWED_FROM: Mapping[Action, frozenset[CaseStatus]] = {
    Action.forward: frozenset({CaseStatus.submitted}),
    Action.accept: BEFORE_ACCEPTANCE,
    Action.not_accept: BEFORE_ACCEPTANCE,
    Action.notify_missing: BEFORE_ACCEPTANCE | {CaseStatus.under_review},
    Action.resume: frozenset({CaseStatus.missing_materials}),
    Action.start_special: frozenset({CaseStatus.under_review}),
    Action.end_special: frozenset({CaseStatus.special_procedure}),
    Action.approve: frozenset({CaseStatus.under_review}),
    Action.reject: frozenset({CaseStatus.under_review}),
    Action.skip: frozenset({CaseStatus.under_review}),
    Action.deliver: frozenset({CaseStatus.approved}),
    Action.withdraw: WITHDRAWABLE,
}
NEEDS_REASON = frozenset({Action.not_accept, Action.reject, Action.skip, Action.start_special, Action.withdraw})
# The step kind an action works on; the actor must hold such a step, open.
STEP_OF: Mapping[Action, StepKind] = {
    Action.forward: StepKind.receive,
    Action.accept: StepKind.accept,
    Action.not_accept: StepKind.accept,
    Action.approve: StepKind.review,
    Action.reject: StepKind.review,
    Action.skip: StepKind.review,
    Action.start_special: StepKind.review,
    Action.deliver: StepKind.deliver,
}

STATUS_TEXT: Mapping[CaseStatus, tuple[str, str]] = {
    CaseStatus.submitted: ("已提交", "submitted"),
    CaseStatus.forwarded: ("已代收，转递办理地", "received and forwarded"),
    CaseStatus.waiting: ("等待前序事项", "waiting for another member"),
    CaseStatus.accepted: ("已受理", "accepted"),
    CaseStatus.not_accepted: ("不予受理", "not accepted"),
    CaseStatus.missing_materials: ("待补正材料", "waiting for missing materials"),
    CaseStatus.under_review: ("审查中", "under review"),
    CaseStatus.special_procedure: ("特别程序中", "in a special procedure"),
    CaseStatus.approved: ("已办结，待送达", "approved, to be delivered"),
    CaseStatus.rejected: ("不予许可", "rejected"),
    CaseStatus.delivered: ("已送达", "delivered"),
    CaseStatus.withdrawn: ("已撤回", "withdrawn"),
}


def check_transition(action: Action, status: CaseStatus, reason: str | None) -> None:
    """Refuses an action the case's status does not allow, or one that needs a written reason."""
    if status not in ALLOWED_FROM[action]:
        zh, en = STATUS_TEXT[status]
        raise Conflict(f"办件当前状态为“{zh}”，不能执行 {action.value}", f"a case that is {en} cannot {action.value}")
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise BadInput("请写明理由", f"{action.value} needs a written reason", field="reason")


@dataclass(frozen=True)
class StepPlan:
    """A workflow step as declared in a pack, with defaults filled in."""

    code: str
    name: str
    name_en: str | None
    role: str
    department: str | None
    jurisdiction: str
    limit: int | None
    optional: bool
    stage: int


RECEIVING = "receiving"
# ``jurisdiction: form:<key>``: worked at the place a registry-filled form field names (the applicant's village).
FROM_FORM = "form:"


def plan_workflow(
    declared: Sequence[Mapping[str, Any]],
    *,
    instant: bool,
    promised_days: int,
    department: str,
    handling: str,
    receiving: str,
    form: Mapping[str, Any] | None = None,
) -> list[StepPlan]:
    """The review steps of a case, numbered by stage; consecutive steps sharing a ``parallel`` label share one.

    A 承诺件 without a declared workflow gets one review-and-decide step; a 即办件 none.
    """
    if not declared:
        if instant:
            return []
        declared = [{"code": "review", "name": "审查决定", "name_en": "Review and decide", "role": "reviewer"}]
        declared = [{**declared[0], "limit": promised_days or None}]
    plans: list[StepPlan] = []
    stage, previous = -1, object()
    for step in declared:
        label = step.get("parallel")
        if label is None or label != previous:
            stage += 1
        previous = label
        default_department = None if step["role"] == "window" else department
        plans.append(
            StepPlan(
                code=step["code"],
                name=step["name"],
                name_en=step.get("name_en"),
                role=step["role"],
                department=step.get("department") or default_department,
                jurisdiction=_place(step.get("jurisdiction"), handling, receiving, form or {}),
                limit=step.get("limit"),
                optional=bool(step.get("optional", False)),
                stage=stage,
            )
        )
    return plans


def _place(declared: str | None, handling: str, receiving: str, form: Mapping[str, Any]) -> str:
    if declared is None:
        return handling
    if declared == RECEIVING:
        return receiving
    if declared.startswith(FROM_FORM):
        # Filing makes sure the field was filled from a registry; a case filed before its pack
        # routed by the field has no value and is worked where an undeclared step would be.
        return str(form.get(declared.removeprefix(FROM_FORM)) or handling)
    return declared


def routed_by(declared: Sequence[Mapping[str, Any]]) -> list[str]:
    """The form fields that name where some steps are worked (``jurisdiction: form:<key>``), each once."""
    places = [str(step.get("jurisdiction") or "") for step in declared]
    return list(dict.fromkeys(place.removeprefix(FROM_FORM) for place in places if place.startswith(FROM_FORM)))


@dataclass(frozen=True)
class StepState:
    stage: int
    status: StepStatus
    optional: bool


def stage_finished(steps: Iterable[StepState], stage: int) -> bool:
    """A stage is finished when every required step of it is done; optional ones never hold it up."""
    return all(
        step.status in (StepStatus.done, StepStatus.skipped) or (step.optional and step.status is StepStatus.open)
        for step in steps
        if step.stage == stage
    )


@dataclass(frozen=True)
class DeadlineView:
    """A due date as a person reads it: the date, working days left, and a colour."""

    due_on: date | None
    days_left: int | None
    colour: Colour
    provisional: bool


def deadline_view(
    start: date | None,
    working_days: int | None,
    pauses: Sequence[Pause],
    today: date,
    calendar: WorkingCalendar,
) -> DeadlineView | None:
    """Green, yellow from one working day before the due date, red once it has passed.

    While the clock is stopped the due date is unknown and the colour is ``paused``; the days
    left are those there were when it stopped, since a stopped clock uses none.
    """
    if start is None or working_days is None:
        return None
    relevant = [pause for pause in pauses if pause.end is None or pause.end >= start]
    deadline = promised_deadline(start, working_days, relevant, calendar)
    if deadline is None:
        stopped = max(pause.start for pause in relevant if pause.end is None)
        closed = [pause for pause in relevant if pause.end is not None]
        before = promised_deadline(start, working_days, closed, calendar)
        left = calendar.working_days_between(stopped, before.due) if before else None
        return DeadlineView(None, left, Colour.paused, before.provisional if before else False)
    left = calendar.working_days_between(today, deadline.due)
    return DeadlineView(deadline.due, left, colour_of(left), deadline.provisional)


def colour_of(days_left: int) -> Colour:
    if days_left < 0:
        return Colour.red
    if days_left <= 1:
        return Colour.yellow
    return Colour.green


@dataclass(frozen=True)
class MissingItem:
    """One line of a one-time notice (一次性告知): a material or field and what is wrong with it."""

    code: str
    reason: str


def required_gaps(
    materials: Sequence[Mapping[str, Any]],
    provided: set[str],
    fields: Sequence[Mapping[str, Any]],
    form: Mapping[str, Any],
) -> list[MissingItem]:
    """Required materials not provided (shared-registry ones never are asked for) and required fields left blank."""
    gaps = [
        MissingItem(material["code"], f"缺少{material['name']}")
        for material in materials
        if material["required"] and material["source"] == "applicant" and material["code"] not in provided
    ]
    gaps += [
        MissingItem(field["key"], f"未填写{field['label']}")
        for field in fields
        if field.get("required") and not field.get("source") and form.get(field["key"]) in (None, "", [])
    ]
    return gaps


def bundle_due_days(members: Sequence[Mapping[str, Any]], days: Mapping[str, int]) -> int:
    """A bundle promises the longest chain of its members' limits: parallel members overlap, ordered ones add."""
    finish: dict[str, int] = {}
    pending = list(members)
    while pending:
        ready = [member for member in pending if all(code in finish for code in member.get("after", []))]
        if not ready:  # validation rules cycles out; never loop forever on bad data
            break
        for member in ready:
            start = max((finish[code] for code in member.get("after", [])), default=0)
            finish[member["service"]] = start + days.get(member["service"], 0)
            pending.remove(member)
    return max(finish.values(), default=0)
