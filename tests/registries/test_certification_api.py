"""Silent certification's API: follow-ups, the pensioner's record and objection, the officer's decision and report."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD
from tests.registries.fixtures.qualification_data import (
    HEPING,
    XIANHUA,
    dead,
    imported,
    places,
    roll,
    staff,
    unseen,
)

PEOPLE = roll(("P1", "王丽", HEPING), ("P2", "李强", HEPING), ("P3", "张伟", XIANHUA))


@pytest.fixture
def run_id(db: sessionmaker[Session], tmp_path: Path) -> int:
    """王丽 (the resident) suspended, 李强 of Heping and 张伟 of Xianhua to be checked."""
    places(db)
    staff(db)
    return imported(db, tmp_path, [dead("P1"), unseen("P2"), unseen("P3")], PEOPLE).run_id


def auth(client: TestClient, username: str) -> dict[str, str]:
    return token_for(client, username, PASSWORD)


def test_a_worker_lists_and_closes_their_communitys_follow_ups(client: TestClient, run_id: int) -> None:
    heping = auth(client, "heping")
    [task] = client.get("/api/v1/certification/follow-ups", headers=heping).json()
    assert (task["person_id"], task["community_name"], task["kind"]) == ("P2", "和平社区", "remote_face_check")
    assert "********" in task["id_number"]
    outcome = {"outcome": "certified", "note": "远程人脸认证通过"}
    stranger = client.post(f"/api/v1/certification/follow-ups/{task['id']}/outcome", json=outcome,
                           headers=auth(client, "xianhua"))  # fmt: skip
    assert stranger.status_code == 404
    done = client.post(f"/api/v1/certification/follow-ups/{task['id']}/outcome", json=outcome, headers=heping)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["standing"]) == ("done", "certified")
    again = client.post(f"/api/v1/certification/follow-ups/{task['id']}/outcome", json=outcome, headers=heping)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    [closed] = client.get("/api/v1/certification/follow-ups?status=done", headers=heping).json()
    assert closed["outcome"] == "certified"


def test_the_pensioner_objects_and_the_officer_overturns(client: TestClient, run_id: int) -> None:
    resident = auth(client, "resident")
    mine = client.get("/api/v1/certification/me", headers=resident).json()
    assert mine["status"] == "suspended" and mine["valid_until"] is None
    [notice] = mine["notices"]
    assert notice["objection"] == "none" and notice["text"].startswith("王丽：")
    body = {"reason": "本人健在", "evidence": "2026年1月3日县人民医院就诊"}
    neighbour = client.post(f"/api/v1/certification/notices/{notice['id']}/objection", json=body,
                            headers=auth(client, "neighbour"))  # fmt: skip
    assert neighbour.status_code == 404
    made = client.post(f"/api/v1/certification/notices/{notice['id']}/objection", json=body, headers=resident)
    assert made.status_code == 200 and made.json()["objection"] == "pending"
    decision = {"decision": "overturned", "note": "经视频核实本人健在"}
    medical = client.post(f"/api/v1/certification/notices/{notice['id']}/decision", json=decision,
                          headers=auth(client, "medical"))  # fmt: skip
    assert medical.status_code == 404
    officer = auth(client, "officer")
    assert [n["id"] for n in client.get("/api/v1/certification/objections", headers=officer).json()] == [notice["id"]]
    decided = client.post(f"/api/v1/certification/notices/{notice['id']}/decision", json=decision, headers=officer)
    assert decided.status_code == 200 and decided.json()["status"] == "lifted"
    assert client.get("/api/v1/certification/me", headers=resident).json()["status"] == "certified"


def test_a_citizen_without_a_record_gets_none(client: TestClient, run_id: int) -> None:
    assert client.get("/api/v1/certification/me", headers=auth(client, "neighbour")).json()["status"] is None


def test_the_officer_reads_the_run_report(client: TestClient, run_id: int) -> None:
    report = client.get(f"/api/v1/certification/runs/{run_id}", headers=auth(client, "officer")).json()
    assert report["totals"] == {"certified": 0, "suspended": 1, "manual": 2}
    assert [(d["name"], d["total"]) for d in report["districts"]] == [("浦阳街道", 2), ("仙华街道", 1)]
    assert report["run"]["follow_ups_opened"] == 2
    assert client.get(f"/api/v1/certification/runs/{run_id}", headers=auth(client, "medical")).status_code == 403
    assert [r["id"] for r in client.get("/api/v1/certification/runs", headers=auth(client, "admin")).json()] == [run_id]
