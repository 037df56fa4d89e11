"""好差评 API: residents rate finished cases; departments rectify bad ratings; supervisors call raters back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.ratings import service
from tongban.ratings.domain import Channel, Level, RectificationStatus, SubjectKind, Verdict
from tongban.web.deps import Factory, ReadSession, require
from tongban.web.schemas import Out

router = APIRouter(tags=["ratings"])

# Ids are 32-bit integers in the database; a larger one is a 422 here, not a database error.
MAX_ID = 2**31 - 1
LEVEL_HELP = "好差评等级：5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意"

# Staff who filed a case for a resident served them; they do not rate their own service.
Rater = Annotated[Actor, Depends(require(Role.citizen))]
Viewer = Annotated[Actor, Depends(require(Role.window, Role.reviewer, Role.supervisor, Role.admin))]
Rectifier = Annotated[Actor, Depends(require(Role.window, Role.reviewer))]
Visitor = Annotated[Actor, Depends(require(Role.supervisor))]
RectificationId = Annotated[int, Path(ge=1, le=MAX_ID)]


class RatingIn(BaseModel):
    subject_kind: SubjectKind = SubjectKind.case
    subject_id: int = Field(ge=1, le=MAX_ID)
    level: Level = Field(description=LEVEL_HELP)
    channel: Channel
    comment: str | None = Field(default=None, max_length=1000, description="required for 不满意 and 非常不满意")


class RectifyIn(BaseModel):
    measures: str = Field(min_length=1, max_length=2000)


class VisitIn(BaseModel):
    verdict: Verdict
    note: str | None = Field(default=None, max_length=1000, description="required when the rater is unsatisfied")


class RectificationOut(Out):
    id: int
    rating_id: int
    subject_kind: SubjectKind
    subject_id: int
    subject_ref: str
    level: Level = Field(description=LEVEL_HELP)
    level_name: str
    level_name_en: str
    comment: str | None
    department: str | None = Field(validation_alias="department_code")
    jurisdiction: str = Field(validation_alias="jurisdiction_code")
    due_on: date
    overdue: bool
    status: RectificationStatus
    measures: str | None
    rectified_at: datetime | None
    visit_at: datetime | None
    verdict: Verdict | None
    verdict_note: str | None


class RectificationList(BaseModel):
    items: list[RectificationOut]


class RatingOut(Out):
    id: int
    subject_kind: SubjectKind
    subject_id: int
    subject_ref: str
    level: Level = Field(description=LEVEL_HELP)
    level_name: str
    level_name_en: str
    channel: Channel
    comment: str | None
    at: datetime
    rectification: RectificationOut | None


@router.post("/ratings", response_model=RatingOut, status_code=201)
def rate(body: RatingIn, factory: Factory, actor: Rater) -> RatingOut:
    """Owner: citizen (the case's applicant or the agency that filed it; the request's requester). 好差评 on a
    finished case or an answered request (which it closes), once; a bad rating (level 1 or 2) opens a
    rectification for the handling department."""
    given = service.RatingInput(
        subject_id=body.subject_id,
        level=body.level,
        channel=body.channel,
        subject_kind=body.subject_kind,
        comment=body.comment,
    )
    return RatingOut.model_validate(service.rate(factory, actor, given))


@router.get("/rectifications", response_model=RectificationList)
def list_rectifications(
    session: ReadSession,
    actor: Viewer,
    status: RectificationStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = service.LIST_LIMIT,
) -> RectificationList:
    """Owner: window, reviewer (their department's), supervisor (their jurisdiction's), admin.
    Rectifications of bad ratings, soonest due first, each with ``due_on`` and ``overdue``."""
    found = service.rectifications(session, actor, status, limit)
    return RectificationList(items=[RectificationOut.model_validate(item) for item in found])


@router.post("/rectifications/{rectification_id}/rectify", response_model=RectificationOut)
def rectify(rectification_id: RectificationId, body: RectifyIn, factory: Factory, actor: Rectifier) -> RectificationOut:
    """Owner: window, reviewer of the handling department and jurisdiction. Records the measures taken."""
    return RectificationOut.model_validate(service.rectify(factory, actor, rectification_id, body.measures))


@router.post("/rectifications/{rectification_id}/visit", response_model=RectificationOut)
def visit(rectification_id: RectificationId, body: VisitIn, factory: Factory, actor: Visitor) -> RectificationOut:
    """Owner: supervisor of the jurisdiction. Records the rater's verdict at the return visit (回访) and closes it."""
    found = service.return_visit(factory, actor, rectification_id, body.verdict, body.note)
    return RectificationOut.model_validate(found)
