"""House code pages: the public page a scan opens, its QR, the applicant's view and the inspectors' register."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.credentials.conftest import approved_house
from tests.files.samples import png
from tests.pages import csrf_of, login
from tongban.auth.domain import Actor
from tongban.credentials.models import HouseCode

REASON = "二层外挑超出批准范围"


def record_red(client: TestClient, code: HouseCode, photos: int = 1) -> TestClient:
    """The inspector records a red finding through the form on the house's page."""
    inspector = login(client, "inspector")
    token = csrf_of(inspector.get(f"/house-codes/{code.id}").text)
    files = [("photos", (f"现场{n}.png", png(), "image/png")) for n in range(photos)] or [
        ("photos", ("", b"", "application/octet-stream"))
    ]
    data = {"csrf_token": token, "colour": "red", "reason": REASON}
    response = inspector.post(f"/house-codes/{code.id}/inspections", data=data, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    return inspector


def test_the_public_page_shows_the_colour_and_the_last_inspection_but_no_photos(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    record_red(client, code)
    page = client.get(f"/codes/{code.token}")
    assert page.status_code == 200
    text = page.text
    assert '<span class="house-colour">红码</span> <span class="house-meaning">停工整改</span>' in text
    assert "house-red" in text and REASON in text
    assert code.number in text and "任前村" in text and "v*******" in text
    assert "/house-codes/photos/" not in text and "<svg" in text
    assert "villager" not in text and "inspector" not in text
    owner = login(client, "villager").get(f"/codes/{code.token}").text
    assert "/house-codes/photos/" in owner


def test_the_qr_image_carries_the_public_address(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    image = client.get(f"/codes/{code.token}/qr.svg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
    assert image.text.lstrip().startswith("<?xml") and f"http://testserver/codes/{code.token}" in image.text
    assert client.get("/codes/no-such-token/qr.svg").status_code == 404


def test_photos_are_for_the_owner_and_the_inspectors(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    inspector = record_red(client, code)
    link = re.search(r'href="(/house-codes/photos/\d+)"', inspector.get(f"/house-codes/{code.id}").text)
    assert link is not None
    shown = login(client, "villager").get(link.group(1))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert login(client, "neighbour").get(link.group(1)).status_code == 404
    assert client.get(link.group(1), follow_redirects=False).status_code in (303, 401)


def test_the_register_counts_colours_and_filters(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    red, green = approved_house(db, people), approved_house(db, people)
    inspector = record_red(client, red, photos=0)
    page = inspector.get("/house-codes").text
    assert red.number in page and green.number in page and "data-board-chart" in page
    chart = re.search(r"<script type=\"application/json\" data-board-chart-data>(.*?)</script>", page, re.S)
    assert chart is not None
    data = json.loads(chart.group(1))
    assert data["categories"] == ["任前村"]
    series = [(shade["name"], shade["data"]) for shade in data["series"]]
    assert series == [("红码", [1]), ("黄码", [0]), ("绿码", [1])]
    only_red = inspector.get("/house-codes?colour=red").text
    assert red.number in only_red and green.number not in only_red


def test_a_refused_inspection_comes_back_with_the_message_and_what_was_typed(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    inspector = login(client, "inspector")
    token = csrf_of(inspector.get(f"/house-codes/{code.id}").text)
    data = {"csrf_token": token, "colour": "red", "reason": REASON}
    files = [("photos", ("合同.pdf", b"%PDF-1.7\n", "application/pdf"))]
    page = inspector.post(f"/house-codes/{code.id}/inspections", data=data, files=files)
    assert page.status_code == 422
    assert "未能保存巡查" in page.text and REASON in page.text and "JPEG" in page.text
    assert "house-green" in client.get(f"/codes/{code.token}").text


def test_only_inspectors_see_the_form(client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    code = approved_house(db, people)
    assert "记录巡查" in login(client, "inspector").get(f"/house-codes/{code.id}").text
    assert "记录巡查" not in login(client, "supervisor").get(f"/house-codes/{code.id}").text
    assert login(client, "inspector-xs").get(f"/house-codes/{code.id}").status_code == 404
    assert login(client, "villager").get("/house-codes").status_code == 403


def test_the_applicant_reads_the_approval_number_on_the_case_page_and_among_their_codes(
    client: TestClient, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    villager = login(client, "villager")
    case_page = villager.get(f"/cases/{code.case_id}").text
    assert code.number in case_page and f"/codes/{code.token}" in case_page and "/services/HP-BUILD" in case_page
    assert code.number in villager.get("/house-codes/mine").text
    assert code.number not in login(client, "neighbour").get("/house-codes/mine").text
