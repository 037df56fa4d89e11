"""Lottery site selection (摇号选址) held in the platform: create a draw, enrol households, hold it.

Staff create a draw with its plots in their published order; the platform draws a fresh
random seed and publishes only its commitment. Villagers enrol their household: their
record in the household registry says which household and village they belong to (the read
audited), and the service's eligibility rules are checked on the registries. Holding the
draw runs ``listings.domain.draw`` over the entries, stores the allocations and publishes
the seed. Every change is audited; the seed enters the log only with the draw itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, JurisdictionLevel, Role
from tongban.auth.models import Jurisdiction, User
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound, TongbanError
from tongban.identity.domain import mask_id_number
from tongban.listings import domain
from tongban.listings.domain import HOUSEHOLD_FIELDS, DrawError, DrawStatus, NewDraw
from tongban.listings.models import Draw, DrawAllocation, DrawEntry, DrawPlot
from tongban.registries import service as registries
from tongban.rules import service as rules


def today() -> date:
    """Today in Beijing, the day enrolment deadlines are counted in."""
    return domain.china_date(utcnow())


def household_registries(session: Session) -> list[str]:
    """Registries a draw can read households from: those with every field of ``HOUSEHOLD_FIELDS``."""
    return sorted(
        code for code, fields in registries.field_types(session).items() if set(HOUSEHOLD_FIELDS) <= set(fields)
    )


# --- creating a draw ----------------------------------------------------------------


def create(factory: sessionmaker[Session], actor: Actor, new: NewDraw) -> str:
    """Town staff open a draw for a village they cover; the seed is drawn now and only its commitment shown."""
    with transaction(factory) as session:
        _check_new(session, actor, new)
        if new.enrol_until < today():
            raise BadInput("报名截止日期不能早于今天", "the enrolment deadline cannot be in the past", "enrol_until")
        _add(session, actor, new, None)
    return new.code


def declare(session: Session, actor: Actor, pack_code: str, new: NewDraw) -> str:
    """A draw a pack declares, created on the pack's first load; ``created`` or ``unchanged``.

    A later load leaves the draw as it is: its plots were published with its commitment,
    and changing them afterwards would change what households entered for.
    """
    existing = session.get(Draw, new.code)
    if existing is not None and existing.pack_code != pack_code:
        zh, en = f"摇号 {new.code} 已存在，不属于服务包 {pack_code}", f"draw {new.code} exists outside pack {pack_code}"
        raise Conflict(zh, en, "code")
    if existing is not None:
        return "unchanged"
    _check_new(session, actor, new)
    _add(session, actor, new, pack_code)
    return "created"


def _check_new(session: Session, actor: Actor, new: NewDraw) -> None:
    with _bad_input("code"):
        domain.check_listed(new.code, "摇号编号", "draw code")
    if not new.name.strip():
        raise BadInput("请填写摇号名称", "the draw needs a name", "name")
    village = session.get(Jurisdiction, new.village)
    if village is None or village.level != JurisdictionLevel.village:
        raise NotFound(f"村 {new.village} 不存在", f"no village {new.village}", "village")
    _check_organiser(actor, new.village)
    if session.get(Draw, new.code) is not None:
        raise Conflict(f"摇号 {new.code} 已存在", f"draw {new.code} already exists", "code")
    rules.rules_of(session, new.service)  # the service exists and has the rules entrants must pass
    if new.registry not in household_registries(session):
        zh = f"登记库 {new.registry} 须有字段 {'、'.join(HOUSEHOLD_FIELDS)}"
        raise BadInput(zh, f"registry {new.registry} must have fields {', '.join(HOUSEHOLD_FIELDS)}", "registry")
    with _bad_input("plots"):
        domain.check_plots(new.plots)


def _add(session: Session, actor: Actor, new: NewDraw, pack_code: str | None) -> None:
    seed = secrets.token_bytes(domain.SEED_BYTES)
    row = Draw(
        code=new.code,
        name=new.name.strip(),
        name_en=new.name_en,
        jurisdiction_code=new.village,
        service_code=new.service,
        registry_code=new.registry,
        status=DrawStatus.open.value,
        commitment=domain.commitment(seed),
        seed=seed.hex(),
        enrol_until=new.enrol_until,
        created_by=actor.username,
        created_at=utcnow(),
        pack_code=pack_code,
    )
    session.add(row)
    session.flush()
    session.add_all(
        DrawPlot(draw_code=new.code, code=plot.code, position=position, area=plot.area, terrain=plot.terrain.strip())
        for position, plot in enumerate(new.plots, 1)
    )
    session.flush()
    published = {name: getattr(row, name) for name in ("name", "jurisdiction_code", "service_code", "registry_code")}
    plots = [[plot.code, plot.area, plot.terrain] for plot in new.plots]
    after = {**published, "enrol_until": new.enrol_until, "commitment": row.commitment, "plots": plots}
    audit.record(session, actor, "create", "draws", new.code, after=after)


# --- enrolling a household ----------------------------------------------------------


def enrol(factory: sessionmaker[Session], actor: Actor, code: str, form: Mapping[str, Any]) -> str:
    """A villager enters their household; returns the household id. ``form``: what the rules ask of them."""
    if actor.role is not Role.citizen or actor.user_id is None:
        raise Forbidden("只有村民本人可以报名", "only villagers enrol, for themselves")
    with transaction(factory) as session:
        try:
            return _enrol(session, actor, code, form)
        except TongbanError as exc:
            # Registry reads made before a refusal stay in the audit log: nothing else was written.
            refusal = exc
    raise refusal


def _enrol(session: Session, actor: Actor, code: str, form: Mapping[str, Any]) -> str:
    draw = _locked(session, code)
    if not domain.enrolment_open(DrawStatus(draw.status), draw.enrol_until, utcnow()):
        raise Conflict("本次摇号已截止报名", "enrolment in this draw is closed", "code")
    user = session.get(User, actor.user_id)
    if user is None or not user.id_number:
        raise BadInput("账号未实名认证（缺少身份证号码）", "the account has no verified ID number", "id_number")
    household, village, name = _household(session, actor, draw, user.id_number)
    if village != draw.jurisdiction_code:
        raise Forbidden("您的户籍不在本村，不能参加本村摇号", "your household is not registered in this village")
    with _bad_input("household_id"):
        domain.check_listed(household, "户号", "household id")
    if any(entry.household_id == household for entry in draw.entries):
        raise Conflict(f"本户（户号 {household}）已报名", f"household {household} has already entered", "code")
    _check_eligible(session, actor, draw.service_code, form)
    entry = DrawEntry(
        draw_code=code,
        household_id=household,
        user_id=user.id,
        id_number=user.id_number,
        name=name or user.display_name,
        entered_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    after = {"household": household, "id_number": mask_id_number(user.id_number), "eligibility": "passed"}
    audit.record(session, actor, "enrol", "draw_entries", f"{code}/{household}", after=after)
    return household


def _household(session: Session, actor: Actor, draw: Draw, id_number: str) -> tuple[str, str | None, str | None]:
    wanted = [(draw.registry_code, field) for field in HOUSEHOLD_FIELDS]
    found = registries.read_person(session, actor, id_number, wanted, f"lottery enrolment: {draw.code}")
    household, village, name = (found[key].value for key in wanted)
    if not household:
        raise BadInput("户籍登记中没有您的户号，请到村或镇便民服务中心核实", "no household of yours is registered")
    return str(household), village, name


def _check_eligible(session: Session, actor: Actor, service: str, form: Mapping[str, Any]) -> None:
    verdict = rules.check_me(session, actor, service, form).verdict
    if not verdict.eligible:
        failed = [result for result in verdict.results if not result.passed]
        zh = "不符合参加摇号的条件：" + "；".join(f"{r.id} {r.message}" for r in failed)
        en = "not eligible for the draw: " + "; ".join(f"{r.id} {r.message_en or r.message}" for r in failed)
        raise BadInput(zh, en, "eligibility")


# --- holding the draw ---------------------------------------------------------------


def hold(factory: sessionmaker[Session], actor: Actor, code: str) -> None:
    """Runs the draw over the households entered, stores the allocations and publishes the seed.

    Staff may hold it before the enrolment deadline (on demand): enrolment closes with it.
    """
    with transaction(factory) as session:
        draw = _locked(session, code)
        _check_organiser(actor, draw.jurisdiction_code)
        if draw.status != DrawStatus.open:
            raise Conflict("本次摇号已经举行", "this draw has already been held", "code")
        households = [entry.household_id for entry in draw.entries]
        if not households:
            raise BadInput("还没有农户报名，不能摇号", "no household has entered yet", "code")
        seed = bytes.fromhex(draw.seed)
        domain.verify(seed, draw.commitment)  # a seed altered since creation must not be used
        result = domain.draw(seed, households, [plot.code for plot in draw.plots])
        session.add_all(
            DrawAllocation(draw_code=code, rank=a.rank, household_id=a.household, ticket=a.ticket, plot_code=a.plot)
            for a in result
        )
        draw.status, draw.drawn_at, draw.drawn_by = DrawStatus.drawn.value, utcnow(), actor.username
        session.flush()
        after = {
            "status": draw.status,
            "commitment": draw.commitment,
            "seed": draw.seed,
            "allocations": [[a.rank, a.household, a.plot] for a in result],
        }
        audit.record(session, actor, "draw", "draws", code, before={"status": DrawStatus.open.value}, after=after)


def _check_organiser(actor: Actor, village: str) -> None:
    if not domain.may_organise(actor, village):
        raise Forbidden("只有所在镇的窗口人员或管理员可以组织本村摇号", "only staff of the village's town may do this")


def _locked(session: Session, code: str) -> Draw:
    """The draw, locked: an enrolment and the draw itself never overlap."""
    draw = session.scalars(select(Draw).where(Draw.code == code).with_for_update()).one_or_none()
    if draw is None:
        raise NotFound(f"摇号 {code} 不存在", f"draw {code} not found", "code")
    return draw


@contextmanager
def _bad_input(field: str) -> Iterator[None]:
    """The domain's refusal of a code, a household id or plots, as the caller's bad input."""
    try:
        yield
    except DrawError as exc:
        raise BadInput(exc.message_zh, exc.message_en, field) from None
