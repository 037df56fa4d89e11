"""解纷码: every dispute has an unguessable code whose public page shows the progress and nothing private."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.requests.conftest import Act, Raise
from tongban.auth.domain import Actor
from tongban.files.service import FileStore
from tongban.requests import appointments
from tongban.requests.domain import Action
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest
from tongban.requests.views import RequestView

QUARREL = "与邻居徐某因宅基地边界发生争执，多次协商不成，希望调解。"
ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


def token_of(db: sessionmaker[Session], view: RequestView) -> str | None:
    with db() as session:
        return session.scalar(select(CitizenRequest.dispute_token).where(CitizenRequest.id == view.id))


@pytest.fixture
def dispute(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> RequestView:
    """The villager's dispute, routed to the village's mediation committee, with a lawyer booked."""
    view = raise_request("villager", type_code="rp-dispute", text=QUARREL)
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-tw"]))
    with db() as session:
        at = appointments.free_slots(session, "rp-lawyer-1")[0].starts[0]
    appointments.book(db, store, people["villager"], appointments.Booking("rp-lawyer-1", at, request_id=view.id))
    return view


def test_only_disputes_get_a_code_and_each_its_own(raise_request: Raise, db: sessionmaker[Session]) -> None:
    first = token_of(db, raise_request("villager", type_code="rp-dispute", text=QUARREL))
    second = token_of(db, raise_request("villager", type_code="rp-dispute", text=QUARREL))
    report = token_of(db, raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68))
    assert first and second and first != second and report is None
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", first)  # 128 random bits


def test_the_public_code_shows_level_stage_holder_and_booking_times(
    client: TestClient, dispute: RequestView, db: sessionmaker[Session]
) -> None:
    response = client.get(f"/api/v1/disputes/{token_of(db, dispute)}")
    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["levels"], shown["level"]) == (["village", "town", "county"], "village")
    assert (shown["status"], shown["stage"], shown["department_code"]) == ("routed", "sign", "rp-tw")
    assert shown["due_at"] and shown["colour"] in ("green", "yellow")  # one working day to sign for it
    assert [a["kind"] for a in shown["appointments"]] == ["lawyer"]


def test_the_public_code_tells_nothing_private(
    client: TestClient, dispute: RequestView, db: sessionmaker[Session]
) -> None:
    token = token_of(db, dispute)
    for page in (client.get(f"/api/v1/disputes/{token}").text, client.get(f"/disputes/{token}").text):
        for private in ("villager", "13800000003", "徐某", "宅基地", "王律师", "0572-5000001", dispute.tracking_code):
            assert private not in page


def test_an_escalated_dispute_shows_the_town_as_the_current_step(
    client: TestClient, dispute: RequestView, act: Act, db: sessionmaker[Session]
) -> None:
    view = act("tw", dispute, Action.sign)
    act("tw", view, Action.escalate, reason="村级调解未成，双方同意提交镇矛调中心")
    token = token_of(db, dispute)
    assert client.get(f"/api/v1/disputes/{token}").json()["level"] == "town"
    page = client.get(f"/disputes/{token}").text
    current = re.search(r'<li class="level-current" aria-current="step">(.*?)</li>', page, re.S)
    assert current and "乡镇矛调中心" in current.group(1)
    assert page.count('class="level-done"') == 1 and "天荒坪镇矛调中心" in page
    assert "<svg" in page and f"http://testserver/disputes/{token}" in page  # the 解纷码 itself


def test_an_unknown_code_is_not_found(client: TestClient, people: dict[str, Actor]) -> None:
    assert client.get("/api/v1/disputes/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/disputes/AAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_a_resident_lists_her_own_disputes_only(client: TestClient, dispute: RequestView, people: Any) -> None:
    def listed(who: str) -> list[str]:
        response = client.get("/api/v1/disputes", headers=token_for(client, who, PASSWORD))
        assert response.status_code == 200, response.text
        return [item["tracking_code"] for item in response.json()["items"]]

    assert (listed("villager"), listed("resident")) == ([dispute.tracking_code], [])
