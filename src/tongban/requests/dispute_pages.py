"""掌上矛调 pages: a resident's disputes and booking ("下单") a mediator, agent or lawyer; the bookings a
provider's organisation sees; the public page a 解纷码 opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar.limits import CHINA
from tongban.errors import BadInput, TongbanError
from tongban.files.service import FileStore
from tongban.points.qr import qr_svg
from tongban.ratings.sections import request_rating_section
from tongban.requests import appointments, disputes, public
from tongban.requests.booking import APPOINTMENT_STATUS_NAMES
from tongban.requests.domain import LEVEL_NAMES, PROVIDER_KIND_NAMES, Channel, Kind, ProviderKind
from tongban.requests.page_parts import named
from tongban.requests.service import Submission
from tongban.web import csrf
from tongban.web.deps import AppSettings, Factory, PageActor, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Residents = Annotated[Actor, Depends(require_page(Role.citizen))]
Viewers = Annotated[Actor, Depends(require_page(Role.reviewer, Role.supervisor, Role.admin))]
AppointmentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Token = Annotated[str, Path(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
Checked = [Depends(csrf.check)]
WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")
# Words only these pages use, beside the request pages' own (page_parts.WORDS).
WORDS = {
    "provider_kind": {kind.value: names for kind, names in PROVIDER_KIND_NAMES.items()},
    "appointment": {status.value: names for status, names in APPOINTMENT_STATUS_NAMES.items()},
    "level_short": {"village": ("村", "Village"), "town": ("镇", "Town"), "county": ("县", "County")},
    "level": {level.value: names for level, names in LEVEL_NAMES.items()},
}


@router.get("/disputes")
def my_disputes(request: Request, actor: Residents, session: ReadSession) -> Response:
    """Owner: citizen. The resident's disputes, each with its 解纷码, bookings and, once answered, the rating form."""
    found = disputes.my_disputes(session, actor)
    ratings = {item.id: request_rating_section(session, actor, item.id) for item in found}
    return render(request, actor, "requests/dispute_mine.html", items=found, ratings=ratings, **_words(session))


@router.get("/disputes/book")
def booking_page(
    request: Request,
    actor: Residents,
    session: ReadSession,
    # Strings: the filter form sends both blank for "a new dispute" and "every kind".
    dispute: Annotated[str, Query(alias="request", max_length=12)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """Owner: citizen. Providers serving the dispute's place with their free slots; book one."""
    return _booking(request, actor, session, {"request": dispute, "kind": kind})


@router.post("/disputes/book", dependencies=Checked)
def book(
    request: Request,
    actor: Residents,
    factory: Factory,
    settings: AppSettings,
    slot: Annotated[str, Form(max_length=120)] = "",
    dispute: Annotated[str, Form(alias="request", max_length=12)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    type_code: Annotated[str, Form(alias="type", max_length=64)] = "",
    text: Annotated[str, Form(max_length=10_000)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Owner: citizen. Books the chosen slot; a slot taken meanwhile answers 409 with the page to choose again."""
    values = {"request": dispute, "kind": kind, "type": type_code, "text": text, "note": note, "slot": slot}
    try:
        booked = appointments.book(factory, FileStore.from_settings(settings), actor, _booking_of(values))
    except TongbanError as refused:
        with factory() as session:
            return _booking(request, actor, session, values, refused)
    return RedirectResponse(f"/disputes#booking-{booked.id}", status_code=303)


def _booking_of(values: dict[str, str]) -> appointments.Booking:
    provider, _, start = values["slot"].partition("|")
    try:
        starts_at = datetime.fromisoformat(start)
    except ValueError:
        raise BadInput("请选择预约时段", "choose a time", "slot") from None
    new = values["request"] in ("", "new")
    return appointments.Booking(
        provider_code=provider,
        starts_at=starts_at,
        request_id=None if new else _number(values["request"]),
        dispute=Submission(type_code=values["type"], text=values["text"], channel=Channel.web) if new else None,
        note=values["note"] or None,
    )


def _number(text: str) -> int:
    if not text.isdigit():
        raise BadInput("请选择纠纷", "choose the dispute", "request")
    return int(text)


def _booking(
    request: Request, actor: Actor, session: Session, values: dict[str, str], refused: TongbanError | None = None
) -> Response:
    """The booking page: which dispute, which kind of provider, each provider's free slots."""
    mine = [item for item in disputes.my_disputes(session, actor) if item.open]
    chosen = next((item for item in mine if str(item.id) == values["request"]), None)
    kind = ProviderKind(values["kind"]) if values["kind"] in ProviderKind.__members__ else None
    found = appointments.providers(session, actor, kind, chosen.id if chosen else None)
    return render(
        request,
        actor,
        "requests/dispute_book.html",
        status_code=refused.status if refused else 200,
        disputes=mine,
        chosen=chosen,
        kind=kind,
        kinds=list(ProviderKind),
        providers=[(provider, appointments.free_slots(session, provider.code)) for provider in found],
        types=[t for t in public.request_types(session, actor.jurisdiction_code) if t.kind is Kind.dispute],
        values=values,
        error=refused,
        **_words(session),
    )


def day_name(day: date, locale: str) -> str:
    """``11月24日 周一`` or ``Mon 24 Nov``: how a resident picks a day."""
    if locale == "en":
        return day.strftime("%a %d %b")
    return f"{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}"


@router.post("/appointments/{appointment_id}/cancel", dependencies=Checked)
def cancel(appointment_id: AppointmentId, actor: Residents, factory: Factory) -> Response:
    """Owner: citizen (the dispute's requester). Gives the slot back before it starts."""
    appointments.cancel(factory, actor, appointment_id)
    return RedirectResponse(f"/disputes#booking-{appointment_id}", status_code=303)


@router.get("/appointments")
def bookings(request: Request, actor: Viewers, session: ReadSession) -> Response:
    """Owner: reviewer of a provider's department; supervisor (their area's providers); admin. Bookings from today."""
    found = appointments.bookings(session, actor)
    departments = [item.provider.department_code for item in found]
    return render(request, actor, "requests/dispute_bookings.html", items=found, **_words(session, departments))


@router.get("/disputes/{token}")
def dispute_code(token: Token, request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: public. What a scan of a 解纷码 shows: level (村/镇/县), stage, who has it, due time, booking times."""
    found = disputes.public_dispute(session, token)
    url = disputes.dispute_url(request.app.state.settings.base_url, token)
    words = _words(session, departments=[found.department_code])
    return render(request, actor, "requests/dispute_code.html", dispute=found, url=url, qr=qr_svg(url), **words)


def _words(session: Session, departments: Iterable[str | None] = ()) -> dict[str, Any]:
    """The request pages' words and names, with the words of bookings and levels."""
    context = named(session, departments=departments)
    return {**context, "words": {**context["words"], **WORDS}, "clock": clock, "day_name": day_name}


def clock(moment: datetime) -> str:
    """A slot's time of day as the office keeps it."""
    return moment.astimezone(CHINA).strftime("%H:%M")
