"""Eligibility checks: for the logged-in person from the registries, for given facts (staff), over a file.

The person's facts are read from the registries the service's rules name (each read
audited), from what they typed on the form and, for ``case:filed_on``, the day the case is
filed (today, for a check before applying); every rule then runs on DuckDB with the same
SQL the batch uses, where the filing date is a column like any other fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.auth.models import User
from tongban.calendar import service as calendar
from tongban.catalog.models import Service
from tongban.errors import BadInput, Forbidden, NotFound
from tongban.identity.domain import InvalidIdNumber, validate_id_number
from tongban.registries import service as registries
from tongban.rules.domain import Fact, FactType, Rule, RuleError, RuleSet, Verdict, rule_set
from tongban.rules.engine import Progress, evaluate_file, evaluate_one

STAFF = (Role.window, Role.reviewer, Role.supervisor, Role.admin)
FILED_ON = "case:filed_on"


def rules_of(session: Session, code: str) -> RuleSet:
    service = session.get(Service, code)
    if service is None:
        raise NotFound(f"事项 {code} 不存在", f"service {code} not found", "service")
    if not service.eligibility:
        raise BadInput(f"事项 {code} 没有资格规则", f"service {code} has no eligibility rules", "service")
    declared = service.eligibility
    facts = [
        Fact(name, FactType(spec["type"]), spec["source"], spec.get("label"))
        for name, spec in declared["facts"].items()
    ]
    rules = [Rule(r["id"], r["expr"], r["message"], r.get("message_en")) for r in declared["rules"]]
    return rule_set(facts, rules)


@dataclass(frozen=True)
class FactValue:
    """A fact as the check used it, and where it came from (a registry and its owner, or the form)."""

    name: str
    label: str | None
    value: Any
    source: str
    source_name: str
    source_name_en: str | None = None


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    facts: list[FactValue]


def check_me(session: Session, actor: Actor, code: str, form: Mapping[str, Any]) -> Check:
    """The caller against the service's rules, with their registry facts read for them."""
    if actor.role is not Role.citizen or actor.user_id is None:
        zh, en = "工作人员请提供要核验的身份证号码或事实", "staff give the id_number or the facts to check"
        raise BadInput(zh, en, "id_number")
    user = session.get(User, actor.user_id)
    if user is None or not user.id_number:
        raise BadInput("账号未实名认证（缺少身份证号码）", "the account has no verified ID number", "id_number")
    return _check(session, actor, code, user.id_number, form, calendar.today(), "eligibility self-check")


def check_person(session: Session, actor: Actor, code: str, id_number: str, form: Mapping[str, Any]) -> Check:
    """Staff checking a person who asks at the window: the same check, the read audited as theirs."""
    if actor.role not in STAFF:
        raise Forbidden("只有工作人员可以代查他人资格", "only staff may check someone else")
    try:
        normal = validate_id_number(id_number).value
    except InvalidIdNumber as exc:
        raise BadInput(exc.message_zh, exc.message_en, "id_number") from None
    return _check(session, actor, code, normal, form, calendar.today(), "eligibility check at a window")


def check_application(
    session: Session, actor: Actor, code: str, id_number: str, form: Mapping[str, Any], filed_on: date
) -> Check:
    """The check an application must pass: the applicant's registry facts and what the form states.

    Called by the case engine, which has already settled who may file for whom (oneself, or
    a window or agency with the applicant's consent); the read is audited as the filer's.
    """
    return _check(session, actor, code, id_number, form, filed_on, "application")


def check_facts(session: Session, actor: Actor, code: str, facts: Mapping[str, Any]) -> Check:
    """Staff trying given facts (no registry read): what-if checks and the batch's single-row twin."""
    if actor.role not in STAFF:
        raise Forbidden("只有工作人员可以按给定事实核验", "only staff may check given facts")
    rules = rules_of(session, code)
    unknown = sorted(set(facts) - set(rules.facts))
    if unknown:
        raise BadInput(f"规则没有事实：{'、'.join(unknown)}", f"the rules have no fact {', '.join(unknown)}", "facts")
    values = [FactValue(n, f.label, facts.get(n), "given", "给定", "given") for n, f in rules.facts.items()]
    return Check(evaluate_one(rules, facts), values)


def _check(
    session: Session, actor: Actor, code: str, id_number: str, form: Mapping[str, Any], filed_on: date, purpose: str
) -> Check:
    rules = rules_of(session, code)
    wanted = [_registry_field(fact) for fact in rules.facts.values() if fact.source.startswith("registry:")]
    readings = registries.read_person(session, actor, id_number, wanted, f"{purpose}: {code}")
    values: list[FactValue] = []
    for name, fact in rules.facts.items():
        if fact.source.startswith("registry:"):
            reading = readings[_registry_field(fact)]
            values.append(FactValue(name, fact.label, reading.value, fact.source, *_names(reading.origin)))
        elif fact.source == FILED_ON:
            values.append(FactValue(name, fact.label, filed_on.isoformat(), fact.source, "申请日期", "date of filing"))
        else:
            stated = form.get(fact.source.removeprefix("form:"))
            values.append(FactValue(name, fact.label, stated, fact.source, "申请表", "application form"))
    verdict = evaluate_one(rules, {value.name: value.value for value in values})
    return Check(verdict, values)


def _names(origin: registries.Origin) -> tuple[str, str]:
    """The registry and its owner, as the check's reader is told where a fact came from."""
    zh = f"{origin.name}（{origin.department}）"
    return zh, f"{origin.name_en or origin.name} ({origin.department_en or origin.department})"


def _registry_field(fact: Fact) -> tuple[str, str]:
    code, _, field = fact.source.removeprefix("registry:").partition(".")
    return code, field


def evaluate(session: Session, code: str, source: Path, out: Path, progress: Progress | None = None) -> int:
    """``tongban rules eval``: every row of the file, vectorised; rows written in input order."""
    rules = rules_of(session, code)
    try:
        return evaluate_file(rules, source, out, progress)
    except RuleError as exc:
        raise BadInput(exc.message_zh, exc.message_en, "input") from None
