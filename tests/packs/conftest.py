"""Pack test helpers: a fresh copy of the tiny pack per test, ways to edit it, and a second pack."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tongban.packs import service as packs

FIXTURES = Path(__file__).parent / "fixtures"

Edit = Callable[[str, str, str], Path]
POINT_HEADER = "code,name,name_en,tier,jurisdiction,address,lat,lon,hours,phone,transit,services\n"
POSTER_HEADER = "code,name,name_en,place,lat,lon,guidance\n"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A copy of ``fixtures/tiny-pack`` that the test may change."""
    return Path(shutil.copytree(FIXTURES / "tiny-pack", tmp_path / "tiny-pack"))


@pytest.fixture
def edit(tiny: Path) -> Edit:
    """``edit(file, old, new)`` replaces the first ``old`` in one of the tiny pack's files."""

    def replace(relative: str, old: str, new: str) -> Path:
        path = tiny / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return tiny

    return replace


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line holding ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in {path}")


def other_pack(root: Path, point_services: str = "TP-001", poster: str = "op-poster-1") -> Path:
    """A second pack that leans on the tiny pack's codes: its point handles ``point_services``."""
    folder = root / "other-pack"
    (folder / "services").mkdir(parents=True)
    (folder / "pack.yaml").write_text(
        "code: other-pack\nname: 另一个包\nversion: '1'\npoint_tiers:\n  kiosk:\n    name: 自助终端\n",
        encoding="utf-8",
    )
    (folder / "points.csv").write_text(
        POINT_HEADER
        + f"op-kiosk-1,自助终端,,kiosk,330100,杭州市某路1号,30.26,120.16,全天,0571-4444444,,{point_services}\n",
        encoding="utf-8",
    )
    (folder / "posters.csv").write_text(POSTER_HEADER + f"{poster},画报,,车站,30.26,120.16,\n", encoding="utf-8")
    return folder


def errors_of(paths: list[Path], session: Session | None = None) -> list[tuple[str, int | None, str, str, str]]:
    return [(e.file, e.line, e.field, e.message_zh, e.message_en) for e in packs.check(paths, session)]
