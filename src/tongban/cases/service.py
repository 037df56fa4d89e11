"""Applying for a service or a bundle (申请), and uploading its materials.

Where the case is received and who handles it is settled here, once: a window receives
what it covers, an alliance member receives its partners' services (代收代办, 多地联办),
and an online application goes straight to the handling side (全程网办).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role
from tongban.auth.models import Jurisdiction, User
from tongban.calendar import service as calendar
from tongban.cases import prefill, views
from tongban.cases.domain import CaseStatus, StepKind, StepStatus, bundle_due_days
from tongban.cases.models import Case, CaseEvent, CaseMaterial, CaseStep
from tongban.cases.places import Places, check_routes, settle
from tongban.catalog import service as catalog
from tongban.catalog.domain import BundleGuide, ServiceGuide
from tongban.catalog.forms import check_form
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden
from tongban.identity.domain import InvalidIdNumber, validate_id_number
from tongban.packs.schema import CrossRegionMode
from tongban.rules import service as rules

APPLICANTS = (Role.citizen, Role.window)
DELIVERY_METHODS = ("window", "post", "online")


@dataclass(frozen=True)
class Applicant:
    """The resident a case is for, when someone else files it (代办)."""

    name: str
    id_number: str
    phone: str | None = None


@dataclass(frozen=True)
class Consent:
    """The resident's consent to a social worker or window acting for them (授权委托)."""

    method: str  # signed | verbal | phone
    statement: str


@dataclass(frozen=True)
class Application:
    service: str | None = None
    bundle: str | None = None
    form: Mapping[str, Any] = field(default_factory=dict)
    channel: str = "online"
    received_at: str | None = None
    delivery_method: str = "window"
    deliver_at: str | None = None
    applicant: Applicant | None = None
    consent: Consent | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "idempotency_key"}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def apply(factory: sessionmaker[Session], actor: Actor, application: Application) -> tuple[views.CaseView, bool]:
    """Files the application; a retry with the same ``Idempotency-Key`` returns the first case, not a new one."""
    if actor.role not in APPLICANTS or actor.user_id is None:
        raise Forbidden("只有群众、企业和窗口人员可以提交申请", "only residents, companies and windows may apply")
    try:
        with transaction(factory) as session:
            earlier = _earlier(session, actor, application)
            if earlier is not None:
                return views.case_view(session, actor, earlier, calendar.today()), False
            case = _file(session, actor, application, calendar.today())
            return views.case_view(session, actor, case, calendar.today()), True
    except IntegrityError:
        # Two retries raced past the look-up; the one that lost finds the winner's case.
        with factory() as session:
            earlier = _earlier(session, actor, application)
            if earlier is None:
                raise
            return views.case_view(session, actor, earlier, calendar.today()), False


def _earlier(session: Session, actor: Actor, application: Application) -> Case | None:
    if not application.idempotency_key:
        return None
    case = session.scalars(
        select(Case).where(Case.submitted_by == actor.user_id, Case.idempotency_key == application.idempotency_key)
    ).one_or_none()
    if case is not None and case.request_hash != application.fingerprint():
        raise Conflict(
            "该 Idempotency-Key 已用于另一份不同的申请",
            "this Idempotency-Key was already used for a different application",
            "Idempotency-Key",
        )
    return case


def _file(session: Session, actor: Actor, application: Application, today: date) -> Case:
    if (application.service is None) == (application.bundle is None):
        raise BadInput("请指定事项或“一件事”之一", "give exactly one of service or bundle", "service")
    if application.delivery_method not in DELIVERY_METHODS:
        raise BadInput("送达方式无效", f"delivery_method must be one of {DELIVERY_METHODS}", "delivery_method")
    if application.bundle is not None:
        bundle = catalog.bundle_guide(session, application.bundle)
        fields, materials = bundle.form_fields, bundle.materials
        lead = bundle.members[0].service
        title, channels = bundle.name, bundle.channels
        workflows = [member.service.workflow for member in bundle.members]
    else:
        lead = catalog.guide(session, application.service or "")
        fields, materials, title, channels = lead.form_fields, _materials(lead), lead.name, lead.channels
        workflows = [lead.workflow]
    person = _applicant(session, actor, application)
    shared = _prefill(session, actor, person, fields, application.service or application.bundle or "")
    form = shared.completed(fields, _checked_form(shared.specs(fields), shared.typed(application.form)))
    check_routes(session, workflows, fields, shared.values)
    _check_channel(application.channel, channels)
    eligibility = _eligibility(session, actor, lead, person, form, today) if application.bundle is None else None
    places = settle(session, actor, lead, application.received_at, application.channel)
    case = _new_case(session, actor, application, person, places, form, title, lead, today)
    if application.bundle is not None:
        case.kind, case.bundle_code, case.service_code = "bundle", bundle.code, None
        _add_members(session, actor, case, bundle, form)
    _add_materials(session, case, materials)
    _add_intake_steps(session, case, places)
    record(
        session, actor, case, "submit", None, CaseStatus.submitted, data={"mode": places.mode, **(eligibility or {})}
    )
    return case


def _eligibility(
    session: Session, actor: Actor, service: ServiceGuide, person: Person, form: Mapping[str, Any], today: date
) -> dict[str, Any] | None:
    """A service with rules takes only an applicant who passes them all, checked on the registries at filing."""
    if not service.has_rules:
        return None
    if person.id_number is None:
        raise BadInput(
            "该事项须核验申请人资格，账号缺少身份证号码", "this service checks the applicant's ID", "applicant"
        )
    check = rules.check_application(session, actor, service.code, person.id_number, form, today)
    if not check.verdict.eligible:
        failed = [result for result in check.verdict.results if not result.passed]
        zh = "不符合申请条件：" + "；".join(f"{r.id} {r.message}" for r in failed)
        en = "not eligible: " + "; ".join(f"{r.id} {r.message_en or r.message}" for r in failed)
        raise BadInput(zh, en, "eligibility")
    return {"eligibility": "passed", "rules": [result.id for result in check.verdict.results]}


def _prefill(
    session: Session, actor: Actor, person: Person, fields: Sequence[Mapping[str, Any]], code: str
) -> prefill.Prefill:
    """The applicant's registry values, read again at filing; a resident may not read someone else's."""
    readable = not (actor.role is Role.citizen and person.on_behalf)
    return prefill.read(session, actor, person.id_number if readable else None, fields, f"application form: {code}")


def _materials(service: ServiceGuide) -> list[dict[str, Any]]:
    return [vars(material) for material in service.materials]


def _checked_form(fields: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> dict[str, Any]:
    clean, problems = check_form(fields, values)
    if problems:
        first = problems[0]
        zh = "；".join(problem.message_zh for problem in problems)
        en = "; ".join(problem.message_en for problem in problems)
        raise BadInput(zh, en, f"form.{first.key}")
    return clean


def _check_channel(channel: str, channels: Sequence[str]) -> None:
    if channel not in channels:
        raise BadInput(
            f"该事项不能通过 {channel} 办理，可用渠道：{'、'.join(channels)}",
            f"this service is not offered through {channel}; channels: {', '.join(channels)}",
            "channel",
        )


@dataclass(frozen=True)
class Person:
    user_id: int | None
    name: str
    id_number: str | None
    phone: str | None
    on_behalf: bool


def _applicant(session: Session, actor: Actor, application: Application) -> Person:
    """Oneself, or the resident a window, social worker or agency files for — with their consent."""
    given = application.applicant
    if given is None:
        if actor.role is Role.window:
            raise BadInput(
                "窗口代办须填写申请人", "a window filing for a resident must name the applicant", "applicant"
            )
        user = session.get(User, actor.user_id)
        assert user is not None  # the actor was resolved from this user a moment ago
        return Person(user.id, user.display_name, user.id_number, user.phone, False)
    if actor.role is Role.window and application.consent is None:
        raise BadInput(
            "代办须记录申请人的授权（签字、口头或电话）",
            "filing for a resident needs their recorded consent (signed, verbal or by phone)",
            "consent",
        )
    try:
        id_number = validate_id_number(given.id_number).value
    except InvalidIdNumber as exc:
        raise BadInput(exc.message_zh, exc.message_en, "applicant.id_number") from None
    user_id = session.scalar(select(User.id).where(User.id_number == id_number))
    return Person(user_id, given.name.strip(), id_number, given.phone, True)


def _new_case(
    session: Session,
    actor: Actor,
    application: Application,
    person: Person,
    places: Places,
    form: dict[str, Any],
    title: str,
    lead: ServiceGuide,
    today: date,
) -> Case:
    deliver_at = application.deliver_at or places.received
    if session.get(Jurisdiction, deliver_at) is None:
        raise BadInput(f"送达地 {deliver_at} 不存在", f"unknown delivery jurisdiction {deliver_at}", "deliver_at")
    case = Case(
        number=f"{today:%Y%m%d}{secrets.token_hex(5).upper()}",
        kind="service",
        service_code=lead.code,
        title=title,
        applicant_user_id=person.user_id,
        applicant_name=person.name,
        applicant_id_number=person.id_number,
        applicant_phone=person.phone,
        submitted_by=actor.user_id,
        on_behalf=person.on_behalf,
        consent=asdict(application.consent) if application.consent else None,
        channel=application.channel,
        mode=places.mode,
        received_jurisdiction=places.received,
        handling_jurisdiction=places.handling,
        handling_department=lead.department_code,
        deliver_jurisdiction=deliver_at,
        delivery_method=application.delivery_method,
        status=CaseStatus.submitted.value,
        form=form,
        promised_days=lead.promised_limit.value,
        calendar_days=lead.calendar_days,
        instant=lead.instant,
        submitted_at=utcnow(),
        idempotency_key=application.idempotency_key,
        request_hash=application.fingerprint() if application.idempotency_key else None,
        version=1,
    )
    session.add(case)
    session.flush()
    return case


def _add_members(session: Session, actor: Actor, parent: Case, bundle: BundleGuide, form: dict[str, Any]) -> None:
    """One child case per member service, each with the part of the merged form its service asks for."""
    days = {member.service.code: member.service.promised_limit.value for member in bundle.members}
    parent.promised_days = bundle_due_days(
        [{"service": m.service.code, "after": m.after} for m in bundle.members], days
    )
    parent.instant = False
    for index, member in enumerate(bundle.members, 1):
        keys = {field["key"] for field in member.service.form_fields}
        child = Case(
            number=f"{parent.number}-{index}",
            kind="member",
            service_code=member.service.code,
            bundle_code=bundle.code,
            parent_id=parent.id,
            title=member.service.name,
            applicant_user_id=parent.applicant_user_id,
            applicant_name=parent.applicant_name,
            applicant_id_number=parent.applicant_id_number,
            applicant_phone=parent.applicant_phone,
            submitted_by=parent.submitted_by,
            on_behalf=parent.on_behalf,
            channel=parent.channel,
            mode=parent.mode,
            received_jurisdiction=parent.received_jurisdiction,
            handling_jurisdiction=member.service.jurisdiction_code,
            handling_department=member.service.department_code,
            deliver_jurisdiction=parent.deliver_jurisdiction,
            delivery_method=parent.delivery_method,
            status=CaseStatus.waiting.value,
            form={key: value for key, value in form.items() if key in keys},
            promised_days=member.service.promised_limit.value,
            calendar_days=member.service.calendar_days,
            instant=member.service.instant,
            submitted_at=parent.submitted_at,
            version=1,
        )
        session.add(child)
        session.flush()
        record(session, actor, child, "submit", None, CaseStatus.waiting, data={"bundle": bundle.code})


def _add_materials(session: Session, case: Case, materials: Sequence[Mapping[str, Any]]) -> None:
    notes = prefill.material_notes(session, [material["source"] for material in materials])
    for position, material in enumerate(materials, 1):
        shared = material["source"] != "applicant"
        session.add(
            CaseMaterial(
                case_id=case.id,
                code=material["code"],
                position=position,
                name=material["name"],
                required=material["required"],
                source=material["source"],
                status="shared" if shared else "needed",
                note=notes.get(material["source"]),
            )
        )


def _add_intake_steps(session: Session, case: Case, places: Places) -> None:
    """代收代办 starts at the receiving window; everything else at the window that accepts."""
    today = calendar.today()
    if places.mode in (CrossRegionMode.proxy.value, CrossRegionMode.joint.value):
        session.add(_step(case, StepKind.receive, "receive", "代收核验并转递", "Check and forward", places.received))
        session.add(
            _step(case, StepKind.accept, "accept", "受理", "Accept", places.handling, status=StepStatus.waiting)
        )
    else:
        session.add(_step(case, StepKind.accept, "accept", "受理", "Accept", places.accept_at))
    for step in case.steps:
        step.opened_on = today if step.status == StepStatus.open.value else None


def _step(
    case: Case,
    kind: StepKind,
    code: str,
    name: str,
    name_en: str,
    jurisdiction: str,
    status: StepStatus = StepStatus.open,
    stage: int = -1,
) -> CaseStep:
    return CaseStep(
        case=case,
        kind=kind.value,
        code=code,
        name=name,
        name_en=name_en,
        stage=stage,
        role=Role.window.value,
        jurisdiction_code=jurisdiction,
        status=status.value,
        opened_on=calendar.today() if status is StepStatus.open else None,
    )


def record(
    session: Session,
    actor: Actor,
    case: Case,
    action: str,
    before: CaseStatus | None,
    after: CaseStatus,
    *,
    step: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """The case's timeline entry and the audit log entry, written together."""
    session.add(
        CaseEvent(
            case_id=case.id,
            at=utcnow(),
            actor=actor.username,
            actor_role=actor.role.value if actor.role else None,
            action=action,
            from_status=before.value if before else None,
            to_status=after.value,
            step_code=step,
            reason=reason,
            data=data,
        )
    )
    change = {"status": after.value, "step": step, "reason": reason, **(data or {})}
    audit.record(session, actor, action, "cases", case.number, {"status": before.value if before else None}, change)


@dataclass(frozen=True)
class RatingSubject:
    """What 好差评 needs to know about a case: whose it is, who handled it, and whether it is finished."""

    case_id: int
    number: str
    title: str
    pack_code: str
    applicant_user_id: int | None
    submitted_by: int
    handling_jurisdiction: str
    handling_department: str | None
    finished: bool


def rating_subject(session: Session, actor: Actor, case_id: int) -> RatingSubject:
    """The case as the ratings context sees it; one the actor may not read is not found."""
    case = views.readable_case(session, actor, case_id)
    code = case.service_code or _first_member_service(session, case)
    return RatingSubject(
        case_id=case.id,
        number=case.number,
        title=case.title,
        pack_code=catalog.pack_of(session, code) or "" if code else "",
        applicant_user_id=case.applicant_user_id,
        submitted_by=case.submitted_by,
        handling_jurisdiction=case.handling_jurisdiction,
        handling_department=case.handling_department,
        finished=CaseStatus(case.status) in (CaseStatus.delivered, CaseStatus.rejected, CaseStatus.not_accepted),
    )


def _first_member_service(session: Session, case: Case) -> str | None:
    return session.scalars(select(Case.service_code).where(Case.parent_id == case.id).order_by(Case.id)).first()
