"""What is rated, as 好差评 sees it: each context's subject in one shape, asked of that context's service.

Ratings depend on cases and requests (through their ``service`` modules), never the other
way: a case or a request knows nothing of its ratings, except that a request's rating closes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor
from tongban.cases import service as cases
from tongban.errors import NotFound
from tongban.ratings.domain import SubjectKind
from tongban.requests import service as citizen_requests


@dataclass(frozen=True)
class Subject:
    """Whose the subject is, who handled it, and whether it may be rated now."""

    kind: SubjectKind
    id: int
    ref: str  # 办件编号 or 诉求查询码, printed beside the rating
    pack_code: str
    applicant_user_id: int | None
    submitted_by: int | None
    handling_jurisdiction: str
    handling_department: str | None
    finished: bool


def subject_of(session: Session, actor: Actor, kind: SubjectKind, subject_id: int) -> Subject:
    """The subject the actor may read; one they may not is not found, on this API's ``subject_id``."""
    try:
        return _case(session, actor, subject_id) if kind is SubjectKind.case else _request(session, actor, subject_id)
    except NotFound as exc:
        raise NotFound(exc.message_zh, exc.message_en, "subject_id") from exc


def _case(session: Session, actor: Actor, case_id: int) -> Subject:
    case = cases.rating_subject(session, actor, case_id)
    return Subject(
        kind=SubjectKind.case,
        id=case.case_id,
        ref=case.number,
        pack_code=case.pack_code,
        applicant_user_id=case.applicant_user_id,
        submitted_by=case.submitted_by,
        handling_jurisdiction=case.handling_jurisdiction,
        handling_department=case.handling_department,
        finished=case.finished,
    )


def _request(session: Session, actor: Actor, request_id: int) -> Subject:
    """A request is rated once answered (已答复) and before it is closed; its lead department answered it."""
    request = citizen_requests.rating_subject(session, actor, request_id)
    return Subject(
        kind=SubjectKind.request,
        id=request.request_id,
        ref=request.tracking_code,
        pack_code=request.pack_code,
        applicant_user_id=request.requester_user_id,
        submitted_by=request.submitted_by,
        handling_jurisdiction=request.jurisdiction_code,
        handling_department=request.department_code,
        finished=request.answered,
    )
