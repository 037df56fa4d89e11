"""掌上矛调 pages as people use them: book a provider ("下单"), see and cancel bookings, rate the answer,
and the bookings page of the provider's organisation."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.pages import csrf_of, login
from tests.requests.conftest import Act, Raise
from tongban.auth.domain import Actor, Role
from tongban.requests.domain import Action
from tongban.requests.handling import Routing

BOOK = "/disputes/book"
QUARREL = "与邻居因宅基地边界发生争执，多次协商不成，希望调解。"


@pytest.fixture
def site(client: TestClient, people: dict[str, Actor], db: sessionmaker[Session]) -> TestClient:
    factories.user(db, "villager2", Role.citizen, jurisdiction_code="330523200003", phone="13800000004")
    return client


def first_slot(page: str, provider: str) -> str:
    found = re.search(rf'name="slot" value="({re.escape(provider)}\|[^"]+)"', page)
    assert found, f"no free slot of {provider} on the page"
    return html.unescape(found.group(1))


def book(person: TestClient, slot: str | None = None, **fields: str) -> tuple[str, Any]:
    """Opens the booking page, picks ``slot`` (the mediator's first by default) and books it."""
    page = person.get(BOOK).text
    slot = slot or first_slot(page, "rp-mediator-1")
    data = {"csrf_token": csrf_of(page), "request": "", "type": "rp-dispute", "text": QUARREL, "slot": slot, **fields}
    return slot, person.post(BOOK, data=data, follow_redirects=False)


def test_the_booking_page_offers_the_villages_providers_and_their_free_times(site: TestClient) -> None:
    page = login(site, "villager").get(BOOK).text
    assert "李调解员" in page and "王律师" in page and "每天 8:00-20:00" in page
    assert page.index("李调解员") < page.index("王律师"), "the village's own mediator first"
    assert re.search(r'name="slot" value="rp-lawyer-1\|\d{4}-\d\d-\d\dT(09|1\d):00:00\+08:00"', page)
    lawyers = login(site, "villager").get(f"{BOOK}?kind=lawyer").text
    assert "王律师" in lawyers and "李调解员" not in lawyers
    assert "暂无可预约的服务人员" in login(site, "resident").get(BOOK).text


def test_a_villager_books_through_the_page_and_finds_the_booking_with_her_dispute(site: TestClient) -> None:
    villager = login(site, "villager")
    slot, response = book(villager, note="想请调解员上门")
    assert response.status_code == 303, response.text
    mine = villager.get("/disputes").text
    assert "与邻居因宅基地边界发生争执" in mine and "李调解员" in mine and "已预约" in mine
    assert re.search(r'href="/disputes/[A-Za-z0-9_-]{22}"', mine), "the 解纷码 link"
    cancel = re.search(r'action="(/appointments/\d+/cancel)"', mine)
    assert cancel
    assert villager.post(cancel.group(1), data={"csrf_token": csrf_of(mine)}, follow_redirects=False).status_code == 303
    assert "已取消" in villager.get("/disputes").text
    assert slot in villager.get(BOOK).text, "the slot is free again"


def test_a_slot_taken_meanwhile_answers_409_with_the_page_to_choose_again(site: TestClient) -> None:
    slot, first = book(login(site, "villager"))
    _, second = book(login(site, "villager2"), slot)
    assert (first.status_code, second.status_code) == (303, 409)
    page = second.text
    assert "该时段已被预约，请选择其他时间" in page and QUARREL in page and 'name="slot"' in page


def test_the_provider_organisation_sees_the_booking_with_the_phone_masked(site: TestClient) -> None:
    book(login(site, "villager"))
    page = login(site, "tw").get("/appointments").text
    assert "李调解员" in page and "138****0003" in page and "13800000003" not in page
    assert "今天起暂无预约" in login(site, "cjb").get("/appointments").text
    assert login(site, "operator").get("/appointments").status_code == 403


def test_the_requester_rates_an_answered_dispute_from_her_disputes_page(
    site: TestClient, raise_request: Raise, act: Act
) -> None:
    view = raise_request("villager", type_code="rp-dispute", text=QUARREL)
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-tw"]))
    act("tw", act("tw", view, Action.sign), Action.reply, reason="经调解，双方同意按原界址砌墙。")
    villager = login(site, "villager")
    page = villager.get("/disputes").text
    assert f'action="/requests/{view.id}/rating"' in page
    rated = villager.post(
        f"/requests/{view.id}/rating", data={"csrf_token": csrf_of(page), "level": "5"}, follow_redirects=False
    )
    assert (rated.status_code, rated.headers["location"]) == (303, f"/requests/{view.id}#timeline")
    after = villager.get("/disputes").text
    assert "已办结" in after and "非常满意" in after and f'action="/requests/{view.id}/rating"' not in after
