"""A certification run imported into the platform: qualifications, follow-ups, notices and resumption."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.fixtures.certify_data import Evidence, Pensioner, certify_rows, death, life
from tests.registries.fixtures.qualification_data import (
    DEPARTMENT,
    DONGJIE,
    HEPING,
    RESIDENT_ID,
    TODAY,
    XIANHUA,
    Line,
    alive,
    dead,
    imported,
    places,
    roll,
    unseen,
    write_run,
)
from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM
from tongban.errors import BadInput
from tongban.registries.certification import CertifyInputError
from tongban.registries.certify_import import import_run
from tongban.registries.engines import EngineSettings
from tongban.registries.models import (
    CertificationResult,
    CertificationRun,
    FollowUp,
    Qualification,
    SuspensionNotice,
)

PEOPLE = roll(("P1", "王丽", HEPING), ("P2", "李强", HEPING), ("P3", "张伟", XIANHUA), ("P4", "陈静", DONGJIE))


@pytest.fixture
def county(db: sessionmaker[Session]) -> sessionmaker[Session]:
    places(db)
    return db


def qualification(factory: sessionmaker[Session], person_id: str) -> Qualification:
    with factory() as session:
        found = session.get(Qualification, person_id)
        assert found is not None
        return found


def rows(factory: sessionmaker[Session], table: type) -> list:  # type: ignore[type-arg]
    with factory() as session:
        return list(session.scalars(select(table).order_by(table.person_id)))


def test_each_pensioner_gets_a_qualification_valid_until_a_year_after_the_last_evidence(
    county: sessionmaker[Session], tmp_path: Path
) -> None:
    lines = [alive("P1", "2025-11-03"), unseen("P2"), dead("P3"), alive("P4", "2024-02-29")]
    done = imported(county, tmp_path, lines, PEOPLE)
    assert done.created
    first = qualification(county, "P1")
    assert (first.status, first.valid_until, first.id_number, first.region_code) == (
        "certified", date(2026, 11, 3), RESIDENT_ID, HEPING,
    )  # fmt: skip
    assert qualification(county, "P4").valid_until == date(2025, 2, 28)
    assert qualification(county, "P3").valid_until is None
    with county() as session:
        run = session.get(CertificationRun, done.run_id)
        assert run is not None
        assert (run.pensioners, run.certified, run.suspended, run.manual) == (4, 2, 1, 1)
        assert (run.matched_by_id, run.unmatched, run.department_code) == (3, 1, DEPARTMENT)
        assert session.scalar(select(func.count()).select_from(CertificationResult)) == 4


def test_importing_the_same_run_again_changes_nothing(county: sessionmaker[Session], tmp_path: Path) -> None:
    lines = [alive("P1"), unseen("P2"), dead("P3"), alive("P4")]
    first = imported(county, tmp_path, lines, PEOPLE)
    again = imported(county, tmp_path, lines, PEOPLE)
    assert (again.run_id, again.created) == (first.run_id, False)
    assert len(rows(county, FollowUp)) == len(rows(county, SuspensionNotice)) == 1
    with county() as session:
        assert session.scalar(select(func.count()).select_from(CertificationRun)) == 1
        assert session.scalar(select(func.count()).select_from(CertificationResult)) == 4
        imports = select(func.count()).where(AuditEntry.entity == "certification_runs")
        assert session.scalar(imports) == 1


def test_an_older_run_is_refused(county: sessionmaker[Session], tmp_path: Path) -> None:
    lines = [alive("P1"), unseen("P2"), dead("P3"), alive("P4")]
    imported(county, tmp_path, lines, PEOPLE)
    with pytest.raises(BadInput, match="older run"):
        imported(county, tmp_path / "old", [*lines[:3], alive("P4", "2025-01-01")], PEOPLE, as_of=date(2025, 11, 30))


def test_manual_ones_get_one_follow_up_in_their_own_community(county: sessionmaker[Session], tmp_path: Path) -> None:
    conflict = Line("P4", "manual", "死亡记录 2025-03-01 之后仍有生存记录（2025-04-01），需人工核实", "2025-04-01",
                    "2025-03-01")  # fmt: skip
    imported(county, tmp_path, [alive("P1"), unseen("P2"), unseen("P3", "2024-06-01"), conflict], PEOPLE)
    tasks = {task.person_id: task for task in rows(county, FollowUp)}
    assert set(tasks) == {"P2", "P3", "P4"}
    assert (tasks["P2"].community_code, tasks["P3"].community_code) == (HEPING, XIANHUA)
    assert tasks["P2"].kind == "remote_face_check"
    assert tasks["P4"].kind == "community_visit"  # a disputed death record needs someone there
    assert tasks["P2"].due_on == date(2026, 1, 26)  # 15 working days after 2026-01-05
    assert all(task.status == "open" and task.created_on == TODAY for task in tasks.values())
    imported(county, tmp_path / "next", [alive("P1"), unseen("P2"), unseen("P3", "2024-06-01"), conflict], PEOPLE,
             as_of=date(2026, 1, 31))  # fmt: skip
    assert len(rows(county, FollowUp)) == 3  # still one each, not a second


def test_a_suspended_pensioner_gets_a_notice_and_a_later_certified_run_resumes_payment(
    county: sessionmaker[Session], tmp_path: Path
) -> None:
    first = imported(county, tmp_path, [dead("P1"), alive("P2"), alive("P3"), alive("P4")], PEOPLE)
    [notice] = rows(county, SuspensionNotice)
    assert (notice.status, notice.issued_on, notice.run_id) == ("open", TODAY, first.run_id)
    assert notice.text.startswith("王丽：") and "2025-06-01" in notice.text
    # The death record turned out to be someone else's and was withdrawn; the next run certifies her.
    later = imported(county, tmp_path / "next", [alive("P1", "2026-01-20"), *map(alive, ("P2", "P3", "P4"))],
                     PEOPLE, as_of=date(2026, 1, 31), today=date(2026, 2, 2))  # fmt: skip
    [notice] = rows(county, SuspensionNotice)
    assert (notice.status, notice.lifted_on) == ("lifted", date(2026, 2, 2))
    assert qualification(county, "P1").status == "certified"
    with county() as session:
        run = session.get(CertificationRun, later.run_id)
        assert run is not None and run.resumed == 1 and run.notices_issued == 0


def test_a_run_that_settles_a_manual_one_withdraws_the_follow_up(county: sessionmaker[Session], tmp_path: Path) -> None:
    imported(county, tmp_path, [unseen("P1"), alive("P2"), alive("P3"), alive("P4")], PEOPLE)
    imported(county, tmp_path / "next", [alive("P1", "2026-01-10"), *map(alive, ("P2", "P3", "P4"))], PEOPLE,
             as_of=date(2026, 1, 31))  # fmt: skip
    [task] = rows(county, FollowUp)
    assert task.status == "withdrawn" and "批次" in (task.note or "")


def test_a_bad_run_file_names_the_row_and_imports_nothing(county: sessionmaker[Session], tmp_path: Path) -> None:
    lines = [alive("P1"), Line("P2", "alive"), alive("P3"), alive("P4")]
    with pytest.raises(CertifyInputError) as caught:
        imported(county, tmp_path, lines, PEOPLE)
    assert caught.value.row == 2 and "status" in caught.value.message_en
    with pytest.raises(CertifyInputError, match="not on the pensioner roll"):
        imported(county, tmp_path, [alive("P1"), alive("P2"), alive("P3"), alive("P9")], PEOPLE)
    with pytest.raises(CertifyInputError, match="one row per pensioner"):
        imported(county, tmp_path, [alive("P1"), alive("P2")], PEOPLE)
    nowhere = [*PEOPLE[:3], Pensioner("P4", PEOPLE[3].id_number, "陈静", region_code=" ")]
    with pytest.raises(CertifyInputError, match="no community") as caught:
        imported(county, tmp_path, [alive("P1"), alive("P2"), alive("P3"), alive("P4")], nowhere)
    assert caught.value.row == 4 and caught.value.file.endswith("pensioners.csv")
    assert rows(county, Qualification) == []


def test_a_header_that_is_not_the_contracts_is_refused(county: sessionmaker[Session], tmp_path: Path) -> None:
    run_file = write_run(tmp_path, PEOPLE, [alive("P1")])
    run_file.write_text("person_id,status\nP1,certified\n", encoding="utf-8")
    with pytest.raises(CertifyInputError, match="header must be"):
        import_run(county, SYSTEM, run_file, tmp_path / "pensioners.csv", date(2025, 12, 31))


def test_a_run_made_by_tongban_certify_imports_as_it_is(county: sessionmaker[Session], tmp_path: Path) -> None:
    people = [Pensioner("A", PEOPLE[0].id_number, "王丽", PEOPLE[0].gender, "1950-01-01", HEPING),
              Pensioner("B", PEOPLE[1].id_number, "李强", PEOPLE[1].gender, "1955-05-05", XIANHUA)]  # fmt: skip
    evidence: list[Evidence] = [life("2025-10-01", id_number=people[0].id_number),
                                death("2025-08-01", id_number=people[1].id_number)]  # fmt: skip
    certify_rows(tmp_path, people, evidence, date(2025, 12, 31), EngineSettings(memory_limit="1GB", threads=1))
    done = import_run(county, SYSTEM, tmp_path / "out.csv", tmp_path / "pensioners.csv", date(2025, 12, 31))
    assert done.created
    assert [q.status for q in rows(county, Qualification)] == ["certified", "suspended"]
