"""好差评 ratings and the rectification (整改) of the bad ones."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UtcDateTime


class Rating(Base):
    """One rater's rating of one case, request or call; ``subject_id`` is that subject's id in its context."""

    __tablename__ = "ratings"
    __table_args__ = (
        # One rating per subject per rater; it also serves the look-up of a subject's ratings.
        UniqueConstraint("subject_kind", "subject_id", "rater_user_id", name="uq_ratings_once"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level"),
        CheckConstraint("subject_kind IN ('case', 'request', 'call')", name="subject_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int] = mapped_column(Integer)
    # The subject's printed number (办件编号) as rated, so lists need not ask its context for every row.
    subject_ref: Mapped[str] = mapped_column(String(32))
    rater_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    channel: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class Rectification(Base):
    """The handling department's rectification of a bad rating, closed by a supervisor's return visit (回访)."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    measures: Mapped[str | None] = mapped_column(Text)
    rectified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rectified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    visit_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verdict: Mapped[str | None] = mapped_column(String(16))
    verdict_note: Mapped[str | None] = mapped_column(Text)
