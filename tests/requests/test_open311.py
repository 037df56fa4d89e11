"""Open311 GeoReport v2: discovery, services, posting with a token or api_key, public search, errors in its shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import token_for
from tests.factories import PASSWORD
from tongban.auth.domain import Actor

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"
REPORT = {"service_code": "rp-report", "lat": "30.87", "long": "119.68", "description": ROAD}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def token(client: TestClient, people: dict[str, Actor]) -> Any:
    """``token("resident")``: the bearer token of that person, without its scheme."""
    return lambda username: token_for(client, username, PASSWORD)["Authorization"].removeprefix("Bearer ")


def post(client: TestClient, token: str, **fields: str) -> Any:
    return client.post("/open311/v2/requests.json", data={**REPORT, **fields, "api_key": token})


def assert_open311_error(response: Any, status: int, words: str = "") -> None:
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["code"] == status and words in error["description"]


def test_discovery_points_at_the_json_endpoint(client: TestClient, people: dict[str, Actor]) -> None:
    found = client.get("/open311/v2/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(found)
    [endpoint] = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2" and endpoint["formats"] == ["application/json"]
    assert found["changeset"].endswith("+08:00")


def test_only_reports_with_a_place_from_the_phone_are_services(client: TestClient, people: dict[str, Actor]) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert [service["service_code"] for service in services] == ["rp-report"]
    [report] = services
    assert (report["service_name"], report["group"], report["metadata"], report["type"]) == (
        "随手拍",
        "问题反映",
        False,
        "realtime",
    )
    assert "Snap and report" in report["keywords"] and report["description"].startswith("签收 1 工作日")
    english = client.get("/open311/v2/services.json", headers={"Accept-Language": "en"}).json()
    assert (english[0]["service_name"], english[0]["group"]) == ("Snap and report", "Report")


def test_services_are_filtered_by_the_place_they_serve(client: TestClient, people: dict[str, Actor]) -> None:
    assert len(client.get("/open311/v2/services.json?jurisdiction_id=330523100001").json()) == 1
    # Anji's types serve Anji, not the whole city around it.
    assert client.get("/open311/v2/services.json?jurisdiction_id=330500").json() == []
    assert_open311_error(client.get("/open311/v2/services.json?jurisdiction_id=city.gov"), 404, "jurisdiction")


def test_a_service_definition_is_empty_and_other_types_are_not_services(
    client: TestClient, people: dict[str, Actor]
) -> None:
    assert client.get("/open311/v2/services/rp-report.json").json() == {"service_code": "rp-report", "attributes": []}
    assert_open311_error(client.get("/open311/v2/services/rp-dispute.json"), 404, "rp-dispute")


def test_a_report_posted_with_a_token_is_found_by_the_id_it_returns(client: TestClient, token: Any) -> None:
    response = client.post(
        "/open311/v2/requests.json", data=REPORT, headers={"Authorization": f"Bearer {token('resident')}"}
    )
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] == "resident" and created["service_request_id"] in created["service_notice"]
    [found] = client.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()
    assert set(found) == REQUEST_FIELDS
    assert (found["status"], found["service_code"], found["lat"], found["long"]) == ("open", "rp-report", 30.87, 119.68)
    assert found["requested_datetime"].endswith("+08:00") and found["status_notes"] == "待分派"
    assert "13800000001" not in str(found) and "resident" not in str(found)


def test_api_key_is_the_same_token_and_a_missing_or_wrong_one_is_refused(client: TestClient, token: Any) -> None:
    assert post(client, token("resident")).status_code == 200
    assert_open311_error(client.post("/open311/v2/requests.json", data=REPORT), 403, "api_key")
    assert_open311_error(post(client, "not-a-token"), 403, "api_key")
    assert_open311_error(post(client, token("cjb")), 403)  # a department does not raise reports


def test_an_operator_records_a_callers_report_by_name_and_place(client: TestClient, token: Any) -> None:
    caller = {"first_name": "三", "last_name": "张", "phone": "13900000009"}
    assert_open311_error(post(client, token("operator"), **caller), 400, "jurisdiction")
    assert post(client, token("operator"), **caller, jurisdiction_id="330523100001").status_code == 200
    headers = {"Authorization": f"Bearer {token('operator')}"}
    [mine] = client.get("/api/v1/requests/mine", headers=headers).json()["items"]
    recorded = client.get(f"/api/v1/requests/{mine['id']}", headers=headers).json()
    # Whoever recorded it reads it as its requester would, the phone in full.
    assert (recorded["channel"], recorded["requester_name"], recorded["requester_phone"]) == (
        "hotline",
        "张三",
        "13900000009",
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"service_code": ""}, "service_code"),
        ({"lat": "", "long": ""}, "location"),
        ({"long": ""}, "long"),
        ({"lat": "north"}, "lat"),
        ({"description": "路坏"}, "description"),
        ({"service_code": "rp-petition"}, "service_code"),
    ],
)
def test_a_bad_report_is_refused_in_open311_form(
    client: TestClient, token: Any, fields: dict[str, str], words: str
) -> None:
    response = post(client, token("resident"), **fields)
    assert response.status_code in (400, 404), response.text
    [error] = response.json()
    assert error["code"] == response.status_code and words in error["description"]


def test_a_media_url_is_not_fetched_and_the_notice_says_so(client: TestClient, token: Any) -> None:
    [created] = post(client, token("resident"), media_url="http://example.org/road.jpg").json()
    assert "media_url" in created["service_notice"]


def test_the_list_filters_by_id_service_status_and_dates(client: TestClient, token: Any) -> None:
    first, second = (post(client, token(who)).json()[0]["service_request_id"] for who in ("resident", "neighbour"))

    def ids(query: str) -> list[str]:
        response = client.get(f"/open311/v2/requests.json{query}")
        assert response.status_code == 200, response.text
        return [item["service_request_id"] for item in response.json()]

    assert ids("") == [second, first]
    assert ids(f"?service_request_id={first}, {second.lower()}") == [second, first]
    assert ids(f"?service_request_id={first}&status=closed") == [first]  # an id overrides every other filter
    assert ids("?status=open&service_code=rp-report") == [second, first]
    assert ids("?status=closed") == [] and ids("?service_code=rp-dispute") == []
    assert ids("?start_date=2999-01-01T00:00:00Z") == []
    assert ids("?start_date=2020-01-01T00:00:00%2B08:00&end_date=2020-03-01T00:00:00Z") == []
    assert_open311_error(client.get("/open311/v2/requests.json?status=pending"), 400, "status")
    assert_open311_error(client.get("/open311/v2/requests.json?start_date=yesterday"), 400, "start_date")
    assert_open311_error(client.get("/open311/v2/requests.json?end_date=0001-01-01T00:00:00%2B08:00"), 400, "end_date")
    long_span = "?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z"
    assert_open311_error(client.get(f"/open311/v2/requests.json{long_span}"), 400, "90")


def test_unknown_ids_and_the_xml_forms_are_open311_404s(client: TestClient, people: dict[str, Actor]) -> None:
    assert_open311_error(client.get("/open311/v2/requests/NOSUCHCODE.json"), 404)
    assert_open311_error(client.get("/open311/v2/services.xml"), 404, "JSON")
    assert_open311_error(client.post("/open311/v2/requests.xml"), 404)


def test_open311_is_not_in_the_projects_openapi_document(client: TestClient) -> None:
    assert not [path for path in client.get("/api/v1/openapi.json").json()["paths"] if "open311" in path]


# Without NUL: the app's middleware turns NUL away before any route, in the CONTRACT's error shape.
# Without lone surrogates: no client can send them, as they are not UTF-8.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
WORDS = st.one_of(st.none(), TEXT, st.sampled_from(["rp-report", "30.87", "119.68", "open", "closed", ""]))
FIELDS = ("service_code", "lat", "long", "address_string", "description", "first_name", "phone", "media_url")
QUERIES = ("service_request_id", "service_code", "start_date", "end_date", "status", "jurisdiction_id")


def test_no_input_makes_open311_fail_or_leave_its_error_shape(client: TestClient, token: Any) -> None:
    key = token("resident")

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(form=st.dictionaries(st.sampled_from(FIELDS), WORDS), query=st.dictionaries(st.sampled_from(QUERIES), WORDS))
    def any_input(form: dict[str, str | None], query: dict[str, str | None]) -> None:
        posted = client.post("/open311/v2/requests.json", data={**_given(form), "api_key": key})
        searched = client.get("/open311/v2/requests.json", params=_given(query))
        listed = client.get("/open311/v2/services.json", params=_given(query))
        for response in (posted, searched, listed):
            assert response.status_code < 500, response.text
            if response.status_code >= 400:
                [error] = response.json()
                assert set(error) == {"code", "description"}

    any_input()


def _given(values: dict[str, str | None]) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}
