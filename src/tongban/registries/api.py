"""Silent certification in the platform, as JSON: run reports, follow-ups, the pensioner's notices and objections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.registries import follow_ups, notices, run_report
from tongban.registries.qualification import Decision, FollowUpStatus, Outcome
from tongban.web.deps import Factory, ReadSession, require

router = APIRouter(prefix="/certification", tags=["certification"])
Officers = Annotated[Actor, Depends(require(Role.admin, Role.reviewer))]
Workers = Annotated[Actor, Depends(require(Role.window))]
Pensioners = Annotated[Actor, Depends(require(Role.citizen))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RunOut(Out):
    id: int
    as_of: date
    file_name: str
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


class DistrictOut(BaseModel):
    code: str
    name: str | None
    name_en: str | None
    certified: int
    suspended: int
    manual: int
    total: int


class ReportOut(BaseModel):
    run: RunOut
    level: str
    whole: bool
    totals: dict[str, int]
    districts: list[DistrictOut]
    follow_ups: dict[str, int]
    notices: dict[str, int]


class FollowUpOut(Out):
    id: int
    person_id: str
    name: str
    id_number: str | None = Field(description="masked")
    community_code: str
    community_name: str | None
    kind: str
    reason: str
    created_on: date
    due_on: date
    status: str
    outcome: str | None
    checked_on: date | None
    note: str | None
    standing: str
    valid_until: date | None


class OutcomeIn(BaseModel):
    outcome: Outcome
    checked_on: date | None = Field(default=None, description="the day of the visit or face check; default today")
    note: str = Field(min_length=1, max_length=2000)


class NoticeOut(Out):
    id: int
    person_id: str
    name: str
    id_number: str | None = Field(description="masked")
    issued_on: date
    basis: str
    text: str
    status: str
    lifted_on: date | None
    lifted_because: str | None
    objection: str = Field(description="none, pending, upheld or overturned")
    objection_reason: str | None
    objection_evidence: str | None
    decision_note: str | None


class MineOut(BaseModel):
    status: str | None
    reason: str | None = None
    last_evidence: date | None = None
    valid_until: date | None = None
    notices: list[NoticeOut] = []


class ObjectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    evidence: str = Field(default="", max_length=2000, description="where the office can see you are alive")


class DecisionIn(BaseModel):
    decision: Decision
    note: str = Field(min_length=1, max_length=2000)


@router.get("/runs", response_model=list[RunOut])
def list_runs(actor: Officers, session: ReadSession) -> list[RunOut]:
    """Owner: admin, reviewer (the run's department). Imported runs, the latest first."""
    return [RunOut.model_validate(run) for run in run_report.runs(session, actor)]


@router.get("/runs/{run_id}", response_model=ReportOut)
def get_run(
    run_id: Id, actor: Officers, session: ReadSession, level: Annotated[str | None, Query(max_length=8)] = None
) -> ReportOut:
    """Owner: admin, reviewer (the run's department). Counts by status and by district in the caller's area."""
    found = run_report.report(session, actor, run_id, level)
    districts = [
        DistrictOut(
            code=d.code, name=d.name, name_en=d.name_en, total=d.total, **{s.value: n for s, n in d.counts.items()}
        )
        for d in found.districts
    ]
    return ReportOut(
        run=RunOut.model_validate(found.run), level=found.level, whole=found.whole,
        totals={status.value: count for status, count in found.totals.items()}, districts=districts,
        follow_ups=found.follow_ups, notices=found.notices,
    )  # fmt: skip


@router.get("/follow-ups", response_model=list[FollowUpOut])
def list_follow_ups(
    actor: Workers, session: ReadSession, status: Annotated[FollowUpStatus | None, Query()] = FollowUpStatus.open
) -> list[FollowUpOut]:
    """Owner: window (全科社工). The follow-ups of the caller's communities, the earliest due first."""
    return [FollowUpOut.model_validate(view) for view in follow_ups.follow_ups(session, actor, status)]


@router.post("/follow-ups/{follow_up_id}/outcome", response_model=FollowUpOut)
def record_outcome(follow_up_id: Id, body: OutcomeIn, actor: Workers, factory: Factory) -> FollowUpOut:
    """Owner: window, in the person's community. What the visit or face check found; the standing follows."""
    today = calendar.today()
    done = follow_ups.record_outcome(
        factory, actor, follow_up_id, body.outcome, body.checked_on or today, body.note, today
    )
    return FollowUpOut.model_validate(done)


@router.get("/me", response_model=MineOut)
def my_qualification(actor: Pensioners, session: ReadSession) -> MineOut:
    """Owner: citizen. The caller's own pension qualification and notices; ``status`` null when none."""
    found = notices.mine(session, actor)
    if found is None:
        return MineOut(status=None)
    return MineOut(
        status=found.status, reason=found.reason, last_evidence=found.last_evidence, valid_until=found.valid_until,
        notices=[NoticeOut.model_validate(notice) for notice in found.notices],
    )  # fmt: skip


@router.post("/notices/{notice_id}/objection", response_model=NoticeOut)
def object_to_notice(notice_id: Id, body: ObjectionIn, actor: Pensioners, factory: Factory) -> NoticeOut:
    """Owner: citizen, the pensioner the notice names. 申诉: once, while payment is suspended."""
    return NoticeOut.model_validate(notices.object_to(factory, actor, notice_id, body.reason, body.evidence))


@router.get("/objections", response_model=list[NoticeOut])
def list_objections(actor: Officers, session: ReadSession) -> list[NoticeOut]:
    """Owner: admin, reviewer (the run's department). Objections waiting for a decision, the oldest first."""
    return [NoticeOut.model_validate(notice) for notice in notices.objections(session, actor)]


@router.post("/notices/{notice_id}/decision", response_model=NoticeOut)
def decide_objection(notice_id: Id, body: DecisionIn, actor: Officers, factory: Factory) -> NoticeOut:
    """Owner: admin, reviewer (the run's department). Upheld, or overturned: payment resumes today."""
    found = notices.decide(factory, actor, notice_id, body.decision, body.note, calendar.today())
    return NoticeOut.model_validate(found)
