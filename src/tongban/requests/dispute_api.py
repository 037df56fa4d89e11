"""掌上矛调 API: providers and their free slots, bookings ("下单"), a resident's disputes and the public 解纷码."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.calendar.limits import Colour
from tongban.files.service import FileStore
from tongban.requests import appointments, disputes, service
from tongban.requests.booking import AppointmentStatus
from tongban.requests.domain import Channel, Level, ProviderKind, Stage, Status
from tongban.requests.schemas import MAX_ID, RequestId, Text
from tongban.web.deps import AppSettings, Factory, ReadSession, require
from tongban.web.schemas import Out

router = APIRouter(tags=["disputes"])

Residents = Annotated[Actor, Depends(require(Role.citizen))]
Anyone = Annotated[Actor, Depends(require(*Role))]
# Reviewers too, those of a provider's department: they stand for the provider (appointments._visible).
Viewers = Annotated[Actor, Depends(require(Role.citizen, Role.reviewer, Role.supervisor, Role.admin))]
AppointmentId = Annotated[int, Path(ge=1, le=MAX_ID)]
ProviderCode = Annotated[str, Path(min_length=1, max_length=64)]
Token = Annotated[str, Path(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class ProviderOut(Out):
    code: str
    kind: ProviderKind
    name: str
    name_en: str | None
    jurisdiction_code: str = Field(description="the area the provider serves, and every place within it")
    department_code: str = Field(description="the organisation whose reviewers see the bookings")
    phone: str
    hours: str = Field(description="opening hours as residents read them")
    minutes: int = Field(description="how long one booking lasts")


class ProviderList(BaseModel):
    items: list[ProviderOut]


class DayOut(Out):
    day: date
    starts: list[datetime] = Field(description="free slot starts, China Standard Time")


class SlotList(BaseModel):
    provider: str
    days: list[DayOut]


class DisputeIn(BaseModel):
    """A new dispute raised with the booking, as ``POST /requests`` would raise it."""

    type: Text = Field(min_length=1, max_length=64, description="a dispute type's code, from GET /request-types")
    text: Text = Field(max_length=10_000)
    channel: Literal["web", "mobile"] = "mobile"
    title: Text | None = Field(default=None, max_length=200)
    jurisdiction: Text | None = Field(default=None, pattern=r"^\d{6}(\d{3}){0,2}$")


class BookingIn(BaseModel):
    provider: Text = Field(min_length=1, max_length=64)
    starts_at: AwareDatetime = Field(description="a free slot's start, from GET /providers/{code}/slots")
    request: RequestId | None = Field(default=None, description="a dispute of yours; or give `dispute`")
    dispute: DisputeIn | None = None
    note: Text | None = Field(default=None, max_length=500, description="what you want to talk about")


class AppointmentOut(Out):
    id: int
    request_id: int
    tracking_code: str
    provider: ProviderOut
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    note: str | None
    requester_name: str | None
    requester_phone: str | None = Field(description="in full for the resident, masked for staff")
    cancellable: bool


class AppointmentList(BaseModel):
    items: list[AppointmentOut]


class MyDisputeOut(Out):
    id: int
    tracking_code: str
    title: str
    status: Status
    level: Level | None
    url: str = Field(description="the public page the 解纷码 encodes")
    submitted_at: datetime
    appointments: list[AppointmentOut]

    @classmethod
    def of(cls, found: disputes.MyDispute, base_url: str) -> Self:
        return cls.model_validate({**vars(found), "url": disputes.dispute_url(base_url, found.token)})


class MyDisputeList(BaseModel):
    items: list[MyDisputeOut]


class PublicAppointmentOut(Out):
    starts_at: datetime
    kind: ProviderKind


class PublicDisputeOut(Out):
    levels: list[Level]
    level: Level | None
    status: Status
    stage: Stage | None
    department_code: str | None
    due_at: datetime | None
    colour: Colour | None
    submitted_at: datetime
    closed_at: datetime | None
    appointments: list[PublicAppointmentOut]


@router.get("/providers", response_model=ProviderList)
def providers(
    session: ReadSession,
    actor: Residents,
    kind: ProviderKind | None = None,
    request: Annotated[int | None, Query(ge=1, le=MAX_ID, description="a dispute of yours")] = None,
) -> ProviderList:
    """Owner: citizen. Mediators, agents and lawyers serving the dispute's place (or your own), nearest first."""
    found = appointments.providers(session, actor, kind, request)
    return ProviderList(items=[ProviderOut.model_validate(item) for item in found])


@router.get("/providers/{code}/slots", response_model=SlotList)
def slots(code: ProviderCode, session: ReadSession, actor: Anyone) -> SlotList:
    """Owner: any user. The provider's free slots over the next two weeks, day by day."""
    found = appointments.free_slots(session, code)
    return SlotList(provider=code, days=[DayOut.model_validate(day) for day in found])


@router.post("/appointments", response_model=AppointmentOut, status_code=201)
def book(body: BookingIn, factory: Factory, settings: AppSettings, actor: Residents) -> AppointmentOut:
    """Owner: citizen. Books a slot for a dispute of yours, or raises the dispute with it; a taken slot is 409."""
    booking = appointments.Booking(
        provider_code=body.provider,
        starts_at=body.starts_at,
        request_id=body.request,
        dispute=_submission(body.dispute) if body.dispute else None,
        note=body.note,
    )
    return AppointmentOut.model_validate(appointments.book(factory, FileStore.from_settings(settings), actor, booking))


def _submission(dispute: DisputeIn) -> service.Submission:
    return service.Submission(
        type_code=dispute.type,
        text=dispute.text,
        channel=Channel(dispute.channel),
        title=dispute.title,
        jurisdiction_code=dispute.jurisdiction,
    )


@router.post("/appointments/{appointment_id}/cancel", response_model=AppointmentOut)
def cancel(appointment_id: AppointmentId, factory: Factory, actor: Residents) -> AppointmentOut:
    """Owner: citizen (the dispute's requester). Gives the slot back before it starts."""
    return AppointmentOut.model_validate(appointments.cancel(factory, actor, appointment_id))


@router.get("/appointments", response_model=AppointmentList)
def bookings(session: ReadSession, actor: Viewers) -> AppointmentList:
    """Owner: citizen (their own); reviewer of a provider's department; supervisor (their area's providers); admin.
    Bookings from today on, soonest first."""
    return AppointmentList(
        items=[AppointmentOut.model_validate(item) for item in appointments.bookings(session, actor)]
    )


@router.get("/disputes", response_model=MyDisputeList)
def my_disputes(session: ReadSession, settings: AppSettings, actor: Residents) -> MyDisputeList:
    """Owner: citizen. Your disputes, each with the address its 解纷码 encodes and its bookings."""
    found = disputes.my_disputes(session, actor)
    return MyDisputeList(items=[MyDisputeOut.of(item, settings.base_url) for item in found])


@router.get("/disputes/{token}", response_model=PublicDisputeOut)
def public_dispute(token: Token, session: ReadSession) -> PublicDisputeOut:
    """Owner: public. What a scan of a 解纷码 shows: level, stage, who has it, due, booking times; nothing private."""
    return PublicDisputeOut.model_validate(disputes.public_dispute(session, token))
