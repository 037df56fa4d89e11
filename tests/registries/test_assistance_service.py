"""The assistance officer's tasks: only their own town's, the household shown masked, and what they may do."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.assistance_data import DAIXI, JAN_31, PROGRAM, discover, load, officer
from tongban.audit.models import AuditEntry
from tongban.auth.domain import Actor, Role
from tongban.errors import BadInput, Forbidden
from tongban.registries import assistance_service as service
from tongban.registries.discovery import Action, TaskStatus
from tongban.registries.models import AssistanceNeed, AssistanceTask
from tongban.registries.offers import offers_of

FEB_10 = date(2025, 2, 10)
SUPERVISOR = Actor(user_id=None, username="county", role=Role.supervisor, jurisdiction_code="330502")


@pytest.fixture
def found(db: sessionmaker[Session]) -> dict[str, tuple[int, int]]:
    """Household → (task id, its first need's id), after discovery on 31 January."""
    load(db)
    discover(db)
    with db() as session:
        rows = session.execute(
            select(AssistanceTask.household_id, AssistanceTask.id, AssistanceNeed.id).join(
                AssistanceNeed, AssistanceNeed.task_id == AssistanceTask.id
            )
        )
        return {household: (task, need) for household, task, need in rows}


def act(db: sessionmaker[Session], who: Actor, ids: tuple[int, int], action: Action, note: str = "",
        resource: str | None = None) -> AssistanceTask:  # fmt: skip
    with db.begin() as session:
        return service.act(session, who, *ids, action, note, resource, FEB_10)


def test_an_officer_lists_only_their_own_towns_households(db: sessionmaker[Session], found: dict) -> None:
    with db() as session:
        donglin = {row.task.household_id for row in service.tasks(session, officer(), FEB_10)}
        daixi = {row.task.household_id for row in service.tasks(session, officer(DAIXI, "daixi"), FEB_10)}
        county = {row.task.household_id for row in service.tasks(session, SUPERVISOR, FEB_10)}
        medic = service.tasks(session, officer(department="t-ybj"), FEB_10)
    assert donglin == {"H01", "H03", "H05", "H11"} and daixi == {"H08"}
    assert county == donglin | daixi and medic == []


def test_another_towns_officer_can_neither_open_nor_act_on_a_task(db: sessionmaker[Session], found: dict) -> None:
    with db.begin() as session, pytest.raises(Forbidden):
        service.view(session, officer(DAIXI, "daixi"), found["H01"][0], FEB_10)
    with pytest.raises(Forbidden):
        act(db, officer(DAIXI, "daixi"), found["H01"], Action.assisted, "已办理低保")
    with pytest.raises(Forbidden):
        act(db, SUPERVISOR, found["H01"], Action.assisted, "已办理低保")


def test_the_task_shows_members_masked_and_each_read_is_audited(db: sessionmaker[Session], found: dict) -> None:
    with db.begin() as session:
        seen = service.view(session, officer(), found["H01"][0], FEB_10)
    assert [member.masked_id for member in seen.members] == ["330502********001X", "330502********0022"]
    assert seen.members[0].values == {"name": "丁敏", "relation": "户主", "age": 45}
    with db() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.actor == "donglin")).all()
    assert [entry.entity_key for entry in reads] == ["t-household/330502********001X", "t-household/330502********0022"]


def test_assisting_the_last_need_closes_the_task_on_that_day(db: sessionmaker[Session], found: dict) -> None:
    with pytest.raises(BadInput):
        act(db, officer(), found["H01"], Action.assisted, "  ")
    task = act(db, officer(), found["H01"], Action.assisted, "办理低保，接续医保")
    assert (task.status, task.closed_on) == (TaskStatus.closed, FEB_10)
    with db() as session:
        need = session.get(AssistanceNeed, found["H01"][1])
    assert need is not None and (need.status, need.note, need.settled_by) == (
        "assisted",
        "办理低保，接续医保",
        "donglin",
    )
    with pytest.raises(BadInput):
        act(db, officer(), found["H01"], Action.not_needed, "重复")


def test_not_needed_gives_the_place_back_to_the_resource(db: sessionmaker[Session], found: dict) -> None:
    act(db, officer(), found["H01"], Action.not_needed, "已由子女承担医疗费用")
    with db() as session:
        left = {offer.code: offer.remaining for offer in offers_of(session, PROGRAM, JAN_31)}
    assert left["r-med-county"] == 5


def test_a_referral_moves_the_need_to_a_resource_with_places_serving_the_place(
    db: sessionmaker[Session], found: dict
) -> None:
    with db.begin() as session:
        seen = service.view(session, officer(), found["H05"][0], FEB_10)
    assert [referral.code for referral in seen.referrals[found["H05"][1]]] == ["r-care-county", "r-care-town"]
    with pytest.raises(BadInput):
        act(db, officer(), found["H05"], Action.referred, resource="r-med-city")  # offers medical help
    act(db, officer(), found["H05"], Action.referred, "需要助餐", resource="r-care-town")
    with db() as session:
        need = session.get(AssistanceNeed, found["H05"][1])
        left = {offer.code: offer.remaining for offer in offers_of(session, PROGRAM, FEB_10)}
    assert need is not None and (need.status, need.resource_code) == ("matched", "r-care-town")
    assert need.history[-1]["action"] == "referred" and (left["r-care-town"], left["r-care-village"]) == (0, 1)
    with db.begin() as session:
        again = service.view(session, officer(), found["H05"][0], FEB_10).referrals[found["H05"][1]]
    assert [(referral.code, referral.remaining) for referral in again] == [("r-care-county", 3), ("r-care-village", 1)]
