"""Working a case: every transition (受理、一次性告知、并联审查、决定、送达…) in one place.

Each action checks the case's version (``If-Match``), the status it starts from, and that
the actor holds the step it works on; then it changes the case, writes the timeline and
the audit log, and bumps the version — all in one transaction, so two people acting at
once never both win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from tongban.auth.domain import Actor, Role
from tongban.auth.models import User
from tongban.calendar import service as calendar
from tongban.cases import views
from tongban.cases.domain import (
    PAUSED,
    Action,
    CaseStatus,
    MissingItem,
    SpecialKind,
    StepKind,
    StepState,
    StepStatus,
    check_transition,
    plan_workflow,
    required_gaps,
    stage_finished,
)
from tongban.cases.models import Case, CasePause, CaseStep
from tongban.cases.service import record
from tongban.catalog import service as catalog
from tongban.credentials import issuing as house_codes
from tongban.db import lost_race, transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden


@dataclass(frozen=True)
class ActionInput:
    reason: str | None = None
    step: str | None = None
    items: Sequence[MissingItem] = field(default_factory=list)
    special: SpecialKind | None = None


@dataclass
class Context:
    session: Session
    actor: Actor
    case: Case
    data: ActionInput
    today: date

    def record(self, action: Action, before: CaseStatus, *, step: str | None = None, **data: object) -> None:
        record(
            self.session,
            self.actor,
            self.case,
            action.value,
            before,
            CaseStatus(self.case.status),
            step=step,
            reason=self.data.reason,
            data=dict(data) or None,
        )


def act(
    factory: sessionmaker[Session], actor: Actor, case_id: int, action: Action, version: int, data: ActionInput
) -> views.CaseView:
    """Performs one action on the case at ``version``; a stale version is a conflict, never a second win."""
    try:
        with transaction(factory) as session:
            case = views.readable_case(session, actor, case_id)
            if version != case.version:
                raise _stale(case.version)
            check_transition(action, CaseStatus(case.status), data.reason)
            context = Context(session, actor, case, data, calendar.today())
            HANDLERS[action](context)
            session.flush()
            return views.case_view(session, actor, case, context.today)
    except StaleDataError:
        raise _stale(None) from None
    except OperationalError as exc:
        if lost_race(exc):
            raise _stale(None) from None
        raise


def _stale(current: int | None) -> Conflict:
    now = f"（当前版本 {current}）" if current is not None else ""
    return Conflict(
        f"办件已被他人处理{now}，请刷新后重试",
        "the case was changed by someone else; reload it and try again",
        "If-Match",
    )


def _my_step(context: Context, kind: StepKind) -> CaseStep:
    """The open step of this kind the actor holds; ``step`` picks one when they hold several."""
    mine = [step for step in context.case.steps if views.is_open(step, kind) and views.holds(context.actor, step)]
    if context.data.step is not None:
        mine = [step for step in mine if step.code == context.data.step]
    if not mine:
        raise Forbidden("您没有该办件可办理的环节", "you hold no open step of this case for that action")
    if len(mine) > 1:
        codes = ", ".join(step.code for step in mine)
        raise BadInput(f"请指定环节：{codes}", f"say which step: {codes}", "step")
    return mine[0]


def _finish(context: Context, step: CaseStep, status: StepStatus) -> None:
    step.status = status.value
    step.done_at, step.done_by, step.note = utcnow(), context.actor.username, context.data.reason


def _set(context: Context, status: CaseStatus, reason: str | None = None) -> CaseStatus:
    """Moves the case and bumps its version; returns the status it left."""
    case = context.case
    before = CaseStatus(case.status)
    case.status, case.status_reason = status.value, reason
    case.version += 1
    return before


def _forward(context: Context) -> None:
    step = _my_step(context, StepKind.receive)
    _finish(context, step, StepStatus.done)
    for waiting in context.case.steps:
        if waiting.kind == StepKind.accept.value and waiting.status == StepStatus.waiting.value:
            waiting.status, waiting.opened_on = StepStatus.open.value, context.today
    before = _set(context, CaseStatus.forwarded)
    context.record(Action.forward, before, step=step.code)


def _accept(context: Context) -> None:
    step = _my_step(context, StepKind.accept)
    gaps = _gaps(context.session, context.case)
    if gaps:
        listed = "、".join(gap.reason for gap in gaps)
        raise BadInput(
            f"材料或信息不全，请一次性告知补正：{listed}",
            f"materials or fields are missing ({len(gaps)}); send a one-time notice instead",
            "materials",
        )
    _finish(context, step, StepStatus.done)
    case = context.case
    case.accepted_on = context.today
    before = _set(context, CaseStatus.accepted)
    context.record(Action.accept, before, step=step.code)
    if case.kind == "bundle":
        _start_bundle(context)
    else:
        _start_review(context, case)


def _gaps(session: Session, case: Case) -> list[MissingItem]:
    provided = {m.code for m in case.materials if m.status in ("provided", "shared")}
    materials = [{"code": m.code, "name": m.name, "required": m.required, "source": m.source} for m in case.materials]
    services = [case.service_code] if case.service_code else _member_services(session, case)
    fields = [f for code in services for f in catalog.guide(session, code).form_fields]
    return required_gaps(materials, provided, fields, case.form)


def _member_services(session: Session, case: Case) -> list[str]:
    return [code for code in session.scalars(select(Case.service_code).where(Case.parent_id == case.id)) if code]


def _start_review(context: Context, case: Case) -> None:
    """Opens the first stage of the service's workflow; a 即办件 without one is decided at once."""
    guide = catalog.guide(context.session, case.service_code or "")
    plans = plan_workflow(
        guide.workflow,
        instant=guide.instant,
        promised_days=guide.promised_limit.value,
        department=guide.department_code,
        handling=case.handling_jurisdiction,
        receiving=case.received_jurisdiction,
        form=case.form,
    )
    for plan in plans:
        context.session.add(
            CaseStep(
                case=case,
                kind=StepKind.review.value,
                code=plan.code,
                name=plan.name,
                name_en=plan.name_en,
                stage=plan.stage,
                role=plan.role,
                department_code=plan.department,
                jurisdiction_code=plan.jurisdiction,
                optional=plan.optional,
                limit_days=plan.limit,
                status=StepStatus.waiting.value,
            )
        )
    context.session.flush()
    _advance(context, case)


def _advance(context: Context, case: Case) -> None:
    """Opens the next stage once the current one is finished; with none left, the case is approved."""
    reviews = [step for step in case.steps if step.kind == StepKind.review.value]
    states = [StepState(step.stage, StepStatus(step.status), step.optional) for step in reviews]
    for stage in sorted({step.stage for step in reviews}):
        if stage_finished(states, stage):
            _skip_leftovers([step for step in reviews if step.stage == stage])
            continue
        waiting = [s for s in reviews if s.stage == stage and s.status == StepStatus.waiting.value]
        for step in waiting:
            step.status, step.opened_on = StepStatus.open.value, context.today
        if CaseStatus(case.status) is not CaseStatus.under_review:
            _move(context, case, CaseStatus.under_review, "start_review")
        return
    _decide(context, case, CaseStatus.approved)


def _skip_leftovers(steps: Sequence[CaseStep]) -> None:
    """An optional step still open when its group finished is not waited for."""
    for step in steps:
        if step.optional and step.status == StepStatus.open.value:
            step.status, step.note = StepStatus.skipped.value, "所在并联组已完成 / its group finished"


def _move(context: Context, case: Case, status: CaseStatus, action: str, reason: str | None = None) -> None:
    """A move that follows from the action (review starts, a decision, a bundle's members), on its timeline.

    Cases other than the acted-on one get a new version too, so that nobody acts on them
    from a stale page; the acted-on case's version was bumped once already.
    """
    before = CaseStatus(case.status)
    case.status, case.status_reason = status.value, reason
    if case is not context.case:
        case.version += 1
    record(context.session, context.actor, case, action, before, status, reason=reason)


def _decide(context: Context, case: Case, status: CaseStatus) -> None:
    case.decided_at = utcnow()
    _move(context, case, status, "decide", context.data.reason if status is CaseStatus.rejected else None)
    if status is CaseStatus.approved:
        house_codes.issue(context.session, context.actor, case)  # 农宅码: an approved house gets its code
    if case.parent_id is not None:
        _member_decided(context, case)
    elif status is CaseStatus.approved:
        _open_delivery(context, case)


def _open_delivery(context: Context, case: Case) -> None:
    context.session.add(
        CaseStep(
            case=case,
            kind=StepKind.deliver.value,
            code="deliver",
            name="送达",
            name_en="Deliver",
            stage=-1,
            role=Role.window.value,
            jurisdiction_code=case.deliver_jurisdiction,
            status=StepStatus.open.value,
            opened_on=context.today,
        )
    )


def _start_bundle(context: Context) -> None:
    parent = context.case
    _move(context, parent, CaseStatus.under_review, "start_review")
    _start_ready_members(context, parent)


def _members(session: Session, parent: Case) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.parent_id == parent.id).order_by(Case.id)))


def _start_ready_members(context: Context, parent: Case) -> None:
    """Members whose predecessors are all approved start now, in parallel with each other."""
    bundle = catalog.bundle_guide(context.session, parent.bundle_code or "")
    members = _members(context.session, parent)
    approved = {m.service_code for m in members if m.status in (CaseStatus.approved.value, CaseStatus.delivered.value)}
    after = {member.service.code: set(member.after) for member in bundle.members}
    for child in members:
        if child.status == CaseStatus.waiting.value and after.get(child.service_code or "", set()) <= approved:
            child.accepted_on = context.today
            _move(context, child, CaseStatus.accepted, "accept")
            _start_review(context, child)


def _member_decided(context: Context, child: Case) -> None:
    parent = context.session.get(Case, child.parent_id)
    assert parent is not None
    if child.status == CaseStatus.rejected.value:
        for sibling in _members(context.session, parent):
            if sibling.id != child.id and sibling.status not in (CaseStatus.approved.value, CaseStatus.rejected.value):
                _cancel_steps(sibling)
                _move(context, sibling, CaseStatus.withdrawn, "withdraw", "同一“一件事”中另一事项不予许可")
        _move(context, parent, CaseStatus.rejected, "decide", f"{child.title}：{child.status_reason}")
        parent.decided_at = utcnow()
        return
    _start_ready_members(context, parent)
    if all(m.status == CaseStatus.approved.value for m in _members(context.session, parent)):
        parent.decided_at = utcnow()
        _move(context, parent, CaseStatus.approved, "decide")
        _open_delivery(context, parent)


def _cancel_steps(case: Case) -> None:
    for step in case.steps:
        if step.status in (StepStatus.open.value, StepStatus.waiting.value):
            step.status = StepStatus.cancelled.value


def _not_accept(context: Context) -> None:
    step = _my_step(context, StepKind.accept)
    _finish(context, step, StepStatus.rejected)
    _cancel_steps(context.case)
    before = _set(context, CaseStatus.not_accepted, context.data.reason)
    context.record(Action.not_accept, before, step=step.code)
    _close_members(context, "不予受理")


def _close_members(context: Context, reason: str) -> None:
    for child in _members(context.session, context.case):
        _cancel_steps(child)
        _move(context, child, CaseStatus.withdrawn, "withdraw", reason)


def _notify_missing(context: Context) -> None:
    """一次性告知: every missing or defective material and field in one notice; after acceptance the clock stops."""
    case = context.case
    if not views.works_on(context.actor, case):
        raise Forbidden("您没有该办件可办理的环节", "you hold no open step of this case")
    items = list(context.data.items) or _gaps(context.session, case)
    if not items:
        raise BadInput("请列出缺少或有误的材料", "list the missing or defective materials", "items")
    materials = {m.code: m for m in _root(context).materials}
    for item in items:
        material = materials.get(item.code)
        if material is not None:
            material.status, material.note = ("defective" if material.file_id else "missing"), item.reason
    if CaseStatus(case.status) is CaseStatus.under_review:
        case.pauses.append(CasePause(kind="missing_materials", reason=context.data.reason, start=context.today))
    case.resume_status = case.status
    before = _set(context, CaseStatus.missing_materials, "；".join(item.reason for item in items))
    context.record(Action.notify_missing, before, items=[{"code": i.code, "reason": i.reason} for i in items])


def _root(context: Context) -> Case:
    case = context.case
    if case.parent_id is None:
        return case
    parent = context.session.get(Case, case.parent_id)
    assert parent is not None
    return parent


def _resume(context: Context) -> None:
    case = context.case
    root = _root(context)
    still = [m.name for m in root.materials if m.status in ("missing", "defective")]
    if still:
        raise BadInput(f"仍缺材料：{'、'.join(still)}", f"still missing: {len(still)} material(s)", "materials")
    _end_pause(case, context.today)
    before = _set(context, CaseStatus(case.resume_status or CaseStatus.submitted.value))
    case.resume_status = None
    context.record(Action.resume, before)


def _end_pause(case: Case, today: date) -> None:
    for pause in case.pauses:
        if pause.end is None:
            pause.end = today


def _start_special(context: Context) -> None:
    step = _my_step(context, StepKind.review)
    kind = context.data.special or SpecialKind.expert_review
    context.case.pauses.append(CasePause(kind=kind.value, reason=context.data.reason, start=context.today))
    context.case.resume_status = context.case.status
    before = _set(context, CaseStatus.special_procedure, context.data.reason)
    context.record(Action.start_special, before, step=step.code, special=kind.value)


def _end_special(context: Context) -> None:
    if not views.works_on(context.actor, context.case):
        raise Forbidden("您没有该办件可办理的环节", "you hold no open step of this case")
    _end_pause(context.case, context.today)
    before = _set(context, CaseStatus.under_review)
    context.case.resume_status = None
    context.record(Action.end_special, before)


def _approve(context: Context) -> None:
    step = _my_step(context, StepKind.review)
    house_codes.check_step(context.session, context.actor, context.case)  # a red 农宅码 stops the works
    _finish(context, step, StepStatus.done)
    context.case.version += 1
    context.record(Action.approve, CaseStatus.under_review, step=step.code)
    _advance(context, context.case)


def _reject(context: Context) -> None:
    step = _my_step(context, StepKind.review)
    _finish(context, step, StepStatus.rejected)
    _cancel_steps(context.case)
    context.case.version += 1
    context.record(Action.reject, CaseStatus.under_review, step=step.code)
    _decide(context, context.case, CaseStatus.rejected)


def _skip(context: Context) -> None:
    step = _my_step(context, StepKind.review)
    if not step.optional:
        raise BadInput("只有可选环节可以跳过", "only an optional step can be skipped", "step")
    _finish(context, step, StepStatus.skipped)
    context.case.version += 1
    context.record(Action.skip, CaseStatus.under_review, step=step.code)
    _advance(context, context.case)


def _deliver(context: Context) -> None:
    step = _my_step(context, StepKind.deliver)
    _finish(context, step, StepStatus.done)
    deliver(context, context.case)
    context.record(Action.deliver, CaseStatus.approved, step=step.code)


def deliver(context: Context, case: Case) -> None:
    """Delivered once, with every member of a bundle."""
    now = utcnow()
    case.delivered_at = now
    _set(context, CaseStatus.delivered)
    for child in _members(context.session, case):
        child.delivered_at = now
        _move(context, child, CaseStatus.delivered, "deliver")


def _withdraw(context: Context) -> None:
    if not views.owns(context.actor, context.case):
        raise Forbidden("只有申请人可以撤回", "only the applicant may withdraw")
    if context.case.parent_id is not None:
        raise BadInput("请撤回整个“一件事”", "withdraw the whole bundle, not one member", "id")
    _cancel_steps(context.case)
    _end_pause(context.case, context.today)
    before = _set(context, CaseStatus.withdrawn, context.data.reason)
    context.record(Action.withdraw, before)
    _close_members(context, "申请人撤回")


def pickup(factory: sessionmaker[Session], actor: Actor, agent: str, declaration: str) -> list[views.CaseView]:
    """批量代领: on an agency's declaration, a window hands over every approved case the agency filed, at once."""
    if actor.role is not Role.window:
        raise Forbidden("只有窗口人员可以办理批量代领", "only window staff hand over results")
    if not declaration.strip():
        raise BadInput("请填写代领声明", "the agency's declaration is required", "declaration")
    with transaction(factory) as session:
        agency = session.scalar(select(User.id).where(User.username == agent))
        if agency is None:
            raise BadInput(f"代办机构账号 {agent} 不存在", f"no agency account {agent}", "agent")
        cases = session.scalars(
            select(Case).where(
                Case.submitted_by == agency,
                Case.on_behalf.is_(True),
                Case.parent_id.is_(None),
                Case.status == CaseStatus.approved.value,
            )
        ).all()
        done = []
        for case in cases:
            step = next((s for s in case.steps if views.is_open(s, StepKind.deliver) and views.holds(actor, s)), None)
            if step is None:
                continue
            context = Context(session, actor, case, ActionInput(reason=declaration), calendar.today())
            _finish(context, step, StepStatus.done)
            deliver(context, case)
            context.record(Action.deliver, CaseStatus.approved, step=step.code, batch_pickup=agent)
            done.append(case)
        session.flush()
        return [views.case_view(session, actor, case, calendar.today()) for case in done]


HANDLERS: Mapping[Action, Callable[[Context], None]] = {
    Action.forward: _forward,
    Action.accept: _accept,
    Action.not_accept: _not_accept,
    Action.notify_missing: _notify_missing,
    Action.resume: _resume,
    Action.start_special: _start_special,
    Action.end_special: _end_special,
    Action.approve: _approve,
    Action.reject: _reject,
    Action.skip: _skip,
    Action.deliver: _deliver,
    Action.withdraw: _withdraw,
}

__all__ = ["PAUSED", "ActionInput", "act"]
