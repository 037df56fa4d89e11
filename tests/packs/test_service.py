from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import Edit, errors_of, other_pack
from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM
from tongban.catalog.models import Material, Service
from tongban.models import Base
from tongban.packs import service as packs
from tongban.packs.domain import PackError, PackInvalid
from tongban.packs.models import LoadedPack
from tongban.packs.reader import read_pack
from tongban.points.models import PointService

TP1 = "services/tp-001.yaml"
TP2 = "services/tp-002.yaml"


def snapshot(db: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare a database before and after."""
    with db() as session:
        return {
            table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def audit_count(db: sessionmaker[Session]) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


def new_entries(db: sessionmaker[Session], after: int) -> list[tuple[str, str, str]]:
    with db() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq))
        return [(row.action, row.entity, row.entity_key) for row in rows]


# --- loading ----------------------------------------------------------------------------


def test_loading_writes_every_record(db: sessionmaker[Session], tiny: Path) -> None:
    report = packs.load(db, SYSTEM, [tiny])
    created = {entity: created for entity, created, *_ in report.rows()}
    assert created == {
        "jurisdictions": 3,
        "departments": 2,
        "services": 2,
        "materials": 3,
        "bundles": 1,
        "alliances": 1,
        "alliance_services": 1,
        "registries": 1,
        "registry_records": 2,
        "draws": 0,
        "request_types": 2,
        "request_providers": 1,
        "request_routing_rules": 2,
        "request_routing_examples": 4,
        "assistance_programs": 0,
        "assistance_need_categories": 0,
        "assistance_resources": 0,
        "point_tiers": 2,
        "points": 3,
        "point_services": 6,
        "posters": 1,
        "packs": 1,
    }
    assert report.summary().splitlines()[0] == "已载入 / loaded: tiny-pack"
    assert report.summary().splitlines()[5].split() == ["materials", "3", "0", "0", "0"]
    with db() as session:
        bank = session.scalars(select(PointService.service_code).where(PointService.point_code == "tp-bank-1"))
        assert sorted(bank) == ["TP-001", "TP-002"]
        service = session.get(Service, "TP-001")
        assert service is not None
        assert service.search_text == (
            "灵活就业人员参保登记 insurance registration for flexible workers 社会保险 社保 参保 tp-001 000118001000"
        )
        assert [material.code for material in service.materials] == ["id-card", "hukou"]


def test_loading_the_same_pack_twice_changes_nothing(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    before, entries = snapshot(db), audit_count(db)
    report = packs.load(db, SYSTEM, [tiny])
    assert not report.changed
    assert report.total("unchanged") == 38
    assert audit_count(db) == entries
    assert snapshot(db) == before


def test_a_changed_field_updates_one_row_and_logs_one_entry(db: sessionmaker[Session], tiny: Path, edit: Edit) -> None:
    packs.load(db, SYSTEM, [tiny])
    entries = audit_count(db)
    with db() as session:
        stamps: dict[str, datetime] = {
            code: at for code, at in session.execute(select(Service.code, Service.updated_at))
        }
    edit(TP2, "name: 社会保障卡补换", "name: 社会保障卡补领、换领")
    report = packs.load(db, SYSTEM, [tiny])
    assert (report.count("services", "updated"), report.count("services", "unchanged")) == (1, 1)
    # The pack's own row records the new checksum.
    assert new_entries(db, entries) == [("update", "services", "TP-002"), ("update", "packs", "tiny-pack")]
    with db() as session:
        after: dict[str, datetime] = {
            code: at for code, at in session.execute(select(Service.code, Service.updated_at))
        }
        assert session.get(Service, "TP-002").name == "社会保障卡补领、换领"  # type: ignore[union-attr]
    assert after["TP-001"] == stamps["TP-001"]
    assert after["TP-002"] > stamps["TP-002"]


def test_a_material_dropped_from_the_pack_is_deleted(db: sessionmaker[Session], tiny: Path, edit: Edit) -> None:
    packs.load(db, SYSTEM, [tiny])
    entries = audit_count(db)
    text = (tiny / TP1).read_text(encoding="utf-8")
    edit(TP1, text[text.index("  - code: hukou") : text.index("visits:")], "")
    report = packs.load(db, SYSTEM, [tiny])
    assert report.count("materials", "deleted") == 1
    assert ("delete", "materials", "TP-001/hukou") in new_entries(db, entries)
    with db() as session:
        assert list(session.scalars(select(Material.code).where(Material.service_code == "TP-001"))) == ["id-card"]


def test_points_follow_their_tier_and_dropped_points_go(db: sessionmaker[Session], tiny: Path, edit: Edit) -> None:
    packs.load(db, SYSTEM, [tiny])
    edit("pack.yaml", "    services:\n      - TP-001\n", "    services: []\n")
    text = (tiny / "points.csv").read_text(encoding="utf-8")
    edit("points.csv", text.splitlines(keepends=True)[2], "")
    report = packs.load(db, SYSTEM, [tiny])
    assert report.count("points", "deleted") == 1
    assert report.count("point_services", "deleted") == 3  # tp-hall-2's two, and tp-bank-1's TP-001
    with db() as session:
        links = session.execute(select(PointService.point_code, PointService.service_code))
        assert sorted(tuple(link) for link in links) == [
            ("tp-bank-1", "TP-002"),
            ("tp-hall-1", "TP-001"),
            ("tp-hall-1", "TP-002"),
        ]


def test_progress_is_reported_stage_by_stage(db: sessionmaker[Session], tiny: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    packs.load(db, SYSTEM, [tiny], lambda stage, done, total: calls.append((stage, done, total)))
    finals = [call for call in calls if call[1] == call[2]]
    assert finals == [
        ("jurisdictions", 3, 3),
        ("departments", 2, 2),
        ("services", 2, 2),
        ("bundles", 1, 1),
        ("alliances", 1, 1),
        ("registries", 1, 1),
        ("draws", 0, 0),
        ("request_types", 2, 2),
        ("request_providers", 1, 1),
        ("request_routing_rules", 2, 2),
        ("request_routing_examples", 4, 4),
        ("assistance_programs", 0, 0),
        ("assistance_resources", 0, 0),
        ("point_tiers", 2, 2),
        ("points", 3, 3),
        ("posters", 1, 1),
        ("packs", 1, 1),
    ]


def test_a_bad_pack_after_a_good_one_changes_nothing(db: sessionmaker[Session], tiny: Path, edit: Edit) -> None:
    packs.load(db, SYSTEM, [tiny])
    before = snapshot(db)
    edit(TP2, "name: 社会保障卡补换", "name: 改了名字")
    edit(TP1, "copies: 1", "copies: -1")
    with pytest.raises(PackInvalid) as exc:
        packs.load(db, SYSTEM, [tiny])
    assert [error.field for error in exc.value.errors] == ["materials[1].copies"]
    assert snapshot(db) == before


def test_an_error_only_the_database_sees_rolls_everything_back(
    db: sessionmaker[Session], tiny: Path, edit: Edit, monkeypatch: pytest.MonkeyPatch
) -> None:
    packs.load(db, SYSTEM, [tiny])
    before = snapshot(db)
    edit(TP2, "name: 社会保障卡补换", "name: 改了名字")  # written first, then undone
    other = other_pack(tiny.parent, point_services="TP-404")
    monkeypatch.setattr(packs, "cross_check", lambda *args: [])
    with pytest.raises(PackInvalid) as exc:
        packs.load(db, SYSTEM, [tiny, other])
    [error] = exc.value.errors
    assert "数据库拒绝写入" in error.message_zh and "nothing was changed" in error.message_en
    assert snapshot(db) == before


def test_the_loaded_pack_row_keeps_its_time_until_the_files_change(
    db: sessionmaker[Session], tiny: Path, edit: Edit
) -> None:
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        first = session.get(LoadedPack, "tiny-pack")
    packs.load(db, SYSTEM, [tiny])
    edit("pack.yaml", 'version: "2025.1"', 'version: "2025.2"')
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        last = session.get(LoadedPack, "tiny-pack")
    assert first is not None and last is not None
    assert (last.version, last.checksum != first.checksum, last.loaded_at > first.loaded_at) == ("2025.2", True, True)


# --- the calendar override -----------------------------------------------------------------


CALENDAR = "years:\n  2031:\n    holidays: [2031-01-01, 2031-01-02]\n    workdays: [2031-01-04]\n"


def test_a_packs_calendar_becomes_an_override(tiny: Path) -> None:
    (tiny / "calendar.yaml").write_text(CALENDAR, encoding="utf-8")
    assert packs.check([tiny]) == []
    override = packs.calendar_override([tiny])
    assert override is not None
    assert (override.years, len(override.holidays), len(override.workdays)) == (frozenset({2031}), 2, 1)


def test_without_a_calendar_file_there_is_no_override(tiny: Path) -> None:
    assert packs.calendar_override([tiny]) is None


def test_a_bad_calendar_date_names_its_line(tiny: Path) -> None:
    (tiny / "calendar.yaml").write_text(CALENDAR.replace("2031-01-02", "2032-01-02"), encoding="utf-8")
    assert errors_of([tiny]) == [
        (
            "tiny-pack/calendar.yaml",
            3,
            "years.2031.holidays[1]",
            "2032-01-02 不在 2031 年内",
            "2032-01-02 is not in 2031",
        )
    ]


def test_a_misshapen_calendar_is_caught_with_its_line(tiny: Path) -> None:
    (tiny / "calendar.yaml").write_text(CALENDAR.replace("workdays", "workday"), encoding="utf-8")
    [error] = packs.check([tiny])
    assert (error.line, error.field, error.message_en) == (4, "years.2031.workday", "unknown field (misspelt?)")


def test_two_packs_may_not_declare_the_same_year(tiny: Path) -> None:
    other = other_pack(tiny.parent)
    for folder in (tiny, other):
        (folder / "calendar.yaml").write_text(CALENDAR, encoding="utf-8")
    expected = PackError(
        "tiny-pack/calendar.yaml",
        2,
        "years.2031",
        "2031 年已在 other-pack/calendar.yaml 中声明",
        "2031 is already declared in other-pack/calendar.yaml",
    )
    assert packs.check([other, tiny]) == [expected]
    with pytest.raises(PackInvalid) as exc:
        packs.calendar_override([other, tiny])
    assert exc.value.errors == [expected]


# --- the real pack ---------------------------------------------------------------------------


WUXI = Path(__file__).resolve().parents[2] / "packs" / "wuxi-nearby"
needs_wuxi = pytest.mark.skipif(not (WUXI / "pack.yaml").is_file(), reason="packs/wuxi-nearby is not there")


@needs_wuxi
def test_the_wuxi_pack_checks_clean() -> None:
    assert [str(error) for error in packs.check([WUXI])] == []
    pack = read_pack(WUXI)
    assert (len(pack.services), len(pack.points), len(pack.posters)) == (44, 131, 10)


@needs_wuxi
@pytest.mark.slow
def test_the_wuxi_pack_loads_and_reloads_as_a_no_op(db: sessionmaker[Session]) -> None:
    report = packs.load(db, SYSTEM, [WUXI])
    created = {entity: created for entity, created, *_ in report.rows()}
    assert (created["services"], created["points"], created["posters"], created["packs"]) == (44, 131, 10, 1)
    assert not packs.load(db, SYSTEM, [WUXI]).changed
