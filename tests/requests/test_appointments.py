"""掌上矛调预约: providers by place, booking ("下单") with or without a dispute, double booking, cancelling,
and the bookings a provider's organisation sees."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.requests.conftest import Raise
from tongban.audit.models import AuditEntry
from tongban.auth.domain import Actor, Role
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.calendar.limits import CHINA
from tongban.errors import Conflict
from tongban.files.service import FileStore
from tongban.requests import appointments, service
from tongban.requests.domain import ProviderKind
from tongban.requests.models import CitizenRequest

QUARREL = "与邻居因宅基地边界发生争执，多次协商不成，希望调解。"
LAWSUIT = "做生意惹上官司，对方起诉要求赔偿货款，不知道该怎么应诉。"


@pytest.fixture
def login(client: TestClient, people: dict[str, Actor], db: sessionmaker[Session]) -> Any:
    """``login("villager")``: that person's bearer token; ``villager2`` lives in the same village."""
    factories.user(db, "villager2", Role.citizen, jurisdiction_code="330523200003", phone="13800000004")
    tokens: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in tokens:
            tokens[username] = token_for(client, username, PASSWORD)
        return tokens[username]

    return headers


def free(db: sessionmaker[Session], provider: str, skip: int = 0) -> datetime:
    """A free slot of the provider: the first, or a later one."""
    with db() as session:
        return [at for day in appointments.free_slots(session, provider) for at in day.starts][skip]


def book(client: TestClient, login: Any, who: str, provider: str, at: datetime, **body: Any) -> Any:
    body.setdefault("dispute", {"type": "rp-dispute", "text": QUARREL})
    return client.post(
        "/api/v1/appointments", json={"provider": provider, "starts_at": at.isoformat(), **body}, headers=login(who)
    )


def audited(db: sessionmaker[Session], action: str) -> int:
    with db() as session:
        query = select(func.count()).where(AuditEntry.entity == "appointments", AuditEntry.action == action)
        return session.scalar(query) or 0


def disputes(db: sessionmaker[Session]) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(CitizenRequest)) or 0


def test_a_villager_sees_the_providers_serving_her_village_nearest_first(
    db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    with db() as session:
        village = [p.code for p in appointments.providers(session, people["villager"])]
        lawyers = [p.code for p in appointments.providers(session, people["villager"], ProviderKind.lawyer)]
        street = appointments.providers(session, people["resident"])
    assert village == ["rp-mediator-1", "rp-lawyer-1"]  # the village's mediator before the town's lawyer
    assert lawyers == ["rp-lawyer-1"]
    assert street == []


def test_a_villager_books_a_lawyer_and_registers_her_dispute_with_it(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    at = free(db, "rp-lawyer-1")
    response = book(client, login, "villager", "rp-lawyer-1", at, dispute={"type": "rp-dispute", "text": LAWSUIT})
    assert response.status_code == 201, response.text
    booked = response.json()
    assert (booked["provider"]["code"], booked["status"], booked["cancellable"]) == ("rp-lawyer-1", "booked", True)
    assert datetime.fromisoformat(booked["starts_at"]) == at
    assert datetime.fromisoformat(booked["ends_at"]) - at == timedelta(hours=1)
    assert booked["requester_phone"] == "13800000003"  # her own, in full
    mine = client.get("/api/v1/disputes", headers=login("villager")).json()["items"]
    assert [item["tracking_code"] for item in mine] == [booked["tracking_code"]]
    assert mine[0]["level"] == "village" and mine[0]["url"].startswith("http://testserver/disputes/")
    assert [a["id"] for a in mine[0]["appointments"]] == [booked["id"]]
    assert audited(db, "book") == 1


def test_a_booked_slot_is_refused_to_the_next_resident(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    at = free(db, "rp-mediator-1")
    assert book(client, login, "villager", "rp-mediator-1", at).status_code == 201
    before = disputes(db)
    refused = book(client, login, "villager2", "rp-mediator-1", at)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["field"] == "starts_at"
    assert disputes(db) == before  # the dispute raised with the refused booking was not kept
    with db() as session:
        assert at not in [start for day in appointments.free_slots(session, "rp-mediator-1") for start in day.starts]


def test_two_residents_pressing_at_once_get_one_booking_and_one_conflict(
    db: sessionmaker[Session], people: dict[str, Actor], raise_request: Raise, store: FileStore
) -> None:
    factories.user(db, "villager2", Role.citizen, jurisdiction_code="330523200003")
    with db() as session:
        second = actor_of(session.scalars(select(User).where(User.username == "villager2")).one())
    first_dispute = raise_request("villager", type_code="rp-dispute", text=QUARREL)
    at = free(db, "rp-mediator-1")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def press(actor: Actor, request_id: int) -> None:
        start.wait()
        try:
            appointments.book(db, store, actor, appointments.Booking("rp-mediator-1", at, request_id=request_id))
            outcomes.append("booked")
        except Conflict:
            outcomes.append("conflict")

    with db() as session:
        second_dispute = service.raise_in(session, store, second, service.Submission("rp-dispute", LAWSUIT))
        session.commit()
        second_id = second_dispute.id
    threads = [
        threading.Thread(target=press, args=(people["villager"], first_dispute.id)),
        threading.Thread(target=press, args=(second, second_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["booked", "conflict"]
    assert audited(db, "book") == 1


def test_a_resident_cannot_book_against_someone_elses_dispute(
    client: TestClient, login: Any, db: sessionmaker[Session], raise_request: Raise
) -> None:
    hers = raise_request("villager", type_code="rp-dispute", text=QUARREL)
    at = free(db, "rp-mediator-1")
    refused = book(client, login, "villager2", "rp-mediator-1", at, request=hers.id, dispute=None)
    assert (refused.status_code, refused.json()["error"]["field"]) == (404, "request")
    listed = client.get(f"/api/v1/providers?request={hers.id}", headers=login("villager2"))
    assert listed.status_code == 404
    assert book(client, login, "villager", "rp-mediator-1", at, request=hers.id, dispute=None).status_code == 201


def test_a_dispute_books_a_provider_once_until_it_cancels(
    client: TestClient, login: Any, db: sessionmaker[Session], raise_request: Raise
) -> None:
    hers = raise_request("villager", type_code="rp-dispute", text=QUARREL)
    first = book(client, login, "villager", "rp-mediator-1", free(db, "rp-mediator-1"), request=hers.id, dispute=None)
    again = book(client, login, "villager", "rp-mediator-1", free(db, "rp-mediator-1"), request=hers.id, dispute=None)
    assert (first.status_code, again.status_code, again.json()["error"]["field"]) == (201, 409, "provider")
    other = book(client, login, "villager", "rp-lawyer-1", free(db, "rp-lawyer-1"), request=hers.id, dispute=None)
    assert other.status_code == 201


def test_cancelling_gives_the_slot_back_and_is_audited(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    at = free(db, "rp-mediator-1")
    booked = book(client, login, "villager", "rp-mediator-1", at).json()
    path = f"/api/v1/appointments/{booked['id']}/cancel"
    assert client.post(path, headers=login("villager2")).status_code == 404  # not hers: not found
    cancelled = client.post(path, headers=login("villager"))
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert client.post(path, headers=login("villager")).status_code == 409
    assert book(client, login, "villager2", "rp-mediator-1", at).status_code == 201
    assert (audited(db, "book"), audited(db, "cancel")) == (2, 1)


def test_times_that_are_not_the_providers_slots_are_refused(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    slot = free(db, "rp-lawyer-1").astimezone(CHINA)
    for wrong in (slot.replace(hour=3), slot.replace(minute=15), slot - timedelta(days=30)):
        refused = book(client, login, "villager", "rp-lawyer-1", wrong)
        assert (refused.status_code, refused.json()["error"]["field"]) == (422, "starts_at"), wrong
    naive = book(client, login, "villager", "rp-lawyer-1", slot.replace(tzinfo=None))
    assert naive.status_code == 422
    assert disputes(db) == 0


def test_a_provider_of_another_place_is_not_booked_for_the_dispute(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    refused = book(client, login, "resident", "rp-lawyer-1", free(db, "rp-lawyer-1"))
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "provider")


def test_the_providers_department_sees_its_bookings_with_the_phone_masked(
    client: TestClient, login: Any, db: sessionmaker[Session]
) -> None:
    mediation = book(client, login, "villager", "rp-mediator-1", free(db, "rp-mediator-1")).json()
    advice = book(client, login, "villager2", "rp-lawyer-1", free(db, "rp-lawyer-1")).json()

    def seen(who: str) -> list[int]:
        response = client.get("/api/v1/appointments", headers=login(who))
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert seen("tw") == [mediation["id"]]  # the village's mediation committee
    assert seen("tz") == [advice["id"]]  # the town centre the lawyer sits at
    assert seen("cjb") == [] and seen("villager2") == [advice["id"]]
    assert sorted(seen("supervisor")) == sorted([mediation["id"], advice["id"]])
    shown = client.get("/api/v1/appointments", headers=login("tw")).json()["items"][0]
    assert (shown["requester_phone"], shown["cancellable"]) == ("138****0003", False)
    assert client.get("/api/v1/appointments", headers=login("operator")).status_code == 403


def test_no_input_to_the_booking_api_makes_the_server_fail(client: TestClient, login: Any) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    mine = ("/api/v1/providers", "/api/v1/appointments", "/api/v1/disputes")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [operation for operation in operations if operation.path.startswith(mine)]
    people = {who: login(who) for who in ("villager", "resident", "tw", "supervisor")}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def any_request(data: st.DataObject) -> None:
        case = data.draw(data.draw(st.sampled_from(operations)).as_strategy())
        response = case.call(headers=people[data.draw(st.sampled_from(sorted(people)))])
        assert response.status_code < 500, (case.method, case.path, response.text)
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text

    any_request()
