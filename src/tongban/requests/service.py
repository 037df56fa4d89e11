"""Raising a request (诉求受理): checked, located, photographed, given a tracking code and a suggested department.

A photo's place is read from its EXIF before the platform strips the metadata, and wins over
a point picked on the map, since it is where the camera was. Nothing is stored unless the
whole request is valid: the photos, the request and its first timeline entry commit together.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.auth.models import Jurisdiction, User
from tongban.calendar import service as calendar
from tongban.calendar.limits import CHINA
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.files import service as files
from tongban.files.domain import FileRefused, MediaType, read_location
from tongban.geo import haversine_m
from tongban.requests import routing_store, views
from tongban.requests.domain import (
    OPEN,
    Action,
    Channel,
    Kind,
    Limits,
    Priority,
    Status,
    in_review,
    limits_at_level,
    limits_of,
    next_status,
    overseer,
    review_clock,
    start_clock,
)
from tongban.requests.models import CitizenRequest, RequestDepartment, RequestEvent, RequestPhoto, RequestType

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = (MediaType.JPEG, MediaType.PNG)
NEARBY_METRES = 150
NEARBY_DAYS = 30
TEXT_MIN, TEXT_MAX = 5, 2000

# Residents raise requests themselves; windows and hotline operators record them for callers;
# a village liaison station's part-time member uses a window account of that village.
CHANNEL_ROLES: dict[Channel, tuple[Role, ...]] = {
    Channel.web: (Role.citizen,),
    Channel.mobile: (Role.citizen,),
    Channel.hotline: (Role.window, Role.dispatcher),
    Channel.window: (Role.window,),
    Channel.liaison_station: (Role.window,),
}


def channels_of(role: Role | None) -> list[Channel]:
    """The channels a role raises requests through, in the order a form offers them."""
    return [channel for channel, roles in CHANNEL_ROLES.items() if role in roles]


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes


@dataclass(frozen=True)
class Submission:
    type_code: str
    text: str
    channel: Channel = Channel.web
    title: str | None = None
    jurisdiction_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    requester_name: str | None = None
    requester_phone: str | None = None
    photos: Sequence[Photo] = field(default_factory=tuple)
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        data = asdict(self) | {"photos": [hashlib.sha256(photo.data).hexdigest() for photo in self.photos]}
        data.pop("idempotency_key")
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def submit(
    factory: sessionmaker[Session], store: files.FileStore, actor: Actor, submission: Submission
) -> tuple[views.RequestView, bool]:
    """Records the request; a retry with the same ``Idempotency-Key`` returns the first, not a second."""
    try:
        with transaction(factory) as session:
            earlier = _earlier(session, actor, submission)
            if earlier is not None:
                return views.request_view(session, actor, earlier, utcnow()), False
            request = raise_in(session, store, actor, submission)
            return views.request_view(session, actor, request, utcnow()), True
    except IntegrityError:
        with factory() as session:  # two retries raced; the loser returns the winner's request
            earlier = _earlier(session, actor, submission)
            if earlier is None:
                raise
            return views.request_view(session, actor, earlier, utcnow()), False


# Residents read the code out on the phone: no 0/O or 1/I to confuse.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _tracking_code(now: datetime) -> str:
    """The day and 50 random bits: two requests of one day share a code with odds below one in five million
    even at 20,000 requests a day, so a clash (refused by the unique index) needs no retry path."""
    random_part = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
    return f"{now.astimezone(CHINA):%Y%m%d}{random_part}"


def _earlier(session: Session, actor: Actor, submission: Submission) -> CitizenRequest | None:
    if not submission.idempotency_key or actor.user_id is None:
        return None
    query = select(CitizenRequest).where(
        CitizenRequest.submitted_by == actor.user_id, CitizenRequest.idempotency_key == submission.idempotency_key
    )
    request = session.scalars(query).one_or_none()
    if request is not None and request.fingerprint != submission.fingerprint():
        raise Conflict(
            "该 Idempotency-Key 已用于另一条不同的诉求",
            "this Idempotency-Key was already used for a different request",
            "Idempotency-Key",
        )
    return request


def raise_in(session: Session, store: files.FileStore, actor: Actor, submission: Submission) -> CitizenRequest:
    """Records the request in the caller's transaction (a dispute is raised and booked in one)."""
    kind = request_type(session, submission.type_code)
    _check_channel(actor, kind, submission.channel)
    text = _checked_text(submission.text)
    jurisdiction = _jurisdiction(session, actor, kind, submission.jurisdiction_code)
    stored, photo_place = _photos(session, store, actor, kind, submission.photos)
    place, source = _place(kind, photo_place, submission.lat, submission.lon)
    name, phone = _requester(session, actor, submission)
    now = utcnow()
    request = CitizenRequest(
        tracking_code=_tracking_code(now),
        type_code=kind.code,
        kind=kind.kind,
        channel=submission.channel.value,
        title=(submission.title or "").strip()[:100] or _title_of(text),
        text=text,
        jurisdiction_code=jurisdiction,
        lat=place[0] if place else None,
        lon=place[1] if place else None,
        address=(submission.address or "").strip()[:300] or None,
        location_source=source,
        requester_user_id=actor.user_id if actor.role is Role.citizen else None,
        requester_name=name,
        requester_phone=phone,
        submitted_by=actor.user_id,
        status=Status.submitted.value,
        priority=Priority.general.value,
        level=_first_level(kind),
        # 解纷码: 128 random bits, so that nobody finds a dispute's public page by guessing its address.
        dispute_token=secrets.token_urlsafe(16) if kind.kind == Kind.dispute.value else None,
        submitted_at=now,
        idempotency_key=submission.idempotency_key,
        fingerprint=submission.fingerprint() if submission.idempotency_key else None,
        version=1,
    )
    _suggest(session, kind, request)
    assign(kind, request, None, [])  # nobody has it before routing, but a liaison report's overseer sees it
    set_clock(session, kind, request, now)
    session.add(request)
    session.flush()
    session.add_all(RequestPhoto(request_id=request.id, position=i, file_id=f.id) for i, f in enumerate(stored, 1))
    record(session, actor, request, "submit", None, reason=None)
    return request


def request_type(session: Session, code: str) -> RequestType:
    kind = session.get(RequestType, code)
    if kind is None:
        raise NotFound(f"没有诉求类型 {code}", f"no request type {code}", "type")
    return kind


def _check_channel(actor: Actor, kind: RequestType, channel: Channel) -> None:
    if channel.value not in kind.channels:
        raise BadInput(f"{kind.name}不接受该渠道提交", f"{kind.code} is not taken through {channel}", "channel")
    if actor.role not in CHANNEL_ROLES[channel] or actor.user_id is None:
        raise Forbidden("您不能通过该渠道提交诉求", f"you may not raise requests through {channel}")


def _checked_text(text: str) -> str:
    text = (text or "").strip()
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise BadInput(
            f"诉求内容应为 {TEXT_MIN}—{TEXT_MAX} 字", f"the text must be {TEXT_MIN} to {TEXT_MAX} characters", "text"
        )
    return text


def _title_of(text: str) -> str:
    first = text.splitlines()[0]
    return first if len(first) <= 30 else first[:29] + "…"


def _jurisdiction(session: Session, actor: Actor, kind: RequestType, given: str | None) -> str:
    """Where the matter is: given, else the resident's own place; within the area the type serves."""
    code = given or (actor.jurisdiction_code if actor.role is Role.citizen else None)
    if code is None:
        raise BadInput("请选择问题所在的镇（街道）或村（社区）", "say which town or village it is in", "jurisdiction")
    if session.get(Jurisdiction, code) is None:
        raise BadInput(f"行政区划 {code} 不存在", f"unknown jurisdiction {code}", "jurisdiction")
    if not code.startswith(division_prefix(kind.jurisdiction_code)):
        raise BadInput(
            f"{kind.name}只受理本地区的诉求", f"{kind.code} takes requests from its own area only", "jurisdiction"
        )
    return code


def _photos(
    session: Session, store: files.FileStore, actor: Actor, kind: RequestType, photos: Sequence[Photo]
) -> tuple[list[files.StoredFile], tuple[float, float] | None]:
    if len(photos) > kind.photos:
        raise BadInput(f"最多上传 {kind.photos} 张照片", f"at most {kind.photos} photos", "photos")
    # The place is read before storing: storing strips EXIF, GPS with it.
    places = [place for photo in photos if (place := read_location(photo.data)) is not None]
    try:
        stored = [
            files.store(session, store, actor, photo.name, photo.data, accepted=PHOTO_TYPES, max_bytes=MAX_PHOTO_BYTES)
            for photo in photos
        ]
    except FileRefused as refused:
        refused.field = "photos"  # the message names the file; the field says which part of the form it came in
        raise
    return stored, places[0] if places else None


def _place(
    kind: RequestType, from_photo: tuple[float, float] | None, lat: float | None, lon: float | None
) -> tuple[tuple[float, float] | None, str | None]:
    if kind.location == "none":
        return None, None
    if from_photo is not None:
        return from_photo, "photo"
    if (lat is None) != (lon is None):
        raise BadInput("请同时给出纬度和经度", "give both latitude and longitude", "lat" if lat is None else "lon")
    if lat is not None and lon is not None:
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadInput("位置坐标无效", "the location is not a valid coordinate", "lat")
        return (lat, lon), "map"
    if kind.location == "required":
        raise BadInput(
            "请上传带位置信息的照片，或在地图上标出问题位置",
            "attach a photo that has its location, or mark the place on the map",
            "location",
        )
    return None, None


def _requester(session: Session, actor: Actor, submission: Submission) -> tuple[str, str | None]:
    """A resident raises their own, as does a liaison station's member unless naming someone else;
    an operator or window records the caller's name and phone."""
    own = submission.channel is Channel.liaison_station and not (submission.requester_name or "").strip()
    if actor.role is Role.citizen or own:
        user = session.get(User, actor.user_id)
        assert user is not None  # a logged-in actor's account exists
        return user.display_name, user.phone
    name = (submission.requester_name or "").strip()
    if not name:
        raise BadInput("请填写诉求人姓名", "give the requester's name", "requester_name")
    return name[:100], (submission.requester_phone or "").strip() or None


def _first_level(kind: RequestType) -> str | None:
    return kind.levels[0]["level"] if kind.levels else None


def _suggest(session: Session, kind: RequestType, request: CitizenRequest) -> None:
    suggestion = routing_store.suggest(session, kind.pack_code, kind.code, request.text)
    if suggestion is None:
        request.suggested_department = kind.default_department
        request.suggested_by = "default" if kind.default_department else None
        return
    request.suggested_department = suggestion.department
    request.suggested_by = suggestion.source
    request.suggestion_score = suggestion.score


def assign(kind: RequestType, request: CitizenRequest, lead: str | None, departments: Sequence[str]) -> None:
    """Gives the request to ``departments``, ``lead`` acting for all (None: any of them may), and to its overseer.

    The overseer (a liaison report's discipline committee, ``domain.overseer``) stays through every
    routing and send-back, so that the request never leaves the committee's queue.
    """
    watching = overseer(Channel(request.channel), kind.default_department)
    codes = list(dict.fromkeys([*departments, *([watching] if watching else [])]))
    # A row already there is kept: removing and adding the same one in one flush would insert it twice.
    kept = {row.department_code: row for row in request.assignments}
    request.department_code = lead
    request.assignments = [kept.get(code) or RequestDepartment(department_code=code) for code in codes]


def limits_for(kind: RequestType, request: CitizenRequest) -> Limits:
    """The limits that run for this request now: its dispute level's, or its review round's."""
    limits = limits_at_level(kind.limits, kind.levels, request.level)
    return in_review(limits) if request.review_round else limits


def set_clock(session: Session, kind: RequestType, request: CitizenRequest, now: datetime) -> None:
    """Starts the limit of the stage the request has just entered (or clears it)."""
    days = calendar.working_calendar(session)
    limits, status = limits_for(kind, request), Status(request.status)
    if request.review_round and request.review_due_at is not None:
        clock = review_clock(status, limits, now, request.review_due_at, days)
    else:
        clock = start_clock(status, limits, Priority(request.priority), now, days)
    request.stage = clock.stage.value if clock else None
    request.stage_started_at = clock.started_at if clock else None
    request.due_at = clock.due_at if clock else None
    request.warn_at = clock.warn_at if clock else None


def record(
    session: Session,
    actor: Actor,
    request: CitizenRequest,
    action: str,
    before: Status | None,
    *,
    reason: str | None,
    data: dict[str, object] | None = None,
) -> None:
    """The request's timeline entry and the audit log entry, written together."""
    session.add(
        RequestEvent(
            request_id=request.id,
            at=utcnow(),
            actor=actor.username,
            action=action,
            from_status=before.value if before else None,
            to_status=request.status,
            department_code=request.department_code,
            reason=reason,
        )
    )
    change = {"status": request.status, "department": request.department_code, "reason": reason, **(data or {})}
    audit.record(session, actor, action, "requests", request.tracking_code, {"status": before}, change)


def nearby(session: Session, type_code: str, lat: float, lon: float) -> list[views.NearbyRequest]:
    """Open requests of the same type close to a place, so a resident can add to one instead of repeating it."""
    kind = request_type(session, type_code)
    since = utcnow() - timedelta(days=NEARBY_DAYS)
    # A box around the place narrows the rows before each is measured exactly (1° of latitude ≈ 111 km).
    dlat = NEARBY_METRES / 111_000
    dlon = dlat / max(math.cos(math.radians(lat)), 0.1)
    query = select(CitizenRequest).where(
        CitizenRequest.type_code == kind.code,
        CitizenRequest.status.in_([status.value for status in OPEN]),
        CitizenRequest.submitted_at >= since,
        CitizenRequest.lat.between(lat - dlat, lat + dlat),
        CitizenRequest.lon.between(lon - dlon, lon + dlon),
    )
    found = [
        views.NearbyRequest(r.tracking_code, r.title, Status(r.status), round(distance), r.submitted_at)
        for r in session.scalars(query)
        if (distance := haversine_m(lat, lon, r.lat or 0.0, r.lon or 0.0)) <= NEARBY_METRES
    ]
    return sorted(found, key=lambda item: item.distance_m)


def track(session: Session, tracking_code: str) -> views.TrackedRequest:
    """What anyone holding the tracking code may know: the stage, who has it, and when it is due."""
    request = session.scalars(
        select(CitizenRequest).where(CitizenRequest.tracking_code == tracking_code.strip().upper())
    ).one_or_none()
    if request is None:
        raise NotFound(f"没有查询码为 {tracking_code} 的诉求", f"no request with tracking code {tracking_code}")
    return views.tracked(request, utcnow())


def photo(session: Session, store: files.FileStore, actor: Actor, request_id: int, position: int) -> tuple[bytes, str]:
    """A photo's bytes and type, for whoever may read the request: its requester and the staff who have it."""
    request = views.readable(session, actor, request_id)
    query = (
        select(files.StoredFile)
        .join(RequestPhoto, RequestPhoto.file_id == files.StoredFile.id)
        .where(RequestPhoto.request_id == request.id, RequestPhoto.position == position)
    )
    stored = session.scalars(query).one_or_none()
    if stored is None:
        raise NotFound(f"诉求没有第 {position} 张照片", f"the request has no photo {position}", "position")
    return files.open_bytes(store, stored), stored.media_type


@dataclass(frozen=True)
class RatingSubject:
    """What 好差评 needs to know about a request: whose it is, who answered it, and whether it awaits a rating."""

    request_id: int
    tracking_code: str
    title: str
    pack_code: str
    requester_user_id: int | None
    submitted_by: int | None
    jurisdiction_code: str
    department_code: str | None
    answered: bool


def rating_subject(session: Session, actor: Actor, request_id: int) -> RatingSubject:
    """The request as the ratings context sees it; one the actor may not read is not found."""
    request = views.readable(session, actor, request_id)
    return RatingSubject(
        request_id=request.id,
        tracking_code=request.tracking_code,
        title=request.title,
        pack_code=request_type(session, request.type_code).pack_code,
        requester_user_id=request.requester_user_id,
        submitted_by=request.submitted_by,
        jurisdiction_code=request.jurisdiction_code,
        department_code=request.department_code,
        answered=Status(request.status) is Status.replied,
    )


def close_rated(session: Session, actor: Actor, request_id: int, rating: str) -> None:
    """The requester's rating closes the answered request, in the rating's transaction; ``rating`` in words.

    A request changed meanwhile (a return visit closed it) fails on its version, like any action.
    """
    request = views.readable(session, actor, request_id)
    before = Status(request.status)
    kind = request_type(session, request.type_code)
    request.status = next_status(before, Action.close, limits_of(kind.limits), None).value
    request.closed_at = utcnow()
    request.version += 1
    session.flush()
    record(session, actor, request, Action.close.value, before, reason=rating)
