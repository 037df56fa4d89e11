"""Request pages (诉求): raising one (我要反映), its acknowledgement, a resident's requests, the request page
with what its viewer may do, and tracking by code.

The staff pages over many requests (the work queue and the supervisor's board) live in
``workbench_pages`` and are mounted on this router, so that the app registers the request pages once.
"""

from __future__ import annotations

import math
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.db import utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound, TongbanError
from tongban.files.domain import FileRefused
from tongban.files.service import FileStore
from tongban.points import service as points
from tongban.points.qr import qr_svg
from tongban.ratings.sections import request_rating_section
from tongban.requests import handling, lookups, public, service, supervision, views, workbench_pages
from tongban.requests.domain import CHANNEL_NAMES, Action, Channel, Priority
from tongban.requests.page_parts import local_time, named
from tongban.web import csrf
from tongban.web.deps import AppSettings, Factory, PageActor, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(workbench_pages.router)
Citizens = Annotated[Actor, Depends(require_page(Role.citizen))]
# Residents raise their own; a window, a liaison station or a hotline operator records someone else's.
Raisers = Annotated[
    Actor, Depends(require_page(*{role for channel in Channel for role in service.CHANNEL_ROLES[channel]}))
]
Readers = Annotated[Actor, Depends(require_page(*Role))]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Checked = [Depends(csrf.check)]
# More photo parts than any pack lets a type take are refused before any is read.
MAX_PHOTO_PARTS = 9
# The report form's inputs that are drawn again, as typed, after a refusal (photos must be chosen again).
TYPED = ("key", "type", "channel", "text", "jurisdiction", "lat", "lon", "address", "requester_name", "requester_phone")
# Where a refusal's message goes on the report form: the service names fields, some share a slot.
PROBLEM_SLOTS = {"lon": "lat", "requester_phone": "requester_name"}


async def posted(request: Request) -> FormData:
    """The posted form as a whole: photos beside text fields, several departments under one name."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


# --- raising a request (我要反映) --------------------------------------------------------


@router.get("/requests/new")
def new_request_page(
    request: Request,
    actor: Raisers,
    session: ReadSession,
    type_code: Annotated[str, Query(alias="type", max_length=64)] = "",
) -> Response:
    """Owner: citizen, window, dispatcher. The types on offer where the raiser is, the text, photos and the place;
    staff also say through which channel it came and who raised it."""
    values = {"type": type_code, "jurisdiction": actor.jurisdiction_code or "", "channel": _usual_channel(actor)}
    return _report_page(request, actor, session, values)


@router.post("/requests/new", dependencies=Checked)
def submit_page(request: Request, actor: Raisers, factory: Factory, settings: AppSettings, data: Posted) -> Response:
    """Owner: citizen, window, dispatcher. Records the request with its photos; a second click returns the first."""
    values = {name: _text(data, name) for name in TYPED}
    try:
        with factory() as session:
            offered = {kind.code: kind for kind in _offered(session, actor)}
        submission = _submission(actor, offered, values, data)
        view, _ = service.submit(factory, FileStore.from_settings(settings), actor, submission)
    except Conflict as exc:
        # The same form was sent once already and has been changed since: offer a new request.
        notice = ("这份表单已经提交过一次。如确需再提交一条新的诉求，请再次点击提交。", exc.message_en)
        with factory() as session:
            return _report_page(request, actor, session, {**values, "key": ""}, notice=notice, status_code=409)
    except BadInput as exc:
        slot = "photos" if isinstance(exc, FileRefused) else PROBLEM_SLOTS.get(exc.field or "", exc.field or "")
        with factory() as session:
            return _report_page(request, actor, session, values, {slot: exc}, status_code=exc.status)
    return RedirectResponse(f"/requests/{view.id}/receipt", status_code=303)


@router.get("/requests/nearby")
def nearby_fragment(
    request: Request,
    actor: Raisers,
    session: ReadSession,
    type_code: Annotated[str, Query(alias="type", max_length=64)] = "",
    lat: Annotated[str, Query(max_length=32)] = "",
    lon: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Owner: citizen, window, dispatcher. Open requests of the type near the place being reported (htmx)."""
    place = _coordinates(lat, lon)
    found: list[views.NearbyRequest] = []
    if place is not None and type_code:
        try:
            found = service.nearby(session, type_code, *place)
        except NotFound:  # a type the form never offered: nothing to compare with
            found = []
    return render(request, actor, "requests/_nearby.html", items=found, searched=place is not None, local=local_time)


def _report_page(
    request: Request,
    actor: Actor,
    session: Session,
    values: dict[str, str],
    problems: dict[str, TongbanError] | None = None,
    *,
    notice: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    offered = _offered(session, actor)
    values = {**values, "key": values.get("key") or secrets.token_urlsafe(18)}
    if not values.get("type") and len(offered) == 1:
        values["type"] = offered[0].code
    return render(
        request,
        actor,
        "requests/new.html",
        status_code=status_code,
        types=offered,
        places=lookups.places_within(session, {kind.jurisdiction_code for kind in offered}),
        values=values,
        problems=problems or {},
        notice=notice,
        centre=_map_centre(session),
        photos=max((kind.photos for kind in offered), default=0),
        channels=_staff_channels(actor),
        channel_names=CHANNEL_NAMES,
    )


def _offered(session: Session, actor: Actor) -> list[public.TypeView]:
    """The types the raiser may raise from this page: of their place, through a channel open to their role."""
    own = public.request_types(session, actor.jurisdiction_code)
    mine = set(service.channels_of(actor.role))
    return [kind for kind in own if mine & set(kind.channels)]


def _staff_channels(actor: Actor) -> list[Channel]:
    """What a staff form asks to choose from; a resident's channel follows from the page itself."""
    return [] if actor.role is Role.citizen else service.channels_of(actor.role)


def _map_centre(session: Session) -> points.Origin | None:
    """Where the map opens: the home of the loaded packs (a citizen centre); no map without one."""
    try:
        return points.home(session, None)
    except NotFound:
        return None


def _submission(
    actor: Actor, offered: dict[str, public.TypeView], values: dict[str, str], data: FormData
) -> service.Submission:
    kind = offered.get(values["type"])
    if kind is None:
        raise BadInput("请选择诉求类型", "choose what kind of request it is", "type")
    place = _coordinates(values["lat"], values["lon"])
    if place is None and (values["lat"] or values["lon"]):
        raise BadInput("请填写有效的纬度和经度，或都不填", "give a valid latitude and longitude, or neither", "lat")
    return service.Submission(
        type_code=kind.code,
        text=values["text"],
        channel=_channel(actor, kind, values["channel"]),
        jurisdiction_code=values["jurisdiction"] or None,
        lat=place[0] if place else None,
        lon=place[1] if place else None,
        address=values["address"] or None,
        requester_name=values["requester_name"] or None,
        requester_phone=values["requester_phone"] or None,
        photos=_photos(data),
        idempotency_key=values["key"] or None,
    )


def _usual_channel(actor: Actor) -> str:
    """What a staff form starts with: a village (社区) account is its liaison station (村（社）监察工作联络站),
    since windows and hotlines sit at town and county centres."""
    channels = _staff_channels(actor)
    village = len(actor.jurisdiction_code or "") == 12
    if village and Channel.liaison_station in channels:
        return Channel.liaison_station.value
    return channels[0].value if channels else ""


def _channel(actor: Actor, kind: public.TypeView, chosen: str) -> Channel:
    if actor.role is Role.citizen:
        # A page is the web channel; a type taken only from phones is still raised from a phone's browser.
        return Channel.web if Channel.web in kind.channels else Channel.mobile
    try:
        return Channel(chosen)
    except ValueError:
        raise BadInput("请选择诉求来源渠道", "choose the channel it came through", "channel") from None


def _photos(data: FormData) -> list[service.Photo]:
    # A form posted without a chosen file still carries one empty part, with no name.
    chosen = [part for part in data.getlist("photos") if isinstance(part, UploadFile) and part.filename]
    if len(chosen) > MAX_PHOTO_PARTS:
        raise BadInput(f"最多上传 {MAX_PHOTO_PARTS} 张照片", f"at most {MAX_PHOTO_PARTS} photos", "photos")
    return [service.Photo(part.filename or "", part.file.read(service.MAX_PHOTO_BYTES + 1)) for part in chosen]


def _coordinates(lat: str, lon: str) -> tuple[float, float] | None:
    """Both coordinates as numbers on the globe, or None; the service checks them again."""
    try:
        place = (float(lat), float(lon))
    except ValueError:
        return None
    finite = all(math.isfinite(value) for value in place)
    return place if finite and abs(place[0]) <= 90 and abs(place[1]) <= 180 else None


def _text(data: FormData, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


# --- after raising: the acknowledgement, the resident's list, tracking ---------------------


@router.get("/requests/{request_id}/receipt")
def receipt_page(
    request_id: RequestId, request: Request, actor: Readers, session: ReadSession, settings: AppSettings
) -> Response:
    """Owner: whoever may read the request. 受理回执: the tracking code, its QR code, the place as understood."""
    view = _view(session, actor, request_id)
    url = f"{settings.base_url.rstrip('/')}/requests/track?code={view.tracking_code}"
    kind = service.request_type(session, view.type_code)
    others = []
    if view.lat is not None and view.lon is not None:
        found = service.nearby(session, view.type_code, view.lat, view.lon)
        others = [item for item in found if item.tracking_code != view.tracking_code]
    return render(
        request,
        actor,
        "requests/receipt.html",
        view=view,
        kind=kind,
        limits=next((k for k in public.request_types(session) if k.code == kind.code), None),
        url=url,
        qr=qr_svg(url),
        others=others,
        **named(session, places=[view.jurisdiction_code]),
    )


@router.get("/requests")
def my_requests_page(request: Request, actor: Citizens, session: ReadSession) -> Response:
    """Owner: citizen. The resident's requests, newest first, with where each has got to."""
    items = supervision.my_requests(session, actor)
    departments = [item.department_code for item in items]
    return render(request, actor, "requests/mine.html", items=items, **named(session, departments))


@router.get("/requests/track")
def track_page(
    request: Request, actor: PageActor, session: ReadSession, code: Annotated[str, Query(max_length=24)] = ""
) -> Response:
    """Owner: anyone with a tracking code. The stage, who has it and when it is due; nothing private."""
    found, problem = None, None
    if code.strip():
        try:
            found = service.track(session, code)
        except NotFound as exc:
            problem = exc
    departments = [found.department_code] if found else []
    return render(
        request,
        actor,
        "requests/track.html",
        status_code=problem.status if problem else 200,
        code=code.strip(),
        found=found,
        problem=problem,
        **named(session, departments),
    )


# --- the request page and its actions -------------------------------------------------------


@router.get("/requests/{request_id}")
def request_page(request_id: RequestId, request: Request, actor: Readers, session: ReadSession) -> Response:
    """Owner: the requester; the dispatcher, departments and supervisors who have it. Not found for anyone else."""
    view = _view(session, actor, request_id)
    return _request_page(request, actor, session, view)


@router.get("/requests/{request_id}/photos/{position}")
def photo(
    request_id: RequestId,
    position: Annotated[int, Path(ge=1, le=MAX_PHOTO_PARTS)],
    actor: Readers,
    session: ReadSession,
    settings: AppSettings,
) -> Response:
    """Owner: whoever may read the request. A photo as stored, its metadata stripped."""
    data, media_type = service.photo(session, FileStore.from_settings(settings), actor, request_id, position)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@router.post("/requests/{request_id}/actions/{action}", dependencies=Checked)
def act_page(
    request_id: RequestId, action: Action, request: Request, actor: Readers, factory: Factory, data: Posted
) -> Response:
    """Owner: the dispatcher (route), the department that has it, the requester (withdraw, close)."""
    try:
        handling.act(factory, actor, request_id, action, _version(data), _action_input(action, data))
    except (BadInput, Conflict, Forbidden) as exc:
        with factory() as session:
            view = _view(session, actor, request_id)
            typed = {"reason": _text(data, "reason"), "departments": data.getlist("departments")}
            return _request_page(
                request, actor, session, view, error=exc, error_action=action.value, typed=typed, status_code=exc.status
            )
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


def _view(session: Session, actor: Actor, request_id: int) -> views.RequestView:
    """The request as this viewer may see it; not found for anyone who may not."""
    return views.request_view(session, actor, views.readable(session, actor, request_id), utcnow())


def _version(data: FormData) -> int:
    try:
        return int(_text(data, "version"))
    except ValueError:
        raise BadInput("页面已过期，请刷新后重试", "the page is out of date; reload it", "version") from None


def _action_input(action: Action, data: FormData) -> handling.ActionInput:
    reason = _text(data, "reason") or None
    if action is not Action.route:
        return handling.ActionInput(reason=reason)
    departments = [code for code in data.getlist("departments") if isinstance(code, str) and code]
    try:
        priority = Priority(_text(data, "priority") or Priority.general.value)
    except ValueError:
        raise BadInput("请选择紧急程度", "choose a priority", "priority") from None
    routing = handling.Routing(departments, _text(data, "lead") or None, priority)
    return handling.ActionInput(reason=reason, routing=routing)


def _request_page(
    request: Request,
    actor: Actor,
    session: Session,
    view: views.RequestView,
    *,
    error: TongbanError | None = None,
    error_action: str | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    choices = lookups.departments_serving(session, view.jurisdiction_code) if Action.route in view.actions else []
    staff = actor.role in (Role.dispatcher, Role.reviewer, Role.supervisor, Role.admin)
    departments = [view.department_code, *view.co_departments, view.suggested_department]
    departments += [event.department_code for event in view.history]
    kind = service.request_type(session, view.type_code)
    locale = locale_of(request, request.app.state.settings.default_locale)
    # 好差评: the requester's form once the request is answered, then the rating given, for all who read it.
    rating = request_rating_section(session, actor, view.id)
    return render(
        request,
        actor,
        "requests/request.html",
        status_code=status_code,
        view=view,
        kind=kind,
        choices=choices,
        orders=supervision.orders_of(session, view.id) if staff else [],
        rating=rating if rating and (rating.can_rate or rating.ratings) else None,
        markers=_markers(view, pick(locale, kind.name, kind.name_en)),
        error=error,
        error_action=error_action,
        typed=typed or {},
        **named(session, departments, [view.jurisdiction_code]),
    )


def _markers(view: views.RequestView, kind_name: str) -> list[dict[str, Any]]:
    """The request's place as the shared map partial draws points: one marker."""
    if view.lat is None or view.lon is None:
        return []
    where = view.address or f"{view.lat:.5f}, {view.lon:.5f}"
    marker = {"name": view.title, "tier": kind_name, "address": where, "url": "#place"}
    return [{**marker, "lat": view.lat, "lon": view.lon}]
