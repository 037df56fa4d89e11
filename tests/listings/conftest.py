"""Lottery test helpers: 金东区's packs loaded (with 任前村's draw), the villagers and staff, and the API as them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD, user
from tongban.auth.domain import SYSTEM, Role
from tongban.packs import service as packs

PACKS = Path(__file__).parents[2] / "packs"
JINDONG = [PACKS / "wucheng-e-kuaiban", PACKS / "rural-housing"]
RENQIAN, SUOYUAN = "330703104201", "330703104202"  # two villages of 澧浦镇
PACK_DRAW = "JD104201-2026-01"
FORM = {"floor_area": 120}  # what the rules ask a villager to state (N04)

# username → (role, jurisdiction, ID number); the villagers are the rural-housing pack's sample people.
PEOPLE: dict[str, tuple[Role, str | None, str | None]] = {
    "wu-guoping": (Role.citizen, RENQIAN, "330703198003122098"),  # household 104201007, eligible
    "chen-meijuan": (Role.citizen, RENQIAN, "330703198207052108"),  # his wife, same household
    "wu-li": (Role.citizen, RENQIAN, "330703199206282723"),  # household 104201021, eligible
    "shi-weidong": (Role.citizen, RENQIAN, "330703198901072897"),  # household 104201028, eligible
    "jin-youliang": (Role.citizen, RENQIAN, "330703197007072492"),  # sold his house: N02
    "yan-wei": (Role.citizen, SUOYUAN, "330703198705212178"),  # 琐园村, another village
    "window-lipu": (Role.window, "330703104", None),  # 澧浦镇便民服务中心
    "window-xiaoshun": (Role.window, "330703101", None),  # 孝顺镇, another town
    "reviewer-lipu": (Role.reviewer, "330703104", None),
    "admin": (Role.admin, None, None),
}
ELIGIBLE = {"wu-guoping": "104201007", "wu-li": "104201021", "shi-weidong": "104201028"}


@pytest.fixture
def village(db: sessionmaker[Session]) -> sessionmaker[Session]:
    """金东区 loaded (任前村's draw open) and everyone in ``PEOPLE`` able to log in."""
    packs.load(db, SYSTEM, JINDONG)
    for name, (role, place, id_number) in PEOPLE.items():
        user(db, name, role, jurisdiction_code=place, id_number=id_number)
    return db


Api = Callable[..., Any]


@pytest.fixture
def api(client: TestClient, village: sessionmaker[Session]) -> Callable[[str | None], Api]:
    """``api("wu-li")("post", "/draws/X/entries", json=...)`` calls the API as that person; ``api(None)``: nobody."""
    tokens: dict[str, dict[str, str]] = {}

    def as_person(name: str | None) -> Api:
        if name is not None and name not in tokens:
            tokens[name] = token_for(client, name, PASSWORD)

        def call(method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
            mine = tokens[name] if name is not None else {}
            return client.request(method, f"/api/v1{path}", headers={**mine, **(headers or {})}, **kwargs)

        return call

    return as_person


def new_draw(code: str = "JD104201-2026-02", **overrides: Any) -> dict[str, Any]:
    """The body of ``POST /draws`` for a second draw in 任前村."""
    return {
        "code": code,
        "name": "任前村2026年第二批宅基地摇号选址",
        "village": RENQIAN,
        "service": "330703-NZT-01",
        "registry": "jd-household",
        "enrol_until": "2099-12-31",
        "plots": [
            {"code": "RQ-B01", "area": 125, "terrain": "平原"},
            {"code": "RQ-B02", "area": 118.5, "terrain": "平原"},
        ],
        **overrides,
    }


def enrol_everyone(api: Callable[[str | None], Api], code: str = PACK_DRAW) -> None:
    for name in ELIGIBLE:
        response = api(name)("post", f"/draws/{code}/entries", json={"form": FORM})
        assert response.status_code == 201, response.text
