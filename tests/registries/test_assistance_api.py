"""助联体 API: the officer's tasks, one task with its members masked, and actions on a need."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.registries.assistance_data import add_officers, discover, load
from tongban.registries.models import AssistanceTask


@pytest.fixture
def tasks(client: TestClient, db: sessionmaker[Session]) -> dict[str, int]:
    load(db)
    discover(db)
    add_officers(db)
    with db() as session:
        return {task.household_id: task.id for task in session.scalars(select(AssistanceTask))}


def as_user(client: TestClient, name: str) -> dict[str, str]:
    return token_for(client, name, PASSWORD)


def test_the_list_holds_only_the_officers_own_towns_tasks(client: TestClient, tasks: dict[str, int]) -> None:
    mine = client.get("/api/v1/assistance/tasks", headers=as_user(client, "donglin")).json()
    assert sorted(task["household_id"] for task in mine) == ["H01", "H03", "H05", "H11"]
    h01 = next(task for task in mine if task["household_id"] == "H01")
    assert h01["rules"] == ["Z01"] and h01["due_on"] == "2025-02-28" and h01["needs"][0]["resource"] == "r-med-county"
    daixi = client.get("/api/v1/assistance/tasks?status=open", headers=as_user(client, "daixi")).json()
    assert [task["household_id"] for task in daixi] == ["H08"]


def test_a_task_shows_members_masked_and_is_refused_to_another_town(client: TestClient, tasks: dict[str, int]) -> None:
    found = client.get(f"/api/v1/assistance/tasks/{tasks['H01']}", headers=as_user(client, "donglin"))
    assert found.status_code == 200
    assert [member["id_number"] for member in found.json()["members"]] == ["330502********001X", "330502********0022"]
    assert found.json()["facts"]["medical_out_of_pocket"] == 42000
    refused = client.get(f"/api/v1/assistance/tasks/{tasks['H01']}", headers=as_user(client, "daixi"))
    assert refused.status_code == 403


def test_actions_on_a_need_by_the_officer_only(client: TestClient, tasks: dict[str, int]) -> None:
    task = client.get(f"/api/v1/assistance/tasks/{tasks['H08']}", headers=as_user(client, "daixi")).json()
    path = f"/api/v1/assistance/tasks/{tasks['H08']}/needs/{task['needs'][0]['id']}/actions"
    assert (
        client.post(f"{path}/assisted", json={"note": "公益性岗位"}, headers=as_user(client, "donglin")).status_code
        == 403
    )
    assert client.post(f"{path}/assisted", json={}, headers=as_user(client, "county")).status_code == 403
    missing = client.post(f"{path}/not_needed", json={}, headers=as_user(client, "daixi"))
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "note"
    done = client.post(f"{path}/assisted", json={"note": "推荐公益性岗位"}, headers=as_user(client, "daixi"))
    assert done.status_code == 200
    assert done.json()["status"] == "closed" and done.json()["needs"][0]["status"] == "assisted"
    assert client.post(f"{path}/whatever", json={}, headers=as_user(client, "daixi")).status_code == 422
