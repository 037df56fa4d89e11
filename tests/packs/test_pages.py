"""The seed systems' pages: each pack's scenarios lead to the platform pages where they happen."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import FIXTURES
from tongban.auth.domain import SYSTEM
from tongban.packs import overview
from tongban.packs import service as packs

PACKS = Path(__file__).parents[2] / "packs"


@pytest.fixture
def tiny_site(client: TestClient, db: sessionmaker[Session]) -> TestClient:
    packs.load(db, SYSTEM, [FIXTURES / "tiny-pack"])
    return client


def test_the_list_names_each_pack_with_its_counts(tiny_site: TestClient) -> None:
    page = tiny_site.get("/packs").text
    assert "测试服务包" in page and 'href="/packs/tiny-pack"' in page
    assert "事项 2" in page and "应用场景 1" in page


def test_a_pack_page_shows_its_scenarios_services_and_shared_data(tiny_site: TestClient) -> None:
    page = tiny_site.get("/packs/tiny-pack").text
    assert "就近办" in page and 'href="/services/TP-001"' in page and 'href="/points"' in page
    assert "人口基础信息" in page and "杭州市人力资源和社会保障局" in page
    english = tiny_site.get("/packs/tiny-pack?lang=en").text
    assert "Close to home" in english and "Social security card guide" in english


def test_an_unknown_pack_is_not_found(tiny_site: TestClient) -> None:
    assert tiny_site.get("/packs/no-such-pack").status_code == 404
    assert tiny_site.get("/packs/Bad_Code").status_code == 422


def test_every_rural_housing_scenario_link_leads_to_a_page(client: TestClient, db: sessionmaker[Session]) -> None:
    packs.load(db, SYSTEM, [PACKS / "wucheng-e-kuaiban", PACKS / "rural-housing"])
    page = client.get("/packs/rural-housing").text
    scenarios = ["空间规划", "建房审批", "综合监管", "服务评价", "农房盘活"]
    assert all(name in page for name in scenarios)
    with db() as session:
        (pack,) = [item for item in overview.packs(session) if item.code == "rural-housing"]
    assert pack.scenarios == len(scenarios)
    for href in _links(page):
        answer = client.get(href, follow_redirects=False)
        # Staff and residents' pages send a visitor to log in first; none is missing.
        assert answer.status_code in (200, 303), href


def _links(page: str) -> list[str]:
    section = page.split('id="scenarios"', 1)[1].split("</div>", 1)[0]
    return [part.split('"', 1)[0] for part in section.split('href="')[1:]]
