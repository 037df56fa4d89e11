"""The eligibility service: the filing date (``case:filed_on``) as a fact, given by whoever files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.calendar import service as calendar
from tongban.packs import service as packs
from tongban.rules.service import check_application, check_person

TINY = Path(__file__).parents[1] / "packs" / "fixtures" / "tiny-pack"
ADULT = "330106199001010018"
WINDOW = Actor(None, "window", Role.window, "330100")


@pytest.fixture
def dated(db: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """The tiny pack, its TP-001 taking applications only from 2025 on."""
    pack = Path(shutil.copytree(TINY, tmp_path / "tiny-pack"))
    rules = pack / "services" / "tp-001.yaml"
    text = rules.read_text(encoding="utf-8").replace(
        "  rules:\n",
        "    filed_on: {source: 'case:filed_on', type: date, label: 申请日期}\n  rules:\n"
        "    - {id: R0, expr: \"filed_on >= DATE '2025-01-01'\", message: 2025年起受理}\n",
    )
    rules.write_text(text, encoding="utf-8")
    packs.load(db, SYSTEM, [pack])
    return db


def test_the_filing_date_is_the_day_the_case_is_filed(dated: sessionmaker[Session]) -> None:
    with dated() as session:
        early = check_application(session, WINDOW, "TP-001", ADULT, {}, date(2024, 12, 31))
        filed = check_application(session, WINDOW, "TP-001", ADULT, {}, date(2025, 1, 2))
    assert (early.verdict.failed, filed.verdict.failed) == (["R0"], [])
    fact = next(value for value in filed.facts if value.name == "filed_on")
    assert (fact.value, fact.source_name) == ("2025-01-02", "申请日期")


def test_a_check_before_applying_takes_today_as_the_filing_date(
    dated: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar, "today", lambda: date(2024, 6, 1))
    with dated() as session:
        found = check_person(session, WINDOW, "TP-001", ADULT, {})
    assert found.verdict.failed == ["R0"]
