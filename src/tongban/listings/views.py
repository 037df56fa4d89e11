"""What anyone may read of a draw: before it, the commitment, plots and entries; after it, the seed and result.

Entrants are public as their household id and a masked name; staff of the village's town
also see the full name and the enrolling member's ID number masked. The seed is never read
into a view before the draw is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tongban.auth.domain import Actor, JurisdictionLevel, Role
from tongban.auth.models import Jurisdiction
from tongban.catalog import service as catalog
from tongban.db import utcnow
from tongban.errors import NotFound
from tongban.identity.domain import mask_id_number, mask_name
from tongban.listings import domain
from tongban.listings.domain import DrawStatus
from tongban.listings.models import Draw, DrawAllocation, DrawEntry, DrawPlot
from tongban.rules import service as rules
from tongban.rules.domain import FactType


@dataclass(frozen=True)
class DrawSummary:
    code: str
    name: str
    name_en: str | None
    village: str
    village_name: str
    village_name_en: str | None
    status: DrawStatus
    enrol_until: date
    enrolment_open: bool
    entry_count: int
    plot_count: int
    drawn_at: datetime | None


@dataclass(frozen=True)
class PlotView:
    position: int
    code: str
    area: float
    terrain: str


@dataclass(frozen=True)
class EntryView:
    household_id: str
    name: str  # masked unless the viewer is staff of the village's town
    id_number: str | None  # masked, for staff of the village's town only
    entered_at: datetime
    mine: bool


@dataclass(frozen=True)
class AllocationView:
    rank: int
    household_id: str
    name: str
    ticket: str
    plot_code: str | None  # None: on the waiting list
    mine: bool


@dataclass(frozen=True)
class DrawView(DrawSummary):
    service: str
    service_name: str
    service_name_en: str | None
    commitment: str
    seed: str | None  # published with the result, None before
    created_at: datetime
    drawn_by: str | None
    plots: list[PlotView]
    entries: list[EntryView]
    allocations: list[AllocationView]
    staff_view: bool  # staff of the village's town: full names and masked ID numbers
    may_hold: bool
    may_enrol: bool  # a villager whose household has not entered yet; the rules decide on enrolment


def draws(session: Session) -> list[DrawSummary]:
    """Every draw, open ones first, newest first."""
    entries = _counts(session, DrawEntry.draw_code)
    plots = _counts(session, DrawPlot.draw_code)
    open_first = case((Draw.status == DrawStatus.open.value, 0), else_=1)
    rows = session.execute(
        select(Draw, Jurisdiction)
        .join(Jurisdiction, Jurisdiction.code == Draw.jurisdiction_code)
        .order_by(open_first, Draw.created_at.desc(), Draw.code)
    ).all()
    return [_summary(draw, village, entries.get(draw.code, 0), plots.get(draw.code, 0)) for draw, village in rows]


def _counts(session: Session, column: InstrumentedAttribute[str]) -> dict[str, int]:
    return {code: count for code, count in session.execute(select(column, func.count()).group_by(column))}


def _summary(draw: Draw, village: Jurisdiction, entries: int, plots: int) -> DrawSummary:
    status = DrawStatus(draw.status)
    return DrawSummary(
        code=draw.code,
        name=draw.name,
        name_en=draw.name_en,
        village=draw.jurisdiction_code,
        village_name=village.name,
        village_name_en=village.name_en,
        status=status,
        enrol_until=draw.enrol_until,
        enrolment_open=domain.enrolment_open(status, draw.enrol_until, utcnow()),
        entry_count=entries,
        plot_count=plots,
        drawn_at=draw.drawn_at,
    )


def draw_view(session: Session, actor: Actor, code: str) -> DrawView:
    draw = _draw(session, code)
    village = session.get(Jurisdiction, draw.jurisdiction_code)
    assert village is not None  # a foreign key
    service = catalog.names(session, [draw.service_code])[draw.service_code]
    summary = _summary(draw, village, len(draw.entries), len(draw.plots))
    staff = actor.role not in (None, Role.citizen) and actor.covers(draw.jurisdiction_code)
    entries = [_entry(entry, actor, staff) for entry in draw.entries]
    by_household = {entry.household_id: entry for entry in entries}
    drawn = summary.status is DrawStatus.drawn
    return DrawView(
        **vars(summary),
        service=draw.service_code,
        service_name=service.name,
        service_name_en=service.name_en,
        commitment=draw.commitment,
        seed=draw.seed if drawn else None,
        created_at=draw.created_at,
        drawn_by=draw.drawn_by,
        plots=[PlotView(plot.position, plot.code, plot.area, plot.terrain) for plot in draw.plots],
        entries=entries,
        allocations=[_allocation(a, by_household[a.household_id]) for a in draw.allocations],
        staff_view=staff,
        may_hold=not drawn and domain.may_organise(actor, draw.jurisdiction_code),
        may_enrol=summary.enrolment_open and actor.role is Role.citizen and not any(e.mine for e in entries),
    )


def _entry(entry: DrawEntry, actor: Actor, staff: bool) -> EntryView:
    return EntryView(
        household_id=entry.household_id,
        name=entry.name if staff else mask_name(entry.name),
        id_number=mask_id_number(entry.id_number) if staff else None,
        entered_at=entry.entered_at,
        mine=actor.user_id is not None and entry.user_id == actor.user_id,
    )


@dataclass(frozen=True)
class Question:
    """A fact the service's rules take from what the villager states (``form:``), asked when they enrol."""

    key: str
    label: str
    type: FactType


def questions(session: Session, code: str) -> list[Question]:
    facts = rules.rules_of(session, _draw(session, code).service_code).facts
    return [
        Question(fact.source.removeprefix("form:"), fact.label or name, fact.type)
        for name, fact in facts.items()
        if fact.source.startswith("form:")
    ]


def villages(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The villages the actor may organise draws in, as (code, name)."""
    rows = session.execute(
        select(Jurisdiction.code, Jurisdiction.name)
        .where(Jurisdiction.level == JurisdictionLevel.village.value)
        .order_by(Jurisdiction.code)
    ).all()
    return [(code, name) for code, name in rows if domain.may_organise(actor, code)]


def _allocation(allocation: DrawAllocation, entry: EntryView) -> AllocationView:
    """A line of the result, naming the household as its entry is shown to this viewer."""
    return AllocationView(
        rank=allocation.rank,
        household_id=allocation.household_id,
        name=entry.name,
        ticket=allocation.ticket,
        plot_code=allocation.plot_code,
        mine=entry.mine,
    )


def _draw(session: Session, code: str) -> Draw:
    draw = session.get(Draw, code)
    if draw is None:
        raise NotFound(f"摇号 {code} 不存在", f"draw {code} not found", "code")
    return draw


# --- what a resident needs to re-run the draw -----------------------------------------


def households_file(session: Session, code: str) -> str:
    """The households entered, one id per line, as ``tongban lottery rerun --households`` reads them."""
    return "".join(f"{entry.household_id}\n" for entry in _draw(session, code).entries)


def plots_file(session: Session, code: str) -> str:
    """The plots in their published order, one code per line (``--plots``)."""
    return "".join(f"{plot.code}\n" for plot in _draw(session, code).plots)


def file_names(code: str) -> tuple[str, str]:
    return f"{code}-households.csv", f"{code}-plots.csv"


def rerun_command(view: DrawView) -> str | None:
    """The command that re-runs the published draw with the two downloaded files; None before the draw."""
    if view.seed is None:
        return None
    households, plots = file_names(view.code)
    return (
        f"tongban lottery rerun --seed {view.seed} --commitment {view.commitment} "
        f"--households {households} --plots {plots}"
    )
