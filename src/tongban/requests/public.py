"""What anyone may read without logging in: the request types on offer, and the public face of reports.

A report of something wrong in a public place (随手拍: a broken lamp, a dug-up road) is
public in the way the place itself is: its type, where it is, a short title, who has it and
how far it has got. Who raised it, the full text and the photos stay private: the text may
say who wrote it and where they live, and a photo may show a face. Only report types taken
through the mobile channel and with a place are public this way (they are the Open311
services); complaints, petitions and disputes are between people and never listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from tongban.auth.domain import division_prefix
from tongban.auth.models import Department, Jurisdiction
from tongban.calendar.limits import TimeLimit, Unit
from tongban.db import utcnow
from tongban.errors import BadInput, NotFound
from tongban.requests.domain import (
    OPEN,
    PRIORITY_NAMES,
    STAGE_NAMES,
    Channel,
    Kind,
    Limits,
    Priority,
    Stage,
    Status,
    limits_of,
)
from tongban.requests.models import CitizenRequest, RequestEvent, RequestType
from tongban.requests.service import MAX_PHOTO_BYTES, PHOTO_TYPES, TEXT_MAX, TEXT_MIN

# GeoReport v2: with no dates a search covers the last 90 days, and never more than 90 days or 1000 reports.
REPORT_DAYS = 90
REPORT_LIMIT = 1000
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)

LOCATION_WORDS: Mapping[str, tuple[str, str]] = {
    "required": (
        "须上传带位置信息的照片，或在地图上标出问题位置",
        "a photo that has its location, or a point marked on the map, is required",
    ),
    "optional": ("可以标出问题位置", "a location may be given"),
    "none": ("无需位置", "no location is taken"),
}
UNIT_EN: Mapping[Unit, tuple[str, str]] = {
    Unit.hours: ("hour", "hours"),
    Unit.calendar_days: ("calendar day", "calendar days"),
    Unit.working_days: ("working day", "working days"),
}


@dataclass(frozen=True)
class StageRule:
    stage: Stage
    limit: TimeLimit
    by_priority: Mapping[Priority, TimeLimit]


@dataclass(frozen=True)
class TypeView:
    """A request type as a resident choosing one reads it: where, how, what to attach, how long each stage takes."""

    code: str
    kind: Kind
    name: str
    name_en: str | None
    description: str | None
    jurisdiction_code: str
    channels: list[Channel]
    location: str
    location_zh: str
    location_en: str
    photos: int
    photo_types: list[str]
    photo_max_bytes: int
    text_min: int
    text_max: int
    stages: list[StageRule]
    extension: TimeLimit | None
    limits_zh: str
    limits_en: str
    updated_at: datetime

    @property
    def on_open311(self) -> bool:
        """A report about a place that residents raise from their phones: what Open311 clients are made for."""
        return self.kind is Kind.report and self.location != "none" and Channel.mobile in self.channels


def request_types(session: Session, jurisdiction: str | None = None) -> list[TypeView]:
    """Every type, or those a resident of ``jurisdiction`` can raise: types whose area holds the place."""
    if jurisdiction is not None and session.get(Jurisdiction, jurisdiction) is None:
        raise NotFound(f"行政区划 {jurisdiction} 不存在", f"unknown jurisdiction {jurisdiction}", "jurisdiction")
    rows = session.scalars(select(RequestType).order_by(RequestType.code))
    return [
        _type_view(row)
        for row in rows
        if jurisdiction is None or jurisdiction.startswith(division_prefix(row.jurisdiction_code))
    ]


def open311_types(session: Session, jurisdiction: str | None = None) -> list[TypeView]:
    return [kind for kind in request_types(session, jurisdiction) if kind.on_open311]


def open311_type(session: Session, code: str) -> TypeView:
    row = session.get(RequestType, code)
    kind = _type_view(row) if row is not None else None
    if kind is None or not kind.on_open311:
        raise NotFound(f"没有诉求类型 {code}", f"no request type {code}", "service_code")
    return kind


def _type_view(row: RequestType) -> TypeView:
    limits = limits_of(row.limits)
    location_zh, location_en = LOCATION_WORDS[row.location]
    zh, en = limits_in_words(limits)
    return TypeView(
        code=row.code,
        kind=Kind(row.kind),
        name=row.name,
        name_en=row.name_en,
        description=row.description,
        jurisdiction_code=row.jurisdiction_code,
        channels=[Channel(channel) for channel in row.channels],
        location=row.location,
        location_zh=location_zh,
        location_en=location_en,
        photos=row.photos,
        photo_types=[media.value for media in PHOTO_TYPES] if row.photos else [],
        photo_max_bytes=MAX_PHOTO_BYTES,
        text_min=TEXT_MIN,
        text_max=TEXT_MAX,
        stages=[StageRule(stage, rule.limit, rule.by_priority) for stage, rule in limits.stages.items()],
        extension=limits.extension,
        limits_zh=zh,
        limits_en=en,
        updated_at=row.updated_at,
    )


def limits_in_words(limits: Limits) -> tuple[str, str]:
    """``签收 1 工作日（紧急 2 小时）；办理答复 5 工作日，可延期一次 30 自然日`` and its English."""
    zh: list[str] = []
    en: list[str] = []
    for stage in Stage:  # in the order a request goes through them
        rule = limits.stages.get(stage)
        if rule is None:
            continue
        name_zh, name_en = STAGE_NAMES[stage]
        others_zh = "、".join(f"{PRIORITY_NAMES[p][0]} {limit.text()}" for p, limit in rule.by_priority.items())
        others_en = ", ".join(f"{p.value}: {_en(limit)}" for p, limit in rule.by_priority.items())
        zh.append(f"{name_zh} {rule.limit.text()}" + (f"（{others_zh}）" if others_zh else ""))
        en.append(f"{name_en}: {_en(rule.limit)}" + (f" ({others_en})" if others_en else ""))
    words_zh, words_en = "；".join(zh), "; ".join(en)
    if limits.extension is not None:
        words_zh += f"，办理期限可延长一次 {limits.extension.text()}"
        words_en += f"; the handling limit may be extended once by {_en(limits.extension)}"
    return words_zh, words_en


def _en(limit: TimeLimit) -> str:
    one, many = UNIT_EN[limit.unit]
    return f"{limit.value} {one if limit.value == 1 else many}"


@dataclass(frozen=True)
class Report:
    """A report as the public sees it: no requester, no full text, no photos."""

    tracking_code: str
    type_code: str
    type_name: str
    type_name_en: str | None
    status: Status
    title: str
    department_name: str | None
    department_name_en: str | None
    address: str | None
    lat: float | None
    lon: float | None
    submitted_at: datetime
    updated_at: datetime
    # When the answer is due, once a department is handling it; before that nobody has promised one.
    expected_at: datetime | None

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class ReportQuery:
    """GeoReport v2's filters. Tracking codes, when given, override all the others."""

    tracking_codes: Sequence[str] = ()
    type_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    open: bool | None = None  # None: open and closed alike


def reports(session: Session, query: ReportQuery) -> list[Report]:
    """Public reports, newest first, at most the last 90 days and 1000 of them."""
    types = {kind.code: kind for kind in open311_types(session)}
    wanted = [code for code in query.type_codes if code in types] if query.type_codes else list(types)
    statement = _report_rows().where(CitizenRequest.type_code.in_(wanted))
    if query.tracking_codes:
        codes = [code.strip().upper() for code in query.tracking_codes]
        statement = statement.where(CitizenRequest.tracking_code.in_(codes))
    else:
        start, end = _window(query.start, query.end)
        statement = statement.where(CitizenRequest.submitted_at.between(start, end))
        if query.open is not None:
            statuses = [s.value for s in Status if (s in OPEN) is query.open]
            statement = statement.where(CitizenRequest.status.in_(statuses))
    rows = session.execute(statement.order_by(CitizenRequest.submitted_at.desc()).limit(REPORT_LIMIT))
    return [_report(types[request.type_code], request, lead, updated) for request, lead, updated in rows]


def report(session: Session, tracking_code: str) -> Report:
    found = reports(session, ReportQuery(tracking_codes=[tracking_code]))
    if not found:
        raise NotFound(f"没有查询码为 {tracking_code} 的报告", f"no report with tracking code {tracking_code}")
    return found[0]


def _report_rows() -> Select[CitizenRequest, Department, datetime]:
    """Each request with its lead department and the time of its latest timeline entry."""
    lead = aliased(Department)
    updated = select(func.max(RequestEvent.at)).where(RequestEvent.request_id == CitizenRequest.id).scalar_subquery()
    return select(CitizenRequest, lead, updated).outerjoin(lead, lead.code == CitizenRequest.department_code)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    _check_range(start, "start_date")
    _check_range(end, "end_date")
    span = timedelta(days=REPORT_DAYS)
    if end is None:
        end = start + span if start is not None else utcnow()
    start = start or end - span
    if start > end:
        raise BadInput("开始时间晚于结束时间", "start_date is after end_date", "start_date")
    if end - start > span:
        raise BadInput(
            f"查询时间跨度不能超过 {REPORT_DAYS} 天", f"the dates may not span more than {REPORT_DAYS} days", "end_date"
        )
    return start, end


def _check_range(moment: datetime | None, field: str) -> None:
    # A date this far out is a typing mistake; refusing it also keeps the window's arithmetic in range.
    if moment is not None and not EARLIEST <= moment < LATEST:
        raise BadInput("日期超出范围", "the date is out of range", field)


def _report(kind: TypeView, request: CitizenRequest, lead: Department | None, updated: datetime | None) -> Report:
    return Report(
        tracking_code=request.tracking_code,
        type_code=kind.code,
        type_name=kind.name,
        type_name_en=kind.name_en,
        status=Status(request.status),
        title=request.title,
        department_name=lead.name if lead else None,
        department_name_en=lead.name_en if lead else None,
        address=request.address,
        lat=request.lat,
        lon=request.lon,
        submitted_at=request.submitted_at,
        updated_at=updated or request.submitted_at,
        expected_at=request.due_at if request.stage == Stage.handle.value else None,
    )


def changed_at(session: Session) -> datetime | None:
    """When a pack last changed the request types: Open311 clients refresh their cached service list after it."""
    return session.scalar(select(func.max(RequestType.updated_at)))
