"""Silent certification pages: the officer's report, the worker's checks, the pensioner's notice and objection."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.pages import csrf_of, login
from tests.registries.fixtures.qualification_data import (
    HEPING,
    XIANHUA,
    alive,
    dead,
    imported,
    places,
    roll,
    staff,
    unseen,
)
from tongban.registries.models import FollowUp, SuspensionNotice
from tongban.web.spreadsheet import MEDIA_TYPE

PEOPLE = roll(("P1", "王丽", HEPING), ("P2", "李强", HEPING), ("P3", "张伟", XIANHUA), ("P4", "陈静", XIANHUA))


@pytest.fixture
def run_id(db: sessionmaker[Session], tmp_path: Path) -> int:
    places(db)
    staff(db)
    return imported(db, tmp_path, [dead("P1"), unseen("P2"), unseen("P3"), alive("P4")], PEOPLE).run_id


def id_of(factory: sessionmaker[Session], table: type[FollowUp] | type[SuspensionNotice], person_id: str) -> int:
    with factory() as session:
        return session.scalars(select(table.id).where(table.person_id == person_id)).one()


def test_the_officer_reads_the_report_with_its_chart_and_downloads_it(client: TestClient, run_id: int) -> None:
    officer = login(client, "officer")
    listed = officer.get("/certification/runs")
    assert listed.status_code == 200 and f"/certification/runs/{run_id}" in listed.text
    page = officer.get(f"/certification/runs/{run_id}")
    assert page.status_code == 200
    assert "静默认证报告" in page.text and "浦阳街道" in page.text and "仙华街道" in page.text
    chart = re.search(r'data-board-chart.*?<script type="application/json">(.*?)</script>', page.text, re.S)
    assert chart and json.loads(chart.group(1))["categories"] == ["浦阳街道", "仙华街道"]
    english = officer.get(f"/certification/runs/{run_id}?lang=en&level=village")
    assert "Heping Community" in english.text and "Silent certification report" in english.text
    download = officer.get(f"/certification/runs/{run_id}/report.xlsx")
    assert download.status_code == 200 and download.headers["content-type"] == MEDIA_TYPE
    assert "filename*=UTF-8''" in download.headers["content-disposition"]


def test_a_community_worker_and_another_departments_reviewer_cannot_read_the_report(
    client: TestClient, run_id: int
) -> None:
    assert login(client, "heping").get(f"/certification/runs/{run_id}").status_code == 403
    assert login(client, "medical").get(f"/certification/runs/{run_id}").status_code == 403
    assert login(client, "resident").get("/certification/runs").status_code == 403


def test_the_workbench_leads_a_worker_to_their_checks(client: TestClient, run_id: int) -> None:
    heping = login(client, "heping")
    assert "/certification/follow-ups" in heping.get("/workbench").text
    assert "<strong>1</strong>" in heping.get("/certification/follow-ups/summary").text
    listed = heping.get("/certification/follow-ups")
    assert "李强" in listed.text and "张伟" not in listed.text
    assert "和平社区" in listed.text and "远程人脸认证" in listed.text


def test_a_worker_records_what_the_visit_found(client: TestClient, db: sessionmaker[Session], run_id: int) -> None:
    heping = login(client, "heping")
    task = id_of(db, FollowUp, "P2")
    page = heping.get(f"/certification/follow-ups/{task}")
    assert page.status_code == 200 and "记录核实结果" in page.text
    form = {"csrf_token": csrf_of(page.text), "outcome": "certified", "note": ""}
    missing = heping.post(f"/certification/follow-ups/{task}/outcome", data=form)
    assert missing.status_code == 422 and "请写明核实情况" in missing.text
    form["note"] = "入户见到本人，核对身份证原件"
    done = heping.post(f"/certification/follow-ups/{task}/outcome", data=form, follow_redirects=False)
    assert done.status_code == 303
    after = heping.get(f"/certification/follow-ups/{task}")
    assert "核实健在" in after.text and "入户见到本人" in after.text and "记录核实结果" not in after.text


def test_another_communitys_check_is_not_found(client: TestClient, db: sessionmaker[Session], run_id: int) -> None:
    assert login(client, "xianhua").get(f"/certification/follow-ups/{id_of(db, FollowUp, 'P2')}").status_code == 404


def test_the_pensioner_objects_and_reads_that_payment_resumed(
    client: TestClient, db: sessionmaker[Session], run_id: int
) -> None:
    resident = login(client, "resident")
    page = resident.get("/pension")
    assert page.status_code == 200 and "暂停发放告知书" in page.text and "提出申诉" in page.text
    notice = id_of(db, SuspensionNotice, "P1")
    form = {"csrf_token": csrf_of(page.text), "reason": " ", "evidence": ""}
    empty = resident.post(f"/pension/notices/{notice}/objection", data=form)
    assert empty.status_code == 422 and "请填写此项" in empty.text
    form["reason"] = "本人健在，死亡记录非本人"
    assert resident.post(f"/pension/notices/{notice}/objection", data=form, follow_redirects=False).status_code == 303
    assert "申诉待处理" in resident.get("/pension").text

    officer = login(client, "officer")
    assert "本人健在，死亡记录非本人" in officer.get("/certification/objections").text
    decide = officer.get(f"/certification/notices/{notice}")
    assert decide.status_code == 200 and "处理申诉" in decide.text
    form = {"csrf_token": csrf_of(decide.text), "decision": "overturned", "note": "经视频核实本人健在"}
    decided = officer.post(f"/certification/notices/{notice}/decision", data=form, follow_redirects=False)
    assert decided.status_code == 303
    after = resident.get("/pension")
    assert "已恢复发放" in after.text and "认证通过" in after.text
    assert re.search(r"恢复发放：申诉成立：经视频核实本人健在", after.text)


def test_a_citizen_sees_only_their_own_record(client: TestClient, db: sessionmaker[Session], run_id: int) -> None:
    neighbour = login(client, "neighbour")
    assert "暂无您的养老金领取资格记录" in neighbour.get("/pension").text
    page = neighbour.get("/pension")
    form = {"csrf_token": csrf_of(page.text), "reason": "冒充", "evidence": ""}
    notice = id_of(db, SuspensionNotice, "P1")
    assert neighbour.post(f"/pension/notices/{notice}/objection", data=form).status_code == 404
    assert neighbour.get(f"/certification/notices/{notice}").status_code == 403
