"""Working a request: routing, sign-for, acceptance, extension, answer, escalation, closing.

Every action names the version it saw; a stale one is a conflict, so two dispatchers routing
one request at once never both win. Each action ends the running stage's clock, records
whether that stage ended in time (for the indicators), and starts the next stage's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from tongban.auth.domain import Actor, division_prefix
from tongban.auth.models import Department
from tongban.calendar import service as calendar
from tongban.db import lost_race, transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden
from tongban.requests import views
from tongban.requests.domain import (
    Action,
    Kind,
    Level,
    Priority,
    Stage,
    Status,
    extended,
    limits_of,
    must_escalate,
    next_level,
    next_status,
    review_due,
)
from tongban.requests.models import CitizenRequest, RequestType
from tongban.requests.service import assign, limits_for, record, request_type, set_clock


@dataclass(frozen=True)
class Routing:
    """The dispatcher's decision: the departments, which leads (None: nobody named), the priority."""

    departments: Sequence[str]
    lead: str | None = None
    priority: Priority = Priority.general


@dataclass(frozen=True)
class ActionInput:
    reason: str | None = None
    routing: Routing | None = None


@dataclass
class Context:
    session: Session
    actor: Actor
    request: CitizenRequest
    kind: RequestType
    data: ActionInput
    now: datetime = field(default_factory=utcnow)


def act(
    factory: sessionmaker[Session], actor: Actor, request_id: int, action: Action, version: int, data: ActionInput
) -> views.RequestView:
    try:
        with transaction(factory) as session:
            request = views.readable(session, actor, request_id)
            if version != request.version:
                raise _stale(request.version)
            if action not in views.possible_actions(actor, request):
                raise Forbidden("您不能对该诉求执行此操作", f"you may not {action} this request")
            context = Context(session, actor, request, request_type(session, request.type_code), data)
            before = Status(request.status)
            request.status = next_status(before, action, limits_for(context.kind, request), data.reason).value
            HANDLERS[action](context)
            request.version += 1
            session.flush()
            record(session, actor, request, action.value, before, reason=data.reason)
            return views.request_view(session, actor, request, context.now)
    except StaleDataError:
        raise _stale(None) from None
    except OperationalError as exc:
        if lost_race(exc):
            raise _stale(None) from None
        raise


def _stale(current: int | None) -> Conflict:
    now = f"（当前版本 {current}）" if current is not None else ""
    return Conflict(
        f"诉求已被他人处理{now}，请刷新后重试", "the request was changed by someone else; reload and retry", "If-Match"
    )


def _route(context: Context) -> None:
    routing = context.data.routing
    if routing is None or not routing.departments:
        raise BadInput("请选择承办部门", "choose the department that handles it", "departments")
    departments = _checked_departments(context, routing)
    request = context.request
    assign(context.kind, request, routing.lead or (departments[0] if len(departments) == 1 else None), departments)
    request.priority = routing.priority.value
    request.routed_at = context.now
    if must_escalate(request.send_backs, departments, routing.lead):
        request.escalated_at = request.escalated_at or context.now
    _next_clock(context)


def _checked_departments(context: Context, routing: Routing) -> list[str]:
    """Known departments, serving where the request is; the lead must be one of them."""
    codes = list(dict.fromkeys(routing.departments))
    if routing.lead is not None and routing.lead not in codes:
        raise BadInput("牵头部门应在承办部门之中", "the lead must be one of the departments", "lead")
    found = {d.code: d for d in context.session.scalars(select(Department).where(Department.code.in_(codes)))}
    for code in codes:
        department = found.get(code)
        if department is None:
            raise BadInput(f"部门 {code} 不存在", f"unknown department {code}", "departments")
        if not _serves(department.jurisdiction_code, context.request.jurisdiction_code):
            raise BadInput(
                f"{department.name}不负责该地区", f"{department.name} does not serve that area", "departments"
            )
    return codes


def _serves(department_area: str, request_area: str) -> bool:
    """A department serves its own area and everything within it."""
    return request_area.startswith(division_prefix(department_area))


def _sign(context: Context) -> None:
    _end_stage(context, "signed_in_time")
    _next_clock(context)


def _send_back(context: Context) -> None:
    request = context.request
    request.send_backs += 1
    assign(context.kind, request, None, [])
    if must_escalate(request.send_backs, [], None):
        request.escalated_at = request.escalated_at or context.now
    _next_clock(context)


def _accept(context: Context) -> None:
    _next_clock(context)


def _refuse(context: Context) -> None:
    """不予受理, in writing: the reason is the written notice the requester reads."""
    context.request.reply = context.data.reason
    context.request.closed_at = context.now
    _clear_clock(context.request)


def _extend(context: Context) -> None:
    request = context.request
    if request.due_at is None or request.stage != Stage.handle.value:
        raise Conflict("只能延长办理期限", "only the handling limit can be extended")
    clock = views.running_clock(request)
    pushed = extended(
        clock, limits_for(context.kind, request).extension, request.extended, calendar.working_calendar(context.session)
    )
    request.due_at, request.warn_at, request.extended = pushed.due_at, pushed.warn_at, True


def _reply(context: Context) -> None:
    request = context.request
    _end_stage(context, "closed_in_time")
    request.reply = context.data.reason
    request.replied_at = context.now
    _clear_clock(request)


def _escalate(context: Context) -> None:
    """矛盾纠纷上移一级: to the body of the next level that serves the request's place."""
    request = context.request
    if Kind(request.kind) is not Kind.dispute or request.level is None:
        raise Conflict("只有矛盾纠纷可以上移", "only disputes move up a level")
    level = next_level(Level(request.level))
    request.level = level.value
    body = _body_at(context, level)
    assign(context.kind, request, body, [body])
    _next_clock(context)


def _body_at(context: Context, level: Level) -> str:
    declared = next((item for item in context.kind.levels if item["level"] == level.value), None)
    codes = declared["departments"] if declared else []
    departments = context.session.scalars(select(Department).where(Department.code.in_(codes))).all()
    serving = [d for d in departments if _serves(d.jurisdiction_code, context.request.jurisdiction_code)]
    if not serving:
        raise Conflict("上一级没有负责该地区的调解组织", "no body at the next level serves the place")
    # The nearest body: the one whose own area is the smallest that still covers the place.
    return max(serving, key=lambda d: len(division_prefix(d.jurisdiction_code))).code


def _review(context: Context) -> None:
    """复查、复核: the next body up gives its opinion within the type's period from the request for it."""
    request = context.request
    assert request.replied_at is not None  # only an answered request is reviewed (TRANSITIONS)
    days = calendar.working_calendar(context.session)
    limits = limits_of(context.kind.limits)
    request.review_due_at = review_due(limits, request.review_round, request.replied_at, context.now, days)
    request.review_round += 1
    request.extended = False
    assign(context.kind, request, None, [])
    _next_clock(context)


def _close(context: Context) -> None:
    context.request.closed_at = context.now


def _withdraw(context: Context) -> None:
    context.request.closed_at = context.now
    _clear_clock(context.request)


def _end_stage(context: Context, column: str) -> None:
    request = context.request
    if request.due_at is not None:
        setattr(request, column, context.now <= request.due_at)


def _next_clock(context: Context) -> None:
    set_clock(context.session, context.kind, context.request, context.now)


def _clear_clock(request: CitizenRequest) -> None:
    request.stage = request.stage_started_at = request.due_at = request.warn_at = None


HANDLERS: dict[Action, Callable[[Context], None]] = {
    Action.route: _route,
    Action.sign: _sign,
    Action.send_back: _send_back,
    Action.accept: _accept,
    Action.refuse: _refuse,
    Action.extend: _extend,
    Action.reply: _reply,
    Action.escalate: _escalate,
    Action.close: _close,
    Action.withdraw: _withdraw,
    Action.review: _review,
}
