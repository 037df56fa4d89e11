"""助联体 in Debian's Chromium: 东林镇's assistance officer opens a household the data found and records the help.

The huzhou-assistance pack with the packs it leans on, discovered today; the officer reads
the task (members masked, the rule with its facts, the matched resource), refers one need and
records assistance; the county supervisor reads the summary's chart. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import REPO, live_server, shoot
from tests.factories import PASSWORD, user
from tongban.auth.domain import SYSTEM, Role
from tongban.calendar.service import today
from tongban.packs import service as packs
from tongban.registries import discovery_service

pytestmark = pytest.mark.browser
PACKS = ["wucheng-e-kuaiban", "nanxun-elderly-card", "huzhou-supervision", "huzhou-assistance"]
ARTICLE_HOUSEHOLD = "330502104201-001"  # 丁敏 of 保卫村, whose story opens the article


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [REPO / "packs" / name for name in PACKS])
        discovery_service.discover(factory, SYSTEM, "huzhou-assistance", today())
        user(factory, "officer", Role.reviewer, jurisdiction_code="330502104", department_code="hz-mzj")
        user(factory, "city", Role.supervisor, jurisdiction_code="330500")

    with live_server(tmp_path_factory.mktemp("assistance"), fill) as url:
        yield url


def logged_in(browser: Browser, base_url: str, name: str, errors: list[str], width: int = 1280) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def test_the_officer_opens_the_household_and_records_the_help(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = logged_in(browser, base_url, "officer", errors)
    page.goto(base_url + "/assistance/tasks")
    expect(page.get_by_role("heading", name="助联体 · 主动发现的救助任务")).to_be_visible()
    expect(page.get_by_text("埭溪镇")).to_have_count(0)  # another town's households are not listed
    shoot(page, "assistance-tasks")
    page.get_by_role("link", name=f"户号 {ARTICLE_HOUSEHOLD}").click()
    expect(page.get_by_role("rowheader", name="丁敏")).to_be_visible()
    expect(page.get_by_text("330502********0016")).to_be_visible()
    expect(page.get_by_text("近12个月医疗自付费用超过1万元")).to_be_visible()
    need = page.locator("article[data-need=medical]")
    expect(need.get_by_text("湖州市医疗保障局（社会救助职能部门）")).to_be_visible()
    shoot(page, "assistance-task")
    need.get_by_label("转介其他资源").check()
    need.get_by_label("转介到").select_option(index=1)
    need.get_by_role("button", name="提交").click()
    expect(need.get_by_text("湖州市慈善总会（慈善组织）")).to_be_visible()
    need.get_by_label("已帮扶").check()
    need.get_by_label("帮扶情况或原因").fill("办理低保，接续医保，慈善大病救助补助自付部分")
    need.get_by_role("button", name="提交").click()
    expect(page.locator(".status-line").get_by_text("已办结")).to_be_visible()
    expect(need.get_by_text("办理低保，接续医保")).to_be_visible()
    shoot(page, "assistance-task-done")
    page.context.close()
    assert errors == []


def test_the_city_supervisor_reads_the_summary_and_the_resources(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = logged_in(browser, base_url, "city", errors)
    page.goto(base_url + "/assistance/summary")
    expect(page.get_by_role("heading", name="从发现到帮扶")).to_be_visible()
    expect(page.locator("[data-assistance-towns] svg")).to_be_visible()
    shoot(page, "assistance-summary")
    page.goto(base_url + "/assistance/resources?lang=en")
    expect(page.get_by_role("heading", name="Resources list")).to_be_visible()
    expect(page.get_by_text("Baowei Village Neighbourly Help Team")).to_be_visible()
    shoot(page, "assistance-resources-en")
    page.context.close()
    assert errors == []
