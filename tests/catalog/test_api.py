from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories


def test_searching_yanglao_finds_the_pension_service(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    body = client.get("/api/v1/services", params={"q": "养老"}).json()
    assert [item["code"] for item in body["items"]] == ["320200-SB-0001"]


def test_searching_shebao_finds_both(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    assert client.get("/api/v1/services", params={"q": "社保"}).json()["total"] == 2


def test_a_city_service_applies_in_its_districts(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    assert client.get("/api/v1/services", params={"jurisdiction": "320211"}).json()["total"] == 2


def test_wildcards_in_a_query_are_plain_text(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    assert client.get("/api/v1/services", params={"q": "%"}).json()["total"] == 0


def test_the_guide_lists_materials_with_counts_and_shared_data(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    guide = client.get("/api/v1/services/320200-SB-0001").json()
    id_card, household = guide["materials"]
    assert (id_card["originals"], id_card["copies"], id_card["from_registry"]) == (1, 1, False)
    assert household["from_registry"] is True
    assert guide["legal_limit"] == {"value": 20, "unit": "工作日"}
    assert guide["promised_limit"] == {"value": 5, "unit": "工作日"}


def test_an_unknown_service_is_a_404_in_the_contract_shape(client: TestClient, db: sessionmaker[Session]) -> None:
    response = client.get("/api/v1/services/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_bad_jurisdiction_code_names_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/services", params={"jurisdiction": "abc"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "jurisdiction"


def test_openapi_is_served(client: TestClient) -> None:
    assert "/api/v1/services/{code}" in client.get("/api/v1/openapi.json").json()["paths"]
