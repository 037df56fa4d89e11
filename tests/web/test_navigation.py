"""The top bar: each role finds its pages there, grouped into menus, and every link it offers opens."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.pages import login
from tongban.auth.domain import Role
from tongban.db import transaction

# username → (role, department); everyone works in 胡埭镇 or the city above it.
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "citizen": (Role.citizen, None),
    "window": (Role.window, None),
    "dispatcher": (Role.dispatcher, None),
    "reviewer": (Role.reviewer, "wx-sbzx"),
    "supervisor": (Role.supervisor, None),
    "admin": (Role.admin, None),
}
# The request and rural-housing pages each role must reach from the bar.
EXPECTED: dict[str, set[str]] = {
    "citizen": {"/requests", "/requests/new", "/disputes", "/disputes/book", "/requests/track", "/house-codes/mine"},
    "window": {"/requests/new", "/rectifications", "/draws"},
    "dispatcher": {"/requests/work", "/requests/new"},
    "reviewer": {"/requests/work", "/appointments", "/rectifications", "/house-codes"},
    "supervisor": {"/requests/board", "/requests/indicators", "/appointments", "/rectifications", "/house-codes"},
    "admin": {"/requests/board", "/requests/indicators", "/appointments", "/rectifications", "/house-codes", "/draws"},
}
PUBLIC = {"/services", "/points", "/posters", "/packs"}


def nav_of(page: str) -> str:
    found = re.search(r'<nav aria-label="主导航">(.*?)</nav>', page, re.S)
    assert found, "no main navigation"
    return found.group(1)


def links_of(nav: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', nav)


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session]) -> TestClient:
    with transaction(db) as session:
        factories.jurisdictions(session)
    for name, (role, department) in PEOPLE.items():
        place = None if role is Role.admin else ("320200" if role is Role.reviewer else "320211100")
        factories.user(db, name, role, jurisdiction_code=place, department_code=department)
    return client


@pytest.mark.parametrize("name", list(PEOPLE))
def test_every_link_in_the_bar_opens_for_the_role_that_sees_it(site: TestClient, name: str) -> None:
    person = login(site, name)
    nav = nav_of(person.get("/").text)
    links = links_of(nav)
    assert EXPECTED[name] <= set(links)
    assert len(links) == len(set(links)), "each page once"
    for href in set(links) - PUBLIC:  # the public pages are the same for all, and tested with their data
        assert person.get(href).status_code == 200, href


def test_several_request_pages_share_one_menu_and_a_single_one_is_a_plain_link(site: TestClient) -> None:
    citizen = nav_of(login(site, "citizen").get("/").text)
    menus = re.findall(r'<details class="menu" data-menu>\s*<summary[^>]*>(.*?)</summary>', citizen)
    assert menus == ["诉求", "农宅通"]
    reviewer = nav_of(login(site, "reviewer").get("/").text)
    assert re.findall(r"<summary[^>]*>(.*?)</summary>", reviewer) == ["诉求"]
    assert '<a href="/house-codes">农宅码</a>' in reviewer


def test_the_open_page_is_marked_in_its_menu(site: TestClient) -> None:
    nav = nav_of(login(site, "citizen").get("/disputes").text)
    assert '<summary class="current">诉求</summary>' in nav
    assert '<a href="/disputes" aria-current="page">我的纠纷</a>' in nav


def test_anyone_may_track_a_request_from_the_bar(site: TestClient) -> None:
    links = links_of(nav_of(TestClient(site.app).get("/").text))
    assert set(links) == PUBLIC | {"/requests/track"}


def test_the_menus_are_english_with_lang_en(site: TestClient) -> None:
    nav = nav_of(login(site, "supervisor").get("/", params={"lang": "en"}).text.replace('"Main"', '"主导航"'))
    assert ">Requests</summary>" in nav and "Request indicators" in nav and ">House codes</a>" in nav
