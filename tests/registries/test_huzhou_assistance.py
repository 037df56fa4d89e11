"""The huzhou-assistance pack (湖州“助联体”): its sample is its generator's; discovery finds the article's household."""

from __future__ import annotations

import runpy
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import REPO
from tests.registries.assistance_data import JAN_31
from tongban.auth.domain import SYSTEM
from tongban.packs import service as packs
from tongban.registries.discovery_service import discover
from tongban.registries.models import AssistanceNeed, AssistanceTask

PACK = REPO / "packs" / "huzhou-assistance"
WITH = ["wucheng-e-kuaiban", "nanxun-elderly-card", "huzhou-supervision", "huzhou-assistance"]


def test_the_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    runpy.run_path(str(PACK / "generate.py"))["main"](tmp_path)
    for made in sorted(tmp_path.glob("*.csv")):
        assert made.read_bytes() == (PACK / "registries" / made.name).read_bytes(), made.name


def test_discovery_finds_the_articles_household_and_every_rule_finds_someone(db: sessionmaker[Session]) -> None:
    packs.load(db, SYSTEM, [REPO / "packs" / name for name in WITH])
    summary = discover(db, SYSTEM, "huzhou-assistance", JAN_31)
    assert summary.households == 298 and summary.created > 0 and summary.on_roll > 0
    with db() as session:
        tasks = {task.household_id: task for task in session.scalars(select(AssistanceTask))}
        need = session.scalars(
            select(AssistanceNeed).where(AssistanceNeed.task_id == tasks["330502104201-001"].id)
        ).one()
    ding = tasks["330502104201-001"]  # 丁敏 of 保卫村, 东林镇
    assert [hit["id"] for hit in ding.hits] == ["ZLT-01"] and ding.town_code == "330502104"
    assert (need.category_code, need.resource_code) == ("medical", "hz-ybj-yljz")
    fired = {hit["id"] for task in tasks.values() for hit in task.hits}
    assert fired == {f"ZLT-0{n}" for n in range(1, 7)}
