"""回访: a supervisor's return visit closes an answered request its requester did not rate in time.

An answered request waits for its requester's 好差评, and rating it closes it; one still
answered ``RATE_WITHIN_DAYS`` after the answer was not rated, and the supervisor's return visit
settles it instead — except a petition whose requester may still ask for 复查 or 复核. The
sweep records that visit on each request's timeline, as the supervisor would by hand
(``Action.close``), and the audit log keeps who ran it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import SYSTEM, Actor, Role, division_prefix
from tongban.calendar import service as calendar
from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import due_at
from tongban.db import transaction, utcnow
from tongban.errors import Forbidden
from tongban.requests.domain import REVIEW_ROUNDS, Action, Status, limits_of
from tongban.requests.models import CitizenRequest
from tongban.requests.service import record, request_type

# A constant, not a pack setting: 12345 hotlines commonly give the requester a week to rate an
# answer before the return visit, and no seed pack asks for another period. Calendar days, since
# residents rate on weekends too.
RATE_WITHIN_DAYS = 7
VISIT_NOTE = f"回访：答复后 {RATE_WITHIN_DAYS} 日内未评价，经回访办结"


def close_unrated(factory: sessionmaker[Session], actor: Actor, now: datetime | None = None) -> list[str]:
    """Closes the area's requests answered more than ``RATE_WITHIN_DAYS`` ago; their tracking codes.

    A supervisor closes those of their own area; the scheduled sweep (``SYSTEM``) those of every area.
    """
    if actor != SYSTEM and (actor.role is not Role.supervisor or actor.jurisdiction_code is None):
        raise Forbidden("只有辖区督办人员可以回访", "only a supervisor of the area records return visits")
    now = now or utcnow()
    with transaction(factory) as session:
        days = calendar.working_calendar(session)
        unrated = _unrated(session, actor, now)
        settled = [request for request in unrated if not _may_ask_review(session, request, now, days)]
        return [_close(session, actor, request, now) for request in settled]


def _may_ask_review(session: Session, request: CitizenRequest, now: datetime, days: WorkingCalendar) -> bool:
    """A petitioner keeps the answer open while they may still ask for 复查 or 复核."""
    if request.review_round >= REVIEW_ROUNDS or request.replied_at is None:
        return False
    review = limits_of(request_type(session, request.type_code).limits).review
    return review is not None and now <= due_at(request.replied_at, review, days)


def _unrated(session: Session, actor: Actor, now: datetime) -> list[CitizenRequest]:
    """Answered before the cutoff and still answered: a rating would have closed them."""
    query = select(CitizenRequest).where(
        CitizenRequest.status == Status.replied.value,
        CitizenRequest.replied_at <= now - timedelta(days=RATE_WITHIN_DAYS),
    )
    if actor.jurisdiction_code is not None:
        area = division_prefix(actor.jurisdiction_code)
        query = query.where(CitizenRequest.jurisdiction_code.startswith(area, autoescape=True))
    query = (
        query.order_by(CitizenRequest.id)
        # A rating of one of them at the same moment waits, then fails on the version: one close wins.
        .with_for_update()
    )
    return list(session.scalars(query))


def _close(session: Session, actor: Actor, request: CitizenRequest, now: datetime) -> str:
    request.status = Status.closed.value
    request.closed_at = now
    request.version += 1
    session.flush()
    record(session, actor, request, Action.close.value, Status.replied, reason=VISIT_NOTE)
    return request.tracking_code
