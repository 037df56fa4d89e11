"""Requests generated from the published OpenAPI document (schemathesis): no input yields a 5xx."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from tests import factories


def test_no_request_makes_the_server_fail(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def any_request(data: st.DataObject) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        response = case.call()
        assert response.status_code < 500, (case.path, response.text)
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text

    any_request()


def test_a_nul_character_is_turned_away_not_a_server_error(client: TestClient) -> None:
    login = client.post("/api/v1/auth/token", data={"username": "\x00", "password": "x"})
    search = client.get("/api/v1/services", params={"q": "社保\x00"})
    assert (login.status_code, search.status_code) == (422, 422)
    assert login.json()["error"]["code"] == "invalid"
