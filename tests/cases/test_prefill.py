"""Data instead of paper: the homestead application (农宅通 NZT-01) filled from the registries, routed to the village.

Over the real rural-housing pack and its registry sample: 吴国平 of 任前村 has a record in
every registry; the stranger has none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import user
from tests.files.samples import png
from tests.pages import login
from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import User
from tongban.auth.service import actor_of
from tongban.cases import actions, service, uploads, views
from tongban.cases.domain import Action, plan_workflow
from tongban.cases.models import Case
from tongban.errors import BadInput
from tongban.files.service import FileStore
from tongban.identity.domain import with_check_digit
from tongban.packs import service as packs

PACKS = [Path(__file__).parents[2] / "packs" / name for name in ("wucheng-e-kuaiban", "rural-housing")]
SERVICE = "330703-NZT-01"
VILLAGER = "330703198003122098"
STRANGER = with_check_digit("33070319900101001")
STATED: dict[str, Any] = {
    "id_number": VILLAGER,
    "phone": "13957912345",
    "reason": "无宅基地户新建",
    "floor_area": 120,
    "building_area": 240,
    "floors": 2,
    "height": 9.5,
    "design": "选用农房设计通用图集",
    "delivery": "电子证照（无需领取）",
}
FROM_HOUSEHOLD = {"name": "吴国平", "household_id": "104201007", "village_code": "330703104201", "members": 4}
CONSENT = service.Consent("signed", "本人委托窗口代为申请")


@pytest.fixture
def village(db: sessionmaker[Session]) -> dict[str, Actor]:
    """The packs loaded; a villager and a stranger of 任前村, 澧浦镇's window and a 任前村 official."""
    packs.load(db, SYSTEM, PACKS)
    user(db, "villager", Role.citizen, jurisdiction_code="330703104201", id_number=VILLAGER)
    user(db, "stranger", Role.citizen, jurisdiction_code="330703104201", id_number=STRANGER)
    user(db, "window", Role.window, jurisdiction_code="330703104")
    user(db, "cadre", Role.reviewer, jurisdiction_code="330703104201", department_code="jd-cun")
    with db() as session:
        return {person.username: actor_of(person) for person in session.scalars(select(User))}


def reads(db: sessionmaker[Session], purpose: str) -> list[tuple[str, list[str]]]:
    """The audited registry reads made for ``purpose``: (registry, fields) each."""
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "read").order_by(AuditEntry.seq))
        found = [(entry.entity_key, json.loads(entry.after or "{}")) for entry in entries]
    return [(key.split("/")[0], after["fields"]) for key, after in found if after["purpose"] == purpose]


def test_the_apply_page_shows_registry_values_read_only_with_their_source(
    client: TestClient, db: sessionmaker[Session], village: dict[str, Actor]
) -> None:
    page = login(client, "villager").get(f"/services/{SERVICE}/apply").text
    assert 'id="f-form-name" type="text" value="吴国平" readonly' in page
    assert 'name="form.name"' not in page and 'name="form.village_code"' not in page
    assert "来自：户籍人口信息（金华市公安局金东分局），每日更新" in page
    assert "由共享数据获取，无需提交：农村集体经济组织成员信息（金华市金东区农业农村局）" in page
    assert reads(db, f"application form: {SERVICE}") == [
        ("jd-household", ["name", "household_id", "village_code", "members"]),
        ("jd-village-plan", ["plot_code"]),
    ]


def test_someone_the_registry_does_not_know_is_asked_with_a_note(
    client: TestClient, db: sessionmaker[Session], village: dict[str, Actor]
) -> None:
    page = login(client, "stranger").get(f"/services/{SERVICE}/apply").text
    assert 'name="form.name"' in page and "户籍人口信息中没有申请人的记录，请填写" in page
    with pytest.raises(BadInput) as refused:
        service.apply(db, village["stranger"], service.Application(service=SERVICE, form=STATED))
    assert refused.value.field == "form.name"


def test_filing_takes_the_registry_values_and_ignores_posted_ones(
    db: sessionmaker[Session], village: dict[str, Actor]
) -> None:
    posted = {**STATED, "name": "冒名", "village_code": "330703104202", "members": 9}
    view, _ = service.apply(db, village["villager"], service.Application(service=SERVICE, form=posted))
    assert {key: view.form[key] for key in FROM_HOUSEHOLD} == FROM_HOUSEHOLD
    assert view.form["plot_code"] == "JD104201-2025-01"
    assert reads(db, f"application form: {SERVICE}") == [
        ("jd-household", ["name", "household_id", "village_code", "members"]),
        ("jd-village-plan", ["plot_code"]),
    ]


def test_a_window_filing_for_a_villager_gets_the_same_values(
    client: TestClient, db: sessionmaker[Session], village: dict[str, Actor]
) -> None:
    page = login(client, "window").get(f"/services/{SERVICE}/apply").text
    assert "提交时按申请人身份证号从户籍人口信息读取" in page
    assert reads(db, f"application form: {SERVICE}") == []  # nobody named yet, nothing read
    application = service.Application(
        service=SERVICE,
        form=STATED,
        channel="window",
        applicant=service.Applicant("吴国平", VILLAGER),
        consent=CONSENT,
    )
    view, _ = service.apply(db, village["window"], application)
    assert {key: view.form[key] for key in FROM_HOUSEHOLD} == FROM_HOUSEHOLD


def accept(db: sessionmaker[Session], window: Actor, case_id: int, store: FileStore) -> None:
    for code in ("sqb", "cns", "sjt"):
        uploads.upload(db, store, window, case_id, code, "scan.png", png())
    with db() as session:
        version = session.get(Case, case_id).version  # type: ignore[union-attr]
    actions.act(db, window, case_id, Action.accept, version, actions.ActionInput())


def test_the_village_steps_go_to_the_applicants_village(
    db: sessionmaker[Session], village: dict[str, Actor], tmp_path: Path
) -> None:
    view, _ = service.apply(db, village["villager"], service.Application(service=SERVICE, form=STATED))
    accept(db, village["window"], view.id, FileStore(tmp_path))
    with db() as session:
        case = views.readable_case(session, village["cadre"], view.id)
        steps = {step.code: step for step in case.steps}
        assert steps["village-discuss"].jurisdiction_code == "330703104201"
        assert steps["village-review"].jurisdiction_code == "330703104201"
        assert steps["agriculture"].jurisdiction_code == case.received_jurisdiction
        assert views.holds(village["cadre"], steps["village-discuss"])


def test_a_place_the_applicant_typed_never_routes_a_step(db: sessionmaker[Session], village: dict[str, Actor]) -> None:
    typed = {**STATED, **FROM_HOUSEHOLD, "id_number": STRANGER, "plot_code": "JD104201-2025-01"}
    application = service.Application(
        service=SERVICE,
        form=typed,
        channel="window",
        applicant=service.Applicant("陌生人", STRANGER),
        consent=CONSENT,
    )
    with pytest.raises(BadInput) as refused:
        service.apply(db, village["window"], application)
    assert refused.value.field == "form.village_code"
    assert "未能从共享数据取得“户籍所在村”" in refused.value.message_zh


def test_a_step_is_planned_where_the_form_says_and_an_older_case_without_it_stays_with_the_handling_side() -> None:
    declared = [{"code": "village", "name": "村级审核", "role": "reviewer", "jurisdiction": "form:village_code"}]

    def place(form: dict[str, Any]) -> str:
        planned = plan_workflow(
            declared,
            instant=False,
            promised_days=5,
            department="jd-cun",
            handling="330703",
            receiving="330703104",
            form=form,
        )
        return planned[0].jurisdiction

    assert (place({"village_code": "330703104201"}), place({})) == ("330703104201", "330703")
