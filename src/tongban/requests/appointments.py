"""掌上矛调预约: a resident books a mediator, an agent or a lawyer for their dispute ("下单"); the
provider's organisation sees its bookings.

A booking names a provider and a slot's start (``booking``). The database's unique index on
(provider, start) among live bookings is what refuses a double booking, also when two residents
press at the same instant: the loser's insert fails and is answered as a conflict, never as a
server error. A booking may raise its dispute in the same transaction, so a refused slot leaves
no dispute behind. Every booking and cancellation is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.calendar import service as calendar
from tongban.calendar.limits import CHINA
from tongban.db import lost_race, transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.files.service import FileStore
from tongban.identity.domain import mask_phone
from tongban.requests import service, views
from tongban.requests.booking import AppointmentStatus, booking_days, check_bookable, check_cancellable, hours_of
from tongban.requests.booking import starts_on as slot_starts
from tongban.requests.domain import OPEN, Kind, ProviderKind, Status
from tongban.requests.models import Appointment, CitizenRequest, Provider

LIST_LIMIT = 200


@dataclass(frozen=True)
class ProviderView:
    code: str
    kind: ProviderKind
    name: str
    name_en: str | None
    jurisdiction_code: str
    department_code: str
    phone: str  # the provider's office line, as the pack publishes it
    hours: str
    minutes: int


@dataclass(frozen=True)
class DaySlots:
    day: date
    starts: list[datetime]  # the free ones, in order


@dataclass(frozen=True)
class Booking:
    """A slot of a provider for a dispute of the resident's, or for a new one raised with the booking."""

    provider_code: str
    starts_at: datetime
    request_id: int | None = None
    dispute: service.Submission | None = None
    note: str | None = None


@dataclass(frozen=True)
class AppointmentView:
    """A booking as its reader may see it: the resident sees the provider; the provider's side the resident."""

    id: int
    request_id: int
    tracking_code: str
    provider: ProviderView
    starts_at: datetime
    ends_at: datetime
    status: AppointmentStatus
    note: str | None
    requester_name: str | None
    requester_phone: str | None  # masked: the organisation calls through the platform's records if it must
    cancellable: bool


def providers(
    session: Session, actor: Actor, kind: ProviderKind | None = None, request_id: int | None = None
) -> list[ProviderView]:
    """Providers whose area holds the dispute's place (or the resident's own), nearest first."""
    place = _own_dispute(session, actor, request_id).jurisdiction_code if request_id else _home(actor)
    rows = session.scalars(select(Provider).order_by(Provider.code))
    serving = [row for row in rows if _serves(row, place) and (kind is None or row.kind == kind.value)]
    serving.sort(key=lambda row: -len(division_prefix(row.jurisdiction_code)))
    return [_provider_view(row) for row in serving]


def free_slots(session: Session, provider_code: str, now: datetime | None = None) -> list[DaySlots]:
    """The provider's slots not yet booked, day by day over the booking window; days without any are left out."""
    now = now or utcnow()
    provider = _provider(session, provider_code)
    hours, days = hours_of(provider.slots), calendar.working_calendar(session)
    window = booking_days(now)
    taken = set(
        session.scalars(
            select(Appointment.starts_at).where(
                Appointment.provider_code == provider.code,
                Appointment.status == AppointmentStatus.booked.value,
                Appointment.starts_at > now,
            )
        )
    )
    found = [
        DaySlots(day, [at for at in slot_starts(hours, day, days) if at > now and at not in taken]) for day in window
    ]
    return [day for day in found if day.starts]


def book(factory: sessionmaker[Session], store: FileStore, actor: Actor, booking: Booking) -> AppointmentView:
    """Books the slot; a slot someone holds already, or takes at the same instant, is a conflict."""
    if actor.role is not Role.citizen:
        raise Forbidden("只有居民本人可以预约", "only residents book for their own disputes")
    try:
        with transaction(factory) as session:
            return _book(session, store, actor, booking)
    except IntegrityError:
        raise _taken(factory, booking) from None
    except OperationalError as exc:
        if lost_race(exc):
            raise _taken(factory, booking) from None
        raise


def _book(session: Session, store: FileStore, actor: Actor, booking: Booking) -> AppointmentView:
    provider = _provider(session, booking.provider_code)
    now = utcnow()
    check_bookable(hours_of(provider.slots), booking.starts_at, now, calendar.working_calendar(session))
    request = _dispute_for(session, store, actor, booking)
    if not _serves(provider, request.jurisdiction_code):
        raise BadInput(
            f"{provider.name}不负责纠纷所在地", f"{provider.code} does not serve the dispute's place", "provider"
        )
    _check_not_booked_twice(session, request, provider)
    appointment = Appointment(
        request_id=request.id,
        provider_code=provider.code,
        starts_at=booking.starts_at,
        status=AppointmentStatus.booked.value,
        note=(booking.note or "").strip()[:500] or None,
    )
    session.add(appointment)
    session.flush()  # the unique index speaks here when the slot is taken
    audit.record(session, actor, "book", "appointments", str(appointment.id), after=_record(appointment, request))
    return _view(actor, appointment, provider, request, now)


def _dispute_for(session: Session, store: FileStore, actor: Actor, booking: Booking) -> CitizenRequest:
    """The resident's open dispute named by the booking, or the new one it raises."""
    if (booking.request_id is None) == (booking.dispute is None):
        raise BadInput(
            "请选择已有的纠纷，或写明新的纠纷", "name one dispute of yours, or describe a new one", "request"
        )
    if booking.dispute is not None:
        if _kind_of(session, booking.dispute.type_code) is not Kind.dispute:
            raise BadInput("预约只能随矛盾纠纷一起提交", "a booking raises a dispute, not another kind", "type")
        return service.raise_in(session, store, actor, booking.dispute)
    request = _own_dispute(session, actor, booking.request_id)
    if Status(request.status) not in OPEN:
        raise Conflict("该纠纷已办结或撤回，不能再预约", "the dispute is closed or withdrawn; nothing to book for")
    return request


def _kind_of(session: Session, type_code: str) -> Kind:
    return Kind(service.request_type(session, type_code).kind)


def _check_not_booked_twice(session: Session, request: CitizenRequest, provider: Provider) -> None:
    """One live booking per provider and dispute: a second would only hold a slot another resident needs."""
    live = session.scalar(
        select(Appointment.id).where(
            Appointment.request_id == request.id,
            Appointment.provider_code == provider.code,
            Appointment.status == AppointmentStatus.booked.value,
        )
    )
    if live is not None:
        raise Conflict(
            f"该纠纷已预约{provider.name}，如需改期请先取消原预约",
            f"this dispute already has a booking with {provider.code}; cancel it to choose another time",
            "provider",
        )


def _taken(factory: sessionmaker[Session], booking: Booking) -> Conflict:
    with factory() as session:
        holder = session.scalar(
            select(Appointment.id).where(
                Appointment.provider_code == booking.provider_code,
                Appointment.starts_at == booking.starts_at,
                Appointment.status == AppointmentStatus.booked.value,
            )
        )
    if holder is None:  # the other writer's transaction failed after all: nothing holds the slot
        return Conflict("有人同时在预约，请重试", "someone else was booking at the same moment; try again", "starts_at")
    return Conflict("该时段已被预约，请选择其他时间", "that slot is already booked; choose another time", "starts_at")


def cancel(factory: sessionmaker[Session], actor: Actor, appointment_id: int) -> AppointmentView:
    """The resident gives the slot back, before it starts; the booking stays on record, cancelled."""
    try:
        with transaction(factory) as session:
            appointment, request = _own_appointment(session, actor, appointment_id)
            now = utcnow()
            check_cancellable(AppointmentStatus(appointment.status), appointment.starts_at, now)
            before = _record(appointment, request)
            appointment.status = AppointmentStatus.cancelled.value
            audit.record(
                session, actor, "cancel", "appointments", str(appointment.id), before, _record(appointment, request)
            )
            provider = _provider(session, appointment.provider_code)
            return _view(actor, appointment, provider, request, now)
    except OperationalError as exc:
        if lost_race(exc):
            raise Conflict("预约刚被改动，请刷新后重试", "the booking was just changed; reload and retry") from None
        raise


def _own_appointment(session: Session, actor: Actor, appointment_id: int) -> tuple[Appointment, CitizenRequest]:
    found = session.execute(
        select(Appointment, CitizenRequest)
        .join(CitizenRequest, CitizenRequest.id == Appointment.request_id)
        .where(Appointment.id == appointment_id)
        .with_for_update(of=Appointment)
    ).one_or_none()
    # Another resident's booking is not found: its existence is not theirs to learn.
    if found is None or not views.owns(actor, found[1]):
        raise NotFound(f"没有编号为 {appointment_id} 的预约", f"no booking {appointment_id}", "appointment")
    return found[0], found[1]


def bookings(session: Session, actor: Actor) -> list[AppointmentView]:
    """From today on, soonest first: a resident's own; a provider organisation's; a supervisor's area's."""
    query = _visible(actor).where(Appointment.starts_at >= _start_of_today())
    rows = session.execute(query.order_by(Appointment.starts_at, Appointment.id).limit(LIST_LIMIT))
    now = utcnow()
    return [_view(actor, appointment, provider, request, now) for appointment, provider, request in rows]


def of_request(session: Session, actor: Actor, request_id: int) -> list[AppointmentView]:
    """A dispute's bookings, for whoever may read the dispute."""
    views.readable(session, actor, request_id)
    rows = session.execute(_rows().where(Appointment.request_id == request_id).order_by(Appointment.starts_at))
    now = utcnow()
    return [_view(actor, appointment, provider, request, now) for appointment, provider, request in rows]


def _rows() -> Select[Appointment, Provider, CitizenRequest]:
    return (
        select(Appointment, Provider, CitizenRequest)
        .join(Provider, Provider.code == Appointment.provider_code)
        .join(CitizenRequest, CitizenRequest.id == Appointment.request_id)
    )


def _visible(actor: Actor) -> Select[Appointment, Provider, CitizenRequest]:
    """The reviewers of a provider's department stand for the provider: the mediation committee, the centre."""
    if actor.role is Role.citizen:
        return _rows().where(CitizenRequest.requester_user_id == actor.user_id)
    if actor.role is Role.reviewer and actor.department_code:
        return _rows().where(Provider.department_code == actor.department_code)
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return _rows()
    if actor.role in (Role.supervisor, Role.admin) and actor.jurisdiction_code:
        prefix = division_prefix(actor.jurisdiction_code)
        return _rows().where(Provider.jurisdiction_code.startswith(prefix, autoescape=True))
    raise Forbidden("您没有可查看的预约", "you have no bookings to see")


def _start_of_today() -> datetime:
    return datetime.combine(calendar.today(), time.min, CHINA)


def _own_dispute(session: Session, actor: Actor, request_id: int | None) -> CitizenRequest:
    """The actor's own dispute; anyone else's, or another kind of request, is not found."""
    request = session.get(CitizenRequest, request_id) if request_id else None
    if request is None or not views.owns(actor, request) or Kind(request.kind) is not Kind.dispute:
        raise NotFound(f"您没有编号为 {request_id} 的纠纷", f"you have no dispute {request_id}", "request")
    return request


def _home(actor: Actor) -> str:
    if actor.jurisdiction_code is None:
        raise BadInput(
            "请选择纠纷，以便按所在地查找服务人员", "name the dispute, so providers of its place are found", "request"
        )
    return actor.jurisdiction_code


def _provider(session: Session, code: str) -> Provider:
    provider = session.get(Provider, code)
    if provider is None:
        raise NotFound(f"没有服务人员 {code}", f"no provider {code}", "provider")
    return provider


def _serves(provider: Provider, place: str) -> bool:
    return place.startswith(division_prefix(provider.jurisdiction_code))


def _provider_view(row: Provider) -> ProviderView:
    return ProviderView(
        code=row.code,
        kind=ProviderKind(row.kind),
        name=row.name,
        name_en=row.name_en,
        jurisdiction_code=row.jurisdiction_code,
        department_code=row.department_code,
        phone=row.phone,
        hours=row.hours,
        minutes=hours_of(row.slots).minutes,
    )


def _view(
    actor: Actor, appointment: Appointment, provider: Provider, request: CitizenRequest, now: datetime
) -> AppointmentView:
    mine = views.owns(actor, request)
    status = AppointmentStatus(appointment.status)
    shown = _provider_view(provider)
    return AppointmentView(
        id=appointment.id,
        request_id=request.id,
        tracking_code=request.tracking_code,
        provider=shown,
        starts_at=appointment.starts_at,
        ends_at=appointment.starts_at + timedelta(minutes=shown.minutes),
        status=status,
        note=appointment.note,
        requester_name=request.requester_name,
        requester_phone=request.requester_phone if mine else mask_phone(request.requester_phone),
        cancellable=mine and status is AppointmentStatus.booked and appointment.starts_at > now,
    )


def _record(appointment: Appointment, request: CitizenRequest) -> dict[str, object]:
    return {
        "request": request.tracking_code,
        "provider": appointment.provider_code,
        "starts_at": appointment.starts_at.isoformat(),
        "status": appointment.status,
    }
