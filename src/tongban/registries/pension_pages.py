"""The pensioner's own page (我的养老金资格): the qualification, any suspension notice, and the objection form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.errors import TongbanError
from tongban.registries import notices
from tongban.registries.page_parts import PARTS
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Pensioners = Annotated[Actor, Depends(require_page(Role.citizen))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/pension")
def pension_page(request: Request, actor: Pensioners, session: ReadSession) -> Response:
    """Owner: citizen (their own record only). Standing, validity, notices, and the way to object."""
    found = notices.mine(session, actor)
    return render(request, actor, "registries/pension.html", mine=found, **PARTS, error=None, typed={})


@router.post("/pension/notices/{notice_id}/objection", dependencies=[Depends(csrf.check)])
def objection_page(
    request: Request,
    notice_id: Id,
    actor: Pensioners,
    factory: Factory,
    reason: Annotated[str, Form(max_length=2000)] = "",
    evidence: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Owner: citizen, the pensioner the notice names. 申诉: once, while payment is suspended."""
    try:
        notices.object_to(factory, actor, notice_id, reason, evidence)
    except TongbanError as exc:
        with factory() as session:
            found = notices.mine(session, actor)
        typed = {"notice": notice_id, "reason": reason, "evidence": evidence}
        return render(
            request, actor, "registries/pension.html", status_code=exc.status, mine=found, **PARTS, error=exc,
            typed=typed,
        )  # fmt: skip
    return RedirectResponse("/pension#notice-" + str(notice_id), status_code=303)
