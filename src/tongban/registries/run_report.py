"""The run report (认证批次报告): a run's verdicts counted by status and by district, for its data officers.

Counts come from the run's own lines (``certification_results``), not from today's
qualifications, so the report says what the run found however the follow-ups went since. An
officer whose jurisdiction is part of the run's area sees the counts of that part only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from tongban.auth.domain import Actor, Role, division_prefix
from tongban.auth.models import Department, Jurisdiction
from tongban.errors import Forbidden, NotFound
from tongban.registries.domain import Status
from tongban.registries.models import (
    CertificationResult,
    CertificationRun,
    FollowUp,
    Qualification,
    SuspensionNotice,
)
from tongban.registries.qualification import is_officer

# District levels by the length of their division-code prefix (县、乡镇街道、村社区).
LEVELS = {"county": 6, "town": 9, "village": 12}


@dataclass(frozen=True)
class RunSummary:
    id: int
    as_of: date
    file_name: str
    digest: str
    department: str | None
    pensioners: int
    certified: int
    suspended: int
    manual: int
    matched_by_id: int
    matched_fuzzy: int
    unmatched: int
    follow_ups_opened: int
    follow_ups_withdrawn: int
    notices_issued: int
    resumed: int
    kept_by_checks: int
    imported_by: str
    imported_at: datetime


@dataclass(frozen=True)
class District:
    code: str
    name: str | None
    name_en: str | None
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RunReport:
    run: RunSummary
    level: str
    districts: list[District]
    totals: dict[Status, int]  # within the officer's area
    whole: bool  # whether the officer's area holds the whole run
    follow_ups: dict[str, int]  # by status, the run's tasks in the officer's area
    notices: dict[str, int]  # open, lifted, and objections waiting

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def runs(session: Session, actor: Actor) -> list[RunSummary]:
    """The runs the caller is a data officer of, the latest first."""
    _require_officer_role(actor)
    query = select(CertificationRun).order_by(CertificationRun.as_of.desc(), CertificationRun.id.desc())
    return [_summary(session, run) for run in session.scalars(query) if is_officer(actor, run.department_code)]


def report(session: Session, actor: Actor, run_id: int, level: str | None = None) -> RunReport:
    """The run's counts in the caller's area; ``level`` county, town or village, by default the first that splits."""
    _require_officer_role(actor)
    run = session.get(CertificationRun, run_id)
    if run is None:
        raise NotFound("找不到该认证批次", "certification run not found", "run")
    if not is_officer(actor, run.department_code):
        raise Forbidden("仅该批次所属部门的数据专员可查看", "only the run's data officers may see it")
    scope = _scope(actor, CertificationResult.region_code)
    chosen = level if level in LEVELS else _first_split(session, actor, run_id, scope)
    districts = _districts(session, run_id, scope, LEVELS[chosen])
    totals = {status: sum(d.counts[status] for d in districts) for status in Status}
    return RunReport(
        _summary(session, run), chosen, districts, totals, sum(totals.values()) == run.pensioners,
        _follow_ups(session, actor, run_id), _notices(session, actor, run_id),
    )  # fmt: skip


def _require_officer_role(actor: Actor) -> None:
    if actor.role not in (Role.admin, Role.reviewer):
        raise Forbidden("仅数据专员可查看认证批次", "only data officers see certification runs")


def _scope(actor: Actor, column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return true()
    if actor.jurisdiction_code is None:
        return false()  # an officer without an area of their own sees no one
    return column.startswith(division_prefix(actor.jurisdiction_code), autoescape=True)


def _first_split(session: Session, actor: Actor, run_id: int, scope: ColumnElement[bool]) -> str:
    """From the officer's own level down, the first at which their area holds more than one district.

    A county's run splits by town; where nothing splits, the officer's own level shows the one district.
    """
    own = len(division_prefix(actor.jurisdiction_code)) if actor.jurisdiction_code else 0
    candidates = [name for name, width in LEVELS.items() if width >= own] or ["village"]
    for name in candidates:
        district = func.substr(CertificationResult.region_code, 1, LEVELS[name])
        query = select(func.count(func.distinct(district))).where(CertificationResult.run_id == run_id, scope)
        if (session.scalar(query) or 0) > 1:
            return name
    return candidates[0]


def _districts(session: Session, run_id: int, scope: ColumnElement[bool], width: int) -> list[District]:
    district = func.substr(CertificationResult.region_code, 1, width).label("district")
    query: Select[str, str, int] = (
        select(district, CertificationResult.status, func.count())
        .where(CertificationResult.run_id == run_id, scope)
        .group_by(district, CertificationResult.status)
    )
    counts: dict[str, dict[Status, int]] = {}
    for code, status, count in session.execute(query):
        counts.setdefault(code or "", {s: 0 for s in Status})[Status(status)] += count
    names = _names(session, list(counts))
    unnamed: tuple[str | None, str | None] = (None, None)
    return [District(code, *names.get(code, unnamed), counts=counts[code]) for code in sorted(counts)]


def _names(session: Session, codes: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """Division names; a town may be filed under its 12-digit form (330726001000)."""
    padded = {code.ljust(12, "0"): code for code in codes if code}
    wanted = [code for code in codes if code] + list(padded)
    found: dict[str, tuple[str | None, str | None]] = {}
    for code, name, name_en in session.execute(
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.name_en).where(Jurisdiction.code.in_(wanted))
    ):
        found.setdefault(padded.get(code, code), (name, name_en))
    return found


def _follow_ups(session: Session, actor: Actor, run_id: int) -> dict[str, int]:
    query = (
        select(FollowUp.status, func.count())
        .where(FollowUp.run_id == run_id, _scope(actor, FollowUp.community_code))
        .group_by(FollowUp.status)
    )
    return {status: int(count) for status, count in session.execute(query)}


def _notices(session: Session, actor: Actor, run_id: int) -> dict[str, int]:
    joined = select(SuspensionNotice.status, SuspensionNotice.objection_reason.is_not(None), SuspensionNotice.decision)
    query = joined.join(Qualification, Qualification.person_id == SuspensionNotice.person_id).where(
        SuspensionNotice.run_id == run_id, _scope(actor, Qualification.region_code)
    )
    found = {"open": 0, "lifted": 0, "objections": 0, "waiting": 0}
    for status, objected, decision in session.execute(query):
        found[status] += 1
        found["objections"] += bool(objected)
        found["waiting"] += bool(objected) and decision is None
    return found


def _summary(session: Session, run: CertificationRun) -> RunSummary:
    department = session.get(Department, run.department_code) if run.department_code else None
    return RunSummary(
        run.id, run.as_of, run.file_name, run.digest, department.name if department else None, run.pensioners,
        run.certified, run.suspended, run.manual, run.matched_by_id, run.matched_fuzzy, run.unmatched,
        run.follow_ups_opened, run.follow_ups_withdrawn, run.notices_issued, run.resumed, run.kept_by_checks,
        run.imported_by, run.imported_at,
    )  # fmt: skip
