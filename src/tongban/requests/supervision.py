"""Queues, the red/yellow/green board and supervision orders (督办).

The colour of a running limit is two comparisons on stored columns (``due_at``, ``warn_at``),
so the board is one grouped query however many requests there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import Actor, Role, division_prefix
from tongban.calendar import service as calendar
from tongban.calendar.limits import CHINA, Colour
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Forbidden
from tongban.requests import views
from tongban.requests.domain import OPEN, Status
from tongban.requests.models import CitizenRequest, RequestDepartment, SupervisionOrder
from tongban.requests.service import record

QUEUE_LIMIT = 200
OPEN_VALUES = [status.value for status in OPEN]


@dataclass(frozen=True)
class QueueItem:
    id: int
    tracking_code: str
    title: str
    kind: str
    status: Status
    department_code: str | None
    suggested_department: str | None
    suggested_by: str | None  # rule | model | default
    suggestion_score: float | None
    jurisdiction_code: str
    due_at: datetime | None
    colour: Colour | None
    escalated: bool
    submitted_at: datetime


def queue(session: Session, actor: Actor, colour: Colour | None = None, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """The actor's work: the dispatcher's unrouted requests, a department's, a supervisor's whole area."""
    query = select(CitizenRequest).where(CitizenRequest.status.in_(OPEN_VALUES), _mine(actor))
    now = utcnow()
    if colour is not None:
        query = query.where(colour_is(colour, now))
    rows = session.scalars(query.order_by(CitizenRequest.due_at.is_(None), CitizenRequest.due_at).limit(limit))
    return [_item(request, now) for request in rows]


def my_requests(session: Session, actor: Actor, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    query = select(CitizenRequest).where(
        or_(CitizenRequest.requester_user_id == actor.user_id, CitizenRequest.submitted_by == actor.user_id)
    )
    now = utcnow()
    return [_item(r, now) for r in session.scalars(query.order_by(CitizenRequest.id.desc()).limit(limit))]


def _mine(actor: Actor) -> ColumnElement[bool]:
    area = _within(actor)
    if actor.role is Role.dispatcher:
        return and_(area, CitizenRequest.status == Status.submitted.value)
    if actor.role is Role.reviewer and actor.department_code:
        shared = select(RequestDepartment.request_id).where(RequestDepartment.department_code == actor.department_code)
        # A request waiting for routing is with nobody, except a liaison report's overseer (domain.overseer).
        return or_(CitizenRequest.department_code == actor.department_code, CitizenRequest.id.in_(shared))
    if actor.role in (Role.supervisor, Role.admin):
        return area
    raise Forbidden("您没有诉求办理队列", "you have no request queue")


def _within(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return CitizenRequest.id.is_not(None)
    if actor.jurisdiction_code is None:
        return CitizenRequest.id.is_(None)
    return CitizenRequest.jurisdiction_code.startswith(division_prefix(actor.jurisdiction_code))


def colour_is(colour: Colour, now: datetime) -> ColumnElement[bool]:
    if colour is Colour.red:
        return CitizenRequest.due_at < now
    if colour is Colour.yellow:
        return and_(CitizenRequest.due_at >= now, CitizenRequest.warn_at <= now)
    return and_(CitizenRequest.due_at >= now, CitizenRequest.warn_at > now)


def _item(request: CitizenRequest, now: datetime) -> QueueItem:
    return QueueItem(
        id=request.id,
        tracking_code=request.tracking_code,
        title=request.title,
        kind=request.kind,
        status=Status(request.status),
        department_code=request.department_code,
        suggested_department=request.suggested_department,
        suggested_by=request.suggested_by,
        suggestion_score=request.suggestion_score,
        jurisdiction_code=request.jurisdiction_code,
        due_at=request.due_at,
        colour=views.colour_of(request, now),
        escalated=request.escalated_at is not None,
        submitted_at=request.submitted_at,
    )


@dataclass(frozen=True)
class BoardRow:
    """Open requests of one department or place, by colour of their running limit."""

    key: str | None
    green: int
    yellow: int
    red: int
    escalated: int

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


def board(session: Session, actor: Actor, by: str = "department") -> list[BoardRow]:
    """The supervisor's red/yellow/green board, by department or by town, reddest first."""
    if actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有督办人员可以查看督办看板", "only supervisors see the board")
    key = _board_key(by)
    now = utcnow()
    counted = [
        func.sum(case((colour_is(colour, now), 1), else_=0)).label(colour.value)
        for colour in (Colour.green, Colour.yellow, Colour.red)
    ]
    escalated = func.sum(case((CitizenRequest.escalated_at.is_not(None), 1), else_=0)).label("escalated")
    query = (
        select(key, *counted, escalated)
        .where(CitizenRequest.status.in_(OPEN_VALUES), CitizenRequest.due_at.is_not(None), _within(actor))
        .group_by(key)
    )
    rows = [BoardRow(row[0], *(int(n or 0) for n in row[1:])) for row in session.execute(query)]
    return sorted(rows, key=lambda row: (-row.red, -row.yellow, str(row.key)))


def _board_key(by: str) -> ColumnElement[str | None]:
    if by == "department":
        return CitizenRequest.__table__.c.department_code
    if by == "town":
        # A town's code is the first nine digits of its villages' twelve.
        return func.substr(CitizenRequest.jurisdiction_code, 1, 9)
    raise BadInput("看板只能按部门或乡镇查看", "the board is by department or by town", "by")


def issue_order(
    factory: sessionmaker[Session], actor: Actor, request_id: int, note: str, due_on: date
) -> SupervisionOrder:
    """督办: the supervisor orders a request done by a date; a warning follows one working day before."""
    if actor.role is not Role.supervisor:
        raise Forbidden("只有督办人员可以发出督办单", "only supervisors issue supervision orders")
    note = note.strip()
    if not note:
        raise BadInput("请写明督办要求", "say what the order asks for", "note")
    with transaction(factory) as session:
        request = views.readable(session, actor, request_id)
        if Status(request.status) not in OPEN:
            raise BadInput("诉求已办结，无需督办", "the request is finished; nothing to order", "request")
        if due_on < calendar.today():
            raise BadInput("督办期限不能早于今天", "the order cannot be due before today", "due_on")
        order = SupervisionOrder(
            request_id=request.id, issued_by=actor.username, issued_at=utcnow(), note=note, due_on=due_on
        )
        session.add(order)
        session.flush()
        record(session, actor, request, "order", Status(request.status), reason=note, data={"due_on": due_on})
        session.expunge(order)
        return order


def orders_of(session: Session, request_id: int) -> list[SupervisionOrder]:
    query = select(SupervisionOrder).where(SupervisionOrder.request_id == request_id).order_by(SupervisionOrder.id)
    return list(session.scalars(query))


def sweep(factory: sessionmaker[Session], actor: Actor, now: datetime | None = None) -> int:
    """Warns each open order once, from the working day before it is due; returns how many it warned."""
    now = now or utcnow()
    today = now.astimezone(CHINA).date()
    with transaction(factory) as session:
        days = calendar.working_calendar(session)
        tomorrow = days.add_working_days(today, 1).day
        due = (
            select(SupervisionOrder, CitizenRequest)
            .join(CitizenRequest)
            .where(
                SupervisionOrder.warned_at.is_(None),
                SupervisionOrder.done_at.is_(None),
                SupervisionOrder.due_on <= tomorrow,
                CitizenRequest.status.in_(OPEN_VALUES),
            )
        )
        warned = 0
        for order, request in session.execute(due):
            order.warned_at = now
            reason = f"督办单将于 {order.due_on} 到期：{order.note}"
            record(session, actor, request, "order_warning", Status(request.status), reason=reason)
            warned += 1
        return warned
