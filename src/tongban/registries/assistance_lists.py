"""The two lists (两个“清单库”) and the summary: needs with their status, resources with their capacity,
and from discovery to assistance by town. Each reads only what the caller may see (``assistance_service.visible``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role, division_prefix
from tongban.errors import Forbidden
from tongban.registries.assistance_service import (
    READERS,
    categories_of,
    category_names,
    place_names,
    resources_by_code,
    tasks,
    visible,
)
from tongban.registries.discovery import NeedStatus, TaskStatus
from tongban.registries.models import AssistanceNeed, AssistanceProgram, AssistanceResource, AssistanceTask
from tongban.registries.offers import used

# Days from discovery to assistance, in the buckets the summary's chart draws; the last is past the month.
DAY_BUCKETS = ((0, 7), (8, 14), (15, 21), (22, 31), (32, None))


@dataclass(frozen=True)
class NeedRow:
    need: AssistanceNeed
    task: AssistanceTask
    overdue: bool


@dataclass(frozen=True)
class NeedsList:
    rows: list[NeedRow]
    counts: Counter[tuple[str, str]]  # (category, status) → needs
    categories: dict[str, tuple[str, str | None]]  # code → (name, name_en)
    resources: dict[str, AssistanceResource]


def needs(
    session: Session, actor: Actor, today: date, status: NeedStatus | None = None, category: str | None = None
) -> NeedsList:
    """需求清单库: every need of the households the caller may see; the counts ignore the filters."""
    query = (
        select(AssistanceNeed, AssistanceTask)
        .join(AssistanceTask, AssistanceTask.id == AssistanceNeed.task_id)
        .join(AssistanceProgram, AssistanceProgram.code == AssistanceTask.program_code)
    )
    found = session.execute(visible(query, actor).order_by(AssistanceTask.due_on, AssistanceNeed.id)).all()
    counts = Counter((need.category_code, need.status) for need, _ in found)
    rows = [
        NeedRow(need, task, task.status == TaskStatus.open and task.due_on < today)
        for need, task in found
        if (status is None or need.status == status) and (category is None or need.category_code == category)
    ]
    programs = [task.program_code for _, task in found]
    return NeedsList(rows, counts, category_names(session, programs), resources_by_code(session, programs))


@dataclass(frozen=True)
class ResourceRow:
    resource: AssistanceResource
    category: tuple[str, str | None]
    used: int
    left: int
    area_name: str


def resources(session: Session, actor: Actor, today: date) -> list[ResourceRow]:
    """资源清单库: the resources serving the caller's area or a place within it, with this year's places."""
    if actor.role not in READERS:
        raise Forbidden("无权查看资源清单", "you may not see the resources list")
    query = select(AssistanceProgram)
    if actor.role is Role.reviewer:
        query = query.where(AssistanceProgram.department_code == actor.department_code)
    rows: list[ResourceRow] = []
    for program in session.scalars(query.order_by(AssistanceProgram.code)):
        taken = used(session, program.code, today)
        names = categories_of(session, program.code)
        listed = [row for row in _resources_of(session, program.code) if _near(actor, row.area_code)]
        places = place_names(session, [row.area_code for row in listed])
        for row in listed:
            category = (
                (names[row.need_code].name, names[row.need_code].name_en) if row.need_code in names else ("", None)
            )
            n = taken.get(row.code, 0)
            rows.append(ResourceRow(row, category, n, max(row.capacity - n, 0), places.get(row.area_code, "")))
    return rows


def _resources_of(session: Session, program: str) -> list[AssistanceResource]:
    query = select(AssistanceResource).where(AssistanceResource.program_code == program)
    return list(session.scalars(query.order_by(AssistanceResource.need_code, AssistanceResource.area_code)))


def _near(actor: Actor, area: str) -> bool:
    """A resource is on the caller's line: serving above their place (the county's, for a town) or within it."""
    if actor.jurisdiction_code is None:
        return actor.role is Role.admin
    mine = actor.jurisdiction_code
    return mine.startswith(division_prefix(area)) or area.startswith(division_prefix(mine))


@dataclass
class TownLine:
    """One town's line of the summary: tasks found, still open, late, closed, and days to assistance."""

    code: str
    name: str
    found: int = 0
    open: int = 0
    overdue: int = 0
    assisted: int = 0
    not_needed: int = 0
    on_time: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def mean_days(self) -> float | None:
        return round(mean(self.days), 1) if self.days else None

    @property
    def on_time_rate(self) -> float | None:
        closed = self.assisted + self.not_needed
        return self.on_time / closed if closed else None


@dataclass(frozen=True)
class Summary:
    towns: list[TownLine]
    total: TownLine
    buckets: list[int]  # households assisted, by DAY_BUCKETS


def summary(session: Session, actor: Actor, today: date) -> Summary:
    """By town: how many were found, are open or late, were assisted, and how long assistance took."""
    found = tasks(session, actor, today)
    needs_of = {row.task.id: row.needs for row in found}
    names = place_names(session, [row.task.town_code for row in found])
    lines: dict[str, TownLine] = {}
    total = TownLine("", "")
    buckets = [0] * len(DAY_BUCKETS)
    for row in found:
        task = row.task
        line = lines.setdefault(task.town_code, TownLine(task.town_code, names.get(task.town_code, task.town_code)))
        assisted = any(need.status == NeedStatus.assisted for need in needs_of[task.id])
        for target in (line, total):
            _count(target, task, row.overdue, assisted)
        if task.closed_on is not None and assisted:
            buckets[_bucket((task.closed_on - task.discovered_on).days)] += 1
    return Summary(sorted(lines.values(), key=lambda line: line.code), total, buckets)


def _count(line: TownLine, task: AssistanceTask, overdue: bool, assisted: bool) -> None:
    line.found += 1
    if task.status == TaskStatus.open:
        line.open += 1
        line.overdue += overdue
        return
    assert task.closed_on is not None  # a closed task has its day
    line.on_time += task.closed_on <= task.due_on
    if assisted:
        line.assisted += 1
        line.days.append((task.closed_on - task.discovered_on).days)
    else:
        line.not_needed += 1


def _bucket(days: int) -> int:
    for index, (low, high) in enumerate(DAY_BUCKETS):
        if days >= low and (high is None or days <= high):
            return index
    return 0


def chart(found: Summary, labels: list[str]) -> dict[str, Any]:
    """The summary's bars: households by town split by where they stand, and assisted by days taken."""
    return {
        "towns": [line.name for line in found.towns],
        "series": [
            {"key": "on_time", "data": [line.on_time for line in found.towns]},
            {"key": "late", "data": [line.assisted + line.not_needed - line.on_time for line in found.towns]},
            {"key": "open", "data": [line.open - line.overdue for line in found.towns]},
            {"key": "overdue", "data": [line.overdue for line in found.towns]},
        ],
        "buckets": labels,
        "days": found.buckets,
    }
