"""The case pages as people use them: apply, follow a case, work it from the workbench, watch the board."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.cases.conftest import RESIDENT_ID
from tests.files.samples import png
from tests.pages import csrf_of, login
from tongban.auth.domain import Actor, Role
from tongban.cases.models import Case
from tongban.db import transaction

PARALLEL = "/services/CP-PARALLEL/apply"


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def message_of(page: str, input_id: str) -> str:
    """The text in an input's message slot, next to the input."""
    found = re.search(rf'<p class="field-error" id="err-{re.escape(input_id)}"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message slot for {input_id}"
    return html.unescape(found.group(1)).strip()


def apply(person: TestClient, path: str = PARALLEL, files: dict[str, Any] | None = None, **fields: str) -> Any:
    """Opens the form, fills it in as typed and submits it; the answer is not followed."""
    form = person.get(path).text
    data = {"csrf_token": csrf_of(form), "key": hidden(form, "key"), "delivery_method": "window", **fields}
    return person.post(path, data=data, files=files, follow_redirects=False)


def case_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.match(r"/cases/(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def act(person: TestClient, case_id: int, action: str, **data: Any) -> Any:
    """Posts one action from the case page as drawn now (its version and CSRF token)."""
    page = person.get(f"/cases/{case_id}").text
    fields = {"csrf_token": csrf_of(page), "version": hidden(page, "version"), **data}
    return person.post(f"/cases/{case_id}/actions/{action}", data=fields, follow_redirects=False)


def filed(client: TestClient, **fields: str) -> int:
    """A parallel-approval case the resident filed with the land contract attached."""
    resident = login(client, "resident")
    files = {"file.land": ("land.png", png(), "image/png")}
    return case_of(apply(resident, files=files, **{"form.project": "德力佳三期厂房", **fields}))


@pytest.fixture
def site(client: TestClient, people: dict[str, Actor]) -> TestClient:
    return client


def test_a_resident_applies_with_a_file_and_lands_on_the_case_page(site: TestClient) -> None:
    resident = login(site, "resident")
    form = resident.get(PARALLEL).text
    assert 'name="form.project"' in form and 'type="file" id="file-land"' in form
    case_id = filed(site)
    page = resident.get(f"/cases/{case_id}").text
    assert "已提交" in page and "德力佳三期厂房" in page
    assert "已上传：land.png" in page
    assert f'action="/cases/{case_id}/actions/withdraw"' in page


def test_a_form_error_shows_the_chinese_message_next_to_the_field(site: TestClient) -> None:
    response = apply(login(site, "resident"), **{"form.uscc": "91320200MA1X"})
    assert response.status_code == 422
    assert message_of(response.text, "f-form-project") == "请填写项目名称"
    assert "统一社会信用代码" in message_of(response.text, "f-form-uscc")
    assert 'name="form.uscc" value="91320200MA1X"' in response.text, "what was typed is kept"
    assert 'href="#f-form-project"' in response.text, "the summary links to the field"


def test_the_inline_check_answers_for_one_field(site: TestClient) -> None:
    resident = login(site, "resident")
    token = csrf_of(resident.get(PARALLEL).text)
    check = f"{PARALLEL}/check"
    bad = resident.post(check, params={"field": "form.uscc"}, data={"csrf_token": token, "form.uscc": "123"})
    assert bad.status_code == 200 and "统一社会信用代码" in bad.text and "<html" not in bad.text
    fine = resident.post(check, params={"field": "form.project"}, data={"csrf_token": token, "form.project": "厂房"})
    assert fine.text.strip() == "<span></span>"
    who = resident.post(check, params={"field": "applicant.id_number"}, data={"csrf_token": token, "x": "1"})
    assert "请填写申请人身份证号" in who.text


def test_a_double_submitted_form_makes_one_case(site: TestClient) -> None:
    resident = login(site, "resident")
    form = resident.get(PARALLEL).text
    data = {"csrf_token": csrf_of(form), "key": hidden(form, "key"), "delivery_method": "window"}
    data["form.project"] = "德力佳三期厂房"
    first = resident.post(PARALLEL, data=data, follow_redirects=False)
    again = resident.post(PARALLEL, data=data, follow_redirects=False)
    assert case_of(first) == case_of(again)
    assert resident.get("/cases").text.count('href="/cases/') == 1


def test_a_form_without_its_csrf_token_is_refused(site: TestClient) -> None:
    resident = login(site, "resident")
    response = resident.post(PARALLEL, data={"form.project": "x", "delivery_method": "window"})
    assert response.status_code == 403
    assert "页面已过期" in response.text


def test_each_page_keeps_to_its_owners(site: TestClient) -> None:
    resident = login(site, "resident")
    assert resident.get("/workbench").status_code == 403
    assert resident.get("/board").status_code == 403
    assert login(site, "rev-zrzy").get("/cases").status_code == 403
    assert login(site, "rev-zrzy").get(PARALLEL).status_code == 403
    assert login(site, "window-hd").get("/board").status_code == 403
    anonymous = TestClient(site.app).get("/workbench?colour=red", follow_redirects=False)
    assert (anonymous.status_code, anonymous.headers["location"]) == (303, "/login?next=/workbench%3Fcolour%3Dred")


def test_another_citizens_case_page_is_not_found(site: TestClient) -> None:
    case_id = filed(site)
    assert login(site, "neighbour").get(f"/cases/{case_id}").status_code == 404
    assert login(site, "rev-xy").get(f"/cases/{case_id}").status_code == 404


def test_a_window_files_for_a_resident_only_with_their_consent(site: TestClient) -> None:
    window = login(site, "window-hd")
    path = "/services/CP-XY/apply"
    person = {"form.shop": "雪堰小吃", "applicant.name": "王秀英", "applicant.id_number": RESIDENT_ID}
    refused = apply(window, path, channel="window", **person)
    assert refused.status_code == 422
    assert message_of(refused.text, "f-consent-statement") == "请填写授权说明"
    assert "请选择授权方式" in refused.text
    consent = {"consent.method": "signed", "consent.statement": "本人委托窗口代为申请"}
    case_id = case_of(apply(window, path, channel="window", **person, **consent))
    page = window.get(f"/cases/{case_id}").text
    assert "代收代办" in page and "书面签字：本人委托窗口代为申请" in page
    assert "核验无误，转递办理地" in page
    assert act(window, case_id, "forward").status_code == 303
    handling = login(site, "window-xy").get(f"/cases/{case_id}").text
    assert "已代收，转递办理地" in handling and "受理" in handling
    assert RESIDENT_ID not in handling, "staff other than the filer see the ID number masked"


def test_a_stale_version_shows_the_conflict_message(site: TestClient) -> None:
    case_id = filed(site)
    window = login(site, "window-hd")
    page = window.get(f"/cases/{case_id}").text
    form = {"csrf_token": csrf_of(page), "version": hidden(page, "version")}
    assert window.post(f"/cases/{case_id}/actions/accept", data=form, follow_redirects=False).status_code == 303
    stale = window.post(f"/cases/{case_id}/actions/accept", data=form)
    assert stale.status_code == 409
    assert "办件已被他人处理" in stale.text
    assert "审查中" in stale.text, "the page shows the case as it is now"


def test_a_one_time_notice_lists_each_ticked_material_and_the_resident_resumes(site: TestClient) -> None:
    resident = login(site, "resident")
    case_id = case_of(apply(resident, **{"form.project": "德力佳三期厂房"}))
    window = login(site, "window-hd")
    refused = act(window, case_id, "accept")
    assert refused.status_code == 422 and "一次性告知" in refused.text
    reasons = {"item_reason.land": "缺少盖章页", "note": "项目名称请写全称"}
    notice = act(window, case_id, "notify_missing", item=["land"], **reasons)
    assert notice.status_code == 303, notice.text
    page = resident.get(f"/cases/{case_id}").text
    assert "待补正材料" in page and "缺少盖章页" in page and "项目名称请写全称" in page
    token = csrf_of(page)
    upload = {"file": ("land.pdf", b"not a pdf", "application/pdf")}
    wrong = resident.post(f"/cases/{case_id}/materials/land", data={"csrf_token": token}, files=upload)
    assert wrong.status_code == 422 and "land.pdf" in message_of_upload(wrong.text, "land")
    upload = {"file": ("land.png", png(), "image/png")}
    done = resident.post(f"/cases/{case_id}/materials/land", data={"csrf_token": token}, files=upload)
    assert done.status_code == 200 and "已上传：land.png" in done.text
    assert act(resident, case_id, "resume").status_code == 303
    assert "材料已补齐" not in resident.get(f"/cases/{case_id}").text


def message_of_upload(page: str, code: str) -> str:
    found = re.search(rf'id="upload-error-{code}"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no upload message"
    return found.group(1)


def test_parallel_reviewers_approve_from_the_case_page(site: TestClient) -> None:
    case_id = filed(site)
    assert act(login(site, "window-hd"), case_id, "accept").status_code == 303
    zrzy, zjj = login(site, "rev-zrzy"), login(site, "rev-zjj")
    assert act(zrzy, case_id, "approve", step="pre").status_code == 303
    page = zjj.get(f"/cases/{case_id}").text
    assert "通过：施工许可审查" in page and "通过：消防审查" in page, "one button per step held"
    assert act(zjj, case_id, "approve", step="build", reason="符合要求").status_code == 303
    assert act(zrzy, case_id, "approve", step="plan").status_code == 303
    assert act(zrzy, case_id, "approve", step="decide").status_code == 303
    page = zrzy.get(f"/cases/{case_id}").text
    assert "已办结，待送达" in page and "符合要求" in page
    assert page.index("审查通过") < page.index("作出决定"), "the timeline runs oldest first"


def test_the_workbench_lists_the_inbox_and_filters_by_kind(site: TestClient) -> None:
    case_id = filed(site)
    window = login(site, "window-hd")
    page = window.get("/workbench").text
    assert f'href="/cases/{case_id}"' in page and "r*" in page, "applicants are masked"
    assert f'href="/cases/{case_id}"' not in window.get("/workbench", params={"kind": "deliver"}).text
    assert f'href="/cases/{case_id}"' not in window.get("/workbench", params={"colour": "red"}).text
    found = window.get("/workbench", params={"q": "并联"}).text
    assert f'href="{PARALLEL}"' in found, "a window finds services to file for a resident"


def test_a_window_hands_an_agencys_approved_cases_over_in_one_batch(site: TestClient) -> None:
    agency = login(site, "agency")
    person = {"applicant.name": "王秀英", "applicant.id_number": RESIDENT_ID}
    consent = {"consent.method": "phone", "consent.statement": "电话同意代办"}
    path = "/services/CP-INSTANT/apply"
    case_id = case_of(apply(agency, path, **{"form.phone": "13861712345"}, **person, **consent))
    agency.post(
        f"/cases/{case_id}/materials/id-card",
        data={"csrf_token": csrf_of(agency.get(f"/cases/{case_id}").text)},
        files={"file": ("id.png", png(), "image/png")},
    )
    window = login(site, "window-hd")
    assert act(window, case_id, "accept").status_code == 303
    token = csrf_of(window.get("/workbench").text)
    form = {"csrf_token": token, "agent": "agency"}
    missing = window.post("/workbench/pickups", data={**form, "declaration": " "})
    assert missing.status_code == 422 and "请填写代领声明" in missing.text
    done = window.post("/workbench/pickups", data={**form, "declaration": "凭委托书代领"})
    assert "已为 agency 办理代领 1 件" in done.text
    assert "已送达" in agency.get(f"/cases/{case_id}").text


def test_the_board_counts_cases_and_lists_the_red_ones(site: TestClient, db: sessionmaker[Session]) -> None:
    late, fresh = filed(site), filed(site)
    window = login(site, "window-hd")
    for case_id in (late, fresh):
        assert act(window, case_id, "accept").status_code == 303
    with transaction(db) as session:
        session.execute(update(Case).where(Case.id == late).values(accepted_on=date(2024, 3, 1)))
    page = login(site, "supervisor").get("/board").text
    assert "滨湖区自然资源和规划局" in page
    red_list = page.split('id="red"', 1)[1]
    assert f'href="/cases/{late}"' in red_list and f'href="/cases/{fresh}"' not in red_list
    assert '"data": [1]' in page, "the chart gets the counts"
    assert "/static/vendor/echarts/echarts.common.min.js" in page


def test_a_bundle_asks_each_shared_field_once(site: TestClient) -> None:
    page = login(site, "resident").get("/bundles/CP-BIRTH/apply").text
    assert page.count('name="form.baby"') == 1
    assert page.count('name="file.id-card"') == 1
    assert "出生医学证明" in page and "出生登记" in page


def test_the_case_pages_are_english_with_lang_en(site: TestClient) -> None:
    resident = login(site, "resident")
    page = resident.get(PARALLEL, params={"lang": "en"}).text
    assert '<html lang="en">' in page and "Submit the application" in page
    case_id = filed(site)
    assert "Timeline" in resident.get(f"/cases/{case_id}").text


def test_shared_data_is_not_asked_for(site: TestClient) -> None:
    page = login(site, "resident").get("/services/CP-INSTANT/apply").text
    assert "由共享数据获取，无需提交" in page
    assert 'name="file.household"' not in page


def test_the_guide_offers_to_apply_online(client: TestClient, db: sessionmaker[Session]) -> None:
    factories.catalogue(db)
    factories.user(db, "citizen", Role.citizen, jurisdiction_code="320211")
    path = "/services/320200-SB-0001/apply"
    assert 'href="/login?next=/services/320200-SB-0001/apply"' in client.get("/services/320200-SB-0001").text
    assert f'href="{path}"' in login(client, "citizen").get("/services/320200-SB-0001").text
