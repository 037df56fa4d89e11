from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tongban.auth.domain import Role
from tongban.db import transaction

PENSION = "320200-SB-0001"


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session]) -> TestClient:
    factories.catalogue(db)
    return client


def nearest_codes(html: str) -> list[str]:
    section = html.split('id="nearest"', 1)[1]
    return re.findall(r'<div class="point-head">\s*<a href="/points/([^"]+)"', section)


def distances(html: str) -> list[float]:
    return [float(value) for value in re.findall(r'data-distance="([\d.]+)"', html)]


def test_the_home_page_is_chinese_by_default(site: TestClient) -> None:
    page = site.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "办事指南" in page.text
    assert "社会保险" in page.text
    assert 'href="/?lang=en"' in page.text


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(site: TestClient) -> None:
    page = site.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-CN">' in page.text


def test_the_home_page_is_english_with_lang_en(site: TestClient) -> None:
    page = site.get("/", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "Social insurance" in page.text
    assert 'href="/?lang=zh"' in page.text


def test_the_chosen_language_sticks_to_the_next_page(site: TestClient) -> None:
    site.get("/", params={"lang": "en"})
    assert '<html lang="en">' in site.get("/services").text


def test_every_page_offers_a_skip_link_and_a_login(site: TestClient) -> None:
    page = site.get("/services")
    assert 'href="#main"' in page.text
    assert 'href="/login?next=/services"' in page.text


def test_searching_yanglao_finds_the_pension_service(site: TestClient) -> None:
    page = site.get("/services", params={"q": "养老"})
    assert page.status_code == 200
    assert f'href="/services/{PENSION}"' in page.text
    assert "社会保障卡申领" not in page.text
    assert "承诺件" in page.text


def test_htmx_gets_only_the_results(site: TestClient) -> None:
    page = site.get("/services", params={"q": "社保"}, headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    assert "<html" not in page.text
    assert "社会保障卡申领" in page.text
    assert "HX-Request" in page.headers["vary"]


def test_a_history_restore_gets_the_whole_page(site: TestClient) -> None:
    headers = {"HX-Request": "true", "HX-Request-Type": "full", "HX-History-Restore-Request": "true"}
    assert "<html" in site.get("/services", params={"q": "社保"}, headers=headers).text


def test_a_category_narrows_the_search(site: TestClient) -> None:
    assert "没有找到相关事项" in site.get("/services", params={"category": "户籍"}).text


def test_a_page_number_below_one_is_a_422_page(site: TestClient) -> None:
    page = site.get("/services", params={"page": 0})
    assert page.status_code == 422
    assert "<html" in page.text


def test_the_guide_shows_counts_and_time_limits(site: TestClient) -> None:
    page = site.get(f"/services/{PENSION}")
    assert page.status_code == 200
    assert "原件 1 份" in page.text
    assert "复印件 1 份" in page.text
    assert "20 个工作日" in page.text  # 法定
    assert "5 个工作日" in page.text  # 承诺
    assert "不收费" in page.text
    assert "零跑腿" in page.text


def test_the_guide_in_english_names_units_and_counts(site: TestClient) -> None:
    page = site.get(f"/services/{PENSION}", params={"lang": "en"})
    assert "20 working days" in page.text
    assert "1 original" in page.text


def test_shared_data_materials_are_not_asked_for(site: TestClient) -> None:
    html = site.get(f"/services/{PENSION}").text
    table, shared = html.split("无需提交，由部门共享获取", 1)
    assert "户口簿" not in table
    assert "户口簿" in shared.split("</ul>", 1)[0]


def test_the_guide_lists_points_handling_it_nearest_first(site: TestClient) -> None:
    html = site.get(f"/services/{PENSION}").text
    assert nearest_codes(html) == ["p-near", "p-mid"]
    assert distances(html) == sorted(distances(html))
    assert "无锡市民中心" in html


def test_the_visitors_position_reorders_the_points(site: TestClient) -> None:
    html = site.get(f"/services/{PENSION}", params={"lat": 31.52, "lon": 120.30}).text
    assert nearest_codes(html) == ["p-mid", "p-near"]
    assert "您的位置" in html


def test_an_area_places_the_visitor_at_its_points_centre(site: TestClient) -> None:
    html = site.get(f"/services/{PENSION}", params={"area": "320211"}).text
    assert '<option value="320211" selected>' in html
    assert "按到滨湖区的直线距离" in html


def test_an_unknown_service_is_a_404_page(site: TestClient) -> None:
    page = site.get("/services/NOPE-0001")
    assert page.status_code == 404
    assert "事项 NOPE-0001 不存在" in page.text


@pytest.mark.parametrize(
    "params",
    [{"lat": 91, "lon": 120}, {"lat": "north", "lon": 120}, {"lat": 31.5}, {"area": "999999"}],
)
def test_a_bad_place_is_a_friendly_422_page(site: TestClient, params: dict[str, object]) -> None:
    page = site.get(f"/services/{PENSION}", params=params)
    assert page.status_code == 422
    assert "<html" in page.text
    assert "返回首页" in page.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_wrong_password_shows_the_login_form_again(site: TestClient) -> None:
    token = csrf_of(site.get("/login").text)
    page = site.post("/login", data={"username": "nobody", "password": "x", "csrf_token": token})
    assert page.status_code == 401
    assert 'role="alert"' in page.text
    assert 'name="username"' in page.text


def test_a_logged_in_visitor_can_log_out_from_the_header(site: TestClient, db: sessionmaker[Session]) -> None:
    factories.user(db, "wang", Role.citizen)
    token = csrf_of(site.get("/login").text)
    site.post("/login", data={"username": "wang", "password": factories.PASSWORD, "csrf_token": token})
    page = site.get("/")
    assert 'action="/logout"' in page.text
    assert "wang" in page.text


def test_a_guide_reads_well_where_no_pack_brought_points(client: TestClient, db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        factories.jurisdictions(session)
        factories.service(session, "320200-SB-0009", "灵活就业人员参保登记")
    page = client.get("/services/320200-SB-0009")
    assert page.status_code == 200
    assert "灵活就业人员参保登记" in page.text and 'id="nearest"' not in page.text
