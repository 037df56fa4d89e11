"""A house code in Debian's Chromium: the public page a scan opens, and the inspectors' register and form.

A red code's public page shows its colour big with its meaning; the inspector sees the
register with its colour chart, opens the house and turns it green again with what was
put right and a photo. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import live_server, shoot
from tests.credentials.conftest import HOUSE_PACK, OTHER_VILLAGE, PEOPLE, approved_house
from tests.factories import PASSWORD, user
from tests.files.samples import photo
from tongban.auth.domain import SYSTEM
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.calendar import service as calendar
from tongban.credentials import service
from tongban.credentials.domain import Colour, Finding
from tongban.files.service import FileStore
from tongban.packs import service as packs

pytestmark = pytest.mark.browser
REASON = "二层外挑超出批准范围约0.8米"


@dataclass(frozen=True)
class Site:
    url: str
    red_token: str
    red_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The real app with three approved houses: one red with a photo, one yellow, one green in another town."""
    data_dir = tmp_path_factory.mktemp("house-codes")
    made: dict[str, object] = {}

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [HOUSE_PACK])
        for name, (role, place, department, id_number) in PEOPLE.items():
            user(factory, name, role, jurisdiction_code=place, department_code=department, id_number=id_number)
        with factory() as session:
            people = {u.username: actor_of(u) for u in session.scalars(select(User))}
        red, yellow = approved_house(factory, people), approved_house(factory, people)
        approved_house(factory, people, OTHER_VILLAGE)
        store, today = FileStore(data_dir / "files"), calendar.today()
        shot = [service.Photo("现场.jpg", photo())]
        service.inspect(factory, store, people["inspector"], red.id, Finding(Colour.red, today, REASON), shot)
        service.inspect(factory, store, people["inspector"], yellow.id, Finding(Colour.yellow, today, "邻居反映超高"))
        made.update(token=red.token, id=red.id)

    with live_server(data_dir, fill) as url:
        yield Site(url, str(made["token"]), int(str(made["id"])))


def open_page(browser: Browser, url: str, who: str | None = None, width: int = 1280) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    base = url.split("/", 3)[:3]
    local = "/".join(base)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
    page = context.new_page()
    if who is not None:
        page.goto(local + "/login")
        page.get_by_label("用户名").fill(who)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("button", name="退出")).to_contain_text(who)
    page.goto(url)
    return page


def test_a_scan_shows_the_red_code_and_why(browser: Browser, site: Site) -> None:
    page = open_page(browser, f"{site.url}/codes/{site.red_token}", width=420)
    expect(page.get_by_role("heading", level=1)).to_have_text("红码 停工整改")
    expect(page.get_by_text(REASON)).to_be_visible()
    expect(page.get_by_text("现场照片仅建房户本人和监管人员可见。")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    shoot(page, "house-code-public")
    page.context.close()


def test_the_inspector_turns_the_code_green_with_a_photo(browser: Browser, site: Site, tmp_path: Path) -> None:
    errors: list[str] = []
    page = open_page(browser, f"{site.url}/house-codes", who="inspector")
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.reload()
    expect(page.locator("[data-board-chart] svg")).to_be_visible()
    expect(page.locator("tbody tr").first).to_contain_text("红码")
    shoot(page, "house-code-register")
    page.locator("tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="记录巡查")).to_be_visible()
    page.get_by_role("radio", name="绿码 · 正常施工").check()
    page.get_by_label("整改情况").fill("已拆除超出部分，复查合格")
    picture = tmp_path / "复查.jpg"
    picture.write_bytes(photo())
    page.get_by_label("现场照片").set_input_files(picture)
    page.get_by_role("button", name="保存巡查").click()
    expect(page.locator(".status-line .chip")).to_have_text("绿码 · 正常施工")
    expect(page.locator("#history li").first.locator("img")).to_be_visible()
    shoot(page, "house-code-inspected")
    assert errors == []
    page.context.close()
