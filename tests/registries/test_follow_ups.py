"""Community workers' follow-ups: only their own communities, and what an outcome does to the standing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.fixtures.qualification_data import (
    DONGJIE,
    HEPING,
    TODAY,
    XIANHUA,
    Line,
    alive,
    imported,
    places,
    roll,
    staff,
    unseen,
    who,
)
from tongban.auth.domain import Actor, Role
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.registries import follow_ups
from tongban.registries.models import FollowUp, Qualification, SuspensionNotice
from tongban.registries.qualification import Outcome

PEOPLE = roll(("P1", "王丽", HEPING), ("P2", "李强", HEPING), ("P3", "张伟", XIANHUA), ("P4", "陈静", DONGJIE))
CONFLICT = Line("P4", "manual", "死亡记录 2025-03-01 之后仍有生存记录（2025-04-01），需人工核实", "2025-04-01",
                "2025-03-01")  # fmt: skip
LATER = date(2026, 1, 12)


@pytest.fixture
def county(db: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    places(db)
    staff(db)
    imported(db, tmp_path, [unseen("P1"), unseen("P2", "2024-06-01"), unseen("P3"), CONFLICT], PEOPLE)
    return db


def task_of(factory: sessionmaker[Session], person_id: str) -> int:
    with factory() as session:
        return session.scalars(select(FollowUp.id).where(FollowUp.person_id == person_id)).one()


def test_a_worker_sees_only_the_follow_ups_of_their_community(county: sessionmaker[Session]) -> None:
    with county() as session:
        heping = follow_ups.follow_ups(session, who(county, "heping"))
        street = follow_ups.follow_ups(session, who(county, "puyang"))
        xianhua = follow_ups.follow_ups(session, who(county, "xianhua"))
    assert [task.person_id for task in heping] == ["P1", "P2"]
    assert {task.person_id for task in street} == {"P1", "P2", "P4"}  # the street covers its communities
    assert [task.person_id for task in xianhua] == ["P3"]
    assert heping[0].community_name == "和平社区"
    assert heping[0].id_number is not None and "********" in heping[0].id_number


def test_another_communitys_follow_up_is_not_found(county: sessionmaker[Session]) -> None:
    with county() as session, pytest.raises(NotFound):
        follow_ups.follow_up(session, who(county, "xianhua"), task_of(county, "P1"))
    with pytest.raises(NotFound):
        follow_ups.record_outcome(
            county, who(county, "xianhua"), task_of(county, "P1"), Outcome.certified, LATER, "见到本人", LATER
        )


def test_only_community_workers_work_follow_ups(county: sessionmaker[Session]) -> None:
    with county() as session, pytest.raises(Forbidden):
        follow_ups.follow_ups(session, who(county, "officer"))


def test_a_visit_that_finds_the_person_alive_certifies_them_for_a_year(county: sessionmaker[Session]) -> None:
    done = follow_ups.record_outcome(
        county, who(county, "heping"), task_of(county, "P1"), Outcome.certified, LATER, "入户见到本人", LATER
    )
    assert (done.status, done.outcome, done.checked_on, done.closed_by) == ("done", "certified", LATER, "heping")
    with county() as session:
        person = session.get(Qualification, "P1")
        assert person is not None
        assert (person.status, person.valid_until, person.checked_on) == ("certified", date(2027, 1, 12), LATER)
    with county() as session:
        assert [task.person_id for task in follow_ups.follow_ups(session, who(county, "heping"))] == ["P2"]


def test_a_visit_that_finds_the_person_deceased_suspends_and_issues_a_notice(county: sessionmaker[Session]) -> None:
    follow_ups.record_outcome(
        county, who(county, "heping"), task_of(county, "P2"), Outcome.deceased, LATER, "家属告知已去世", LATER
    )
    with county() as session:
        person = session.get(Qualification, "P2")
        assert person is not None and person.status == "suspended"
        [notice] = session.scalars(select(SuspensionNotice)).all()
        assert (notice.person_id, notice.issued_on, notice.basis) == ("P2", LATER, "2026-01-12 经人工核实已死亡")


def test_an_outcome_is_recorded_once(county: sessionmaker[Session]) -> None:
    worker, task = who(county, "heping"), task_of(county, "P1")
    follow_ups.record_outcome(county, worker, task, Outcome.certified, LATER, "见到本人", LATER)
    with pytest.raises(Conflict):
        follow_ups.record_outcome(county, worker, task, Outcome.deceased, LATER, "再次记录", LATER)


def test_a_check_cannot_be_dated_in_the_future_or_before_the_task(county: sessionmaker[Session]) -> None:
    worker, task = who(county, "heping"), task_of(county, "P1")
    with pytest.raises(BadInput, match="future"):
        follow_ups.record_outcome(county, worker, task, Outcome.certified, date(2026, 1, 13), "见到本人", LATER)
    with pytest.raises(BadInput, match="predate"):
        follow_ups.record_outcome(county, worker, task, Outcome.certified, date(2026, 1, 2), "见到本人", LATER)
    with pytest.raises(BadInput):
        follow_ups.record_outcome(county, worker, task, Outcome.certified, LATER, "  ", LATER)


def test_a_later_run_does_not_undo_a_visit(county: sessionmaker[Session], tmp_path: Path) -> None:
    follow_ups.record_outcome(
        county, who(county, "heping"), task_of(county, "P1"), Outcome.certified, LATER, "入户见到本人", LATER
    )
    # Next month the registries still hold no sign of life: the visit stands, nobody is sent again.
    imported(county, tmp_path / "next", [unseen("P1"), unseen("P2", "2024-06-01"), unseen("P3"), CONFLICT], PEOPLE,
             as_of=date(2026, 1, 31), today=date(2026, 2, 2))  # fmt: skip
    with county() as session:
        person = session.get(Qualification, "P1")
        assert person is not None and person.status == "certified"
        assert session.scalars(select(FollowUp).where(FollowUp.person_id == "P1")).one().status == "done"


def test_the_workbench_counts_open_and_overdue_follow_ups(county: sessionmaker[Session]) -> None:
    with county() as session:
        assert follow_ups.counts(session, who(county, "heping"), TODAY) == (2, 0)
        assert follow_ups.counts(session, who(county, "heping"), date(2026, 1, 27)) == (2, 2)
        assert follow_ups.counts(session, who(county, "officer"), TODAY) == (0, 0)
    stranger = Actor(None, "nowhere", Role.window)
    with county() as session:
        assert follow_ups.follow_ups(session, stranger) == []


def test_an_alive_run_withdraws_and_never_reopens(county: sessionmaker[Session], tmp_path: Path) -> None:
    imported(county, tmp_path / "next", [alive("P1", "2026-01-20"), unseen("P2", "2024-06-01"), unseen("P3"),
             CONFLICT], PEOPLE, as_of=date(2026, 1, 31))  # fmt: skip
    with county() as session:
        statuses = {pid: status for pid, status in session.execute(select(FollowUp.person_id, FollowUp.status))}
    assert statuses == {"P1": "withdrawn", "P2": "open", "P3": "open", "P4": "open"}
