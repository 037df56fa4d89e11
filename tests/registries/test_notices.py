"""Suspension notices: the pensioner sees only their own, objects once, and an officer upholds or overturns."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.fixtures.qualification_data import (
    HEPING,
    XIANHUA,
    alive,
    dead,
    imported,
    places,
    roll,
    staff,
    who,
)
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.registries import notices
from tongban.registries.models import Qualification, SuspensionNotice
from tongban.registries.qualification import Decision

PEOPLE = roll(("P1", "王丽", HEPING), ("P2", "李强", XIANHUA))
DECIDED = date(2026, 1, 20)


@pytest.fixture
def county(db: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """王丽, the resident, is suspended on a death record that is not hers; 李强 is certified."""
    places(db)
    staff(db)
    imported(db, tmp_path, [dead("P1"), alive("P2")], PEOPLE)
    return db


def notice_id(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalars(select(SuspensionNotice.id)).one()


def test_the_pensioner_sees_their_own_qualification_and_notice(county: sessionmaker[Session]) -> None:
    with county() as session:
        mine = notices.mine(session, who(county, "resident"))
    assert mine is not None
    assert (mine.person_id, mine.status, mine.valid_until) == ("P1", "suspended", None)
    [notice] = mine.notices
    assert notice.status == "open" and notice.may_object and notice.objection == "none"


def test_a_citizen_who_is_no_pensioner_sees_nothing_and_cannot_object(county: sessionmaker[Session]) -> None:
    with county() as session:
        assert notices.mine(session, who(county, "neighbour")) is None
    with pytest.raises(NotFound):
        notices.object_to(county, who(county, "neighbour"), notice_id(county), "我没死", "")
    with county() as session, pytest.raises(NotFound):
        notices.notice(session, who(county, "neighbour"), notice_id(county))


def test_only_citizens_have_a_record_of_their_own(county: sessionmaker[Session]) -> None:
    with county() as session, pytest.raises(Forbidden):
        notices.mine(session, who(county, "heping"))


def test_an_objection_is_made_once_and_waits_for_the_officer(county: sessionmaker[Session]) -> None:
    resident = who(county, "resident")
    with pytest.raises(BadInput):
        notices.object_to(county, resident, notice_id(county), "   ", "")
    made = notices.object_to(
        county, resident, notice_id(county), "本人健在，死亡记录非本人", "2026年1月3日县人民医院就诊"
    )
    assert made.objection == "pending" and not made.may_object
    with pytest.raises(Conflict):
        notices.object_to(county, resident, notice_id(county), "再次申诉", "")
    with county() as session:
        [waiting] = notices.objections(session, who(county, "officer"))
        assert waiting.objection_evidence == "2026年1月3日县人民医院就诊"
        assert notices.objections(session, who(county, "medical")) == []  # another department's reviewer
        assert notices.objections(session, who(county, "admin")) != []


def test_an_overturned_objection_resumes_payment_that_day(county: sessionmaker[Session]) -> None:
    notices.object_to(county, who(county, "resident"), notice_id(county), "本人健在", "")
    decided = notices.decide(
        county, who(county, "officer"), notice_id(county), Decision.overturned, "经视频核实本人健在", DECIDED
    )
    assert (decided.status, decided.lifted_on, decided.objection) == ("lifted", DECIDED, "overturned")
    assert decided.lifted_because == "申诉成立：经视频核实本人健在"
    with county() as session:
        person = session.get(Qualification, "P1")
        assert person is not None
        assert (person.status, person.valid_until) == ("certified", date(2027, 1, 20))
        assert notices.objections(session, who(county, "officer")) == []


def test_an_upheld_suspension_stays_and_the_objection_cannot_be_decided_twice(county: sessionmaker[Session]) -> None:
    notices.object_to(county, who(county, "resident"), notice_id(county), "本人健在", "")
    officer = who(county, "officer")
    decided = notices.decide(county, officer, notice_id(county), Decision.upheld, "火化记录与本人身份证号一致", DECIDED)
    assert (decided.status, decided.objection) == ("open", "upheld")
    with pytest.raises(Conflict):
        notices.decide(county, officer, notice_id(county), Decision.overturned, "改判", DECIDED)
    with county() as session:
        person = session.get(Qualification, "P1")
        assert person is not None and person.status == "suspended"


def test_another_departments_reviewer_and_a_worker_cannot_decide(county: sessionmaker[Session]) -> None:
    notices.object_to(county, who(county, "resident"), notice_id(county), "本人健在", "")
    with pytest.raises(NotFound):
        notices.decide(county, who(county, "medical"), notice_id(county), Decision.overturned, "x", DECIDED)
    with pytest.raises(Forbidden):
        notices.decide(county, who(county, "heping"), notice_id(county), Decision.overturned, "x", DECIDED)
