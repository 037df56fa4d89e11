"""The run report: counts by status and by district in the officer's area, and the same in Excel."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.registries.fixtures.qualification_data import (
    DONGJIE,
    HEPING,
    XIANHUA,
    alive,
    dead,
    imported,
    places,
    roll,
    staff,
    unseen,
    who,
)
from tongban.auth.domain import Actor, Role
from tongban.errors import Forbidden, NotFound
from tongban.registries import run_report, run_workbook
from tongban.registries.domain import Status

PEOPLE = roll(
    ("P1", "王丽", HEPING), ("P2", "李强", HEPING), ("P3", "张伟", XIANHUA), ("P4", "陈静", DONGJIE),
    ("P5", "刘洋", XIANHUA), ("P6", "赵敏", "330782001001"),
)  # fmt: skip
LINES = [alive("P1"), dead("P2"), unseen("P3"), alive("P4"), alive("P5"), alive("P6")]


@pytest.fixture
def run_id(db: sessionmaker[Session], tmp_path: Path) -> int:
    places(db)
    staff(db)
    return imported(db, tmp_path, LINES, PEOPLE).run_id


def test_a_county_run_is_counted_by_town_with_names(db: sessionmaker[Session], run_id: int) -> None:
    with db() as session:
        found = run_report.report(session, who(db, "officer"), run_id)
    assert found.level == "town"  # one county in the officer's area: the first level that splits it
    assert found.total == 5 and not found.whole  # 赵敏 lives in 义乌, outside the officer's county
    assert found.totals == {Status.CERTIFIED: 3, Status.SUSPENDED: 1, Status.MANUAL: 1}
    rows = {row.code: (row.name, row.counts[Status.CERTIFIED], row.total) for row in found.districts}
    assert rows == {"330726001": ("浦阳街道", 2, 3), "330726002": ("仙华街道", 1, 2)}
    assert found.follow_ups == {"open": 1} and found.notices["open"] == 1


def test_the_level_can_be_chosen(db: sessionmaker[Session], run_id: int) -> None:
    with db() as session:
        found = run_report.report(session, who(db, "officer"), run_id, "village")
        everywhere = run_report.report(session, who(db, "admin"), run_id)
    assert [row.name for row in found.districts] == ["和平社区", "东街社区", "仙华社区"]
    assert everywhere.level == "county" and everywhere.whole
    counted = [(row.code, row.name, row.total) for row in everywhere.districts]
    assert counted == [("330726", "浦江县", 5), ("330782", None, 1)]


def test_an_officer_of_a_town_sees_that_town_only(db: sessionmaker[Session], run_id: int) -> None:
    town = Actor(99, "town-officer", Role.reviewer, "330726002", "pj-sbj")
    with db() as session:
        found = run_report.report(session, town, run_id)
    assert found.total == 2 and not found.whole
    assert [row.code for row in found.districts] == ["330726002"]


def test_only_the_runs_department_reads_it(db: sessionmaker[Session], run_id: int) -> None:
    with db() as session:
        with pytest.raises(Forbidden):
            run_report.report(session, who(db, "medical"), run_id)
        with pytest.raises(Forbidden):
            run_report.report(session, who(db, "heping"), run_id)
        with pytest.raises(NotFound):
            run_report.report(session, who(db, "officer"), run_id + 1)
        assert run_report.runs(session, who(db, "medical")) == []
        assert [run.id for run in run_report.runs(session, who(db, "admin"))] == [run_id]


def test_the_workbook_holds_the_same_figures(db: sessionmaker[Session], run_id: int) -> None:
    with db() as session:
        found = run_report.report(session, who(db, "officer"), run_id)
    book = load_workbook(BytesIO(run_workbook.workbook(found)))
    assert book.sheetnames == ["按状态", "按乡镇（街道）", "说明"]
    statuses = [[cell.value for cell in row] for row in book["按状态"].iter_rows(min_row=2)]
    assert statuses[0] == ["认证通过", 3, pytest.approx(3 / 5)]
    assert statuses[-1][:2] == ["合计", 5]
    assert book["按状态"]["C2"].number_format == "0.0%"
    districts = [[cell.value for cell in row] for row in book["按乡镇（街道）"].iter_rows(min_row=2)]
    assert districts[0][:6] == ["330726001", "浦阳街道", 2, 1, 0, 3]
    notes = {row[0].value: row[1].value for row in book["说明"].iter_rows(min_row=2)}
    assert notes["数据截止日期"] == "2025-12-31" and notes["发出暂停发放告知书"] == 1
    assert run_workbook.filename(found) == f"静默认证_2025-12-31_批次{run_id}.xlsx"
