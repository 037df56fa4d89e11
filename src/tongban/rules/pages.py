"""The eligibility check page: what will be checked, and for the person, rule by rule, with the data's source."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from tongban.auth.domain import Actor, Role
from tongban.catalog import service as catalog
from tongban.db import transaction
from tongban.errors import TongbanError
from tongban.identity.domain import mask_id_number
from tongban.rules import service
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Checkers = Annotated[Actor, Depends(require_page(Role.citizen, *service.STAFF))]
Code = Annotated[str, Path(max_length=64)]


async def posted(request: Request) -> FormData:
    return await request.form()


@router.get("/services/{code}/eligibility")
def eligibility_page(code: Code, request: Request, actor: Checkers, session: ReadSession) -> Response:
    """Owner: citizen (themselves), staff (a person by ID number). The rules that will be checked."""
    guide = catalog.guide(session, code)
    rules = service.rules_of(session, code)
    return render(
        request,
        actor,
        "rules/eligibility.html",
        guide=guide,
        rules=rules,
        check=None,
        error=None,
        typed={},
        checked_id=None,
    )


@router.post("/services/{code}/eligibility", dependencies=[Depends(csrf.check)])
def check_page(
    code: Code,
    request: Request,
    actor: Checkers,
    factory: Factory,
    form: Annotated[FormData, Depends(posted)],
    id_number: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """Owner: citizen, staff. Reads the person's registry facts (audited) and checks every rule."""
    typed = {key.removeprefix("form."): str(value) for key, value in form.items() if key.startswith("form.")}
    with transaction(factory) as session:
        guide = catalog.guide(session, code)
        rules = service.rules_of(session, code)
        try:
            if actor.role is Role.citizen:
                found = service.check_me(session, actor, code, typed)
            else:
                found = service.check_person(session, actor, code, (id_number or "").strip(), typed)
        except TongbanError as exc:
            message = pick(locale_of(request), exc.message_zh, exc.message_en)
            return render(
                request, actor, "rules/eligibility.html", status_code=exc.status, guide=guide, rules=rules,
                check=None, error=message, typed=typed, checked_id=None,
            )  # fmt: skip
    checked = mask_id_number((id_number or "").strip()) if actor.role is not Role.citizen else None
    return render(
        request, actor, "rules/eligibility.html", guide=guide, rules=rules, check=found, error=None, typed=typed,
        checked_id=checked,
    )  # fmt: skip
