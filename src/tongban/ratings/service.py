"""好差评 use cases: rate a case or a request, rectify a bad rating, record the return visit (回访), list the work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, Subquery, case, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.calendar import service as calendar
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.packs import service as packs
from tongban.ratings.domain import (
    DEFAULT_RECTIFICATION_DAYS,
    OVERSEERS,
    STAFF,
    Channel,
    Level,
    RatingView,
    RectificationStatus,
    RectificationView,
    SubjectKind,
    Verdict,
    already_rated,
    check_can_rectify,
    check_can_visit,
    check_finished,
    check_rateable,
    check_rater,
    checked_comment,
    checked_visit_note,
    is_bad,
    is_overdue,
    may_rectify,
    may_see,
    may_visit,
    rectification_due,
)
from tongban.ratings.models import Rating, Rectification
from tongban.ratings.subjects import Subject, subject_of
from tongban.requests import service as citizen_requests

LIST_LIMIT = 100


@dataclass(frozen=True)
class RatingInput:
    subject_id: int
    level: Level
    channel: Channel
    subject_kind: SubjectKind = SubjectKind.case
    comment: str | None = None


def rate(factory: sessionmaker[Session], actor: Actor, given: RatingInput) -> RatingView:
    """Rates a finished case or an answered request once; a bad rating opens a rectification for the
    department that handled it. Rating a request closes it, in the same transaction."""
    check_rateable(given.subject_kind)
    comment = checked_comment(given.level, given.comment)
    try:
        with transaction(factory) as session:
            return _rate(session, actor, given, comment, calendar.today())
    except IntegrityError:
        # Two submissions raced past the look-up; the unique constraint let only one in.
        with factory() as session:
            if _existing(session, given.subject_kind, given.subject_id, actor.user_id) is None:
                raise
        raise already_rated(given.subject_kind) from None
    except StaleDataError:
        # The request was closed or moved by someone else (a return visit) while it was being rated.
        raise Conflict("诉求刚被他人处理，请刷新后重试", "the request was just changed; reload and retry") from None


def _rate(session: Session, actor: Actor, given: RatingInput, comment: str | None, today: date) -> RatingView:
    subject = subject_of(session, actor, given.subject_kind, given.subject_id)
    check_rater(actor.user_id, subject.applicant_user_id, subject.submitted_by)
    if _existing(session, given.subject_kind, given.subject_id, actor.user_id) is not None:
        raise already_rated(given.subject_kind)
    check_finished(given.subject_kind, subject.finished)
    assert actor.user_id is not None  # check_rater refuses anonymous raters
    rating = Rating(
        subject_kind=given.subject_kind.value,
        subject_id=subject.id,
        subject_ref=subject.ref,
        rater_user_id=actor.user_id,
        level=int(given.level),
        channel=given.channel.value,
        comment=comment,
        at=utcnow(),
    )
    session.add(rating)
    session.flush()
    audit.record(session, actor, "rate", "ratings", str(rating.id), after=_rating_record(rating))
    if subject.kind is SubjectKind.request:
        citizen_requests.close_rated(session, actor, subject.id, _in_words(given.level, comment))
    opened = _open_rectification(session, actor, rating, subject, today) if is_bad(given.level) else None
    return _rating_view(rating, opened, today)


def _in_words(level: Level, comment: str | None) -> str:
    """The rating as the request's timeline shows it to the staff who answered it."""
    return f"好差评：{level.name_zh}" + (f"。{comment}" if comment else "")


def _existing(session: Session, kind: SubjectKind, subject_id: int, user_id: int | None) -> Rating | None:
    return session.scalars(
        select(Rating).where(
            Rating.subject_kind == kind.value, Rating.subject_id == subject_id, Rating.rater_user_id == user_id
        )
    ).one_or_none()


def _open_rectification(session: Session, actor: Actor, rating: Rating, subject: Subject, today: date) -> Rectification:
    days = rectification_days(session, subject.pack_code)
    rectification = Rectification(
        rating_id=rating.id,
        department_code=subject.handling_department,
        jurisdiction_code=subject.handling_jurisdiction,
        due_on=rectification_due(today, days, calendar.working_calendar(session)),
        status=RectificationStatus.open.value,
    )
    session.add(rectification)
    session.flush()
    audit.record(
        session, actor, "open", "rectifications", str(rectification.id), after=_rectification_record(rectification)
    )
    return rectification


def rectification_days(session: Session, pack_code: str) -> int:
    """The pack decides how long its departments have (ratings.rectification_days); 15 without a pack."""
    days = packs.rectification_days(session, pack_code)
    return days if days is not None else DEFAULT_RECTIFICATION_DAYS


def rectify(factory: sessionmaker[Session], actor: Actor, rectification_id: int, measures: str) -> RectificationView:
    """The handling department records what it changed; the supervisor's return visit comes next."""
    text = measures.strip()
    if not text:
        raise BadInput("请写明整改措施", "say what was done to rectify it", "measures")
    with transaction(factory) as session:
        rectification, rating = _locked(session, actor, rectification_id)
        if not may_rectify(actor, rectification.department_code, rectification.jurisdiction_code):
            raise Forbidden(
                "只有承办部门的窗口人员或审核人员可以整改", "only the handling department's staff may rectify"
            )
        check_can_rectify(RectificationStatus(rectification.status))
        before = _rectification_record(rectification)
        rectification.measures, rectification.rectified_at = text, utcnow()
        rectification.rectified_by, rectification.status = actor.user_id, RectificationStatus.rectified.value
        _audit_change(session, actor, "rectify", rectification, before)
        return _rectification_view(rectification, rating, calendar.today())


def return_visit(
    factory: sessionmaker[Session], actor: Actor, rectification_id: int, verdict: Verdict, note: str | None = None
) -> RectificationView:
    """A supervisor calls the rater back (回访) and records their final word; that closes the rectification."""
    text = checked_visit_note(verdict, note)
    with transaction(factory) as session:
        rectification, rating = _locked(session, actor, rectification_id)
        if not may_visit(actor, rectification.jurisdiction_code):
            raise Forbidden(
                "只有辖区督办人员可以回访", "only a supervisor of the jurisdiction may record the return visit"
            )
        check_can_visit(RectificationStatus(rectification.status))
        before = _rectification_record(rectification)
        rectification.visit_at, rectification.visit_by = utcnow(), actor.user_id
        rectification.verdict, rectification.verdict_note = verdict.value, text
        rectification.status = RectificationStatus.closed.value
        _audit_change(session, actor, "visit", rectification, before)
        return _rectification_view(rectification, rating, calendar.today())


def _locked(session: Session, actor: Actor, rectification_id: int) -> tuple[Rectification, Rating]:
    """The rectification and its rating, locked so two people acting on it at once never both win."""
    found = session.execute(
        select(Rectification, Rating)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(Rectification.id == rectification_id)
        .with_for_update(of=Rectification)
    ).one_or_none()
    # One the actor may not see is not found: its existence is not theirs to learn.
    if found is None or not may_see(actor, found[0].department_code, found[0].jurisdiction_code):
        raise NotFound(f"整改单 {rectification_id} 不存在", f"rectification {rectification_id} not found", "id")
    return found[0], found[1]


def rectifications(
    session: Session, actor: Actor, status: RectificationStatus | None = None, limit: int = LIST_LIMIT
) -> list[RectificationView]:
    """What the actor may see, soonest due first: their department's, their jurisdiction's, or all for an admin."""
    if actor.role not in STAFF | OVERSEERS:
        raise Forbidden("无权查看整改单", "you may not see rectifications")
    query = _visible(select(Rectification, Rating).join(Rating, Rating.id == Rectification.rating_id), actor)
    if status is not None:
        query = query.where(Rectification.status == status.value)
    rows = session.execute(query.order_by(Rectification.due_on, Rectification.id).limit(limit)).all()
    today = calendar.today()
    return [_rectification_view(rectification, rating, today) for rectification, rating in rows]


def _visible(query: Select[Rectification, Rating], actor: Actor) -> Select[Rectification, Rating]:
    """The query form of ``domain.may_see``; the two must agree."""
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return query
    if actor.jurisdiction_code is None:
        return query.where(false())
    prefix = division_prefix(actor.jurisdiction_code)
    query = query.where(Rectification.jurisdiction_code.startswith(prefix, autoescape=True))
    if actor.role in STAFF and actor.department_code is not None:
        mine = or_(Rectification.department_code == actor.department_code, Rectification.department_code.is_(None))
        query = query.where(mine)
    return query


def ratings_of(session: Session, actor: Actor, subject_kind: SubjectKind, subject_id: int) -> list[RatingView]:
    """A subject's ratings, for whoever may read the subject; oldest first."""
    check_rateable(subject_kind)
    subject_of(session, actor, subject_kind, subject_id)
    rows = session.execute(
        select(Rating, Rectification)
        .outerjoin(Rectification, Rectification.rating_id == Rating.id)
        .where(Rating.subject_kind == subject_kind.value, Rating.subject_id == subject_id)
        .order_by(Rating.at, Rating.id)
    ).all()
    today = calendar.today()
    return [_rating_view(rating, rectification, today) for rating, rectification in rows]


def satisfaction_by_subject(kind: SubjectKind) -> Subquery:
    """Per subject of ``kind``: its ratings and how many of them were satisfied (满意率's two parts).

    Satisfied is every level that is not a bad rating (see ``domain.is_bad``): 非常满意, 满意 and
    基本满意. A query to join rather than rows, so that another context's indicators count their
    subjects' ratings in their own grouped query, however many subjects there are.
    """
    satisfied = case((Rating.level > int(Level.dissatisfied), 1), else_=0)
    return (
        select(
            Rating.subject_id.label("subject_id"),
            func.count().label("rated"),
            func.sum(satisfied).label("satisfied"),
        )
        .where(Rating.subject_kind == kind.value)
        .group_by(Rating.subject_id)
        .subquery("satisfaction")
    )


def _rating_view(rating: Rating, rectification: Rectification | None, today: date) -> RatingView:
    return RatingView(
        id=rating.id,
        subject_kind=SubjectKind(rating.subject_kind),
        subject_id=rating.subject_id,
        subject_ref=rating.subject_ref,
        level=Level(rating.level),
        channel=Channel(rating.channel),
        comment=rating.comment,
        at=rating.at,
        rectification=_rectification_view(rectification, rating, today) if rectification else None,
        rater_user_id=rating.rater_user_id,
    )


def _rectification_view(rectification: Rectification, rating: Rating, today: date) -> RectificationView:
    status = RectificationStatus(rectification.status)
    return RectificationView(
        id=rectification.id,
        rating_id=rating.id,
        subject_kind=SubjectKind(rating.subject_kind),
        subject_id=rating.subject_id,
        subject_ref=rating.subject_ref,
        level=Level(rating.level),
        comment=rating.comment,
        department_code=rectification.department_code,
        jurisdiction_code=rectification.jurisdiction_code,
        due_on=rectification.due_on,
        overdue=is_overdue(status, rectification.due_on, today),
        status=status,
        measures=rectification.measures,
        rectified_at=rectification.rectified_at,
        visit_at=rectification.visit_at,
        verdict=Verdict(rectification.verdict) if rectification.verdict else None,
        verdict_note=rectification.verdict_note,
    )


def _rating_record(rating: Rating) -> dict[str, object]:
    return {
        "subject_kind": rating.subject_kind,
        "subject_id": rating.subject_id,
        "subject_ref": rating.subject_ref,
        "rater_user_id": rating.rater_user_id,
        "level": rating.level,
        "channel": rating.channel,
        "comment": rating.comment,
    }


def _rectification_record(rectification: Rectification) -> dict[str, object]:
    return {
        "rating_id": rectification.rating_id,
        "department_code": rectification.department_code,
        "jurisdiction_code": rectification.jurisdiction_code,
        "due_on": rectification.due_on,
        "status": rectification.status,
        "measures": rectification.measures,
        "verdict": rectification.verdict,
        "verdict_note": rectification.verdict_note,
    }


def _audit_change(
    session: Session, actor: Actor, action: str, rectification: Rectification, before: dict[str, object]
) -> None:
    after = _rectification_record(rectification)
    changed = {name for name, value in after.items() if before[name] != value}
    audit.record(
        session,
        actor,
        action,
        "rectifications",
        str(rectification.id),
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
