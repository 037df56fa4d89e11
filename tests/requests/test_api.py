"""The requests API: raising with photos and retries, private fields, actions with If-Match, queues, board, orders."""

from __future__ import annotations

from typing import Any, get_args

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.files.samples import executable, photo
from tests.requests.conftest import ANJI, ANJI_DEGREES
from tongban.auth.domain import Actor
from tongban.requests.domain import Channel
from tongban.requests.schemas import ChannelName

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"
REPORT = {"type": "rp-report", "text": ROAD, "lat": 30.87, "lon": 119.68}


@pytest.fixture
def login(client: TestClient, people: dict[str, Actor]) -> Any:
    """``login("resident")`` gives the headers of that person's bearer token."""
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = token_for(client, username, PASSWORD)
        return tokens[username]

    return headers


def raised(client: TestClient, login: Any, who: str = "resident", **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/requests", json={**REPORT, **body}, headers=login(who))
    assert response.status_code == 201, response.text
    return response.json()


def routed(client: TestClient, login: Any, department: str = "rp-cjb") -> dict[str, Any]:
    request = raised(client, login)
    response = client.post(
        f"/api/v1/requests/{request['id']}/actions/route",
        json={"departments": [department]},
        headers={**login("dispatcher"), "If-Match": f'"{request["version"]}"'},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_resident_raises_a_report_and_reads_it_back(client: TestClient, login: Any) -> None:
    created = client.post("/api/v1/requests", json=REPORT, headers=login("resident"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/api/v1/requests/{body['id']}"
    assert created.headers["ETag"] == '"1"' and body["status"] == "submitted" and body["status_zh"] == "待分派"
    fetched = client.get(created.headers["Location"], headers=login("resident"))
    assert fetched.status_code == 200 and fetched.headers["ETag"] == '"1"'
    assert fetched.json()["requester_phone"] == "13800000001"
    assert [event["action"] for event in fetched.json()["history"]] == ["submit"]
    assert fetched.json()["actions"] == ["withdraw"]


def test_a_retry_under_the_same_key_returns_the_first_request(client: TestClient, login: Any) -> None:
    headers = {**login("resident"), "Idempotency-Key": "a7c3-0001"}
    first = client.post("/api/v1/requests", json=REPORT, headers=headers)
    again = client.post("/api/v1/requests", json=REPORT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.headers["Location"] == first.headers["Location"]
    assert len(client.get("/api/v1/requests/mine", headers=login("resident")).json()["items"]) == 1


def test_the_same_key_for_a_different_request_is_a_conflict(client: TestClient, login: Any) -> None:
    headers = {**login("resident"), "Idempotency-Key": "a7c3-0002"}
    client.post("/api/v1/requests", json=REPORT, headers=headers)
    other = client.post("/api/v1/requests", json={**REPORT, "text": ROAD + "（补充）"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"]["field"] == "Idempotency-Key"


def test_photos_come_as_multipart_and_only_the_requester_and_staff_see_them(client: TestClient, login: Any) -> None:
    fields = {"type": "rp-report", "text": ROAD}
    files = [("photos", ("road.jpg", photo(gps=ANJI), "image/jpeg"))]
    created = client.post("/api/v1/requests", data=fields, files=files, headers=login("resident"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["lat"], body["lon"]) == pytest.approx(ANJI_DEGREES) and body["location_source"] == "photo"
    [address] = body["photos"]
    mine = client.get(address, headers=login("resident"))
    assert mine.status_code == 200 and mine.headers["content-type"] == "image/jpeg"
    assert mine.headers["cache-control"].startswith("private")
    assert client.get(address, headers=login("dispatcher")).status_code == 200
    assert client.get(address, headers=login("neighbour")).status_code == 404
    assert client.get(f"/api/v1/requests/{body['id']}/photos/2", headers=login("resident")).status_code == 404


def test_a_bad_photo_is_refused_naming_the_field_and_the_file(client: TestClient, login: Any) -> None:
    files = [("photos", ("virus.jpg", executable(), "image/jpeg"))]
    refused = client.post("/api/v1/requests", data=REPORT, files=files, headers=login("resident"))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "photos" and "virus.jpg" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "rp-report", "text": ROAD}, "location"),
        ({**REPORT, "jurisdiction": "abc"}, "jurisdiction"),
        ({**REPORT, "channel": "pigeon"}, "channel"),
        ({**REPORT, "text": "路坏"}, "text"),
        ({"text": ROAD}, "type"),
    ],
)
def test_a_bad_request_is_refused_by_field(client: TestClient, login: Any, body: dict[str, Any], field: str) -> None:
    refused = client.post("/api/v1/requests", json=body, headers=login("resident"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field


def test_a_body_that_is_neither_json_nor_a_form_is_refused(client: TestClient, login: Any) -> None:
    refused = client.post("/api/v1/requests", content=b"type=rp-report", headers=login("resident"))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "body"


def test_an_operator_records_a_callers_request_by_hotline(client: TestClient, login: Any) -> None:
    body = {**REPORT, "channel": "hotline", "jurisdiction": "330523100001", "requester_name": "王大伯"}
    created = raised(client, login, "operator", **body)
    assert created["channel"] == "hotline" and created["requester_name"] == "王大伯"


def test_another_resident_gets_not_found_and_staff_read_the_phone_masked(client: TestClient, login: Any) -> None:
    request = raised(client, login)
    address = f"/api/v1/requests/{request['id']}"
    assert client.get(address, headers=login("neighbour")).status_code == 404
    assert client.get(address, headers=login("hw")).status_code == 404
    staff = client.get(address, headers=login("dispatcher")).json()
    assert staff["requester_phone"] == "138****0001" and staff["actions"] == ["route"]
    assert client.get(address).status_code == 401


def test_an_action_needs_the_current_version(client: TestClient, login: Any) -> None:
    request = raised(client, login)
    address = f"/api/v1/requests/{request['id']}/actions/route"
    body = {"departments": ["rp-cjb"], "priority": "urgent"}
    done = client.post(address, json=body, headers={**login("dispatcher"), "If-Match": '"1"'})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"'
    assert (done.json()["department_code"], done.json()["priority"]) == ("rp-cjb", "urgent")
    stale = client.post(address, json=body, headers={**login("dispatcher"), "If-Match": '"1"'})
    assert stale.status_code == 409 and stale.json()["error"]["field"] == "If-Match"
    missing = client.post(address, json=body, headers=login("dispatcher"))
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "If-Match"


def test_a_department_signs_and_answers_and_the_return_visit_closes(client: TestClient, login: Any) -> None:
    request = routed(client, login)
    address = f"/api/v1/requests/{request['id']}/actions"
    signed = client.post(f"{address}/sign", headers={**login("cjb"), "If-Match": '"2"'})
    assert signed.status_code == 200, signed.text
    answered = client.post(
        f"{address}/reply", json={"reason": "已回填路面。"}, headers={**login("cjb"), "If-Match": '"3"'}
    )
    assert answered.json()["status"] == "replied"
    # The resident closes it by rating the answer (POST /api/v1/ratings), not by a bare close.
    assert client.post(f"{address}/close", headers={**login("resident"), "If-Match": '"4"'}).status_code == 403
    assert client.post(f"{address}/close", headers={**login("neighbour"), "If-Match": '"4"'}).status_code == 404
    closed = client.post(f"{address}/close", headers={**login("supervisor"), "If-Match": '"4"'})
    assert closed.json()["status"] == "closed"


def test_a_department_sees_only_its_own_queue(client: TestClient, login: Any) -> None:
    waiting = raised(client, login)
    taken = routed(client, login, "rp-cjb")

    def queue(who: str) -> list[int]:
        response = client.get("/api/v1/request-queue", headers=login(who))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert queue("cjb") == [taken["id"]] and queue("hw") == []
    assert queue("dispatcher") == [waiting["id"]]
    assert set(queue("supervisor")) == {waiting["id"], taken["id"]}
    assert client.get("/api/v1/request-queue", headers=login("resident")).status_code == 403
    assert client.get("/api/v1/request-queue?colour=red", headers=login("supervisor")).json()["items"] == []


def test_the_resident_lists_her_own_requests_without_routing_suggestions(client: TestClient, login: Any) -> None:
    request = raised(client, login)
    [mine] = client.get("/api/v1/requests/mine", headers=login("resident")).json()["items"]
    assert mine["id"] == request["id"] and "suggested_department" not in mine
    assert client.get("/api/v1/requests/mine", headers=login("neighbour")).json()["items"] == []


def test_the_board_is_for_supervisors_only(client: TestClient, login: Any) -> None:
    routed(client, login, "rp-cjb")
    board = client.get("/api/v1/request-board", headers=login("supervisor"))
    assert board.status_code == 200
    assert [(row["key"], row["total"]) for row in board.json()["items"]] == [("rp-cjb", 1)]
    by_town = client.get("/api/v1/request-board?by=town", headers=login("supervisor")).json()
    assert by_town["by"] == "town" and [row["key"] for row in by_town["items"]] == ["330523100"]
    for other in ("cjb", "dispatcher", "resident"):
        assert client.get("/api/v1/request-board", headers=login(other)).status_code == 403
    assert client.get("/api/v1/request-board?by=street", headers=login("supervisor")).status_code == 422


def test_a_supervisor_orders_a_request_done_and_reads_the_orders(client: TestClient, login: Any) -> None:
    request = routed(client, login)
    address = f"/api/v1/requests/{request['id']}/orders"
    body = {"note": "请三日内回填路面并答复。", "due_on": "2999-01-04"}
    issued = client.post(address, json=body, headers=login("supervisor"))
    assert issued.status_code == 201, issued.text
    [order] = client.get(address, headers=login("supervisor")).json()["items"]
    assert (order["id"], order["note"], order["issued_by"]) == (issued.json()["id"], body["note"], "supervisor")
    assert client.post(address, json=body, headers=login("cjb")).status_code == 403
    assert client.get(address, headers=login("resident")).status_code == 403


def test_the_tracking_code_tells_anyone_the_progress_and_nothing_personal(client: TestClient, login: Any) -> None:
    request = raised(client, login)
    tracked = client.get(f"/api/v1/requests/track/{request['tracking_code'].lower()}")
    assert tracked.status_code == 200
    assert tracked.json()["status"] == "submitted"
    assert not {"requester_name", "requester_phone", "text", "lat", "address"} & set(tracked.json())
    assert client.get("/api/v1/requests/track/NOSUCHCODE").status_code == 404


def test_a_resident_finds_open_reports_nearby_before_repeating_one(client: TestClient, login: Any) -> None:
    request = raised(client, login)
    near = client.get("/api/v1/requests/nearby?type=rp-report&lat=30.8701&lon=119.68", headers=login("neighbour"))
    assert [item["tracking_code"] for item in near.json()["items"]] == [request["tracking_code"]]
    assert client.get("/api/v1/requests/nearby?type=rp-report&lat=30.87&lon=119.68").status_code == 401


def test_request_types_say_what_can_be_raised_where(client: TestClient, people: dict[str, Actor]) -> None:
    everywhere = client.get("/api/v1/request-types").json()["items"]
    report = next(kind for kind in everywhere if kind["code"] == "rp-report")
    assert report["location"] == "required" and report["photos"] == 3
    assert report["photo_types"] == ["image/jpeg", "image/png"]
    assert report["limits_zh"] == "签收 1 工作日（紧急 2 小时）；办理答复 5 工作日（紧急 24 小时、复杂 15 工作日）"
    village = client.get("/api/v1/request-types?jurisdiction=330523200003").json()["items"]
    assert "rp-liaison" not in {kind["code"] for kind in village}
    assert client.get("/api/v1/request-types?jurisdiction=999999").status_code == 404


def test_the_body_schema_names_every_channel() -> None:
    assert set(get_args(ChannelName)) == {channel.value for channel in Channel}


def test_no_request_to_these_endpoints_makes_the_server_fail(client: TestClient, login: Any) -> None:
    """The project-wide fuzz (tests/web) runs without request types or tokens; here both are in place."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [operation for operation in operations if operation.path.startswith("/api/v1/request")]
    people = {who: login(who) for who in ("resident", "operator", "dispatcher", "cjb", "supervisor")}

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def any_request(data: st.DataObject) -> None:
        case = data.draw(data.draw(st.sampled_from(operations)).as_strategy())
        response = case.call(headers=people[data.draw(st.sampled_from(sorted(people)))])
        assert response.status_code < 500, (case.method, case.path, response.text)
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text

    any_request()
