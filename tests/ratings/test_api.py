from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.ratings.conftest import Cases, Clock
from tongban.auth.domain import Actor
from tongban.config import Settings
from tongban.ratings import api
from tongban.web.app import create_app

BAD = {"subject_id": 7, "level": 2, "channel": "mobile", "comment": "材料清单与窗口要求不一致"}


@pytest.fixture
def client(factory: sessionmaker[Session], settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings, factory.kw["bind"])
    # Until web/app.py includes the ratings router; harmless after.
    if not any(getattr(route, "path", "") == "/api/v1/ratings" for route in app.routes):
        app.include_router(api.router, prefix="/api/v1")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def as_(client: TestClient, username: str) -> dict[str, str]:
    return token_for(client, username, PASSWORD)


def test_a_bad_rating_answers_with_the_rectification_it_opened(
    client: TestClient, people: dict[str, Actor], cases: Cases, clock: Clock
) -> None:
    cases.add()
    response = client.post("/api/v1/ratings", json=BAD, headers=as_(client, "resident"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["subject_kind"], body["level"], body["level_name"]) == ("case", 2, "不满意")
    assert body["rectification"]["due_on"] == "2025-10-28"
    assert body["rectification"]["department"] == "wx-sbzx"


def test_the_level_is_its_national_code_not_its_name(client: TestClient, people: dict[str, Actor]) -> None:
    response = client.post("/api/v1/ratings", json={**BAD, "level": "不满意"}, headers=as_(client, "resident"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "level"


def test_a_second_rating_is_a_409_in_chinese_first(client: TestClient, people: dict[str, Actor], cases: Cases) -> None:
    cases.add()
    headers = as_(client, "resident")
    client.post("/api/v1/ratings", json=BAD, headers=headers)
    again = client.post("/api/v1/ratings", json={**BAD, "level": 5}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert "只能评价一次" in again.json()["error"]["message"]


def test_a_call_is_not_yet_rateable(client: TestClient, people: dict[str, Actor]) -> None:
    response = client.post("/api/v1/ratings", json={**BAD, "subject_kind": "call"}, headers=as_(client, "resident"))
    assert (response.status_code, response.json()["error"]["field"]) == (422, "subject_kind")


def test_a_reviewer_does_not_rate(client: TestClient, people: dict[str, Actor]) -> None:
    assert client.post("/api/v1/ratings", json=BAD, headers=as_(client, "rev-sb")).status_code == 403


def test_a_bad_rating_is_rectified_and_closed_through_the_api(
    client: TestClient, people: dict[str, Actor], cases: Cases
) -> None:
    cases.add()
    client.post("/api/v1/ratings", json=BAD, headers=as_(client, "resident"))
    listed = client.get("/api/v1/rectifications", params={"status": "open"}, headers=as_(client, "rev-sb")).json()
    opened = listed["items"][0]["id"]
    rectified = client.post(
        f"/api/v1/rectifications/{opened}/rectify", json={"measures": "统一材料清单"}, headers=as_(client, "rev-sb")
    )
    assert rectified.json()["status"] == "rectified"
    visit = {"verdict": "satisfied", "note": "电话回访，群众认可"}
    closed = client.post(f"/api/v1/rectifications/{opened}/visit", json=visit, headers=as_(client, "supervisor"))
    assert (closed.status_code, closed.json()["status"], closed.json()["verdict"]) == (200, "closed", "satisfied")


def test_an_id_beyond_the_database_range_is_a_422_not_a_500(client: TestClient, people: dict[str, Actor]) -> None:
    response = client.post(
        f"/api/v1/rectifications/{2**40}/rectify", json={"measures": "x"}, headers=as_(client, "rev-sb")
    )
    assert response.status_code == 422
