"""A draw a pack declares (``draws.yaml``): created once with a seed of its own, checked like every pack file."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.listings.conftest import JINDONG, PACK_DRAW, PACKS
from tongban.audit.models import AuditEntry
from tongban.auth.domain import SYSTEM
from tongban.errors import Conflict
from tongban.listings import service
from tongban.listings.domain import NewDraw, Plot
from tongban.listings.models import Draw
from tongban.packs import service as packs

BAD_DRAWS = """\
draws:
  - code: RQ-1
    name: 任前村摇号
    village: "330703104"
    service: 330703-NZT-99
    registry: jd-homestead
    enrol_days: 30
    plots:
      - {code: A1, area: 120, terrain: 平原}
      - {code: A1, area: 0, terrain: 平原}
"""


def test_the_rural_housing_pack_opens_renqians_draw_once_with_a_seed_of_its_own(db: sessionmaker[Session]) -> None:
    report = packs.load(db, SYSTEM, JINDONG)
    assert report.count("draws", "created") == 1
    with db() as session:
        draw = session.get(Draw, PACK_DRAW)
        assert draw is not None
        assert (draw.status, draw.jurisdiction_code, draw.created_by) == ("open", "330703104201", "system")
        assert [plot.code for plot in draw.plots] == ["JD104201-2026-01", "JD104201-2026-02", "JD104201-2026-03"]
        assert draw.enrol_until == service.today() + timedelta(days=30)
        assert hashlib.sha256(bytes.fromhex(draw.seed)).hexdigest() == draw.commitment
        seed, commitment = draw.seed, draw.commitment
        created = session.scalars(select(AuditEntry.after).where(AuditEntry.entity == "draws")).one()
    assert commitment in created and seed not in created
    assert "seed" not in (PACKS / "rural-housing" / "draws.yaml").read_text(encoding="utf-8").split("draws:")[1]
    again = packs.load(db, SYSTEM, JINDONG)
    assert (again.count("draws", "unchanged"), again.changed) == (1, False)
    with db() as session:
        assert session.scalar(select(Draw.seed).where(Draw.code == PACK_DRAW)) == seed


def pack_with(tmp_path: Path, draws: str) -> Path:
    """A copy of the rural-housing pack with ``draws`` as its draws.yaml."""
    copy = tmp_path / "rural-housing"
    if not copy.exists():
        shutil.copytree(PACKS / "rural-housing", copy)
    (copy / "draws.yaml").write_text(draws, encoding="utf-8")
    return copy


def errors_of(tmp_path: Path, draws: str) -> list[str]:
    return [str(error) for error in packs.check([JINDONG[0], pack_with(tmp_path, draws)])]


def test_a_bad_draws_file_is_refused_naming_file_line_and_field(tmp_path: Path) -> None:
    assert errors_of(tmp_path, BAD_DRAWS) == [
        "rural-housing/draws.yaml:10: draws[0].plots[1].area: 必须大于 0.0 / must be greater than 0.0"
    ]
    duplicate = errors_of(tmp_path, BAD_DRAWS.replace("area: 0", "area: 100"))
    assert [error.split(" / ")[0] for error in duplicate] == [
        "rural-housing/draws.yaml:4: draws[0].village: 摇号须在村里举行：应为 12 位村级区划代码",
        "rural-housing/draws.yaml:10: draws[0].plots[1].code: code 重复：A1",
    ]
    fixed = BAD_DRAWS.replace('"330703104"', '"330703104201"').replace("A1, area: 0", "A2, area: 100")
    assert [error.split(" / ")[0] for error in errors_of(tmp_path, fixed)] == [
        "rural-housing/draws.yaml:5: draws[0].service: 事项 330703-NZT-99 不存在",
        "rural-housing/draws.yaml:6: draws[0].registry: 登记库 jd-homestead 不存在或缺少字段 "
        "household_id、village_code、name",
    ]


def test_a_pack_cannot_take_over_a_draw_staff_opened(db: sessionmaker[Session], tmp_path: Path) -> None:
    packs.load(db, SYSTEM, JINDONG)
    plots = [Plot("A1", 120, "平原")]
    service.create(
        db, SYSTEM, NewDraw("RQ-1", "任前村", "330703104201", "330703-NZT-01", "jd-household", date(2099, 1, 1), plots)
    )
    declared = (PACKS / "rural-housing" / "draws.yaml").read_text(encoding="utf-8").replace(PACK_DRAW, "RQ-1")
    with pytest.raises(Conflict):
        packs.load(db, SYSTEM, [JINDONG[0], pack_with(tmp_path, declared)])
