"""Where the case workflow meets house codes: a code issued on approval, and the red code's stop.

``cases.actions`` calls these two inside its own transaction, so that a code is issued
together with the approval that issues it, and a refused step changes nothing at all.
They read the case through the small protocols below, not through the cases' tables.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.auth.models import Jurisdiction
from tongban.calendar import service as calendar
from tongban.credentials.domain import (
    Colour,
    HouseCodeRule,
    blocked,
    house_number,
    next_serial,
    normalised_number,
    number_prefix,
    stops_building,
)
from tongban.credentials.models import HouseCode
from tongban.db import utcnow
from tongban.errors import Conflict
from tongban.packs import service as packs

# Two approvals in one county at once may reach for the same serial; the loser takes the next.
NUMBER_ATTEMPTS = 5


class ApprovedCase(Protocol):
    """What issuing reads of an approved case (宅基地和建房审批)."""

    id: int
    number: str
    service_code: str | None
    handling_jurisdiction: str
    received_jurisdiction: str
    applicant_user_id: int | None
    applicant_name: str

    @property
    def form(self) -> Mapping[str, Any]: ...


class ConstructionCase(Protocol):
    """What the guard reads of a case whose step is being approved."""

    id: int
    number: str
    service_code: str | None

    @property
    def form(self) -> Mapping[str, Any]: ...


def rules(session: Session) -> list[HouseCodeRule]:
    return [HouseCodeRule.of(issuer, declared) for issuer, declared in packs.house_code_rules(session).items()]


def issue(session: Session, actor: Actor, case: ApprovedCase) -> HouseCode | None:
    """Issues the house code of a case just approved, if its service declares ``house_code``; it starts green."""
    rule = next((rule for rule in rules(session) if rule.issuer == case.service_code), None)
    if rule is None:
        return None
    code = _insert(session, case, rule, calendar.today())
    after = {
        "number": code.number,
        "case": case.number,
        "guards": code.guards_service,
        "inspectors": code.inspectors,
        "place": code.place_code,
        "colour": code.colour,
    }
    audit.record(session, actor, "issue", HouseCode.__tablename__, code.number, after=after)
    return code


def _insert(session: Session, case: ApprovedCase, rule: HouseCodeRule, today: date) -> HouseCode:
    for _ in range(NUMBER_ATTEMPTS):
        code = HouseCode(
            token=secrets.token_urlsafe(16),
            number=_next_number(session, case.handling_jurisdiction, today.year),
            case_id=case.id,
            case_number=case.number,
            service_code=rule.issuer,
            guards_service=rule.guards,
            inspectors=rule.inspectors,
            applicant_user_id=case.applicant_user_id,
            applicant_name=case.applicant_name,
            place_code=_village(session, case, rule),
            colour=Colour.green.value,
            issued_on=today,
            updated_at=utcnow(),
        )
        try:
            # A savepoint: losing the race for a number undoes only this insert, not the approval.
            with session.begin_nested():
                session.add(code)
                session.flush()
            return code
        except IntegrityError:
            continue
    raise Conflict("农宅码编号分配冲突，请重试", "could not assign a house code number; try again", "house_code")


def _village(session: Session, case: ApprovedCase, rule: HouseCodeRule) -> str:
    """The village the form names (filled from the household register), else where the case was received."""
    named = case.form.get(rule.village_field) if rule.village_field else None
    if isinstance(named, str) and session.get(Jurisdiction, named) is not None:
        return named
    return case.received_jurisdiction


def _next_number(session: Session, county: str, year: int) -> str:
    prefix = number_prefix(county, year)
    # Serials have five digits, so the largest number is the year's last one.
    last = session.scalar(select(func.max(HouseCode.number)).where(HouseCode.number.startswith(prefix)))
    return house_number(county, year, next_serial(last))


def check_step(session: Session, actor: Actor, case: ConstructionCase) -> None:
    """Refuses to approve a step of a construction case while the house code guarding it is red."""
    code = _guarding(session, actor, case)
    if code is not None and stops_building(Colour(code.colour)):
        raise blocked(code.number, code.colour_reason)


def _guarding(session: Session, actor: Actor, case: ConstructionCase) -> HouseCode | None:
    """The code whose approval number the case's form names; the first such case is linked to it."""
    guarded = [rule for rule in rules(session) if rule.guards == case.service_code]
    numbers = {normalised_number(case.form.get(rule.approval_field)) for rule in guarded} - {None}
    if not numbers:
        return None
    # Locked, so that an inspection turning the code red and this approval never both win.
    code = session.scalars(
        select(HouseCode)
        .where(HouseCode.guards_service == case.service_code, HouseCode.number.in_(numbers))
        .with_for_update()
    ).first()
    if code is not None and code.construction_case_id is None:
        code.construction_case_id, code.construction_case_number = case.id, case.number
        after = {"construction_case": case.number}
        audit.record(session, actor, "link", HouseCode.__tablename__, code.number, {"construction_case": None}, after)
    return code
