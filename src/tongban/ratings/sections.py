"""Page fragments of the ratings context that other contexts' pages embed: the rating box of a case or a request.

``pages.py`` is a router and is never imported by another context; what another
context's pages may show lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.ratings import service
from tongban.ratings.domain import Channel, Level, RatingView, SubjectKind
from tongban.ratings.subjects import subject_of

CHANNEL_NAMES = {
    Channel.web: ("网上办事大厅", "Online"),
    Channel.mobile: ("手机", "Phone"),
    Channel.window_pad: ("窗口评价器", "Window rating pad"),
    Channel.sms: ("短信", "Text message"),
    Channel.hotline: ("12345 热线", "12345 hotline"),
}


@dataclass(frozen=True)
class RatingSection:
    """What the rating box shows: the form, or the ratings already given."""

    subject_kind: SubjectKind
    subject_id: int
    can_rate: bool
    ratings: list[RatingView]
    levels: list[Level]

    @property
    def action(self) -> str:
        """Where the form posts (ratings.pages)."""
        if self.subject_kind is SubjectKind.request:
            return f"/requests/{self.subject_id}/rating"
        return "/ratings"


def rating_section(session: Session, actor: Actor, case_id: int) -> RatingSection | None:
    """None until the case is finished; rating is for its applicant (or the agency that filed it), once."""
    return _section(session, actor, SubjectKind.case, case_id)


def request_rating_section(session: Session, actor: Actor, request_id: int) -> RatingSection | None:
    """None until the request is answered; its requester rates it once, which closes it."""
    return _section(session, actor, SubjectKind.request, request_id)


def _section(session: Session, actor: Actor, kind: SubjectKind, subject_id: int) -> RatingSection | None:
    subject = subject_of(session, actor, kind, subject_id)
    ratings = service.ratings_of(session, actor, kind, subject_id)
    if not subject.finished and not ratings:  # a rated request is closed, and still shows its rating
        return None
    rater = actor.role is Role.citizen and actor.user_id in (subject.applicant_user_id, subject.submitted_by)
    rated = any(rating.rater_user_id == actor.user_id for rating in ratings)
    can_rate = rater and subject.finished and not rated
    return RatingSection(kind, subject_id, can_rate, ratings, sorted(Level, reverse=True))
