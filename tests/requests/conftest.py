"""Request test helpers: the request pack loaded, the people who raise and work requests, a file store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import user
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.db import utcnow
from tongban.files.service import FileStore
from tongban.packs import service as packs
from tongban.requests import handling, service, views
from tongban.requests.domain import Action, Channel
from tongban.requests.views import RequestView

REQUEST_PACK = Path(__file__).parent / "fixtures" / "request-pack"
# 30°52'12" N, 119°40'48" E: a street in Anji.
ANJI = ((30.0, 52.0, 12.0), "N", (119.0, 40.0, 48.0), "E")
ANJI_DEGREES = (30 + 52 / 60 + 12 / 3600, 119 + 40 / 60 + 48 / 3600)

# username → (role, jurisdiction, department, phone)
PEOPLE: dict[str, tuple[Role, str | None, str | None, str | None]] = {
    "resident": (Role.citizen, "330523100001", None, "13800000001"),
    "neighbour": (Role.citizen, "330523100002", None, "13800000002"),
    "villager": (Role.citizen, "330523200003", None, "13800000003"),
    "operator": (Role.window, "330523", None, None),
    "liaison": (Role.window, "330523100001", None, None),
    "dispatcher": (Role.dispatcher, "330523", None, None),
    "cjb": (Role.reviewer, "330523100", "rp-cjb", None),
    "hw": (Role.reviewer, "330523100", "rp-hw", None),
    "jw": (Role.reviewer, "330523100", "rp-jw", None),
    "mz": (Role.reviewer, "330523", "rp-mz", None),
    "rsj": (Role.reviewer, "330523", "rp-rsj", None),
    "tw": (Role.reviewer, "330523200003", "rp-tw", None),
    "tz": (Role.reviewer, "330523200", "rp-tz", None),
    "xz": (Role.reviewer, "330523", "rp-xz", None),
    "supervisor": (Role.supervisor, "330523", None, None),
}


@pytest.fixture
def people(db: sessionmaker[Session]) -> dict[str, Actor]:
    packs.load(db, SYSTEM, [REQUEST_PACK])
    for name, (role, place, department, phone) in PEOPLE.items():
        user(db, name, role, jurisdiction_code=place, department_code=department, phone=phone)
    with db() as session:
        return {u.username: actor_of(u) for u in session.scalars(select(User))}


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


Raise = Callable[..., RequestView]
Act = Callable[..., RequestView]


@pytest.fixture
def raise_request(db: sessionmaker[Session], store: FileStore, people: dict[str, Actor]) -> Raise:
    """``raise_request("resident", type_code="rp-report", text=..., lat=..., lon=...)``."""

    def submit(who: str, **given: object) -> RequestView:
        given.setdefault("channel", Channel.web if people[who].role is Role.citizen else Channel.hotline)
        view, _ = service.submit(db, store, people[who], service.Submission(**given))  # type: ignore[arg-type]
        return view

    return submit


Read = Callable[[str, RequestView], RequestView]


@pytest.fixture
def read(db: sessionmaker[Session], people: dict[str, Actor]) -> Read:
    """``read("dispatcher", view)``: the request as that person sees it now."""

    def as_seen(who: str, view: RequestView) -> RequestView:
        with db() as session:
            return views.request_view(session, people[who], views.readable(session, people[who], view.id), utcnow())

    return as_seen


@pytest.fixture
def act(db: sessionmaker[Session], people: dict[str, Actor]) -> Act:
    """``act("cjb", view, Action.sign)`` acts at the view's version and returns the new view."""

    def run(who: str, view: RequestView, action: Action, **data: object) -> RequestView:
        return handling.act(db, people[who], view.id, action, view.version, handling.ActionInput(**data))  # type: ignore[arg-type]

    return run
