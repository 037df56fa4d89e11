"""Proactive discovery over the mini pack's registries: who is flagged, matched, tasked, and not twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.assistance_data import FAILS, JAN_31, PASSES, PROGRAM, copy_of_mini, discover, load, officer
from tongban.audit.models import AuditEntry
from tongban.registries import assistance_service
from tongban.registries.discovery import Action, TaskStatus
from tongban.registries.models import AssistanceNeed, AssistanceTask
from tongban.registries.offers import offers_of


def tasks_by_household(db: sessionmaker[Session]) -> dict[str, AssistanceTask]:
    with db() as session:
        return {task.household_id: task for task in session.scalars(select(AssistanceTask))}


def needs_of(db: sessionmaker[Session], task_id: int) -> list[AssistanceNeed]:
    with db() as session:
        return list(session.scalars(select(AssistanceNeed).where(AssistanceNeed.task_id == task_id)))


def test_each_rule_flags_the_household_made_to_pass_it_and_none_made_to_fail_it(db: sessionmaker[Session]) -> None:
    load(db)
    summary = discover(db)
    found = tasks_by_household(db)
    assert {rule: [hit["id"] for hit in found[household].hits] for rule, household in PASSES.items()} == {
        rule: [rule] for rule in PASSES
    }
    assert not {household for households in FAILS.values() for household in households} & set(found)
    assert summary.households == 12 and summary.created == len(PASSES)


def test_a_household_already_on_the_roll_is_not_flagged(db: sessionmaker[Session]) -> None:
    load(db)
    summary = discover(db)
    assert "H10" not in tasks_by_household(db)
    assert summary.flagged == len(PASSES) + 1 and summary.on_roll == 1


def test_the_task_records_the_rule_the_facts_and_the_members_and_is_due_in_a_month(
    db: sessionmaker[Session],
) -> None:
    load(db)
    discover(db)
    task = tasks_by_household(db)["H01"]
    assert (task.discovered_on, task.due_on) == (JAN_31, date(2025, 2, 28))
    assert (task.town_code, task.village_code) == ("330502104", "330502104201")
    assert task.hits[0]["facts"] == ["medical_out_of_pocket", "household_income"]
    assert task.facts["medical_out_of_pocket"] == 42000 and task.facts["household_income"] == 40000
    assert len(task.members) == 2


def test_each_need_gets_the_nearest_resource_with_places_left(db: sessionmaker[Session]) -> None:
    load(db)
    discover(db)
    found = tasks_by_household(db)
    resource = {household: needs_of(db, found[household].id)[0].resource_code for household in PASSES.values()}
    # 保卫村's own mutual-aid team before 东林镇's centre; the county's bureau before the city's charity.
    assert resource == {
        "H01": "r-med-county",
        "H03": "r-living-county",
        "H05": "r-care-village",
        "H08": "r-job-county",
        "H11": "r-edu-county",
    }
    with db() as session:
        left = {offer.code: offer.remaining for offer in offers_of(session, PROGRAM, JAN_31)}
        next_year = {offer.code: offer.remaining for offer in offers_of(session, PROGRAM, date(2026, 1, 1))}
    assert left["r-care-village"] == 0 and left["r-med-county"] == 4 and left["r-med-city"] == 10
    assert next_year["r-care-village"] == 1  # places are per calendar year


def test_a_need_no_resource_serves_is_left_for_the_officer_to_refer(db: sessionmaker[Session], tmp_path: Path) -> None:
    folder = copy_of_mini(tmp_path)
    resources = folder / "assistance-resources.csv"
    # The education office now serves only 埭溪镇, and H11 lives in 东林镇.
    text = resources.read_text(encoding="utf-8").replace("学生资助,,330502,2", "学生资助,,330502103,2")
    resources.write_text(text, encoding="utf-8")
    load(db, folder)
    summary = discover(db)
    need = needs_of(db, tasks_by_household(db)["H11"].id)[0]
    assert (need.status, need.resource_code, summary.unmatched) == ("unmatched", None, 1)


def test_running_again_creates_nothing_new_while_tasks_are_open(db: sessionmaker[Session]) -> None:
    load(db)
    discover(db)
    again = discover(db, date(2025, 2, 10))
    assert again.created == 0 and again.already_open == len(PASSES)
    assert len(tasks_by_household(db)) == len(PASSES)


def test_a_closed_household_is_left_alone_for_the_quiet_months_then_flagged_again(db: sessionmaker[Session]) -> None:
    load(db)
    discover(db)
    task = tasks_by_household(db)["H05"]
    (need,) = needs_of(db, task.id)
    with db.begin() as session:
        assistance_service.act(session, officer(), task.id, need.id, Action.assisted, "已上门结对探访", None, JAN_31)
    assert tasks_by_household(db)["H05"].status == TaskStatus.closed
    assert discover(db, date(2025, 12, 31)).recently_closed == 1
    assert discover(db, date(2026, 2, 1)).created == 1


def test_the_run_audits_each_registry_read_once_and_each_task_created(db: sessionmaker[Session]) -> None:
    load(db)
    discover(db)
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == "system")).all()
    reads = {entry.entity_key for entry in entries if entry.action == "read"}
    assert reads == {f"{code}/*" for code in ("t-household", "t-roll", "t-income", "t-medical")} | {
        f"{code}/*" for code in ("t-disability", "t-unemployment", "t-students")
    }
    assert sum(entry.entity == "assistance_tasks" for entry in entries) == len(PASSES)
    assert any(entry.action == "discover" for entry in entries)
