"""Rating pages (好差评): the rating form's target, and the rectification list of bad ratings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.ratings import service
from tongban.ratings.domain import Channel, Level, RectificationStatus, SubjectKind, Verdict, may_rectify, may_visit
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Raters = Annotated[Actor, Depends(require_page(Role.citizen))]
Viewers = Annotated[Actor, Depends(require_page(Role.window, Role.reviewer, Role.supervisor, Role.admin))]
Rectifiers = Annotated[Actor, Depends(require_page(Role.window, Role.reviewer))]
Visitors = Annotated[Actor, Depends(require_page(Role.supervisor))]
Checked = [Depends(csrf.check)]
RectificationId = Annotated[int, Path(ge=1)]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/ratings", dependencies=Checked)
def rate(
    actor: Raters,
    factory: Factory,
    case_id: Annotated[int, Form(ge=1)],
    level: Annotated[Level, Form()],
    channel: Annotated[Channel, Form()] = Channel.web,
    comment: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    """Owner: citizen (the applicant). Rates a finished case from its page."""
    given = service.RatingInput(subject_id=case_id, level=level, channel=channel, comment=comment or None)
    service.rate(factory, actor, given)
    return RedirectResponse(f"/cases/{case_id}#rating", status_code=303)


@router.post("/requests/{request_id}/rating", dependencies=Checked)
def rate_request(
    request_id: RequestId,
    actor: Raters,
    factory: Factory,
    level: Annotated[Level, Form()],
    channel: Annotated[Channel, Form()] = Channel.web,
    comment: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    """Owner: citizen (the requester). Rates an answered request, which closes it."""
    given = service.RatingInput(
        subject_id=request_id, level=level, channel=channel, subject_kind=SubjectKind.request, comment=comment or None
    )
    service.rate(factory, actor, given)
    return RedirectResponse(f"/requests/{request_id}#timeline", status_code=303)


@router.get("/rectifications")
def rectifications(
    request: Request, actor: Viewers, session: ReadSession, status: RectificationStatus | None = None
) -> Response:
    """Owner: window, reviewer (their department's), supervisor (their jurisdiction's), admin."""
    found = service.rectifications(session, actor, status, service.LIST_LIMIT)
    actions = {
        item.id: (
            item.status is RectificationStatus.open
            and may_rectify(actor, item.department_code, item.jurisdiction_code),
            item.status is RectificationStatus.rectified and may_visit(actor, item.jurisdiction_code),
        )
        for item in found
    }
    return render(
        request, actor, "ratings/rectifications.html", items=found, actions=actions, status=status, Verdict=Verdict
    )


@router.post("/rectifications/{rectification_id}/rectify", dependencies=Checked)
def rectify(
    rectification_id: RectificationId,
    actor: Rectifiers,
    factory: Factory,
    measures: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    """Owner: window, reviewer of the handling department. Records the measures taken."""
    service.rectify(factory, actor, rectification_id, measures)
    return RedirectResponse("/rectifications", status_code=303)


@router.post("/rectifications/{rectification_id}/visit", dependencies=Checked)
def visit(
    rectification_id: RectificationId,
    actor: Visitors,
    factory: Factory,
    verdict: Annotated[Verdict, Form()],
    note: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    """Owner: supervisor. Records the rater's verdict at the return visit (回访) and closes it."""
    service.return_visit(factory, actor, rectification_id, verdict, note or None)
    return RedirectResponse("/rectifications", status_code=303)
