"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) at ``/open311/v2``, over reports with a place.

The services are the report types residents raise from their phones with a place (see
``public.TypeView.on_open311``); a service request's id is its tracking code. JSON only: the
``.xml`` forms are not served (404) and discovery lists ``application/json`` alone. Errors
are GeoReport's, a list of ``{code, description}``: 404 for what does not exist, 403 for a
missing or wrong key, 400 for anything else. These routes stay out of ``/api/v1/openapi.json``:
GeoReport v2 is its own published contract, with its own error shape.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from tongban.auth import service as auth_service
from tongban.auth.domain import Actor, Role
from tongban.calendar.limits import CHINA
from tongban.errors import BadInput, Forbidden, NotFound, TongbanError, Unauthenticated
from tongban.files.service import FileStore
from tongban.requests import public, service
from tongban.requests.domain import KIND_NAMES, STATUS_NAMES, Channel
from tongban.requests.schemas import Text
from tongban.web.deps import AppSettings, Factory, ReadSession
from tongban.web.i18n import locale_of, pick

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The service's names for the fields an error may name, in GeoReport's words.
FIELDS = {
    "type": "service_code",
    "text": "description",
    "lon": "long",
    "address": "address_string",
    "jurisdiction": "jurisdiction_id",
}
Jurisdiction = Annotated[str | None, Query(max_length=64, description="a 行政区划代码 the endpoint serves")]


class Open311Route(APIRoute):
    """Every error these routes raise leaves in GeoReport v2's shape instead of the CONTRACT's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except TongbanError as error:
                text = error.message(locale_of(request))
                field = FIELDS.get(error.field or "", error.field)
                return _error(_status_of(error), f"{field}: {text}" if field else text)
            except RequestValidationError as error:
                return _error(400, _invalid(error))
            except HTTPException as error:
                return _error(error.status_code, str(error.detail))

        return answer


def _status_of(error: TongbanError) -> int:
    if isinstance(error, NotFound):
        return 404
    # GeoReport: a missing or wrong api_key is a 403, and so is a key that may not do this.
    if isinstance(error, Unauthenticated | Forbidden):
        return 403
    return 400


def _invalid(error: RequestValidationError) -> str:
    first = error.errors()[0] if error.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{field}: {first.get('msg', 'invalid')}" if field else "invalid request"


def _error(status: int, description: str) -> JSONResponse:
    return JSONResponse([{"code": status, "description": description}], status_code=status)


router = APIRouter(route_class=Open311Route, include_in_schema=False, tags=["open311"])


def _w3(moment: datetime | None) -> str | None:
    """GeoReport's date format: ISO 8601 with the offset, here Beijing time's."""
    return moment.astimezone(CHINA).isoformat(timespec="seconds") if moment else None


@router.get("/discovery.json")
def discovery(session: ReadSession, settings: AppSettings) -> dict[str, Any]:
    """Owner: public. Where the GeoReport v2 endpoint is, what it speaks, and how to get a key."""
    changeset = _w3(public.changed_at(session)) or ""
    endpoint = {
        "specification": SPECIFICATION,
        "url": f"{settings.base_url.rstrip('/')}/open311/v2",
        "changeset": changeset,
        "type": "production",
        "formats": ["application/json"],
    }
    return {
        "changeset": changeset,
        "contact": settings.base_url,
        "key_service": (
            "POST /api/v1/auth/token with username and password gives a bearer token; "
            "send it as 'Authorization: Bearer <token>' or as the api_key form field"
        ),
        "endpoints": [endpoint],
    }


@router.get("/services.json")
def services(request: Request, session: ReadSession, jurisdiction_id: Jurisdiction = None) -> list[dict[str, Any]]:
    """Owner: public. The report types that take a place, as GeoReport services (no extra attributes)."""
    locale = locale_of(request)
    return [_service(kind, locale) for kind in public.open311_types(session, jurisdiction_id or None)]


def _service(kind: public.TypeView, locale: str) -> dict[str, Any]:
    group_zh, group_en = KIND_NAMES[kind.kind]
    return {
        "service_code": kind.code,
        "service_name": pick(locale, kind.name, kind.name_en),
        "description": kind.description or pick(locale, kind.limits_zh, kind.limits_en),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(word for word in (kind.name, kind.name_en, group_zh, group_en) if word),
        "group": pick(locale, group_zh, group_en),
    }


@router.get("/services/{service_code}.json")
def service_definition(service_code: str, session: ReadSession) -> dict[str, Any]:
    """Owner: public. An empty definition: no service asks for more than GeoReport's own fields.

    ``metadata`` is false everywhere, so a client need not ask; some ask anyway, and an empty
    list of attributes is what they all handle, where a 404 would make a good service look broken.
    """
    kind = public.open311_type(session, service_code)
    return {"service_code": kind.code, "attributes": []}


def _reporter(
    request: Request, session: ReadSession, api_key: Annotated[str | None, Form(max_length=256)] = None
) -> Actor:
    """The project's bearer token, in the Authorization header or, for clients that only send one, as ``api_key``."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    token = secret.strip() if scheme.lower() == "bearer" else api_key
    actor = auth_service.resolve(session, token, auth_service.TokenKind.api)
    if actor.role is None:
        raise Unauthenticated("api_key 缺失或无效", "missing or invalid api_key")
    return actor


@router.post("/requests.json")
def create(
    request: Request,
    actor: Annotated[Actor, Depends(_reporter)],
    session: ReadSession,
    factory: Factory,
    settings: AppSettings,
    service_code: Annotated[Text, Form(max_length=64)],
    lat: Annotated[float | None, Form()] = None,
    lon: Annotated[float | None, Form(alias="long")] = None,
    address_string: Annotated[Text | None, Form(max_length=300)] = None,
    description: Annotated[Text | None, Form(max_length=4000)] = None,
    first_name: Annotated[Text | None, Form(max_length=50)] = None,
    last_name: Annotated[Text | None, Form(max_length=50)] = None,
    phone: Annotated[Text | None, Form(max_length=20)] = None,
    media_url: Annotated[Text | None, Form(max_length=2000)] = None,
    jurisdiction_id: Annotated[Text | None, Form(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Owner: citizen (from the phone); window and dispatcher record a caller's report. Answers its tracking code.

    ``media_url`` is not fetched: the server does not download what a client points it at, and a
    photo's place must be read from the original before its metadata is stripped. Photos come
    through ``POST /api/v1/requests``; the answer's notice says so when a URL was sent.
    """
    kind = public.open311_type(session, service_code)
    staff = actor.role is not Role.citizen
    submission = service.Submission(
        type_code=kind.code,
        text=description or "",
        channel=Channel.hotline if staff else Channel.mobile,
        jurisdiction_code=jurisdiction_id or None,  # where it is; a resident's own place when not given
        lat=lat,
        lon=lon,
        address=address_string,
        requester_name=_name(first_name, last_name) if staff else None,
        requester_phone=phone if staff else None,
    )
    view, _ = service.submit(factory, FileStore.from_settings(settings), actor, submission)
    notice = _notice(locale_of(request), view.tracking_code, kind, bool(media_url))
    return [{"service_request_id": view.tracking_code, "service_notice": notice, "account_id": actor.username}]


def _name(first: str | None, last: str | None) -> str:
    """Family name first, run together in Chinese (张 + 三 = 张三), spaced in Latin letters."""
    parts = [part.strip() for part in (last, first) if part and part.strip()]
    return ("" if all(not part.isascii() for part in parts) else " ").join(parts)


def _notice(locale: str, tracking_code: str, kind: public.TypeView, media_url: bool) -> str:
    zh = f"已受理，查询码 {tracking_code}。办理时限：{kind.limits_zh}。"
    en = f"Received; tracking code {tracking_code}. Time limits: {kind.limits_en}."
    if media_url:
        zh += "media_url 未被读取，照片请通过 /api/v1/requests 上传。"
        en += " media_url was not fetched; attach photos through /api/v1/requests."
    return pick(locale, zh, en)


@router.get("/requests.json")
def search(
    request: Request,
    session: ReadSession,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> list[dict[str, Any]]:
    """Owner: public. Reports by id, or by service, dates (at most 90 days) and open or closed; no requester."""
    query = public.ReportQuery(
        tracking_codes=_listed(service_request_id),
        type_codes=_listed(service_code),
        start=_aware(start_date),
        end=_aware(end_date),
        open=_open(status),
    )
    locale = locale_of(request)
    return [_request(report, locale) for report in public.reports(session, query)]


@router.get("/requests/{service_request_id}.json")
def one(request: Request, service_request_id: str, session: ReadSession) -> list[dict[str, Any]]:
    """Owner: public. One report by its tracking code, in a list as GeoReport has it."""
    return [_request(public.report(session, service_request_id), locale_of(request))]


def _listed(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _aware(moment: datetime | None) -> datetime | None:
    # GeoReport asks clients for an offset; one without it most likely means local (Beijing) time.
    return moment.replace(tzinfo=CHINA) if moment and moment.tzinfo is None else moment


def _open(status: str | None) -> bool | None:
    wanted = set(_listed(status))
    if not wanted <= {"open", "closed"}:
        raise BadInput("status 只能是 open 或 closed", "status is open or closed", "status")
    return None if len(wanted) != 1 else wanted == {"open"}


def _request(report: public.Report, locale: str) -> dict[str, Any]:
    zh, en = STATUS_NAMES[report.status]
    return {
        "service_request_id": report.tracking_code,
        "status": "open" if report.open else "closed",
        "status_notes": pick(locale, zh, en),
        "service_name": pick(locale, report.type_name, report.type_name_en),
        "service_code": report.type_code,
        "description": report.title,
        "agency_responsible": pick(locale, report.department_name, report.department_name_en)
        if report.department_name
        else None,
        "service_notice": None,
        "requested_datetime": _w3(report.submitted_at),
        "updated_datetime": _w3(report.updated_at),
        "expected_datetime": _w3(report.expected_at),
        "address": report.address,
        "address_id": None,
        "zipcode": None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": None,
    }


@router.api_route("/{anything:path}", methods=["GET", "POST"])
def elsewhere(anything: str) -> None:
    """Owner: public. Anything else under the endpoint, the ``.xml`` forms included: GeoReport's 404."""
    zh = f"没有 Open311 资源 {anything}（本接口只提供 JSON）"
    raise NotFound(zh, f"no Open311 resource {anything} (this endpoint speaks JSON only)")
