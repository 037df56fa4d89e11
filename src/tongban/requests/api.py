"""Citizen requests (诉求) API per CONTRACT: raise, read, track, work with ``If-Match``, queues, board, orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from tongban.auth.domain import Actor, Role
from tongban.calendar.limits import Colour
from tongban.db import utcnow
from tongban.errors import BadInput
from tongban.files.service import FileStore
from tongban.requests import handling, public, service, supervision, views
from tongban.requests.domain import Action, Channel
from tongban.requests.schemas import (
    MAX_ID,
    ActionIn,
    BoardOut,
    BoardRowOut,
    MyRequestList,
    MyRequestOut,
    NearbyList,
    NearbyOut,
    OrderIn,
    OrderList,
    OrderOut,
    QueueItemOut,
    QueueOut,
    RequestIn,
    RequestOut,
    RequestTypeList,
    RequestTypeOut,
    TrackedOut,
)
from tongban.web.deps import AppSettings, Factory, ReadSession, require

router = APIRouter(tags=["requests"])

Raisers = Annotated[Actor, Depends(require(*{role for roles in service.CHANNEL_ROLES.values() for role in roles}))]
Anyone = Annotated[Actor, Depends(require(*Role))]
Workers = Annotated[Actor, Depends(require(Role.dispatcher, Role.reviewer, Role.supervisor, Role.admin))]
Supervisors = Annotated[Actor, Depends(require(Role.supervisor, Role.admin))]
# Only a supervisor orders (督办); an administrator may read the orders but does not issue them.
Orderers = Annotated[Actor, Depends(require(Role.supervisor))]
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
Division = Annotated[str | None, Query(pattern=r"^\d{6}(\d{3}){0,2}$", description="行政区划代码")]

# No pack may let a request carry more photos than this (packs/request_schema.py); more parts are
# refused before any is read.
MAX_PHOTOS = 9


def _body_schema() -> dict[str, Any]:
    """The request body, published twice: as JSON, and as multipart with the photos beside the same fields."""
    fields = RequestIn.model_json_schema()
    photos = {"type": "array", "items": {"type": "string", "format": "binary"}, "maxItems": MAX_PHOTOS}
    with_photos = {**fields, "properties": {**fields["properties"], "photos": photos}}
    content = {"application/json": {"schema": fields}, "multipart/form-data": {"schema": with_photos}}
    return {"requestBody": {"required": True, "content": content}}


@dataclass(frozen=True)
class Raised:
    body: RequestIn
    photos: list[service.Photo]


async def _raised(request: Request) -> Raised:
    """Reads JSON, or multipart form fields with ``photos`` files, into one checked body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form(max_files=MAX_PHOTOS + 1)
        uploads = [part for part in form.getlist("photos") if isinstance(part, UploadFile)]
        if len(uploads) > MAX_PHOTOS:
            raise BadInput(f"最多上传 {MAX_PHOTOS} 张照片", f"at most {MAX_PHOTOS} photos", "photos")
        # A form sends its empty inputs as empty strings; they mean "not given", as in JSON.
        fields = {name: value for name, value in form.multi_items() if isinstance(value, str) and value}
        # One byte past the limit is enough for the service to say the photo is too large.
        photos = [
            service.Photo(part.filename or f"photo-{n}", await part.read(service.MAX_PHOTO_BYTES + 1))
            for n, part in enumerate(uploads, 1)
        ]
        await form.close()
        return Raised(_checked(fields), photos)
    try:
        data = await request.json()
    except ValueError:
        raise BadInput("请求体应为 JSON 或 multipart 表单", "send JSON or a multipart form", "body") from None
    return Raised(_checked(data), [])


def _checked(data: object) -> RequestIn:
    try:
        return RequestIn.model_validate(data)
    except ValidationError as invalid:
        # The same 422 as for any declared body, naming the first bad field.
        raise RequestValidationError(invalid.errors(include_url=False)) from None


@router.get("/request-types", response_model=RequestTypeList)
def request_types(session: ReadSession, jurisdiction: Division = None) -> RequestTypeList:
    """Owner: public. What can be raised where: channels, location and photo rules, each stage's limit in words."""
    return RequestTypeList(items=[RequestTypeOut.of(kind) for kind in public.request_types(session, jurisdiction)])


@router.post("/requests", response_model=RequestOut, status_code=201, openapi_extra=_body_schema())
def raise_request(
    actor: Raisers,
    raised: Annotated[Raised, Depends(_raised)],
    factory: Factory,
    settings: AppSettings,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> RequestOut:
    """Owner: citizen; window, dispatcher for callers. JSON, or multipart with photos; a retried key gives the first."""
    body = raised.body
    submission = service.Submission(
        type_code=body.type,
        text=body.text,
        channel=Channel(body.channel),
        title=body.title,
        jurisdiction_code=body.jurisdiction,
        lat=body.lat,
        lon=body.lon,
        address=body.address,
        requester_name=body.requester_name,
        requester_phone=body.requester_phone,
        photos=raised.photos,
        idempotency_key=idempotency_key,
    )
    view, created = service.submit(factory, FileStore.from_settings(settings), actor, submission)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/api/v1/requests/{view.id}"
    return _answer(response, view)


def _answer(response: Response, view: views.RequestView) -> RequestOut:
    response.headers["ETag"] = f'"{view.version}"'
    return RequestOut.of(view)


@router.get("/requests/mine", response_model=MyRequestList)
def my_requests(actor: Anyone, session: ReadSession) -> MyRequestList:
    """Owner: any logged-in user. The requests the caller raised or recorded, newest first."""
    return MyRequestList(items=[MyRequestOut.model_validate(item) for item in supervision.my_requests(session, actor)])


@router.get("/requests/nearby", response_model=NearbyList)
def nearby(
    actor: Anyone,
    session: ReadSession,
    type_code: Annotated[str, Query(alias="type", min_length=1, max_length=64)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> NearbyList:
    """Owner: any logged-in user. Open requests of the type close by, so a resident can add to one, not repeat it."""
    found = service.nearby(session, type_code, lat, lon)
    return NearbyList(items=[NearbyOut.model_validate(item) for item in found])


@router.get("/requests/track/{tracking_code}", response_model=TrackedOut)
def track(tracking_code: Annotated[str, Path(max_length=24)], session: ReadSession) -> TrackedOut:
    """Owner: public. What the tracking code alone tells: stage, department, due time; no names, text or place."""
    return TrackedOut.model_validate(service.track(session, tracking_code))


@router.get("/requests/{request_id}", response_model=RequestOut)
def read_request(request_id: RequestId, actor: Anyone, session: ReadSession, response: Response) -> RequestOut:
    """Owner: the requester; the dispatcher, departments and supervisors who have it. Others get 404."""
    request = views.readable(session, actor, request_id)
    return _answer(response, views.request_view(session, actor, request, utcnow()))


def _version(if_match: str | None) -> int:
    value = (if_match or "").strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise BadInput("请在 If-Match 头中给出诉求版本", "send the request's version in an If-Match header", "If-Match")
    return int(value)


@router.post("/requests/{request_id}/actions/{action}", response_model=RequestOut)
def act(
    request_id: RequestId,
    action: Action,
    actor: Anyone,
    factory: Factory,
    response: Response,
    body: ActionIn | None = None,
    if_match: Annotated[str | None, Header(max_length=20)] = None,
) -> RequestOut:
    """Owner: the dispatcher (route), the department that has it, the requester (withdraw, close), supervisors."""
    body = body or ActionIn()
    routing = handling.Routing(body.departments, body.lead, body.priority) if body.departments else None
    data = handling.ActionInput(reason=body.reason, routing=routing)
    return _answer(response, handling.act(factory, actor, request_id, action, _version(if_match), data))


@router.get("/requests/{request_id}/photos/{position}")
def photo(
    request_id: RequestId,
    position: Annotated[int, Path(ge=1, le=99)],
    actor: Anyone,
    session: ReadSession,
    settings: AppSettings,
) -> Response:
    """Owner: the requester; the staff who have the request. The photo as stored, its metadata stripped."""
    data, media_type = service.photo(session, FileStore.from_settings(settings), actor, request_id, position)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@router.get("/request-queue", response_model=QueueOut)
def queue(actor: Workers, session: ReadSession, colour: Colour | None = None) -> QueueOut:
    """Owner: dispatcher (to route), reviewer of a department (its own), supervisor and admin (their area)."""
    return QueueOut(items=[QueueItemOut.model_validate(item) for item in supervision.queue(session, actor, colour)])


@router.get("/request-board", response_model=BoardOut)
def board(actor: Supervisors, session: ReadSession, by: Literal["department", "town"] = "department") -> BoardOut:
    """Owner: supervisor, admin. Open requests by department or town, green, yellow and red, reddest first."""
    rows = supervision.board(session, actor, by)
    return BoardOut(by=by, items=[BoardRowOut.model_validate(vars(row) | {"total": row.total}) for row in rows])


@router.post("/requests/{request_id}/orders", response_model=OrderOut, status_code=201)
def issue_order(request_id: RequestId, body: OrderIn, actor: Orderers, factory: Factory) -> OrderOut:
    """Owner: supervisor. 督办: orders the request done by a date; a warning follows one working day before."""
    return OrderOut.model_validate(supervision.issue_order(factory, actor, request_id, body.note, body.due_on))


@router.get("/requests/{request_id}/orders", response_model=OrderList)
def orders(request_id: RequestId, actor: Supervisors, session: ReadSession) -> OrderList:
    """Owner: supervisor, admin (of the request's area). The supervision orders on a request, oldest first."""
    request = views.readable(session, actor, request_id)
    return OrderList(items=[OrderOut.model_validate(order) for order in supervision.orders_of(session, request.id)])
