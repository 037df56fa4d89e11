from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories


def test_points_for_a_service_come_nearest_first(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    items = client.get("/api/v1/points", params={"service": "320200-SB-0001", "lat": 31.4912, "lon": 120.3119}).json()[
        "items"
    ]
    assert [item["id"] for item in items] == ["p-near", "p-mid"]
    assert items[0]["distance_m"] < items[1]["distance_m"]


def test_a_point_that_does_not_handle_the_service_is_left_out(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    items = client.get("/api/v1/points", params={"service": "320200-SB-0002", "lat": 31.4912, "lon": 120.3119}).json()[
        "items"
    ]
    assert "p-mid" not in [item["id"] for item in items]


def test_an_out_of_range_latitude_is_a_422(client: TestClient, db: sessionmaker[Session]) -> None:
    response = client.get("/api/v1/points", params={"lat": 91, "lon": 120})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "lat"


def test_a_point_lists_its_services_and_its_page_address(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    point = client.get("/api/v1/points/p-near").json()
    assert point["url"] == "http://testserver/points/p-near"
    assert {s["code"] for s in point["services"]} == {"320200-SB-0001", "320200-SB-0002"}


def test_an_unknown_point_is_a_404(client: TestClient, db: sessionmaker[Session]) -> None:
    assert client.get("/api/v1/points/nope").status_code == 404
