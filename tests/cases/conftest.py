"""Case test helpers: the case pack loaded, the people who work it, and short ways to act as them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD, user
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.identity.domain import with_check_digit
from tongban.packs import service as packs

CASE_PACK = Path(__file__).parent / "fixtures" / "case-pack"
RESIDENT_ID = with_check_digit("32021119800101002")
OTHER_ID = with_check_digit("32041219900202003")

# username → (role, jurisdiction, department, id number)
PEOPLE: dict[str, tuple[Role, str | None, str | None, str | None]] = {
    "resident": (Role.citizen, "320211100", None, RESIDENT_ID),
    "neighbour": (Role.citizen, "320412110", None, OTHER_ID),
    "agency": (Role.citizen, "320211100", None, None),
    "window-hd": (Role.window, "320211100", None, None),
    "window-xy": (Role.window, "320412110", None, None),
    "window-city": (Role.window, "320200", None, None),
    "rev-zrzy": (Role.reviewer, "320211", "cp-zrzy", None),
    "rev-zjj": (Role.reviewer, "320211", "cp-zjj", None),
    "rev-sb": (Role.reviewer, "320200", "cp-sbzx", None),
    "rev-xy": (Role.reviewer, "320412110", "cp-xy", None),
    "supervisor": (Role.supervisor, "320200", None, None),
}


@pytest.fixture
def people(db: sessionmaker[Session]) -> dict[str, Actor]:
    """The case pack loaded and everyone in ``PEOPLE`` as an actor."""
    packs.load(db, SYSTEM, [CASE_PACK])
    for name, (role, place, department, id_number) in PEOPLE.items():
        user(db, name, role, jurisdiction_code=place, department_code=department, id_number=id_number)
    with db() as session:
        users = session.scalars(select(User)).all()
        return {u.username: actor_of(u) for u in users}


Api = Callable[..., Any]


@pytest.fixture
def api(client: TestClient, people: dict[str, Actor]) -> Callable[[str], Api]:
    """``api("resident")("post", "/cases", json=...)`` calls the API as that person."""
    tokens: dict[str, dict[str, str]] = {}

    def as_person(name: str) -> Api:
        if name not in tokens:
            tokens[name] = token_for(client, name, PASSWORD)

        def call(method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
            return client.request(method, f"/api/v1{path}", headers={**tokens[name], **(headers or {})}, **kwargs)

        return call

    return as_person
