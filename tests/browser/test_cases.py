"""A case from application to decision, in Debian's Chromium: parallel approval (并联审批) over the case test pack.

A resident applies with a file, the town's window accepts, reviewers of two departments
approve their parallel steps from their workbenches, and the decision is approved. Like the
portal test it never downloads a browser; screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import People, live_server, shoot
from tests.cases.conftest import CASE_PACK, PEOPLE
from tests.factories import user
from tests.files.samples import png
from tongban.auth.domain import SYSTEM
from tongban.packs import service as packs

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over SQLite with the case pack and its people."""

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [CASE_PACK])
        for name, (role, place, department, id_number) in PEOPLE.items():
            user(factory, name, role, jurisdiction_code=place, department_code=department, id_number=id_number)

    with live_server(tmp_path_factory.mktemp("cases"), fill) as url:
        yield url


def apply_with_a_file(resident: Page, base_url: str) -> str:
    """The resident fills in the parallel-approval form, sees a typo caught as they leave the field, attaches the
    land contract and submits; the case page's address comes back."""
    resident.goto(base_url + "/services/CP-PARALLEL/apply")
    code = resident.get_by_label("统一社会信用代码")
    code.fill("91320200")
    code.press("Tab")
    expect(resident.locator("#err-f-form-uscc")).to_contain_text("统一社会信用代码")
    expect(code).to_have_attribute("aria-invalid", "true")
    code.fill("")
    resident.get_by_label("项目名称").fill("德力佳三期厂房")
    resident.get_by_label("土地出让合同").set_input_files(
        files=[{"name": "land.png", "mimeType": "image/png", "buffer": png()}]
    )
    shoot(resident, "case-apply")
    resident.get_by_role("button", name="提交申请").click()
    expect(resident.locator(".status-line")).to_contain_text("已提交")
    expect(resident.locator("#materials")).to_contain_text("已上传：land.png")
    shoot(resident, "case-submitted")
    return resident.url


def open_from_workbench(staff: Page, base_url: str, case_url: str) -> None:
    staff.goto(base_url + "/workbench")
    staff.locator(f'#tasks a[href="{case_url.removeprefix(base_url)}"]').first.click()
    expect(staff).to_have_url(case_url)


def approve(staff: Page, step: str) -> None:
    staff.get_by_role("button", name=f"通过：{step}").click()
    expect(staff.locator("#timeline")).to_contain_text(step)


def test_a_parallel_approval_from_application_to_decision(people: People, base_url: str) -> None:
    case_url = apply_with_a_file(people("resident"), base_url)

    window = people("window-hd")
    open_from_workbench(window, base_url, case_url)
    shoot(window, "case-window")
    window.get_by_role("button", name="受理", exact=True).click()
    expect(window.locator(".status-line")).to_contain_text("审查中")

    planning, building = people("rev-zrzy"), people("rev-zjj")
    open_from_workbench(planning, base_url, case_url)
    approve(planning, "预审")
    open_from_workbench(building, base_url, case_url)
    shoot(building, "case-parallel")
    expect(building.get_by_role("button", name="通过：消防审查")).to_be_visible()
    approve(building, "施工许可审查")
    open_from_workbench(planning, base_url, case_url)
    approve(planning, "规划审查")
    open_from_workbench(planning, base_url, case_url)
    approve(planning, "审批决定")
    expect(planning.locator(".status-line")).to_contain_text("已办结")

    resident = people("resident")
    resident.goto(case_url)
    expect(resident.locator(".status-line")).to_contain_text("已办结，待送达")
    timeline = resident.locator("#timeline li")
    expect(timeline.first).to_contain_text("提交申请")
    expect(timeline.last).to_contain_text("作出决定")
    expect(resident.locator("#steps")).to_contain_text("已跳过")
    shoot(resident, "case-approved")

    open_from_workbench(window, base_url, case_url)
    window.get_by_role("button", name="确认送达").click()
    expect(window.locator(".status-line")).to_contain_text("已送达")
    rate(people("resident"), case_url)


def rate(resident: Page, case_url: str) -> None:
    """好差评: the resident rates the delivered case, once; the form then gives way to the rating."""
    resident.goto(case_url)
    box = resident.locator("#rating")
    box.get_by_label("非常满意").check()
    box.get_by_label("意见").fill("并联审批，一周拿证")
    shoot(resident, "case-rating")
    box.get_by_role("button", name="提交评价").click()
    expect(resident.locator("#rating .rating-given")).to_contain_text("非常满意")
    expect(resident.locator("#rating form")).to_have_count(0)


def test_the_supervisor_sees_the_board_drawn(people: People, base_url: str) -> None:
    case_url = apply_with_a_file(people("resident"), base_url)
    window = people("window-hd")
    open_from_workbench(window, base_url, case_url)
    window.get_by_role("button", name="受理", exact=True).click()
    expect(window.locator(".status-line")).to_contain_text("审查中")
    supervisor = people("supervisor")
    supervisor.goto(base_url + "/board")
    expect(supervisor.locator("[data-board-chart] svg")).to_be_visible()
    expect(supervisor.locator(".board-table")).to_contain_text("滨湖区自然资源和规划局")
    shoot(supervisor, "case-board")
