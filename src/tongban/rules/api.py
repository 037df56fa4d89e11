"""Eligibility API per CONTRACT: ``POST /api/v1/services/{code}/eligibility``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.db import transaction
from tongban.rules import service
from tongban.web.deps import Factory, require

router = APIRouter(tags=["rules"])
Checkers = Annotated[Actor, Depends(require(Role.citizen, *service.STAFF))]


class EligibilityIn(BaseModel):
    """A resident sends nothing (their facts are read for them) or what they state on the form;
    staff send an ``id_number`` to check a person, or ``facts`` to try given facts."""

    id_number: str | None = Field(default=None, max_length=20)
    facts: dict[str, Any] | None = None
    form: dict[str, Any] = Field(default_factory=dict)


class RuleOut(BaseModel):
    id: str
    passed: bool
    message: str
    message_en: str | None


class FactOut(BaseModel):
    name: str
    label: str | None
    value: Any
    source: str
    source_name: str
    source_name_en: str | None


class EligibilityOut(BaseModel):
    service: str
    eligible: bool
    failed_rules: list[str]
    rules: list[RuleOut]
    facts: list[FactOut]


@router.post("/services/{code}/eligibility", response_model=EligibilityOut)
def eligibility(
    code: Annotated[str, Path(max_length=64)], factory: Factory, actor: Checkers, body: EligibilityIn | None = None
) -> EligibilityOut:
    """Owner: citizen (themselves); window, reviewer, supervisor, admin (a person or given facts).
    Each rule passed or failed, with its message; registry reads are audited, hence a transaction."""
    body = body or EligibilityIn()
    with transaction(factory) as session:
        if body.facts is not None:
            found = service.check_facts(session, actor, code, body.facts)
        elif body.id_number is not None:
            found = service.check_person(session, actor, code, body.id_number, body.form)
        else:
            found = service.check_me(session, actor, code, body.form)
    verdict = found.verdict
    return EligibilityOut(
        service=code,
        eligible=verdict.eligible,
        failed_rules=verdict.failed,
        rules=[RuleOut.model_validate(vars(result)) for result in verdict.results],
        facts=[FactOut.model_validate(vars(value)) for value in found.facts],
    )
