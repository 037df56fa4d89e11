"""Every service and bundle of the seed packs can be applied for and worked to a decision.

A driver plays everyone: a window in every jurisdiction, a reviewer in every department.
It applies with a form filled in from the declared field types, uploads every material
asked for, and then keeps doing what the inbox offers (receive, accept, approve) until the
case is approved. A step that nobody could ever hold — a department that does not cover
the step's place — leaves the case stuck, and the test names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import user
from tests.files.samples import png
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.auth.models import Department, Jurisdiction, User
from tongban.auth.service import actor_of
from tongban.cases import actions, service, uploads, views
from tongban.cases.domain import Action, CaseStatus
from tongban.cases.models import Case, CaseStep
from tongban.catalog import service as catalog
from tongban.catalog.models import Bundle, Service
from tongban.errors import TongbanError
from tongban.files.service import FileStore
from tongban.identity.domain import with_check_digit
from tongban.packs import service as packs

PACKS = sorted(path for path in (Path(__file__).parents[2] / "packs").iterdir() if (path / "pack.yaml").exists())
ID_NUMBER = with_check_digit("32021119800101002")
SAMPLES: Mapping[str, Any] = {
    "text": "测试内容",
    "textarea": "情况说明",
    "number": 1,
    "date": "2025-04-30",
    "phone": "13861712345",
    "id_number": ID_NUMBER,
    "credit_code": "91320200MA1MXXXX0E",
    "email": "test@example.cn",
    "checkbox": True,
}
RESIDENT = service.Applicant("王秀英", ID_NUMBER)
CONSENT = service.Consent("signed", "本人委托窗口代为申请")
# Services whose rules read the registries: a sample person who passes them all, and what they state on the form.
ELIGIBLE: Mapping[str, tuple[str, dict[str, Any]]] = {
    "330703-NZT-01": ("330703198003122098", {"floor_area": 120}),
    "330703-NZT-04": ("330703198705212178", {"term_years": 10}),
    "330782-YB-01": ("361127198604126013", {"application_date": "2025-11-15"}),
}
STEP_ACTIONS = {"receive": Action.forward, "accept": Action.accept, "review": Action.approve}

pytestmark = pytest.mark.slow


def sample_form(fields: list[dict[str, Any]]) -> dict[str, Any]:
    """A value for every field: where a registry holds the applicant's record, filing takes its value instead."""
    return {
        field["key"]: field["options"][0] if field["type"] == "select" else SAMPLES[field["type"]] for field in fields
    }


@pytest.fixture
def everyone(db: sessionmaker[Session]) -> dict[str, Actor]:
    packs.load(db, SYSTEM, PACKS)
    with db() as session:
        places = session.scalars(select(Jurisdiction.code)).all()
        departments = session.execute(select(Department.code, Department.jurisdiction_code)).all()
    for place in places:
        user(db, f"w-{place}", Role.window, jurisdiction_code=place)
        user(db, f"c-{place}", Role.citizen, jurisdiction_code=place)
    for code, place in departments:
        user(db, f"r-{code}", Role.reviewer, jurisdiction_code=place, department_code=code)
    with db() as session:
        return {person.username: actor_of(person) for person in session.scalars(select(User))}


def work_to_a_decision(db: sessionmaker[Session], staff: list[Actor], case_id: int, label: str) -> None:
    """Works the open steps of the case (and of a bundle's members), each by someone who holds it."""
    for _ in range(60):
        with db() as session:
            case = session.get(Case, case_id)
            assert case is not None
            if case.status == CaseStatus.approved.value:
                return
            family = [case_id, *session.scalars(select(Case.id).where(Case.parent_id == case_id))]
            steps = session.scalars(
                select(CaseStep).where(CaseStep.case_id.in_(family), CaseStep.status == "open").order_by(CaseStep.id)
            ).all()
            workable = [step for step in steps if step.kind in STEP_ACTIONS]
            if not workable:
                raise AssertionError(f"{label} is stuck at {case.status} with nothing to work")
            step = workable[0]
            holder = next((person for person in staff if views.holds(person, step)), None)
            if holder is None:
                where = (step.name, step.role, step.department_code, step.jurisdiction_code)
                raise AssertionError(f"{label}: nobody can hold the step {where}")
            version = session.get(Case, step.case_id).version  # type: ignore[union-attr]
            kind, code, target = step.kind, step.code, step.case_id
        try:
            actions.act(db, holder, target, STEP_ACTIONS[kind], version, actions.ActionInput(step=code))
        except TongbanError as exc:
            raise AssertionError(f"{label}: {code} by {holder.username}: {exc}") from exc
    raise AssertionError(f"{label} did not reach a decision in 60 actions")


def test_every_seed_service_and_bundle_reaches_a_decision(
    db: sessionmaker[Session], everyone: dict[str, Actor], tmp_path: Path
) -> None:
    store = FileStore(tmp_path / "files")
    with db() as session:
        codes = [(code, None) for code in session.scalars(select(Service.code).order_by(Service.code))]
        codes += [(None, code) for code in session.scalars(select(Bundle.code).order_by(Bundle.code))]
    staff = [actor for name, actor in everyone.items() if not name.startswith("c-")]
    with db() as session:
        with_rules = {code for code, rules in session.execute(select(Service.code, Service.eligibility)) if rules}
    assert with_rules == set(ELIGIBLE), "name an eligible sample person for each service with rules"
    for service_code, bundle_code in codes:
        with db() as session:
            if bundle_code:
                guide = catalog.bundle_guide(session, bundle_code)
                fields, materials, place = guide.form_fields, guide.materials, guide.jurisdiction_code
                channels = guide.channels
            else:
                one = catalog.guide(session, service_code or "")
                fields, materials, place = one.form_fields, [vars(m) for m in one.materials], one.jurisdiction_code
                channels = one.channels
        application = service.Application(service=service_code, bundle=bundle_code, form=sample_form(fields))
        applicant = everyone[f"c-{place}"]
        if service_code in ELIGIBLE:  # the rules read the registries: file for a sample person who passes
            id_number, stated = ELIGIBLE[service_code]
            person = service.Applicant("样例申请人", id_number)
            form = {**application.form, **stated}
            applicant = everyone[f"w-{place}"]
            application = replace(application, form=form, channel="window", applicant=person, consent=CONSENT)
        elif "online" not in channels:  # a window files it for the resident, with their consent
            applicant = everyone[f"w-{place}"]
            application = replace(application, channel="window", applicant=RESIDENT, consent=CONSENT)
        view, _ = service.apply(db, applicant, application)
        for material in materials:
            if material["source"] == "applicant":
                uploads.upload(db, store, applicant, view.id, material["code"], "scan.png", png())
        work_to_a_decision(db, staff, view.id, service_code or bundle_code or "")
