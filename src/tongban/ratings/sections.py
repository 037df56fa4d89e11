"""Page fragments of the ratings context that other contexts' pages embed: the rating box of a case.

``pages.py`` is a router and is never imported by another context; what another
context's pages may show lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.cases import service as cases
from tongban.ratings import service
from tongban.ratings.domain import Channel, Level, RatingView, SubjectKind

CHANNEL_NAMES = {
    Channel.web: ("网上办事大厅", "Online"),
    Channel.mobile: ("手机", "Phone"),
    Channel.window_pad: ("窗口评价器", "Window rating pad"),
    Channel.sms: ("短信", "Text message"),
    Channel.hotline: ("12345 热线", "12345 hotline"),
}


@dataclass(frozen=True)
class RatingSection:
    """What the rating box of a finished case shows: the form, or the ratings already given."""

    case_id: int
    can_rate: bool
    ratings: list[RatingView]
    levels: list[Level]


def rating_section(session: Session, actor: Actor, case_id: int) -> RatingSection | None:
    """None until the case is finished; rating is for its applicant (or the agency that filed it), once."""
    subject = cases.rating_subject(session, actor, case_id)
    if not subject.finished:
        return None
    ratings = service.ratings_of(session, actor, SubjectKind.case, case_id)
    rater = actor.role is Role.citizen and actor.user_id in (subject.applicant_user_id, subject.submitted_by)
    rated = any(rating.rater_user_id == actor.user_id for rating in ratings)
    return RatingSection(case_id, rater and not rated, ratings, sorted(Level, reverse=True))
