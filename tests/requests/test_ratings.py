"""好差评 on requests: the requester rates the answer, which closes the request; a bad rating is rectified;
an answer nobody rated is closed by the supervisor's return visit (回访) a week later."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.requests.conftest import Act, Raise
from tongban.auth.domain import Actor
from tongban.db import transaction, utcnow
from tongban.errors import Forbidden
from tongban.requests import return_visits
from tongban.requests.domain import Action
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest
from tongban.requests.views import RequestView

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


@pytest.fixture
def login(client: TestClient, people: dict[str, Actor]) -> Any:
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = token_for(client, username, PASSWORD)
        return tokens[username]

    return headers


@pytest.fixture
def answered(raise_request: Raise, act: Act) -> RequestView:
    """The resident's report, answered by the street's construction office."""
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-cjb"]))
    view = act("cjb", view, Action.sign)
    return act("cjb", view, Action.reply, reason="已督促施工单位设置围挡，本周五前恢复路面。")


def rate(client: TestClient, headers: dict[str, str], request_id: int, level: int, comment: str = "") -> Any:
    body = {"subject_kind": "request", "subject_id": request_id, "level": level, "channel": "mobile"}
    return client.post("/api/v1/ratings", json={**body, "comment": comment or None}, headers=headers)


def test_the_requester_rates_the_answer_and_that_closes_the_request(
    client: TestClient, login: Any, answered: RequestView
) -> None:
    response = rate(client, login("resident"), answered.id, 4)
    assert response.status_code == 201, response.text
    rated = response.json()
    assert (rated["subject_kind"], rated["subject_ref"], rated["rectification"]) == (
        "request",
        answered.tracking_code,
        None,
    )
    request = client.get(f"/api/v1/requests/{answered.id}", headers=login("cjb")).json()  # the staff who answered
    assert (request["status"], request["closed_at"] is not None) == ("closed", True)
    last = request["history"][-1]
    assert (last["action"], last["actor"], last["reason"]) == ("close", "resident", "好差评：满意")


def test_a_bad_rating_opens_a_rectification_for_the_department_that_answered(
    client: TestClient, login: Any, answered: RequestView
) -> None:
    response = rate(client, login("resident"), answered.id, 1, "围挡一直没设，老人还是进出不便")
    assert response.status_code == 201, response.text
    rectification = response.json()["rectification"]
    assert (rectification["department"], rectification["jurisdiction"]) == ("rp-cjb", "330523100001")
    listed = client.get("/api/v1/rectifications", headers=login("cjb")).json()["items"]
    assert [item["subject_ref"] for item in listed] == [answered.tracking_code]
    reason = client.get(f"/api/v1/requests/{answered.id}", headers=login("cjb")).json()["history"][-1]["reason"]
    assert reason == "好差评：非常不满意。围挡一直没设，老人还是进出不便"


def test_only_an_answered_request_is_rated_and_only_once(
    client: TestClient, login: Any, raise_request: Raise, answered: RequestView
) -> None:
    waiting = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    assert rate(client, login("resident"), waiting.id, 5).status_code == 409
    assert rate(client, login("resident"), answered.id, 5).status_code == 201
    again = rate(client, login("resident"), answered.id, 5)
    assert (again.status_code, again.json()["error"]["message"]) == (409, "您已评价过该诉求，每件只能评价一次")


def test_nobody_else_rates_the_request(client: TestClient, login: Any, answered: RequestView) -> None:
    assert rate(client, login("neighbour"), answered.id, 1, "差").status_code == 404  # not theirs: not found
    assert rate(client, login("cjb"), answered.id, 5).status_code == 403  # staff do not rate their own work
    assert client.get(f"/api/v1/requests/{answered.id}", headers=login("resident")).json()["status"] == "replied"


def test_an_answer_not_rated_within_a_week_is_closed_by_the_return_visit(
    db: sessionmaker[Session], people: dict[str, Actor], answered: RequestView, raise_request: Raise, act: Act
) -> None:
    recent = raise_request("neighbour", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    recent = act("dispatcher", recent, Action.route, routing=Routing(["rp-hw"]))
    recent = act("hw", act("hw", recent, Action.sign), Action.reply, reason="已清理。")
    week_ago = utcnow() - timedelta(days=return_visits.RATE_WITHIN_DAYS, minutes=1)
    with transaction(db) as session:
        session.execute(update(CitizenRequest).where(CitizenRequest.id == answered.id).values(replied_at=week_ago))
    assert return_visits.close_unrated(db, people["supervisor"]) == [answered.tracking_code]
    with db() as session:
        closed, waiting = session.get(CitizenRequest, answered.id), session.get(CitizenRequest, recent.id)
    assert closed is not None and waiting is not None
    assert (closed.status, waiting.status) == ("closed", "replied")
    assert return_visits.close_unrated(db, people["supervisor"]) == []  # once
    with pytest.raises(Forbidden):
        return_visits.close_unrated(db, people["dispatcher"])


def test_a_request_closed_by_the_return_visit_is_no_longer_rated(
    client: TestClient, login: Any, db: sessionmaker[Session], people: dict[str, Actor], answered: RequestView
) -> None:
    later = utcnow() + timedelta(days=return_visits.RATE_WITHIN_DAYS, minutes=1)
    assert return_visits.close_unrated(db, people["supervisor"], later) == [answered.tracking_code]
    assert rate(client, login("resident"), answered.id, 5).status_code == 409
