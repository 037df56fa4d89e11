"""What the requests API takes and gives: JSON shapes read from the service's views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, Field

from tongban.calendar.limits import Colour, TimeLimit
from tongban.requests import public, views
from tongban.requests.domain import STATUS_NAMES, Action, Channel, Kind, Priority, Stage, Status
from tongban.web.schemas import Out

# Ids are 32-bit integers in the database; a larger one is a 422 here, not a database error.
MAX_ID = 2**31 - 1
RequestId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The channels as plain strings, so that the request body's schema has no references and can be
# published for JSON and multipart alike (see ``api.REQUEST_BODY``); a test keeps it equal to Channel.
ChannelName = Literal["web", "mobile", "hotline", "window", "liaison_station"]


def _without_nul(value: str) -> str:
    # Multipart fields pass no middleware, and PostgreSQL refuses NUL in text.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_without_nul)]


class RequestIn(BaseModel):
    """A request as a resident raises it, or as a window or hotline operator records it for a caller."""

    type: Text = Field(min_length=1, max_length=64, description="the request type's code, from GET /request-types")
    text: Text = Field(max_length=10_000, description="what happened, where and what is asked for")
    channel: ChannelName = "web"
    title: Text | None = Field(default=None, max_length=200, description="defaults to the text's first line")
    jurisdiction: Text | None = Field(
        default=None, pattern=r"^\d{6}(\d{3}){0,2}$", description="where it is; a resident's own place by default"
    )
    lat: float | None = Field(default=None, description="WGS84; a located photo's place wins over it")
    lon: float | None = None
    address: Text | None = Field(default=None, max_length=300)
    requester_name: Text | None = Field(default=None, max_length=100, description="the caller, for hotline and window")
    requester_phone: Text | None = Field(default=None, max_length=20)


class ActionIn(BaseModel):
    reason: Text | None = Field(default=None, max_length=2000)
    departments: list[Annotated[Text, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20, description="route: the departments that handle it"
    )
    lead: Text | None = Field(default=None, max_length=64, description="route: which of them leads")
    priority: Priority = Priority.general


class OrderIn(BaseModel):
    note: Text = Field(min_length=1, max_length=2000)
    due_on: date


class EventOut(Out):
    at: datetime
    actor: str
    action: str
    to_status: str
    department_code: str | None
    reason: str | None


class RequestOut(Out):
    id: int
    tracking_code: str
    type_code: str
    kind: Kind
    channel: str
    title: str
    text: str
    status: Status
    status_zh: str
    status_en: str
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
    stage: Stage | None
    due_at: datetime | None
    colour: Colour | None
    extended: bool
    send_backs: int
    escalated: bool
    review_round: int = Field(description="0; 1 while or after a 复查 (review); 2 for a 复核 (re-review)")
    reply: str | None
    submitted_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None
    requester_name: str | None = Field(description="the requester and staff only")
    requester_phone: str | None = Field(description="in full for the requester, masked for staff")
    photos: list[str] = Field(description="addresses of the photos, in the order they were attached")
    history: list[EventOut]
    actions: list[Action] = Field(description="what the caller may do now")
    version: int = Field(description="send it back in If-Match with an action")

    @classmethod
    def of(cls, view: views.RequestView) -> Self:
        zh, en = STATUS_NAMES[view.status]
        photos = [f"/api/v1/requests/{view.id}/photos/{position}" for position in view.photos]
        return cls.model_validate({**vars(view), "status_zh": zh, "status_en": en, "photos": photos})


class TrackedOut(Out):
    tracking_code: str
    status: Status
    stage: Stage | None
    department_code: str | None
    due_at: datetime | None
    colour: Colour | None
    submitted_at: datetime
    replied_at: datetime | None
    closed_at: datetime | None


class NearbyOut(Out):
    tracking_code: str
    title: str
    status: Status
    distance_m: int
    submitted_at: datetime


class NearbyList(BaseModel):
    items: list[NearbyOut]


class MyRequestOut(Out):
    id: int
    tracking_code: str
    title: str
    kind: str
    status: Status
    department_code: str | None
    jurisdiction_code: str
    due_at: datetime | None
    colour: Colour | None
    escalated: bool
    submitted_at: datetime


class MyRequestList(BaseModel):
    items: list[MyRequestOut]


class QueueItemOut(MyRequestOut):
    """A request in a worker's queue, with the department the rules or the model suggest for routing."""

    suggested_department: str | None
    suggested_by: str | None
    suggestion_score: float | None


class QueueOut(BaseModel):
    items: list[QueueItemOut]


class BoardRowOut(Out):
    key: str | None = Field(description="the department's code or the town's nine-digit code")
    green: int
    yellow: int
    red: int
    escalated: int
    total: int


class BoardOut(BaseModel):
    by: Literal["department", "town"]
    items: list[BoardRowOut]


class OrderOut(Out):
    id: int
    request_id: int
    issued_by: str
    issued_at: datetime
    note: str
    due_on: date
    warned_at: datetime | None
    done_at: datetime | None


class OrderList(BaseModel):
    items: list[OrderOut]


class LimitOut(BaseModel):
    value: int
    unit: str = Field(description="小时, 自然日 or 工作日")

    @classmethod
    def of(cls, limit: TimeLimit) -> Self:
        return cls(value=limit.value, unit=limit.unit.value)


class StageLimitOut(BaseModel):
    stage: Stage
    limit: LimitOut
    by_priority: dict[Priority, LimitOut]


class RequestTypeOut(BaseModel):
    code: str
    kind: Kind
    name: str
    name_en: str | None
    description: str | None
    jurisdiction_code: str = Field(description="the area it serves, and every place within it")
    channels: list[Channel]
    location: Literal["required", "optional", "none"]
    location_zh: str
    location_en: str
    photos: int = Field(description="how many photos may be attached")
    photo_types: list[str]
    photo_max_bytes: int
    text_min: int
    text_max: int
    limits: list[StageLimitOut]
    extension: LimitOut | None
    limits_zh: str
    limits_en: str

    @classmethod
    def of(cls, kind: public.TypeView) -> Self:
        stages = [
            StageLimitOut(
                stage=rule.stage,
                limit=LimitOut.of(rule.limit),
                by_priority={priority: LimitOut.of(limit) for priority, limit in rule.by_priority.items()},
            )
            for rule in kind.stages
        ]
        extension = LimitOut.of(kind.extension) if kind.extension else None
        data: dict[str, Any] = {**vars(kind), "limits": stages, "extension": extension}
        return cls.model_validate(data)


class RequestTypeList(BaseModel):
    items: list[RequestTypeOut]
