"""The request indicators (诉求指标、赛马排名) in Debian's Chromium: a supervisor's ranking, charts and workbook.

Half a year of requests for the street's departments and Wuhe village's, each department as
quick and as well rated as the story gives it, under a pack that declares its index. The
supervisor reads the ranking and its three colours in Chinese on a desktop, then in English on a
phone, and downloads the workbook. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import live_server, shoot
from tests.factories import PASSWORD, user
from tests.requests.conftest import PEOPLE, REQUEST_PACK
from tests.requests.indicator_data import placed, rated
from tongban.auth.domain import SYSTEM
from tongban.auth.models import User
from tongban.db import transaction, utcnow
from tongban.packs import service as packs
from tongban.requests.domain import Status

pytestmark = pytest.mark.browser

INDEX = """index:
  weights: {response: 0.15, signed_on_time: 0.2, closed_on_time: 0.3, resolution: 0.15, satisfaction: 0.2}
  green: 90
  yellow: 75
"""
# department → (place, how often it keeps its limits and pleases the requester)
DEPARTMENTS = {
    "rp-cjb": ("330523100001", 0.95),
    "rp-hw": ("330523100002", 0.85),
    "rp-jw": ("330523100002", 0.7),
    "rp-sq1": ("330523100001", 0.98),
    "rp-tw": ("330523200003", 0.6),
    "rp-tz": ("330523200003", 0.8),
}


def half_a_year(factory: sessionmaker[Session]) -> None:
    """About two hundred requests over the last 180 days, from the same seed every run."""
    draw = random.Random(7)
    now = utcnow()
    with transaction(factory) as session:
        raters = list(session.scalars(select(User.id).where(User.username.in_(("resident", "neighbour", "villager")))))
        for department, (place, good) in DEPARTMENTS.items():
            for _ in range(draw.randint(20, 45)):
                received = now - timedelta(days=draw.uniform(0, 180))
                finished = received < now - timedelta(days=10) and draw.random() < 0.9
                request_id = placed(
                    session,
                    place,
                    received,
                    Status.closed if finished else Status.in_progress,
                    department_code=department,
                    routed_at=received + timedelta(hours=2),
                    signed_in_time=draw.random() < good,
                    closed_in_time=draw.random() < good if finished else None,
                    replied_at=received + timedelta(days=5) if finished else None,
                    closed_at=received + timedelta(days=6) if finished else None,
                )
                if finished and draw.random() < 0.6:
                    level = 5 if draw.random() < good else draw.choice((1, 2, 3, 4))
                    rated(session, request_id, draw.choice(raters), level)
        placed(session, "330523200003", now - timedelta(days=1), Status.submitted)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("indicators")
    pack = data_dir / "request-pack"
    shutil.copytree(REQUEST_PACK, pack)
    with (pack / "requests.yaml").open("a", encoding="utf-8") as file:
        file.write(INDEX)

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [pack])
        for name, (role, place, department, phone) in PEOPLE.items():
            user(factory, name, role, jurisdiction_code=place, department_code=department, phone=phone)
        half_a_year(factory)

    with live_server(data_dir, fill) as url:
        yield url


def supervisor(browser: Browser, base_url: str, viewport: dict[str, int], errors: list[str]) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)  # type: ignore[arg-type]
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def test_the_supervisor_ranks_departments_and_downloads_the_workbook(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = supervisor(browser, base_url, {"width": 1280, "height": 900}, errors)
    page.goto(base_url + "/requests/indicators")
    expect(page.get_by_role("heading", name="诉求指标与赛马排名")).to_be_visible()
    expect(page.locator("[data-index-chart] svg")).to_be_visible()
    expect(page.locator("[data-trend-chart] svg")).to_be_visible()
    expect(page.locator(".indicator-table").first.locator("tbody tr")).to_have_count(len(DEPARTMENTS) + 1)
    expect(page.get_by_text("服务包 request-pack")).to_be_visible()
    shoot(page, "request-indicators")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.startswith("诉求指标_")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.context.close()
    assert errors == []


def test_on_a_phone_in_english_by_town_and_week(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = supervisor(browser, base_url, {"width": 390, "height": 844}, errors)
    page.goto(base_url + "/requests/indicators?by=town&period=week&lang=en")
    expect(page.get_by_role("heading", name="Towns by index")).to_be_visible()
    expect(page.locator("[data-index-chart] svg")).to_be_visible()
    shoot(page, "request-indicators-phone-en")
    page.context.close()
    assert errors == []
