"""Who may read a request and what each reader sees of it.

The requester sees everything about their own request. The dispatcher sees what waits for
routing in their jurisdiction; a department's staff see the requests their department leads
or shares; supervisors see every request of their jurisdiction. Staff read the requester's
phone masked. Anybody else gets "not found", never "forbidden", so that tracking codes and
ids cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.calendar.limits import Colour, colour_at
from tongban.errors import NotFound
from tongban.identity.domain import mask_phone
from tongban.requests.domain import OPEN, REVIEW_ROUNDS, Action, Clock, Kind, Stage, Status
from tongban.requests.models import CitizenRequest, RequestEvent, RequestPhoto


def owns(actor: Actor, request: CitizenRequest) -> bool:
    return actor.user_id is not None and actor.user_id in (request.requester_user_id, request.submitted_by)


def handles(actor: Actor, request: CitizenRequest) -> bool:
    """Staff of the lead or a co-handling department, within their jurisdiction."""
    if actor.role is not Role.reviewer or actor.department_code is None:
        return False
    departments = {request.department_code, *request.co_departments}
    return actor.department_code in departments


def dispatches(actor: Actor, request: CitizenRequest) -> bool:
    return actor.role is Role.dispatcher and actor.covers(request.jurisdiction_code)


def supervises(actor: Actor, request: CitizenRequest) -> bool:
    return actor.role in (Role.supervisor, Role.admin) and actor.covers(request.jurisdiction_code)


def can_see(actor: Actor, request: CitizenRequest) -> bool:
    return owns(actor, request) or handles(actor, request) or dispatches(actor, request) or supervises(actor, request)


def readable(session: Session, actor: Actor, request_id: int) -> CitizenRequest:
    request = session.get(CitizenRequest, request_id)
    if request is None or not can_see(actor, request):
        raise NotFound(f"没有编号为 {request_id} 的诉求", f"no request {request_id}")
    return request


def possible_actions(actor: Actor, request: CitizenRequest) -> list[Action]:
    """What the page offers this reader now; the service checks the same again on the way in."""
    status = Status(request.status)
    offered: list[Action] = []
    if dispatches(actor, request) and status is Status.submitted:
        offered.append(Action.route)
    if handles(actor, request) and actor.department_code in _acting(request):
        offered += _department_actions(request, status)
    if owns(actor, request) and status in (Status.submitted, Status.routed):
        offered.append(Action.withdraw)
    # The requester closes an answer by rating it (好差评); without a rating, the supervisor's return visit does.
    if supervises(actor, request) and status is Status.replied:
        offered.append(Action.close)
    # Every petition type has 复查、复核 (the pack schema sees to it); the service checks the period.
    petition = Kind(request.kind) is Kind.petition
    if owns(actor, request) and status is Status.replied and petition and request.review_round < REVIEW_ROUNDS:
        offered.append(Action.review)
    return offered


def _acting(request: CitizenRequest) -> set[str | None]:
    """The lead acts for all; with no lead named, any of the departments may."""
    return {request.department_code} if request.department_code else set(request.co_departments)


def _department_actions(request: CitizenRequest, status: Status) -> list[Action]:
    by_status = {
        Status.routed: [Action.sign, Action.send_back],
        Status.signed: [Action.accept, Action.refuse, Action.send_back],
        Status.in_progress: [Action.reply, Action.send_back],
    }
    offered = list(by_status.get(status, []))
    if status is Status.in_progress and not request.extended:
        offered.append(Action.extend)
    if status is Status.in_progress and Kind(request.kind) is Kind.dispute:
        offered.append(Action.escalate)
    return offered


@dataclass(frozen=True)
class Event:
    at: datetime
    actor: str
    action: str
    to_status: str
    department_code: str | None
    reason: str | None


@dataclass(frozen=True)
class RequestView:
    """A request as one reader may see it; private fields are None for readers who may not."""

    id: int
    tracking_code: str
    type_code: str
    kind: Kind
    channel: str
    title: str
    text: str
    status: Status
    priority: str
    level: str | None
    jurisdiction_code: str
    lat: float | None
    lon: float | None
    address: str | None
    location_source: str | None
    department_code: str | None
    co_departments: list[str]
    suggested_department: str | None
    suggested_by: str | None
    suggestion_score: float | None
    stage: Stage | None
    due_at: datetime | None
    colour: Colour | None
    extended: bool
    send_backs: int
    escalated: bool
    review_round: int
    reply: str | None
    submitted_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None
    requester_name: str | None
    requester_phone: str | None
    photos: list[int]
    history: list[Event]
    actions: list[Action]
    version: int


def running_clock(request: CitizenRequest) -> Clock:
    assert request.stage and request.stage_started_at and request.due_at and request.warn_at
    return Clock(Stage(request.stage), request.stage_started_at, request.due_at, request.warn_at)


def colour_of(request: CitizenRequest, now: datetime) -> Colour | None:
    if Status(request.status) not in OPEN or request.due_at is None or request.warn_at is None:
        return None
    return colour_at(request.due_at, request.warn_at, now)


def request_view(session: Session, actor: Actor, request: CitizenRequest, now: datetime) -> RequestView:
    mine = owns(actor, request)
    staff = actor.role in (Role.dispatcher, Role.reviewer, Role.supervisor, Role.admin)
    phone = request.requester_phone if mine else (mask_phone(request.requester_phone) if staff else None)
    return RequestView(
        id=request.id,
        tracking_code=request.tracking_code,
        type_code=request.type_code,
        kind=Kind(request.kind),
        channel=request.channel,
        title=request.title,
        text=request.text,
        status=Status(request.status),
        priority=request.priority,
        level=request.level,
        jurisdiction_code=request.jurisdiction_code,
        lat=request.lat,
        lon=request.lon,
        address=request.address,
        location_source=request.location_source,
        department_code=request.department_code,
        co_departments=list(request.co_departments),
        suggested_department=request.suggested_department if staff else None,
        suggested_by=request.suggested_by if staff else None,
        suggestion_score=request.suggestion_score if staff else None,
        stage=Stage(request.stage) if request.stage else None,
        due_at=request.due_at,
        colour=colour_of(request, now),
        extended=request.extended,
        send_backs=request.send_backs,
        escalated=request.escalated_at is not None,
        review_round=request.review_round,
        reply=request.reply,
        submitted_at=request.submitted_at,
        replied_at=request.replied_at,
        closed_at=request.closed_at,
        requester_name=request.requester_name if (mine or staff) else None,
        requester_phone=phone,
        photos=[photo.position for photo in _photos(session, request.id)],
        history=_history(session, request.id),
        actions=possible_actions(actor, request),
        version=request.version,
    )


def _photos(session: Session, request_id: int) -> list[RequestPhoto]:
    query = select(RequestPhoto).where(RequestPhoto.request_id == request_id).order_by(RequestPhoto.position)
    return list(session.scalars(query))


def _history(session: Session, request_id: int) -> list[Event]:
    query = select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    return [Event(e.at, e.actor, e.action, e.to_status, e.department_code, e.reason) for e in session.scalars(query)]


@dataclass(frozen=True)
class NearbyRequest:
    """An open request close to where a resident is about to report: perhaps the same matter."""

    tracking_code: str
    title: str
    status: Status
    distance_m: int
    submitted_at: datetime


@dataclass(frozen=True)
class TrackedRequest:
    """What the tracking code alone tells: no names, no text, no place."""

    tracking_code: str
    status: Status
    stage: Stage | None
    department_code: str | None
    due_at: datetime | None
    colour: Colour | None
    submitted_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None


def tracked(request: CitizenRequest, now: datetime) -> TrackedRequest:
    return TrackedRequest(
        tracking_code=request.tracking_code,
        status=Status(request.status),
        stage=Stage(request.stage) if request.stage else None,
        department_code=request.department_code,
        due_at=request.due_at,
        colour=colour_of(request, now),
        submitted_at=request.submitted_at,
        replied_at=request.replied_at,
        closed_at=request.closed_at,
    )
