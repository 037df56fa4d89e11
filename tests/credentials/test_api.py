"""The house code API: a public summary by token, the staff register, inspections posted as multipart."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from tests.credentials.conftest import Api, act, approved_house, building_case
from tests.files.samples import photo
from tongban.auth.domain import Actor
from tongban.cases.domain import Action

REASON = "二层外挑超出批准范围"


def red_with_photo(api: Callable[[str | None], Api], code_id: int) -> dict[str, object]:
    response = api("inspector")(
        "post",
        f"/house-codes/{code_id}/inspections",
        data={"colour": "red", "reason": REASON},
        files=[("photos", ("现场.jpg", photo(), "image/jpeg"))],
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_inspector_turns_a_code_red_with_a_photo(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    body = red_with_photo(api, code.id)
    assert (body["number"], body["colour"], body["colour_reason"]) == (code.number, "red", REASON)
    last = body["last_inspection"]
    assert isinstance(last, dict) and last["inspector"] == "inspector" and last["colour_before"] == "green"
    assert [p["file_name"] for p in last["photos"]] == ["现场.jpg"]
    assert body["meaning"] == {
        "name_zh": "红码",
        "name_en": "Red",
        "meaning_zh": "停工整改",
        "meaning_en": "Stop work and put it right",
    }


def test_the_public_summary_shows_the_colour_and_no_private_data(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    red_with_photo(api, code.id)
    body = api(None)("get", f"/codes/{code.token}").json()
    assert body["colour"] == "red" and body["meaning"]["meaning_zh"] == "停工整改"
    assert (body["number"], body["place_name"], body["applicant"]) == (code.number, "任前村", "v*******")
    assert body["last_inspection"] == {
        "inspected_on": body["last_inspection"]["inspected_on"],
        "colour": "red",
        "reason": REASON,
        "photos": [],
    }
    assert body["url"].endswith(f"/codes/{code.token}")
    owner = api("villager")("get", f"/codes/{code.token}").json()
    assert len(owner["last_inspection"]["photos"]) == 1


def test_an_unknown_token_is_not_found(api: Callable[[str | None], Api]) -> None:
    response = api(None)("get", "/codes/not-a-real-token")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_register_filters_by_colour_within_the_inspectors_area(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    red, green = approved_house(db, people), approved_house(db, people)
    red_with_photo(api, red.id)
    listed = api("inspector")("get", "/house-codes").json()["items"]
    assert [item["number"] for item in listed] == [red.number, green.number]
    assert [item["number"] for item in api("inspector")("get", "/house-codes?colour=green").json()["items"]] == [
        green.number
    ]
    assert api("inspector-xs")("get", "/house-codes").json()["items"] == []


def test_a_citizen_cannot_inspect(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    response = api("villager")("post", f"/house-codes/{code.id}/inspections", data={"colour": "green"})
    assert response.status_code == 403
    assert api(None)("post", f"/house-codes/{code.id}/inspections", data={"colour": "green"}).status_code == 401


def test_an_inspector_of_another_town_cannot_inspect(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    response = api("inspector-xs")("post", f"/house-codes/{code.id}/inspections", data={"colour": "red", "reason": "x"})
    assert response.status_code == 404
    assert api(None)("get", f"/codes/{code.token}").json()["colour"] == "green"


def test_a_refused_finding_names_its_field(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    response = api("inspector")("post", f"/house-codes/{code.id}/inspections", data={"colour": "yellow"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reason"
    bad = api("inspector")(
        "post",
        f"/house-codes/{code.id}/inspections",
        data={"colour": "red", "reason": REASON},
        files=[("photos", ("scan.pdf", b"%PDF-1.7\n", "application/pdf"))],
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "photos"
    assert api(None)("get", f"/codes/{code.token}").json()["last_inspection"] is None


def test_approving_a_step_while_red_is_a_bilingual_conflict(
    db: sessionmaker[Session], people: dict[str, Actor], api: Callable[[str | None], Api]
) -> None:
    code = approved_house(db, people)
    case_id = building_case(db, people, code.number)
    act(db, people["surveyor"], case_id, Action.approve)
    red_with_photo(api, code.id)
    version = api("inspector")("get", f"/cases/{case_id}").json()["version"]
    for lang, expected in (
        ("zh", f"农宅码 {code.number} 为红码：{REASON}"),
        ("en", f"house code {code.number} is red"),
    ):
        response = api("inspector")(
            "post",
            f"/cases/{case_id}/actions/approve",
            headers={"If-Match": str(version), "Accept-Language": lang},
            json={},
        )
        assert response.status_code == 409, response.text
        assert response.json()["error"]["message"].startswith(expected)
