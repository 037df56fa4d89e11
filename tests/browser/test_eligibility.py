"""农宅通 in Debian's Chromium: a villager checks eligibility, applies with shared data, and the village gets the case.

Over the real rural-housing pack and its registry sample with the demo people: 吴国平
(villager1) passes every rule of the homestead approval (NZT-01), 金友良 (villager2) sold his
house and fails N02. The apply form shows the registry's values read-only with their source;
once 澧浦镇's window accepts, the village steps are in the 任前村 official's inbox.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import People, live_server, shoot
from tests.files.samples import png
from tongban.auth.demo import ensure_demo_users
from tongban.auth.domain import SYSTEM
from tongban.auth.passwords import DEMO_PASSWORD
from tongban.db import transaction
from tongban.packs import service as packs

pytestmark = pytest.mark.browser

PACKS = [Path(__file__).resolve().parents[2] / "packs" / name for name in ("wucheng-e-kuaiban", "rural-housing")]
SERVICE = "330703-NZT-01"
AREA = "拟用宅基地面积（平方米）"
MATERIALS = ("农村宅基地和建房（规划许可）申请表", "农村宅基地使用承诺书", "农房设计图（或选用的农房通用图集）")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over SQLite with the rural-housing pack, its registry sample and the demo people."""

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, PACKS)
        with transaction(factory) as session:
            ensure_demo_users(session)

    with live_server(tmp_path_factory.mktemp("eligibility"), fill) as url:
        yield url


@pytest.fixture
def password() -> str:
    return DEMO_PASSWORD  # the demo's own villagers and staff


def check_eligibility(villager: Page, base_url: str) -> None:
    """From the guide to the verdict, stating the area applied for (the rest is read from the registries)."""
    villager.goto(f"{base_url}/services/{SERVICE}")
    villager.get_by_role("link", name="查询申请资格").click()
    villager.get_by_label(AREA).fill("120")
    villager.get_by_role("button", name="查询申请资格").click()
    expect(villager.locator("#verdict")).to_be_visible()


def test_an_eligible_villager_sees_every_rule_passed(people: People, base_url: str) -> None:
    villager = people("villager1")
    check_eligibility(villager, base_url)
    expect(villager.locator("#verdict-h")).to_have_text("符合申请条件")
    expect(villager.locator("#verdict .rule-results li.ok")).to_have_count(10)
    expect(villager.locator("#verdict .rule-results li.bad")).to_have_count(0)
    shoot(villager, "nzt-eligible")


def test_a_villager_who_sold_his_house_sees_the_rule_he_fails(people: People, base_url: str) -> None:
    villager = people("villager2")
    check_eligibility(villager, base_url)
    expect(villager.locator("#verdict-h")).to_have_text("暂不符合申请条件")
    failed = villager.locator("#verdict .rule-results li.bad")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("N02")
    expect(failed).to_contain_text("出卖、出租、赠与住宅后再申请宅基地的，不予批准")
    expect(villager.get_by_role("link", name="一键申请")).to_have_count(0)
    shoot(villager, "nzt-not-eligible")


def apply_with_shared_data(villager: Page) -> None:
    """The registry's values are shown read-only with their source; the villager fills in the rest."""
    name = villager.get_by_label("申请人（户主）姓名")
    expect(name).to_have_value("吴国平")
    expect(name).to_have_attribute("readonly", "")
    expect(villager.locator("#src-f-form-name")).to_have_text("来自：户籍人口信息（金华市公安局金东分局），每日更新")
    expect(villager.get_by_label("户籍所在村")).to_have_value("330703104201")
    expect(villager.get_by_label("摇号选定地块编号")).to_have_value("JD104201-2025-01")
    expect(villager.locator("#materials-h + p + ul")).to_contain_text("由共享数据获取，无需提交：户籍人口信息")
    villager.get_by_label("公民身份号码").fill("330703198003122098")
    villager.get_by_label("联系电话").fill("13957912345")
    villager.get_by_label("建房类型").select_option("无宅基地户新建")
    villager.get_by_label("拟用宅基地面积（平方米，含附属用房、庭院）").fill("120")
    villager.get_by_label("拟建建筑面积（平方米）").fill("240")
    villager.get_by_label("拟建层数（不超过3层）").fill("2")
    villager.get_by_label("拟建建筑高度（米）").fill("9.5")
    villager.get_by_label("设计方式").select_option("选用农房设计通用图集")
    villager.get_by_label("结果领取方式").select_option("电子证照（无需领取）")
    villager.get_by_label("网上送达（电子证照）").check()
    for material in MATERIALS:
        villager.get_by_label(material).set_input_files(
            files=[{"name": "scan.png", "mimeType": "image/png", "buffer": png()}]
        )
    shoot(villager, "nzt-apply")
    villager.get_by_role("button", name="提交申请").click()


def test_an_eligible_villager_applies_and_the_village_gets_the_steps(people: People, base_url: str) -> None:
    villager = people("villager1")
    check_eligibility(villager, base_url)
    villager.get_by_role("link", name="一键申请").click()
    apply_with_shared_data(villager)
    expect(villager.locator(".status-line")).to_contain_text("已提交")
    first = villager.locator("#steps tbody tr").first
    expect(first).to_contain_text("受理")
    expect(first).to_contain_text("任前村")
    case_url = villager.url
    shoot(villager, "nzt-submitted")

    window = people("window4")
    window.goto(case_url)
    window.get_by_role("button", name="受理", exact=True).click()
    expect(window.locator(".status-line")).to_contain_text("审查中")

    official = people("reviewer5")
    official.goto(base_url + "/workbench")
    official.locator(f'#tasks a[href="{case_url.removeprefix(base_url)}"]').first.click()
    village_step = official.locator("#steps tbody tr", has_text="村民小组会议讨论并公示")
    expect(village_step).to_contain_text("任前村")
    expect(village_step).to_contain_text("待我办理")
    shoot(official, "nzt-village-step")
