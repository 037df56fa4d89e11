"""The silent-certification run report in Debian's Chromium: the county bureau's officer reads a month's run.

Sixty pensioners across 浦江县's two streets and three communities, most certified from data, a few
suspended or to be checked. The officer reads the counts and the chart by street in Chinese, switches to
communities, and downloads the workbook. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import live_server, shoot
from tests.factories import PASSWORD
from tests.registries.fixtures.qualification_data import (
    DONGJIE,
    HEPING,
    XIANHUA,
    Line,
    alive,
    dead,
    imported,
    places,
    roll,
    staff,
    unseen,
)

pytestmark = pytest.mark.browser
COMMUNITIES = (HEPING, DONGJIE, XIANHUA)


def month(count: int = 60) -> tuple[list[Line], list[tuple[str, str, str]]]:
    """Every seventh suspended (the resident first), every fifth to be checked, the others certified."""
    lines, people = [], []
    for n in range(count):
        person = f"P{n:03d}"
        lines.append(dead(person) if n % 7 == 0 else unseen(person) if n % 5 == 1 else alive(person))
        people.append((person, f"领取人{n}", COMMUNITIES[n % 3]))
    return lines, people


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("certification")

    def fill(factory: sessionmaker[Session]) -> None:
        places(factory)
        staff(factory)
        lines, people = month()
        imported(factory, data_dir / "run", lines, roll(*people))

    with live_server(data_dir, fill) as url:
        yield url


def logged_in(browser: Browser, base_url: str, errors: list[str], name: str, width: int = 1280) -> Page:
    viewport = {"width": width, "height": 900}
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True)  # type: ignore[arg-type]
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base_url) else route.abort())
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    return page


def test_the_officer_reads_the_run_report_and_its_chart(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    page = logged_in(browser, base_url, errors, "officer")
    page.get_by_role("link", name="静默认证").click()
    page.get_by_role("link", name="批次 1").click()
    expect(page.get_by_role("heading", name="静默认证报告 · 批次 1")).to_be_visible()
    expect(page.locator("[data-board-chart] svg")).to_be_visible()
    expect(page.locator(".district-table tbody tr")).to_have_count(2)
    expect(page.locator(".district-table")).to_contain_text("浦阳街道")
    shoot(page, "certification-run")
    page.get_by_label("统计层级").select_option("village")
    page.get_by_role("button", name="切换").click()
    expect(page.locator(".district-table tbody tr")).to_have_count(3)
    expect(page.locator("[data-board-chart] svg")).to_contain_text("和平社区")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename == "静默认证_2025-12-31_批次1.xlsx"
    page.context.close()
    assert errors == []


def test_on_a_phone_the_worker_checks_a_pensioner_and_the_resident_objects(browser: Browser, base_url: str) -> None:
    errors: list[str] = []
    worker = logged_in(browser, base_url, errors, "heping", width=390)
    worker.goto(base_url + "/workbench")
    expect(worker.locator("#pension-checks")).to_contain_text("待核实")
    worker.get_by_role("link", name="查看核实任务").click()
    worker.get_by_role("link", name="领取人6", exact=True).click()
    worker.get_by_label("核实健在").check()
    worker.get_by_label("核实情况").fill("入户见到本人，核对身份证原件")
    shoot(worker, "certification-follow-up-phone")
    worker.get_by_role("button", name="提交核实结果").click()
    expect(worker.get_by_role("heading", name="核实结果")).to_be_visible()
    worker.context.close()

    resident = logged_in(browser, base_url, errors, "resident", width=390)
    resident.get_by_role("link", name="养老金资格").click()
    expect(resident.get_by_role("heading", name="暂停发放告知书")).to_be_visible()
    resident.get_by_label("申诉理由").fill("本人健在，死亡记录非本人")
    resident.get_by_role("button", name="提交申诉").click()
    expect(resident.get_by_text("申诉待处理")).to_be_visible()
    shoot(resident, "certification-pension-phone")
    resident.context.close()
    assert errors == []
