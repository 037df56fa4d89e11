from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import SYSTEM
from tongban.calendar.service import working_calendar
from tongban.packs import service as packs

TINY = Path(__file__).resolve().parent.parent / "packs" / "fixtures" / "tiny-pack"

CALENDAR_2030 = """years:
  2030:
    holidays: [2030-01-01, 2030-02-04, 2030-02-05, 2030-02-06]
    workdays: [2030-02-09]
"""


def test_a_loaded_packs_calendar_is_the_one_in_force(db: sessionmaker[Session], tmp_path: Path) -> None:
    pack = tmp_path / "tiny-pack"
    shutil.copytree(TINY, pack)
    (pack / "calendar.yaml").write_text(CALENDAR_2030, encoding="utf-8")
    packs.load(db, SYSTEM, [pack])
    with db() as session:
        calendar = working_calendar(session)
    assert not calendar.is_working_day(date(2030, 2, 4))
    assert calendar.is_working_day(date(2030, 2, 9))  # an adjusted working Saturday
    assert not calendar.is_provisional(date(2030, 3, 1))
    assert calendar.is_provisional(date(2031, 3, 1))


def test_without_overrides_the_built_in_calendar_holds(db: sessionmaker[Session]) -> None:
    with db() as session:
        calendar = working_calendar(session)
    assert calendar.add_working_days(date(2025, 9, 30), 5).day == date(2025, 10, 14)
