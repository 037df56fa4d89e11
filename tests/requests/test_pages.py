"""The request pages as people use them: report a problem, follow it, work it from the queue, watch the board."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.files.samples import photo
from tests.pages import csrf_of, login
from tests.requests.conftest import ANJI, ANJI_DEGREES, Act, Raise
from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.db import transaction, utcnow
from tongban.requests.domain import Action
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest
from tongban.requests.views import RequestView

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"
NEW = "/requests/new"


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def message_of(page: str, slot: str) -> str:
    """The text in a field's message slot, next to the field."""
    found = re.search(rf'<p class="field-error" id="err-{re.escape(slot)}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message slot err-{slot}"
    return html.unescape(found.group(1)).strip()


def report(person: TestClient, *, photos: Sequence[bytes] = (), **fields: str) -> Any:
    """Opens the report form, fills it in and sends it; the answer is not followed."""
    form = person.get(NEW).text
    data = {"csrf_token": csrf_of(form), "key": hidden(form, "key"), "type": "rp-report", "text": ROAD, **fields}
    files = [("photos", (f"road-{n}.jpg", content, "image/jpeg")) for n, content in enumerate(photos, 1)]
    return person.post(NEW, data=data, files=files or None, follow_redirects=False)


def request_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/requests/(\d+)/receipt", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def act_on(person: TestClient, request_id: int, action: str, **data: Any) -> Any:
    """Posts one action from the request page as drawn now (its version and CSRF token)."""
    page = person.get(f"/requests/{request_id}").text
    fields = {"csrf_token": csrf_of(page), "version": hidden(page, "version"), **data}
    return person.post(f"/requests/{request_id}/actions/{action}", data=fields, follow_redirects=False)


def overdue(db: sessionmaker[Session], request_id: int) -> None:
    """Moves a request's running limit into the past: red on every queue and board."""
    past = utcnow() - timedelta(days=2)
    with transaction(db) as session:
        query = update(CitizenRequest).where(CitizenRequest.id == request_id)
        session.execute(query.values(due_at=past, warn_at=past - timedelta(days=1)))


@pytest.fixture
def site(client: TestClient, people: dict[str, Actor]) -> TestClient:
    return client


def routed(raise_request: Raise, act_as: Act) -> RequestView:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    return act_as("dispatcher", view, Action.route, routing=Routing(["rp-cjb"]))


# --- reporting ----------------------------------------------------------------------------


def test_the_report_form_offers_the_residents_types_and_the_phone_camera(site: TestClient) -> None:
    page = login(site, "resident").get(NEW).text
    assert 'value="rp-report"' in page and "随手拍" in page and 'value="rp-dispute"' in page
    assert 'value="rp-liaison"' not in page, "a type taken only at liaison stations is not offered"
    assert '<input type="file" id="f-photos" name="photos" accept="image/*" capture="environment" multiple' in page
    assert '<option value="330523100001" selected>金色社区</option>' in page, "the resident's own place first"


def test_a_located_photo_places_the_report_and_the_receipt_shows_its_code(site: TestClient) -> None:
    resident = login(site, "resident")
    request_id = request_of(report(resident, photos=[photo(gps=ANJI)], lat="31.5", lon="120.3"))
    receipt = resident.get(f"/requests/{request_id}/receipt").text
    code = html.unescape(re.search(r'id="tracking-code">([^<]+)<', receipt).group(1))  # type: ignore[union-attr]
    assert re.fullmatch(r"\d{8}[2-9A-HJ-NP-Z]{10}", code)
    assert f"{ANJI_DEGREES[0]:.5f}, {ANJI_DEGREES[1]:.5f}" in receipt and "取自照片" in receipt
    assert 'class="segno"' in receipt and f"/requests/track?code={code}" in receipt
    page = resident.get(f"/requests/{request_id}").text
    assert f'src="/requests/{request_id}/photos/1"' in page
    image = resident.get(f"/requests/{request_id}/photos/1")
    assert image.headers["content-type"] == "image/jpeg" and b"GPS" not in image.content


def test_a_double_submitted_report_makes_one_request(site: TestClient) -> None:
    resident = login(site, "resident")
    form = resident.get(NEW).text
    data = {"csrf_token": csrf_of(form), "key": hidden(form, "key"), "type": "rp-report", "text": ROAD}
    data |= {"lat": "30.87", "lon": "119.68"}
    first = resident.post(NEW, data=data, follow_redirects=False)
    again = resident.post(NEW, data=data, follow_redirects=False)
    assert request_of(first) == request_of(again)
    assert len(re.findall(r'href="/requests/\d+"', resident.get("/requests").text)) == 1


def test_refusals_show_next_to_the_field_and_keep_what_was_typed(site: TestClient) -> None:
    resident = login(site, "resident")
    untyped = report(resident, type="")
    assert untyped.status_code == 422 and message_of(untyped.text, "type") == "请选择诉求类型"
    unplaced = report(resident, address="3号楼东侧")
    assert unplaced.status_code == 422
    assert "请上传带位置信息的照片" in message_of(unplaced.text, "location")
    assert 'value="3号楼东侧"' in unplaced.text and ROAD in unplaced.text, "what was typed is kept"
    assert 'href="#f-location"' in unplaced.text, "the summary links to the field"
    short = report(resident, text="路坏", lat="30.87", lon="119.68")
    assert "诉求内容应为" in message_of(short.text, "text")
    garbled = report(resident, lat="北纬30度", lon="119.68")
    assert "纬度和经度" in message_of(garbled.text, "lat")
    assert "Traceback" not in garbled.text


def test_a_photo_that_is_not_an_image_is_refused_at_the_photos(site: TestClient) -> None:
    response = report(login(site, "resident"), photos=[b"%PDF-1.4 not a photo"], lat="30.87", lon="119.68")
    assert response.status_code == 422 and "road-1.jpg" in message_of(response.text, "photos")


def test_a_liaison_station_member_reports_what_he_saw_in_his_own_name(
    site: TestClient, db: sessionmaker[Session]
) -> None:
    member = login(site, "liaison")
    form = member.get(NEW).text
    assert '<option value="liaison_station" selected>监察联络站</option>' in form and 'value="rp-liaison"' in form
    assert "<h1>代录诉求</h1>" in form
    text = "小区内经常出现垃圾包乱扔现象，请分管环境卫生的干部督办。"
    request_id = request_of(
        report(member, type="rp-liaison", text=text, channel="liaison_station", jurisdiction="330523100001")
    )
    with db() as session:
        raised = session.get(CitizenRequest, request_id)
    assert raised is not None
    assert (raised.channel, raised.requester_name, raised.jurisdiction_code) == (
        "liaison_station",
        "liaison",  # the station account's own name: factories name users after their login
        "330523100001",
    )


def test_a_window_records_a_visitor_who_must_be_named(site: TestClient) -> None:
    window = login(site, "operator")
    petition = {"type": "rp-petition", "text": "母亲未能按规定享受遗属生活困难补助", "channel": "window"}
    refused = report(window, jurisdiction="330523100001", **petition)
    assert refused.status_code == 422
    assert message_of(refused.text, "requester_name") == "请填写诉求人姓名"
    recorded = report(
        window, jurisdiction="330523100001", requester_name="陆某", requester_phone="13900000009", **petition
    )
    assert window.get(f"/requests/{request_of(recorded)}/receipt").status_code == 200


def test_nearby_open_requests_of_the_same_type_are_shown_before_sending(site: TestClient, raise_request: Raise) -> None:
    raise_request("neighbour", type_code="rp-report", text="金色社区门口路面开挖无人管", lat=30.87, lon=119.68)
    resident = login(site, "resident")
    near = resident.get("/requests/nearby", params={"type": "rp-report", "lat": "30.8701", "lon": "119.6801"})
    assert "金色社区门口路面开挖无人管" in near.text and "<html" not in near.text
    far = resident.get("/requests/nearby", params={"type": "rp-report", "lat": "30.7", "lon": "119.6"}).text
    assert "暂无同类诉求" in far
    unplaced = resident.get("/requests/nearby", params={"type": "rp-report", "lat": "", "lon": "x"}).text
    assert unplaced.strip() == ""


# --- following a request ------------------------------------------------------------------


def test_the_resident_follows_the_request_to_its_answer(site: TestClient, raise_request: Raise, act: Act) -> None:
    view = routed(raise_request, act)
    view = act("cjb", view, Action.sign)
    answered = act("cjb", view, Action.reply, reason="已督促施工单位设置临时通道，本周内恢复路面。")
    resident = login(site, "resident")
    mine = resident.get("/requests").text
    assert f'href="/requests/{view.id}"' in mine and "已答复" in mine and "凤鸣街道城建办" in mine
    page = resident.get(f"/requests/{view.id}").text
    assert "已督促施工单位设置临时通道" in page and "提交评价" in page
    assert "13800000001" in page, "the requester sees their own phone in full"
    fields = {"csrf_token": csrf_of(page), "version": str(answered.version)}
    closing = resident.post(f"/requests/{view.id}/actions/close", data=fields, follow_redirects=False)
    assert closing.status_code == 403  # rating the answer closes it


def test_the_requester_rates_the_answer_on_the_request_page_which_then_shows_the_rating(
    site: TestClient, raise_request: Raise, act: Act
) -> None:
    view = act("cjb", routed(raise_request, act), Action.sign)
    resident, cjb = login(site, "resident"), login(site, "cjb")
    form = f'action="/requests/{view.id}/rating"'
    assert f'id="rating-{view.id}"' not in resident.get(f"/requests/{view.id}").text, (
        "nothing to rate before the answer"
    )
    act("cjb", view, Action.reply, reason="已督促施工单位设置临时通道，本周内恢复路面。")
    page = resident.get(f"/requests/{view.id}").text
    assert form in page
    levels = re.findall(r'name="level" value="(\d)"', page)
    assert levels == ["5", "4", "3", "2", "1"]
    assert all(word in page for word in ("非常满意", "基本满意", "非常不满意"))
    assert f'id="rating-{view.id}"' not in cjb.get(f"/requests/{view.id}").text, "staff get no box before a rating"
    data = {"csrf_token": csrf_of(page), "level": "2", "comment": "临时通道太窄，轮椅过不去"}
    rated = resident.post(f"/requests/{view.id}/rating", data=data, follow_redirects=False)
    assert rated.status_code == 303, rated.text
    for person in (resident, cjb):
        after = person.get(f"/requests/{view.id}").text
        box = after.split(f'id="rating-{view.id}"', 1)[1].split("</section>", 1)[0]
        assert "不满意" in box and "临时通道太窄" in box and "已转整改" in box
        assert form not in after and "已办结" in after


def test_a_resident_withdraws_a_request_not_yet_signed_for(site: TestClient, raise_request: Raise) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    resident = login(site, "resident")
    assert "撤回诉求" in resident.get(f"/requests/{view.id}").text
    assert act_on(resident, view.id, "withdraw").status_code == 303
    assert "已撤回" in resident.get(f"/requests/{view.id}").text


def test_tracking_shows_the_stage_department_and_due_time_only(
    site: TestClient, raise_request: Raise, act: Act
) -> None:
    view = routed(raise_request, act)
    page = TestClient(site.app).get("/requests/track", params={"code": view.tracking_code.lower()}).text
    assert "签收" in page and "凤鸣街道城建办" in page and "待签收" in page
    assert ROAD not in page and "resident" not in page, "no text and no names"
    missing = TestClient(site.app).get("/requests/track", params={"code": "20250101DEADBEEF"})
    assert missing.status_code == 404 and "20250101DEADBEEF" in message_of(missing.text, "code")


def test_another_residents_request_is_not_found(site: TestClient, raise_request: Raise) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    neighbour = login(site, "neighbour")
    for path in (f"/requests/{view.id}", f"/requests/{view.id}/receipt", f"/requests/{view.id}/photos/1"):
        assert neighbour.get(path).status_code == 404, path
    assert login(site, "hw").get(f"/requests/{view.id}").status_code == 404, "not routed to the sanitation office"


# --- working a request --------------------------------------------------------------------


def test_the_dispatcher_confirms_the_suggestion_and_the_department_signs_and_answers(
    site: TestClient, raise_request: Raise
) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    dispatcher = login(site, "dispatcher")
    queue = dispatcher.get("/requests/work").text
    assert f'href="/requests/{view.id}"' in queue and "凤鸣街道城建办" in queue and "关键词规则" in queue
    page = dispatcher.get(f"/requests/{view.id}").text
    assert 'name="departments" value="rp-cjb" checked' in page, "the suggestion is ticked"
    assert "五鹤村人民调解委员会" not in page, "only departments serving the place are offered"
    assert "138****0001" in page, "staff read the phone masked"
    routed = act_on(dispatcher, view.id, "route", departments=["rp-cjb"], priority="urgent")
    assert routed.status_code == 303, routed.text
    cjb = login(site, "cjb")
    assert f'href="/requests/{view.id}"' in cjb.get("/requests/work").text
    assert act_on(cjb, view.id, "sign").status_code == 303
    assert act_on(cjb, view.id, "reply", reason="已设置围挡，周五前恢复路面。").status_code == 303
    page = cjb.get(f"/requests/{view.id}").text
    assert "已答复" in page and "已设置围挡" in page and "紧急" in page
    timeline = page.split('id="timeline"', 1)[1]
    assert timeline.index("提交诉求") < timeline.index("分派") < timeline.index("答复"), "oldest first"


def test_a_send_back_without_a_reason_is_refused_next_to_the_reason(
    site: TestClient, raise_request: Raise, act: Act
) -> None:
    view = routed(raise_request, act)
    refused = act_on(login(site, "cjb"), view.id, "send_back", reason=" ")
    assert refused.status_code == 422
    assert message_of(refused.text, "send_back-reason") == "退回须写明理由"
    assert '<details class="act" open>' in refused.text


def test_routing_to_nobody_is_refused_next_to_the_departments(site: TestClient, raise_request: Raise) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    refused = act_on(login(site, "dispatcher"), view.id, "route", priority="general")
    assert refused.status_code == 422 and message_of(refused.text, "route-departments") == "请选择承办部门"
    assert 'name="departments" value="rp-cjb" checked' not in refused.text, "the choice as posted, none"


def test_a_stale_version_shows_the_conflict(site: TestClient, raise_request: Raise, act: Act) -> None:
    view = routed(raise_request, act)
    cjb = login(site, "cjb")
    page = cjb.get(f"/requests/{view.id}").text
    form = {"csrf_token": csrf_of(page), "version": hidden(page, "version")}
    assert cjb.post(f"/requests/{view.id}/actions/sign", data=form, follow_redirects=False).status_code == 303
    stale = cjb.post(f"/requests/{view.id}/actions/sign", data=form)
    assert stale.status_code == 409 and "诉求已被他人处理" in stale.text
    assert "办理中" in stale.text, "the page shows the request as it is now"


def test_the_queue_filters_by_colour(
    site: TestClient, raise_request: Raise, act: Act, db: sessionmaker[Session]
) -> None:
    late, fresh = routed(raise_request, act), routed(raise_request, act)
    overdue(db, late.id)
    cjb = login(site, "cjb")
    red = cjb.get("/requests/work", params={"colour": "red"}).text
    assert f'href="/requests/{late.id}"' in red and f'href="/requests/{fresh.id}"' not in red
    assert re.search(r'id="count-red">1<', red) and re.search(r'id="count-all">2<', red)


# --- the board ----------------------------------------------------------------------------


def test_the_board_charts_by_department_and_town_and_lists_the_red(
    site: TestClient, raise_request: Raise, act: Act, db: sessionmaker[Session]
) -> None:
    late, fresh = routed(raise_request, act), routed(raise_request, act)
    overdue(db, late.id)
    page = login(site, "supervisor").get("/requests/board").text
    assert page.count("data-board-chart ") == 2 and "/static/vendor/echarts/echarts.common.min.js" in page
    charts = [json.loads(data) for data in re.findall(r"<script[^>]*data-board-chart-data>(.*?)</script>", page)]
    assert [chart["categories"] for chart in charts] == [["凤鸣街道城建办"], ["凤鸣街道"]]
    red, yellow, green = (series["data"] for series in charts[0]["series"])
    assert red == [1] and yellow[0] + green[0] == 1
    red_list = page.split('id="red"', 1)[1].split('id="order"', 1)[0]
    assert f'href="/requests/{late.id}"' in red_list and f'href="/requests/{fresh.id}"' not in red_list


def test_a_supervisor_issues_an_order_from_the_board(site: TestClient, raise_request: Raise, act: Act) -> None:
    view = routed(raise_request, act)
    supervisor = login(site, "supervisor")
    board = supervisor.get("/requests/board", params={"order": view.id}).text
    assert f'<option value="{view.id}" selected>' in board
    due_on = (calendar.today() + timedelta(days=3)).isoformat()
    assert f'value="{due_on}"' in board, "three days on is offered"
    form = {"csrf_token": csrf_of(board), "request": str(view.id), "due_on": due_on}
    refused = supervisor.post("/requests/orders", data={**form, "note": " "})
    assert refused.status_code == 422 and message_of(refused.text, "note") == "请写明督办要求"
    past = supervisor.post("/requests/orders", data={**form, "note": "请尽快", "due_on": "2020-01-01"})
    assert message_of(past.text, "due_on") == "督办期限不能早于今天"
    done = supervisor.post("/requests/orders", data={**form, "note": "请于本周内恢复路面"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/requests/{view.id}#orders")
    page = supervisor.get(f"/requests/{view.id}").text
    assert "请于本周内恢复路面" in page and f"限 {due_on} 前办结" in page


# --- who may see what ---------------------------------------------------------------------


def test_each_page_keeps_to_its_owners(site: TestClient, db: sessionmaker[Session]) -> None:
    resident = login(site, "resident")
    assert resident.get("/requests/work").status_code == 403
    assert resident.get("/requests/board").status_code == 403
    dispatcher = login(site, "dispatcher")
    assert dispatcher.get(NEW).status_code == 200  # a hotline operator records callers' requests
    assert login(site, "cjb").get(NEW).status_code == 403
    assert dispatcher.get("/requests/board").status_code == 403
    assert login(site, "cjb").get("/requests").status_code == 403
    admin_board = login_admin(site, db)
    token = csrf_of(admin_board.get("/requests/board").text)
    assert admin_board.post("/requests/orders", data={"csrf_token": token}).status_code == 403
    anonymous = TestClient(site.app).get(NEW, follow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login?next=/requests/new")
    assert TestClient(site.app).get("/requests/track").status_code == 200


def login_admin(site: TestClient, db: sessionmaker[Session]) -> TestClient:
    factories.user(db, "admin", Role.admin, jurisdiction_code="330523")
    return login(site, "admin")


def test_the_navigation_leads_each_role_to_its_request_page(site: TestClient) -> None:
    assert 'href="/requests"' in login(site, "resident").get("/").text
    assert 'href="/requests/work"' in login(site, "cjb").get("/").text
    assert 'href="/requests/board"' in login(site, "supervisor").get("/").text


def test_the_request_pages_are_english_with_lang_en(site: TestClient, raise_request: Raise) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    resident = login(site, "resident")
    form = resident.get(NEW, params={"lang": "en"}).text
    assert '<html lang="en">' in form and "Report a problem" in form and "Snap and report" in form
    page = resident.get(f"/requests/{view.id}").text
    assert "Timeline" in page and "Awaiting dispatch" in page
    assert "Request board" in login(site, "supervisor").get("/requests/board", params={"lang": "en"}).text


def test_a_petitioner_asks_for_a_review_from_the_request_page(site: TestClient, raise_request: Raise, act: Act) -> None:
    petition = raise_request("resident", type_code="rp-petition", text="申请低保被拒绝，请求说明理由并重新审核。")
    view = act("dispatcher", petition, Action.route, routing=Routing(["rp-mz"]))
    view = act("mz", act("mz", act("mz", view, Action.sign), Action.accept), Action.reply, reason="不予纳入。")
    resident = login(site, "resident")
    page = resident.get(f"/requests/{view.id}").text
    assert "请求复查" in page and "收到答复之日起 30 日内" in page
    refused = act_on(resident, view.id, "review", reason=" ")
    assert refused.status_code == 422 and "请求复查须写明理由" in refused.text
    assert act_on(resident, view.id, "review", reason="家庭收入计算有误。").status_code == 303
    assert "待分派" in resident.get(f"/requests/{view.id}").text
