"""The eligibility check over the API: a resident's own facts read from the registries, staff checks, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import token_for
from tests.factories import PASSWORD, user
from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM, Role
from tongban.packs import service as packs
from tongban.packs.reader import read_sample

TINY = Path(__file__).parents[1] / "packs" / "fixtures" / "tiny-pack"
ADULT, CHILD = (row["id_number"] for row in read_sample(TINY / "registries" / "population.csv"))
URL = "/api/v1/services/TP-001/eligibility"


@pytest.fixture
def site(client: TestClient, db: sessionmaker[Session]) -> TestClient:
    packs.load(db, SYSTEM, [TINY])
    user(db, "adult", Role.citizen, id_number=ADULT)
    user(db, "child", Role.citizen, id_number=CHILD)
    user(db, "window", Role.window, jurisdiction_code="330100")
    return client


def test_a_resident_learns_rule_by_rule_from_their_registry_records(site: TestClient, db: sessionmaker) -> None:
    answer = site.post(URL, headers=token_for(site, "child", PASSWORD)).json()
    assert (answer["eligible"], answer["failed_rules"]) == (False, ["R1", "R2"])
    assert [rule["message"] for rule in answer["rules"]] == ["须年满16周岁", "已参加职工养老保险的无需登记"]
    assert {fact["name"]: fact["value"] for fact in answer["facts"]} == {"age": 15, "insured": True}
    assert answer["facts"][0]["source_name"] == "人口基础信息（杭州市人力资源和社会保障局）"
    assert site.post(URL, headers=token_for(site, "adult", PASSWORD)).json()["eligible"] is True
    with db() as session:
        reads = session.scalars(select(AuditEntry.entity_key).where(AuditEntry.action == "read")).all()
    assert len(reads) == 2 and all("*" in key for key in reads)  # audited, the ID number masked


def test_a_resident_cannot_check_someone_else_and_staff_can(site: TestClient) -> None:
    refused = site.post(URL, json={"id_number": ADULT}, headers=token_for(site, "child", PASSWORD))
    assert refused.status_code == 403
    staff = token_for(site, "window", PASSWORD)
    assert site.post(URL, json={"id_number": CHILD}, headers=staff).json()["failed_rules"] == ["R1", "R2"]
    tried = site.post(URL, json={"facts": {"age": "40", "insured": "false"}}, headers=staff).json()
    assert tried["eligible"] is True
    unknown = site.post(URL, json={"facts": {"height": 1}}, headers=staff)
    assert unknown.status_code == 422 and "height" in unknown.json()["error"]["message"]


def test_a_service_without_rules_says_so(site: TestClient) -> None:
    answer = site.post("/api/v1/services/TP-002/eligibility", headers=token_for(site, "adult", PASSWORD))
    assert answer.status_code == 422


def test_an_application_is_taken_only_from_someone_who_passes_every_rule(site: TestClient) -> None:
    body = {"service": "TP-001", "form": {"phone": "13861712345"}}
    refused = site.post("/api/v1/cases", json=body, headers=token_for(site, "child", PASSWORD))
    assert refused.status_code == 422
    assert "R1 须年满16周岁" in refused.json()["error"]["message"]
    taken = site.post("/api/v1/cases", json=body, headers=token_for(site, "adult", PASSWORD))
    assert taken.status_code == 201, taken.text
    assert taken.json()["history"][0]["data"]["eligibility"] == "passed"
