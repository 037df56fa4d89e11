"""解纷码: a dispute's public page, reached by the QR code its requester holds, and a resident's disputes.

The public page says how far the dispute has got — its level (村 → 镇 → 县), stage, the body
that has it and the due time — and when its appointments are, with no names, phone numbers
or text: whoever scans the code (a family member, a mediator, someone who found the slip)
learns the progress and nothing about the people. The token is unguessable, and an unknown
one is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor
from tongban.calendar.limits import Colour
from tongban.db import utcnow
from tongban.errors import NotFound
from tongban.requests import appointments, service, views
from tongban.requests.appointments import AppointmentView
from tongban.requests.booking import AppointmentStatus
from tongban.requests.domain import OPEN, Kind, Level, ProviderKind, Stage, Status
from tongban.requests.models import Appointment, CitizenRequest, Provider


def dispute_url(base_url: str, token: str) -> str:
    """The address the 解纷码 encodes."""
    return f"{base_url.rstrip('/')}/disputes/{token}"


@dataclass(frozen=True)
class PublicAppointment:
    """When, and with what kind of provider: never who."""

    starts_at: datetime
    kind: ProviderKind


@dataclass(frozen=True)
class PublicDispute:
    token: str
    levels: list[Level]  # the levels the dispute's type goes through, village first
    level: Level | None
    status: Status
    stage: Stage | None
    department_code: str | None
    due_at: datetime | None
    colour: Colour | None
    submitted_at: datetime
    closed_at: datetime | None
    appointments: list[PublicAppointment]


def public_dispute(session: Session, token: str) -> PublicDispute:
    request = session.scalars(select(CitizenRequest).where(CitizenRequest.dispute_token == token)).one_or_none()
    if request is None:
        raise NotFound("解纷码不存在", "no dispute has this code", "token")
    kind = service.request_type(session, request.type_code)
    return PublicDispute(
        token=token,
        levels=[Level(item["level"]) for item in kind.levels],
        level=Level(request.level) if request.level else None,
        status=Status(request.status),
        stage=Stage(request.stage) if request.stage else None,
        department_code=request.department_code,
        due_at=request.due_at,
        colour=views.colour_of(request, utcnow()),
        submitted_at=request.submitted_at,
        closed_at=request.closed_at,
        appointments=_booked(session, request.id),
    )


def _booked(session: Session, request_id: int) -> list[PublicAppointment]:
    rows = session.execute(
        select(Appointment.starts_at, Provider.kind)
        .join(Provider, Provider.code == Appointment.provider_code)
        .where(Appointment.request_id == request_id, Appointment.status == AppointmentStatus.booked.value)
        .order_by(Appointment.starts_at)
    )
    return [PublicAppointment(starts_at, ProviderKind(kind)) for starts_at, kind in rows]


@dataclass(frozen=True)
class MyDispute:
    """One of the resident's disputes, with its 解纷码 and bookings."""

    id: int
    tracking_code: str
    title: str
    status: Status
    level: Level | None
    token: str
    submitted_at: datetime
    appointments: list[AppointmentView]

    @property
    def open(self) -> bool:
        """Still being handled: it can take bookings."""
        return self.status in OPEN


def my_disputes(session: Session, actor: Actor) -> list[MyDispute]:
    """The resident's own disputes, newest first."""
    if actor.user_id is None:
        return []
    query = (
        select(CitizenRequest)
        .where(
            CitizenRequest.kind == Kind.dispute.value,
            CitizenRequest.requester_user_id == actor.user_id,
            CitizenRequest.dispute_token.is_not(None),
        )
        .order_by(CitizenRequest.id.desc())
    )
    return [_mine(session, actor, request) for request in session.scalars(query)]


def _mine(session: Session, actor: Actor, request: CitizenRequest) -> MyDispute:
    assert request.dispute_token is not None  # the query keeps disputes that have their code
    return MyDispute(
        id=request.id,
        tracking_code=request.tracking_code,
        title=request.title,
        status=Status(request.status),
        level=Level(request.level) if request.level else None,
        token=request.dispute_token,
        submitted_at=request.submitted_at,
        appointments=appointments.of_request(session, actor, request.id),
    )
