"""满意率's parts per subject, as another context joins them into its indicators."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import user
from tongban.auth.domain import Role
from tongban.auth.models import User
from tongban.db import transaction, utcnow
from tongban.ratings import service
from tongban.ratings.domain import Level, SubjectKind
from tongban.ratings.models import Rating


def test_basically_satisfied_counts_as_satisfied_and_other_kinds_do_not_count(db: sessionmaker[Session]) -> None:
    for name in ("a", "b", "c"):
        user(db, name, Role.citizen)
    given = [
        ("request", 7, "a", Level.very_satisfied),
        ("request", 7, "b", Level.fairly_satisfied),
        ("request", 7, "c", Level.dissatisfied),
        ("request", 8, "a", Level.very_dissatisfied),
        ("case", 7, "a", Level.satisfied),
    ]
    with transaction(db) as session:
        users = {u.username: u.id for u in session.scalars(select(User))}
        session.add_all(
            Rating(
                subject_kind=kind,
                subject_id=subject,
                subject_ref=str(subject),
                rater_user_id=users[rater],
                level=int(level),
                channel="web",
                at=utcnow(),
            )
            for kind, subject, rater, level in given
        )
    parts = service.satisfaction_by_subject(SubjectKind.request)
    with db() as session:
        rows = session.execute(select(parts).order_by(parts.c.subject_id)).all()
    assert [tuple(row) for row in rows] == [(7, 3, 2), (8, 1, 0)]
