"""掌上矛调 in Debian's Chromium: a villager books the town's lawyer from her phone ("下单"), registering her
dispute with it, and anyone scanning its 解纷码 sees how far it has got and nothing about her.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import live_server, shoot
from tests.factories import PASSWORD, user
from tests.requests.conftest import PEOPLE, REQUEST_PACK
from tongban.auth.domain import SYSTEM
from tongban.packs import service as packs

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAWSUIT = "做生意惹上官司，对方起诉要求赔偿货款，想请律师看看该怎么应诉。"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [REQUEST_PACK])
        for name, (role, place, department, phone) in PEOPLE.items():
            user(factory, name, role, jurisdiction_code=place, department_code=department, phone=phone)

    with live_server(tmp_path_factory.mktemp("disputes"), fill) as url:
        yield url


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Page]:
    """The villager's phone, logged in; nothing is fetched from beyond the local server."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")  # type: ignore[arg-type]
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill("villager")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_contain_text("villager")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_a_villager_books_a_lawyer_from_her_phone_and_shares_the_dispute_code(
    phone: Page, browser: Browser, base_url: str
) -> None:
    phone.goto(base_url + "/disputes/book")
    phone.get_by_label("律师").check()
    phone.get_by_role("button", name="查看可预约时段").click()
    expect(phone.get_by_text("王律师")).to_be_visible()
    expect(phone.get_by_text("李调解员")).to_have_count(0)
    phone.get_by_label("发生了什么，希望怎样解决").fill(LAWSUIT)
    phone.locator("label.slot").first.click()
    shoot(phone, "dispute-book-phone")
    phone.get_by_role("button", name="确认预约").click()

    expect(phone.get_by_role("heading", name="我的纠纷")).to_be_visible()
    expect(phone.locator(".bookings")).to_contain_text("王律师")
    expect(phone.locator(".bookings")).to_contain_text("已预约")
    shoot(phone, "dispute-mine-phone")
    code = phone.get_by_role("link", name="解纷码：查看调处进度").get_attribute("href")
    assert code and code.startswith("/disputes/")

    stranger = browser.new_page(viewport=PHONE)  # type: ignore[arg-type]
    stranger.goto(base_url + code)
    expect(stranger.get_by_role("heading", name="矛盾纠纷调处进度")).to_be_visible()
    expect(stranger.locator('[aria-current="step"]')).to_contain_text("村级调解")
    expect(stranger.locator("#bookings")).to_contain_text("律师")
    expect(stranger.locator(".qr svg")).to_be_visible()
    for private in ("王律师", "villager", "13800000003", "官司"):
        expect(stranger.locator("main")).not_to_contain_text(private)
    shoot(stranger, "dispute-code-phone")
    stranger.close()
