"""The portal as a resident uses it, in Debian's Chromium, over the real Wuxi pack.

Never downloads a browser: without /usr/bin/chromium the tests skip, or fail when ``CI`` is set.
Screenshots go to test-artifacts/; ``TONGBAN_UPDATE_SCREENSHOT=1`` (or a missing file)
also refreshes docs/screenshot.png for the README.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import live_server, shoot
from tongban.auth.demo import ensure_demo_users
from tongban.auth.domain import SYSTEM
from tongban.auth.passwords import DEMO_PASSWORD
from tongban.db import transaction
from tongban.packs import service as packs

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "packs" / "wuxi-nearby"
README_SCREENSHOT = REPO / "docs" / "screenshot.png"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over SQLite loaded with the Wuxi pack and the demo people."""

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [PACK])
        with transaction(factory) as session:
            ensure_demo_users(session)

    with live_server(tmp_path_factory.mktemp("portal"), fill) as url:
        yield url


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A Chinese-speaking visitor on a 1280x900 screen; nothing leaves the machine (no map tiles)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def listed_distances(page: Page) -> list[float]:
    values = page.locator("#nearest .point").evaluate_all("items => items.map(item => item.dataset.distance)")
    return [float(value) for value in values]


def test_a_resident_finds_the_pension_guide_and_the_nearest_point(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    shoot(page, "home")

    page.get_by_label("搜索办事事项").fill("养老")
    page.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(f"{base_url}/services?q=%E5%85%BB%E8%80%81")
    shoot(page, "search")
    page.locator(".result h2 a").first.click()

    expect(page.get_by_role("heading", name="申请材料", exact=True)).to_be_visible()
    expect(page.locator("#materials")).to_contain_text("原件")
    distances = listed_distances(page)
    assert distances, "no nearest points listed"
    assert distances == sorted(distances)
    expect(page.locator("#nearest .leaflet-marker-icon").first).to_be_attached()
    shoot(page, "guide")
    if os.environ.get("TONGBAN_UPDATE_SCREENSHOT") or not README_SCREENSHOT.exists():
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(README_SCREENSHOT))

    page.locator("#nearest .point-head a").first.click()
    expect(page.locator(".qr svg.segno")).to_be_visible()
    expect(page.locator(".qr figcaption")).to_contain_text(page.url)
    shoot(page, "point")


def test_results_follow_the_words_as_they_are_typed(page: Page, base_url: str) -> None:
    page.goto(base_url + "/services")
    page.get_by_label("搜索办事事项").press_sequentially("社保卡", delay=50)
    expect(page.locator("#results .count-line")).to_contain_text("社保卡")
    expect(page).to_have_url(f"{base_url}/services?q=%E7%A4%BE%E4%BF%9D%E5%8D%A1&category=")
    assert page.locator("header.bar").count() == 1, "the partial must not bring a second page header"


def test_a_metro_poster_page_lists_points_by_distance(page: Page, base_url: str) -> None:
    page.goto(base_url + "/posters")
    page.locator(".poster-card h2 a").first.click()
    expect(page.locator(".qr svg.segno")).to_be_visible()
    distances = listed_distances(page)
    assert distances and distances == sorted(distances)
    shoot(page, "poster")


def test_english_is_one_click_away(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Public services, close to home")


def test_a_resident_logs_in_and_out(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("link", name="登录").click()
    page.get_by_label("用户名").fill("citizen1")
    page.get_by_label("密码").fill("wrong password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    page.get_by_label("用户名").fill("citizen1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_contain_text("citizen1")
    shoot(page, "logged-in")
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("link", name="登录")).to_be_visible()
