"""The cases API end to end: apply, accept, parallel review, decide, deliver; cross-region; bundles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.cases.conftest import RESIDENT_ID, Api
from tests.files.samples import png

People = Callable[[str], Api]


def act(api: People, who: str, case: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    response = api(who)(
        "post", f"/cases/{case['id']}/actions/{action}", json=body, headers={"If-Match": f'"{case["version"]}"'}
    )
    assert response.status_code == 200, response.text
    return response.json()


def upload(api: People, who: str, case: dict[str, Any], code: str) -> dict[str, Any]:
    files = {"file": ("scan.png", png(), "image/png")}
    response = api(who)("post", f"/cases/{case['id']}/materials/{code}", files=files)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_instant_item_is_approved_on_acceptance_and_delivered(api: People) -> None:
    response = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}})
    assert response.status_code == 201, response.text
    case = response.json()
    assert (case["status"], case["received_jurisdiction"]) == ("submitted", "320211100")
    assert [m["status"] for m in case["materials"]] == ["needed", "shared"]
    case = upload(api, "resident", case, "id-card")
    case = act(api, "window-hd", case, "accept")
    assert case["status"] == "approved"
    case = act(api, "window-hd", case, "deliver")
    assert case["status"] == "delivered"
    assert [e["action"] for e in case["history"]] == ["submit", "accept", "decide", "deliver"]


def test_parallel_review_runs_both_departments_then_the_decision(api: People) -> None:
    case = api("resident")("post", "/cases", json={"service": "CP-PARALLEL", "form": {"project": "德力佳三期"}}).json()
    case = upload(api, "resident", case, "land")
    case = act(api, "window-hd", case, "accept")
    assert case["status"] == "under_review"
    assert case["due_at"] is not None and case["colour"] in ("green", "yellow")
    case = act(api, "rev-zrzy", case, "approve")
    open_steps = {s["code"] for s in case["steps"] if s["status"] == "open"}
    assert open_steps == {"plan", "build", "fire"}
    inbox = api("rev-zjj")("get", "/tasks").json()["items"]
    assert {t["step_code"] for t in inbox} == {"build", "fire"}
    case = act(api, "rev-zjj", case, "approve", step="build")
    case = act(api, "rev-zrzy", case, "approve")
    assert {s["code"]: s["status"] for s in case["steps"]}["fire"] == "skipped"
    case = act(api, "rev-zrzy", case, "approve")
    assert case["status"] == "approved"


def test_a_retried_submission_returns_the_same_case(api: People) -> None:
    body = {"service": "CP-INSTANT", "form": {"phone": "13861712345"}}
    first = api("resident")("post", "/cases", json=body, headers={"Idempotency-Key": "k-1"})
    again = api("resident")("post", "/cases", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(api("resident")("get", "/cases").json()["items"]) == 1


def test_proxy_received_at_one_town_is_handled_by_another(api: People) -> None:
    body = {
        "service": "CP-XY",
        "channel": "window",
        "form": {"shop": "雪堰小吃"},
        "applicant": {"name": "王秀英", "id_number": RESIDENT_ID},
        "consent": {"method": "signed", "statement": "本人委托窗口代办"},
    }
    case = api("window-hd")("post", "/cases", json=body).json()
    assert (case["mode"], case["received_jurisdiction"], case["handling_jurisdiction"]) == (
        "代收代办",
        "320211100",
        "320412110",
    )
    case = upload(api, "window-hd", case, "id-card")
    case = act(api, "window-hd", case, "forward")
    assert api("window-xy")("get", "/tasks").json()["items"][0]["case_id"] == case["id"]
    case = act(api, "window-xy", case, "accept")
    case = act(api, "rev-xy", case, "approve")
    assert case["status"] == "approved"
    assert api("window-xy")("get", "/tasks").json()["items"] == []
    case = act(api, "window-hd", case, "deliver")
    assert case["status"] == "delivered"
    mine = api("resident")("get", f"/cases/{case['id']}")
    assert mine.status_code == 200


def test_a_bundle_runs_its_members_in_order_and_delivers_once(api: People) -> None:
    body = {"bundle": "CP-BIRTH", "form": {"baby": "王小宝", "phone": "13861712345", "address": "胡埭镇1号"}}
    case = api("resident")("post", "/cases", json=body).json()
    assert [m["code"] for m in case["materials"]] == ["id-card", "hukou"]
    case = upload(api, "resident", case, "id-card")
    case = upload(api, "resident", case, "hukou")
    case = act(api, "window-hd", case, "accept")
    statuses = {child["service"]: child["status"] for child in case["children"]}
    assert statuses == {"CP-B1": "approved", "CP-B2": "under_review"}
    child = next(c for c in case["children"] if c["service"] == "CP-B2")
    child = act(api, "rev-sb", child, "approve")
    case = api("resident")("get", f"/cases/{case['id']}").json()
    assert case["status"] == "approved"
    case = act(api, "window-hd", case, "deliver")
    assert {c["status"] for c in case["children"]} == {"delivered"}


def test_a_stale_version_is_a_conflict(api: People) -> None:
    case = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}}).json()
    act(api, "resident", case, "withdraw", reason="不办了")
    again = api("resident")(
        "post", f"/cases/{case['id']}/actions/withdraw", json={"reason": "x"}, headers={"If-Match": '"1"'}
    )
    assert again.status_code == 409


def test_a_citizen_cannot_read_another_citizens_case(api: People) -> None:
    case = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}}).json()
    assert api("neighbour")("get", f"/cases/{case['id']}").status_code == 404
    assert api("rev-xy")("get", f"/cases/{case['id']}").status_code == 404


def test_a_bundle_guide_asks_each_field_and_material_once(api: People) -> None:
    guide = api("resident")("get", "/bundles/CP-BIRTH").json()
    assert [member["service"]["code"] for member in guide["members"]] == ["CP-B1", "CP-B2"]
    assert [field["key"] for field in guide["form_fields"]] == ["baby", "phone", "address"]
    assert [(m["code"], m["required"]) for m in guide["materials"]] == [("id-card", True), ("hukou", True)]
    assert [item["code"] for item in api("resident")("get", "/bundles").json()["items"]] == ["CP-BIRTH"]


def test_a_bad_rating_of_a_delivered_case_opens_a_rectification_for_its_department(api: People) -> None:
    case = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}}).json()
    case = upload(api, "resident", case, "id-card")
    case = act(api, "window-hd", case, "accept")
    early = api("resident")("post", "/ratings", json={"subject_id": case["id"], "level": 5, "channel": "web"})
    assert early.status_code == 409  # not delivered yet
    case = act(api, "window-hd", case, "deliver")
    body = {"subject_id": case["id"], "level": 2, "channel": "web", "comment": "窗口让我跑了两趟"}
    rating = api("resident")("post", "/ratings", json=body)
    assert rating.status_code == 201, rating.text
    rectification = rating.json()["rectification"]
    assert (rectification["department"], rectification["status"]) == ("cp-sbzx", "open")
    assert api("resident")("post", "/ratings", json=body).status_code == 409  # once per case per rater
    assert api("neighbour")("post", "/ratings", json=body).status_code == 404
    listed = api("rev-sb")("get", "/rectifications").json()["items"]
    assert [item["subject_ref"] for item in listed] == [case["number"]]


def test_each_side_of_a_cross_region_case_sees_its_part_and_nobody_else_does(api: People) -> None:
    local = api("resident")("post", "/cases", json={"service": "CP-INSTANT", "form": {"phone": "13861712345"}}).json()
    assert api("window-xy")("get", f"/cases/{local['id']}").status_code == 404
    body = {
        "service": "CP-XY",
        "channel": "window",
        "form": {"shop": "雪堰小吃"},
        "applicant": {"name": "王秀英", "id_number": RESIDENT_ID},
        "consent": {"method": "verbal", "statement": "本人到场口头同意"},
    }
    proxy = api("window-hd")("post", "/cases", json=body).json()
    assert api("window-xy")("get", "/tasks").json()["items"] == []  # not forwarded yet
    assert api("rev-zrzy")("get", f"/cases/{proxy['id']}").status_code == 404
    assert api("window-xy")("get", f"/cases/{proxy['id']}").status_code == 200
    assert (
        proxy["applicant_id_number"] == RESIDENT_ID[:6] + "********" + RESIDENT_ID[-4:]
        or "*" in proxy["applicant_id_number"]
    )


def test_the_supervisor_board_counts_open_cases_by_department_and_place(api: People) -> None:
    case = api("resident")("post", "/cases", json={"service": "CP-PARALLEL", "form": {"project": "厂房"}}).json()
    case = upload(api, "resident", case, "land")
    act(api, "window-hd", case, "accept")
    rows = api("supervisor")("get", "/board").json()["items"]
    assert [(row["department_code"], row["jurisdiction_code"], row["total"]) for row in rows] == [
        ("cp-zrzy", "320211", 1)
    ]
    assert api("window-hd")("get", "/board").status_code == 403
