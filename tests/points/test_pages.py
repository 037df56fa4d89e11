from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tongban.config import Settings
from tongban.web.app import create_app


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session]) -> TestClient:
    factories.catalogue(db)
    return client


@pytest.fixture
def offline_site(db: sessionmaker[Session], settings: Settings) -> Iterator[TestClient]:
    """A deployment with no tile server: pages show the list alone."""
    factories.catalogue(db)
    app = create_app(settings.model_copy(update={"map_tiles": ""}), db.kw["bind"])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def listed(html: str) -> list[str]:
    return re.findall(r'<div class="point-head">\s*<a href="/points/([^"]+)"', html)


def map_data(html: str) -> dict[str, object]:
    found = re.search(r"<script type=\"application/json\" data-map-data>(.*?)</script>", html, re.S)
    assert found, "no map data on the page"
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_the_nearest_points_page_lists_every_point_nearest_first(site: TestClient) -> None:
    html = site.get("/points").text
    assert listed(html) == ["p-near", "p-mid", "p-far"]


def test_the_nearest_points_page_keeps_to_one_service(site: TestClient) -> None:
    html = site.get("/points", params={"service": "320200-SB-0002"}).text
    assert listed(html) == ["p-near", "p-far"]
    assert 'href="/services/320200-SB-0002"' in html
    assert '<input type="hidden" name="service" value="320200-SB-0002">' in html


def test_an_unknown_service_on_the_points_page_is_a_404(site: TestClient) -> None:
    assert site.get("/points", params={"service": "NOPE"}).status_code == 404


def test_the_map_gets_the_points_as_json(site: TestClient) -> None:
    data = map_data(site.get("/points").text)
    markers = data["markers"]
    assert isinstance(markers, list)
    assert [marker["url"] for marker in markers] == ["/points/p-near", "/points/p-mid", "/points/p-far"]
    assert data["tiles"]


def test_without_tiles_there_is_no_map_but_the_list_stays(offline_site: TestClient) -> None:
    html = offline_site.get("/points").text
    assert "data-map" not in html
    assert "leaflet.js" not in html
    assert listed(html) == ["p-near", "p-mid", "p-far"]


def test_a_point_page_carries_a_qr_code_of_its_own_address(site: TestClient) -> None:
    html = site.get("/points/p-near").text
    assert "<svg" in html
    # qr_svg titles the code with the text it encodes.
    assert "<title>http://testserver/points/p-near</title>" in html
    assert 'href="http://testserver/points/p-near"' in html


def test_a_point_page_lists_its_services_by_category(site: TestClient) -> None:
    html = site.get("/points/p-near").text
    assert "<h3>社会保险</h3>" in html
    assert 'href="/services/320200-SB-0001"' in html
    assert 'href="/services/320200-SB-0002"' in html
    assert "基础银行网点" in html


def test_a_point_page_in_english_uses_english_names(site: TestClient) -> None:
    assert "Basic bank branch" in site.get("/points/p-near", params={"lang": "en"}).text


def test_a_poster_page_lists_the_points_nearest_the_station(site: TestClient) -> None:
    html = site.get("/posters/metro-1").text
    assert "市民中心站" in html
    assert listed(html) == ["p-near", "p-mid", "p-far"]
    assert "<title>http://testserver/posters/metro-1</title>" in html


def test_the_poster_list_has_a_code_for_every_poster(site: TestClient) -> None:
    html = site.get("/posters").text
    assert 'href="/posters/metro-1"' in html
    assert html.count("<svg") == 1


@pytest.mark.parametrize("path", ["/points/nope", "/posters/nope"])
def test_an_unknown_code_is_a_404_page(site: TestClient, path: str) -> None:
    page = site.get(path)
    assert page.status_code == 404
    assert "<html" in page.text


def test_a_bad_longitude_is_a_422_page(site: TestClient) -> None:
    page = site.get("/points", params={"lat": 31.5, "lon": 181})
    assert page.status_code == 422
    assert "lon" in page.text
