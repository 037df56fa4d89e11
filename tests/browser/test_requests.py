"""A citizen request (诉求) in Debian's Chromium: a photo report from a phone to its rated answer, and the board.

A resident reports a dug-up road from a phone with a photo that knows where it was taken,
the dispatcher confirms the suggested department, the street's construction office signs
for it and answers, and the resident reads the answer and rates it (好差评), which closes it.
Then the supervisor's board draws requests of every colour. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.conftest import PHONE, People, live_server, shoot
from tests.factories import user
from tests.files.samples import photo
from tests.requests.conftest import ANJI, ANJI_DEGREES, PEOPLE, REQUEST_PACK
from tongban.auth.domain import SYSTEM
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.db import transaction, utcnow
from tongban.files.service import FileStore
from tongban.packs import service as packs
from tongban.packs.models import LoadedPack
from tongban.requests import handling, service
from tongban.requests.domain import Action, Channel
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest

pytestmark = pytest.mark.browser

ROAD = "金色社区3号楼门口的道路被挖开一周了，没有围挡，晚上很危险，希望尽快恢复路面。"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app over SQLite with the request pack, its people and a map centre in Anji."""
    data_dir = tmp_path_factory.mktemp("requests")

    def fill(factory: sessionmaker[Session]) -> None:
        packs.load(factory, SYSTEM, [REQUEST_PACK])
        for name, (role, place, department, phone) in PEOPLE.items():
            user(factory, name, role, jurisdiction_code=place, department_code=department, phone=phone)
        with transaction(factory) as session:
            session.execute(update(LoadedPack).values(home_lat=30.87, home_lon=119.68, home_name="安吉县便民服务中心"))
        seed_requests(factory, FileStore(data_dir / "files"))

    with live_server(data_dir, fill) as url:
        yield url


def seed_requests(factory: sessionmaker[Session], store: FileStore) -> None:
    """A neighbour's open report by the same road, and routed reports that are red, yellow and green."""
    with factory() as session:
        people = {u.username: actor_of(u) for u in session.scalars(select(User))}

    def raised(who: str, text: str, lat: float, lon: float) -> int:
        submission = service.Submission(type_code="rp-report", text=text, channel=Channel.web, lat=lat, lon=lon)
        return service.submit(factory, store, people[who], submission)[0].id

    raised("neighbour", "3号楼门口路面开挖，无人围挡", *ANJI_DEGREES)
    colours = {"late": timedelta(days=-2), "soon": timedelta(hours=3), "fresh": timedelta(days=4)}
    for (name, offset), (department, who) in zip(
        colours.items(), [("rp-cjb", "resident"), ("rp-hw", "neighbour"), ("rp-hw", "resident")], strict=True
    ):
        request_id = raised(who, f"垃圾桶满溢无人清运（{name}）", 30.86, 119.69)
        routing = handling.ActionInput(routing=Routing([department]))
        handling.act(factory, people["dispatcher"], request_id, Action.route, 1, routing)
        due = utcnow() + offset
        warn = due - timedelta(days=1) if offset > timedelta(days=1) else due - timedelta(days=3)
        with transaction(factory) as session:
            query = update(CitizenRequest).where(CitizenRequest.id == request_id)
            session.execute(query.values(due_at=due, warn_at=warn))


def report_from_a_phone(resident: Page, base_url: str) -> str:
    """The resident marks the place, sees the neighbour's report of the same road, attaches the photo and sends."""
    resident.goto(base_url + "/requests/new")
    expect(resident.locator("[data-pick-map]")).to_be_visible()
    resident.get_by_label("随手拍").check()
    resident.get_by_label("问题描述").fill(ROAD)
    resident.get_by_label("纬度").fill(f"{ANJI_DEGREES[0]:.6f}")
    resident.get_by_label("经度").fill(f"{ANJI_DEGREES[1] + 0.0003:.6f}")
    resident.get_by_label("经度").press("Tab")
    expect(resident.locator("#nearby")).to_contain_text("3号楼门口路面开挖，无人围挡")
    resident.get_by_label("拍照或选择照片").set_input_files(
        files=[{"name": "road.jpg", "mimeType": "image/jpeg", "buffer": photo(gps=ANJI)}]
    )
    shoot(resident, "request-report-phone")
    resident.get_by_role("button", name="提交").click()
    expect(resident.get_by_role("heading", name="受理回执")).to_be_visible()
    code = resident.locator("#tracking-code").inner_text()
    expect(resident.locator("#place")).to_contain_text(f"{ANJI_DEGREES[0]:.5f}, {ANJI_DEGREES[1]:.5f}")
    expect(resident.locator("#place")).to_contain_text("取自照片")
    expect(resident.locator(".receipt svg")).to_be_visible()
    shoot(resident, "request-receipt-phone")
    resident.get_by_role("link", name="查看诉求详情").click()
    expect(resident.locator(".status-line")).to_contain_text("待分派")
    return code


def open_from_queue(staff: Page, base_url: str, title: str) -> None:
    staff.goto(base_url + "/requests/work")
    staff.locator("#queue").get_by_role("link", name=title).first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(title)


def test_a_photo_report_is_routed_signed_and_answered(people: People, base_url: str) -> None:
    resident = people("resident", PHONE)
    code = report_from_a_phone(resident, base_url)
    title = resident.get_by_role("heading", level=1).inner_text()

    dispatcher = people("dispatcher")
    dispatcher.goto(base_url + "/requests/work")
    expect(dispatcher.locator("#queue")).to_contain_text("关键词规则")
    shoot(dispatcher, "request-queue")
    open_from_queue(dispatcher, base_url, title)
    expect(dispatcher.locator(".suggestion")).to_contain_text("凤鸣街道城建办")
    expect(dispatcher.get_by_role("checkbox", name="凤鸣街道城建办")).to_be_checked()
    shoot(dispatcher, "request-dispatch")
    dispatcher.get_by_role("button", name="确认分派").click()
    expect(dispatcher.locator(".status-line")).to_contain_text("待签收")

    office = people("cjb")
    open_from_queue(office, base_url, title)
    office.get_by_role("button", name="签收").click()
    expect(office.locator(".status-line")).to_contain_text("办理中")
    office.get_by_label("答复内容").fill("已督促施工单位设置围挡，本周五前恢复路面。")
    shoot(office, "request-answer")
    office.get_by_role("button", name="答复诉求人").click()
    expect(office.locator(".status-line")).to_contain_text("已答复")

    resident.reload()
    expect(resident.locator("#answer")).to_contain_text("已督促施工单位设置围挡")
    expect(resident.locator("#timeline li").last).to_contain_text("答复")
    shoot(resident, "request-answered-phone")
    rating = resident.get_by_role("region", name="好差评")
    rating.get_by_label("满意", exact=True).check()
    shoot(resident, "request-rating-phone")
    rating.get_by_role("button", name="提交评价").click()
    expect(resident.locator(".status-line")).to_contain_text("已办结")
    expect(resident.locator(".rating-given")).to_contain_text("满意")
    expect(resident.get_by_role("button", name="提交评价")).to_have_count(0)
    shoot(resident, "request-rated-phone")
    resident.goto(f"{base_url}/requests/track?code={code}")
    expect(resident.locator("#tracked")).to_contain_text("已办结")


def test_the_supervisor_board_draws_every_colour(people: People, base_url: str) -> None:
    supervisor = people("supervisor")
    supervisor.goto(base_url + "/requests/board")
    chart = supervisor.locator("#by-department [data-board-chart] svg")
    expect(chart).to_be_visible()
    for shade in ("已超期", "即将到期", "正常"):
        expect(chart).to_contain_text(shade)
    expect(supervisor.locator("#by-town [data-board-chart] svg")).to_be_visible()
    expect(supervisor.locator("#red")).to_contain_text("垃圾桶满溢无人清运（late）")
    shoot(supervisor, "request-board")
    supervisor.locator("#red").get_by_role("link", name="督办").first.click()
    supervisor.get_by_label("督办要求").fill("请于本周内清运完毕并书面回复。")
    supervisor.get_by_role("button", name="发出督办单").click()
    expect(supervisor.locator("#orders")).to_contain_text("请于本周内清运完毕")


def test_a_liaison_station_member_reports_and_the_discipline_committee_has_it(people: People, base_url: str) -> None:
    member = people("liaison", PHONE)
    member.goto(base_url + "/requests/new")
    expect(member.get_by_label("来源渠道")).to_have_value("liaison_station")
    member.get_by_label("监察联络站报送").check()
    member.get_by_label("问题描述").fill("小区内经常有人乱扔垃圾包，请分管环境卫生的干部督办。")
    shoot(member, "request-liaison-phone")
    member.get_by_role("button", name="提交").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("受理回执")
    shoot(member, "request-liaison-receipt-phone")

    committee = people("jw")
    committee.goto(base_url + "/requests/work")
    expect(committee.locator("#queue")).to_contain_text("小区内经常有人乱扔垃圾包")
