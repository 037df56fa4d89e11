"""House code test helpers: the house pack, the people around a village house, an approved house, its building case."""

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
from tongban.cases import actions, service
from tongban.cases.domain import Action
from tongban.cases.models import Case
from tongban.credentials.models import HouseCode
from tongban.identity.domain import with_check_digit
from tongban.packs import service as packs

HOUSE_PACK = Path(__file__).parent / "fixtures" / "house-pack"
VILLAGE = "330703104201"  # 澧浦镇任前村
OTHER_VILLAGE = "330703101201"  # 孝顺镇中柔村

# username → (role, jurisdiction, department, id number)
PEOPLE: dict[str, tuple[Role, str | None, str | None, str | None]] = {
    "villager": (Role.citizen, VILLAGE, None, with_check_digit("33070319800312209")),
    "neighbour": (Role.citizen, VILLAGE, None, with_check_digit("33070319820705210")),
    "window": (Role.window, "330703104", None, None),
    "town": (Role.reviewer, "330703", "hp-zhen", None),
    "surveyor": (Role.reviewer, "330703", "hp-zrzy", None),
    "inspector": (Role.reviewer, "330703104", "hp-zjj", None),
    "inspector-xs": (Role.reviewer, "330703101", "hp-zjj", None),
    "supervisor": (Role.supervisor, "330703", None, None),
}


@pytest.fixture
def people(db: sessionmaker[Session]) -> dict[str, Actor]:
    """The house pack loaded and everyone in ``PEOPLE`` as an actor."""
    packs.load(db, SYSTEM, [HOUSE_PACK])
    for name, (role, place, department, id_number) in PEOPLE.items():
        user(db, name, role, jurisdiction_code=place, department_code=department, id_number=id_number)
    with db() as session:
        return {u.username: actor_of(u) for u in session.scalars(select(User))}


def act(db: sessionmaker[Session], actor: Actor, case_id: int, action: Action, step: str | None = None) -> Any:
    with db() as session:
        version = session.get_one(Case, case_id).version
    return actions.act(db, actor, case_id, action, version, actions.ActionInput(reason="经审查", step=step))


def approved_house(db: sessionmaker[Session], people: dict[str, Actor], village: str = VILLAGE) -> HouseCode:
    """The villager's homestead approved: applied online at their village, accepted, decided; its code issued.

    The house's ``village`` is the form's (as the household register would fill it in).
    """
    form = {"floor_area": 120, "village_code": village}
    application = service.Application(service="HP-APPROVE", form=form, received_at=VILLAGE)
    view, _ = service.apply(db, people["villager"], application)
    act(db, people["window"], view.id, Action.accept)
    act(db, people["town"], view.id, Action.approve)
    with db() as session:
        return session.scalars(select(HouseCode).where(HouseCode.case_id == view.id)).one()


def building_case(db: sessionmaker[Session], people: dict[str, Actor], approval_number: str) -> int:
    """The villager applies to build, typing the approval number; accepted, so setting-out is open."""
    application = service.Application(
        service="HP-BUILD", form={"approval_number": approval_number}, received_at=VILLAGE
    )
    view, _ = service.apply(db, people["villager"], application)
    act(db, people["window"], view.id, Action.accept)
    return view.id


Api = Callable[..., Any]


@pytest.fixture
def api(client: TestClient, people: dict[str, Actor]) -> Callable[[str | None], Api]:
    """``api("inspector")("post", "/house-codes/1/inspections", data=...)``; ``api(None)`` is anonymous."""
    tokens: dict[str, dict[str, str]] = {}

    def as_person(name: str | None) -> Api:
        if name is not None and name not in tokens:
            tokens[name] = token_for(client, name, PASSWORD)

        def call(method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
            mine = tokens[name] if name is not None else {}
            return client.request(method, f"/api/v1{path}", headers={**mine, **(headers or {})}, **kwargs)

        return call

    return as_person
