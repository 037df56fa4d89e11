"""Ratings test helpers: the ratings tables, the people who rate and act, and cases without the case engine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from functools import cache
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, jurisdictions
from tongban.auth.domain import Actor, Role
from tongban.auth.models import Department, User
from tongban.auth.passwords import hash_password
from tongban.auth.service import actor_of
from tongban.calendar import service as calendar_service
from tongban.cases import service as cases_service
from tongban.cases.service import RatingSubject
from tongban.db import transaction, utcnow
from tongban.errors import NotFound

# The Tuesday before the 2025 National Day holiday (1–8 October; Saturday 11 October is worked).
RATED_ON = date(2025, 9, 30)

# username → (role, jurisdiction, department)
PEOPLE: dict[str, tuple[Role, str | None, str | None]] = {
    "resident": (Role.citizen, "320211100", None),
    "neighbour": (Role.citizen, "320211100", None),
    "window-city": (Role.window, "320200", None),
    "rev-sb": (Role.reviewer, "320200", "wx-sbzx"),
    "rev-yb": (Role.reviewer, "320200", "wx-ybj"),
    "rev-binhu": (Role.reviewer, "320211", "wx-sbzx"),
    "supervisor": (Role.supervisor, "320200", None),
    "supervisor-lx": (Role.supervisor, "320213", None),
    "dispatcher": (Role.dispatcher, "320200", None),
    "admin": (Role.admin, None, None),
}


@pytest.fixture
def factory(db: sessionmaker[Session]) -> sessionmaker[Session]:
    return db


@pytest.fixture
def people(factory: sessionmaker[Session]) -> dict[str, Actor]:
    """Wuxi's jurisdictions, two city departments, and everyone in ``PEOPLE`` as an actor."""
    with transaction(factory) as session:
        jurisdictions(session)
        session.add(Department(code="wx-ybj", name="无锡市医疗保障局", jurisdiction_code="320200"))
        session.flush()
        session.add_all(_user(name, *details) for name, details in PEOPLE.items())
    with factory() as session:
        return {u.username: actor_of(u) for u in session.scalars(select(User))}


@cache
def _password_hash() -> str:
    """Hashed once per run: argon2 is slow by design, and every test needs ten people."""
    return hash_password(PASSWORD)


def _user(username: str, role: Role, place: str | None, department: str | None) -> User:
    return User(
        username=username,
        display_name=username,
        password_hash=_password_hash(),
        role=role.value,
        jurisdiction_code=place,
        department_code=department,
        active=True,
        created_at=utcnow(),
    )


class Cases:
    """Stands in for ``cases.service.rating_subject``, so the ratings rules are tested without the case engine."""

    def __init__(self, people: dict[str, Actor]) -> None:
        self.people = people
        self.subjects: dict[int, RatingSubject] = {}

    def add(self, case_id: int = 7, **overrides: Any) -> RatingSubject:
        """A finished case of the resident's, handled by the city's social-insurance centre."""
        resident = self.people["resident"].user_id
        assert resident is not None
        subject = RatingSubject(
            case_id=case_id,
            number=f"TB20250930{case_id:04d}",
            title="城乡居民养老保险参保登记",
            pack_code="test",
            applicant_user_id=resident,
            submitted_by=resident,
            handling_jurisdiction="320200",
            handling_department="wx-sbzx",
            finished=True,
        )
        self.subjects[case_id] = replace(subject, **overrides)
        return self.subjects[case_id]

    def __call__(self, session: Session, actor: Actor, case_id: int) -> RatingSubject:
        if case_id not in self.subjects:
            raise NotFound(f"办件 {case_id} 不存在", f"case {case_id} not found", "id")
        return self.subjects[case_id]


@pytest.fixture
def cases(people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch) -> Iterator[Cases]:
    fake = Cases(people)
    monkeypatch.setattr(cases_service, "rating_subject", fake)
    yield fake


class Clock:
    """Today in China, as the ratings service reads it; tests move it."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fixed = Clock(RATED_ON)
    monkeypatch.setattr(calendar_service, "today", fixed)
    return fixed
