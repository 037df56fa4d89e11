"""Indicators of requests in SQL: one grouped query per breakdown, by department, by town or by period.

A request counts in the window, and in the period, in which it was received (China Standard
Time); its later signing, answer and rating count with it. So a period's figures settle as its
requests are finished, and a ranking of last month does not change because of this month's work.
Every count is a sum over the stored columns that the handling of a request keeps for this
(``signed_in_time``, ``closed_in_time``, ``routed_at``…), so the query reads the requests once
whatever their number; the ratings come in as one grouped subquery of the ratings context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, and_, case, cast, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role, division_prefix
from tongban.errors import Forbidden
from tongban.packs import service as packs
from tongban.ratings import service as ratings
from tongban.ratings.domain import SubjectKind
from tongban.requests.domain import Status
from tongban.requests.index import (
    DEFAULT_SCHEME,
    Counts,
    Period,
    Scheme,
    Standing,
    Window,
    scheme_of,
    scored,
    standings,
    with_empty_periods,
)
from tongban.requests.models import CitizenRequest, RequestType

# The board's rule of who sees which requests, so that the board and its indicators always agree.
from tongban.requests.supervision import _within as within

# China has kept UTC+8 all year since 1991; SQLite has no time zones, only this modifier.
SQLITE_CHINA = "'+8 hours'"


class Breakdown(StrEnum):
    department = "department"
    town = "town"  # the first nine digits of the place: 镇（街道）


@dataclass(frozen=True)
class Report:
    """What the indicators page, the API and the workbook show for one window."""

    window: Window
    period: Period
    scheme: Scheme
    ranking: list[Standing]  # by department or by town, best first
    trend: list[Standing]  # by period, in time order


def report(session: Session, actor: Actor, by: Breakdown, window: Window, period: Period) -> Report:
    """The ranking by department or town over the window, and the trend over its periods."""
    scheme = scheme_for(session, actor)
    ranked = ranking(session, actor, by, window, scheme)
    return Report(window, period, scheme, ranked, trend(session, actor, window, period, scheme))


def ranking(session: Session, actor: Actor, by: Breakdown, window: Window, scheme: Scheme) -> list[Standing]:
    """赛马: departments or towns by their index over the window."""
    key = CitizenRequest.__table__.c.department_code if by is Breakdown.department else _town()
    rows = [Counts(row[0], *row[1:]) for row in _grouped(session, actor, key, window)]
    return standings(rows, scheme)


def trend(session: Session, actor: Actor, window: Window, period: Period, scheme: Scheme) -> list[Standing]:
    """The indicators of every period of the window, the empty ones too, so a line has no silent gaps."""
    key = _period_start(session, period)
    found = {_day(row[0]): Counts(None, *row[1:]) for row in _grouped(session, actor, key, window)}
    return scored(with_empty_periods(period, window.first, window.last, found), scheme)


def _grouped(session: Session, actor: Actor, key: ColumnElement[Any], window: Window) -> list[tuple[Any, ...]]:
    if actor.role not in (Role.supervisor, Role.admin):
        raise Forbidden("只有督办人员可以查看诉求指标", "only supervisors see the request indicators")
    satisfaction = ratings.satisfaction_by_subject(SubjectKind.request)
    start, end = window.instants()
    query = (
        select(key, *_measures(satisfaction.c.rated, satisfaction.c.satisfied))
        .select_from(CitizenRequest)
        .outerjoin(satisfaction, satisfaction.c.subject_id == CitizenRequest.id)
        .where(CitizenRequest.submitted_at >= start, CitizenRequest.submitted_at < end, within(actor))
        .group_by(key)
        .order_by(key)
    )
    return [(row[0], *(int(value or 0) for value in row[1:])) for row in session.execute(query)]


def _measures(rated: ColumnElement[Any], satisfied: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """The columns of ``Counts`` after its key, in its order."""
    kept = CitizenRequest.status != Status.withdrawn.value
    finished = or_(CitizenRequest.replied_at.is_not(None), CitizenRequest.closed_at.is_not(None))
    return [
        func.count(),
        _count(CitizenRequest.status == Status.withdrawn.value),
        _count(and_(kept, CitizenRequest.routed_at.is_not(None))),
        func.count(CitizenRequest.signed_in_time),
        _count(CitizenRequest.signed_in_time.is_(True)),
        func.count(CitizenRequest.closed_in_time),
        _count(CitizenRequest.closed_in_time.is_(True)),
        # A written refusal (不予受理) closes a request lawfully and counts; a withdrawal does not.
        _count(and_(kept, finished)),
        func.sum(rated),
        func.sum(satisfied),
    ]


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _town() -> ColumnElement[Any]:
    # A town's code is the first nine digits of its villages' twelve.
    return func.substr(CitizenRequest.jurisdiction_code, 1, 9)


def _period_start(session: Session, period: Period) -> ColumnElement[Any]:
    """The first day, China Standard Time, of the period a request was received in.

    The constants are written into the SQL rather than bound, so that PostgreSQL sees the
    grouped expression and the selected one as the same.
    """
    received = CitizenRequest.submitted_at
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), received)
        return cast(func.date_trunc(literal_column(f"'{period.value}'"), local), Date)
    local_day = func.date(received, literal_column(SQLITE_CHINA))
    if period is Period.day:
        return type_coerce(local_day, Date)
    if period is Period.week:
        # The Monday on or before: step back six days, then forward to the next Monday.
        return type_coerce(func.date(local_day, literal_column("'-6 days'"), literal_column("'weekday 1'")), Date)
    month = func.date(local_day, literal_column("'start of month'"))
    if period is Period.month:
        return type_coerce(month, Date)
    into_quarter = (cast(func.strftime(literal_column("'%m'"), local_day), Integer) - 1) % 3
    return type_coerce(func.date(month, func.printf(literal_column("'-%d months'"), into_quarter)), Date)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def scheme_for(session: Session, actor: Actor) -> Scheme:
    """The index declared by the pack whose request types serve the actor's area; the default without one.

    With several, the pack whose types sit nearest the actor's own level wins (a county's own
    pack for a county supervisor rather than its city's), then the first by code.
    """
    declared = packs.request_indexes(session)
    if not declared:
        return DEFAULT_SCHEME
    area = division_prefix(actor.jurisdiction_code) if actor.jurisdiction_code else ""
    serving = session.execute(
        select(RequestType.pack_code, RequestType.jurisdiction_code).where(RequestType.pack_code.in_(declared))
    )
    near = [
        (abs(len(place) - len(area)), pack)
        for pack, place in ((pack, division_prefix(code)) for pack, code in serving)
        if place.startswith(area) or area.startswith(place)
    ]
    if not near:
        return DEFAULT_SCHEME
    pack = min(near)[1]
    return scheme_of(declared[pack], pack)
