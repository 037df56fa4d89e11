"""Lottery site selection (摇号选址) API: draws, enrolment, holding a draw, and its public result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tongban.auth.domain import Actor, Role
from tongban.listings import service, views
from tongban.listings.domain import ORGANISERS, DrawStatus, NewDraw, Plot
from tongban.web.deps import ApiActor, Factory, ReadSession, require

router = APIRouter(tags=["listings"])
Organisers = Annotated[Actor, Depends(require(*ORGANISERS))]
Villagers = Annotated[Actor, Depends(require(Role.citizen))]
Code = Annotated[str, Path(max_length=64)]


class PlotIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    area: float = Field(gt=0, allow_inf_nan=False, description="m²")
    terrain: str = Field(min_length=1, max_length=16, description="平原、丘陵、山区")


class DrawIn(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=300)
    village: str = Field(pattern=r"^\d{12}$", description="the village's 12-digit division code")
    service: str = Field(min_length=1, max_length=64, description="whose eligibility rules entrants must pass")
    registry: str = Field(min_length=1, max_length=64, description="household registry: household_id, village_code")
    enrol_until: date = Field(description="the last day to enrol (Beijing)")
    plots: list[PlotIn] = Field(min_length=1, max_length=500, description="in their published order")


class EntryIn(BaseModel):
    """What the service's rules ask the villager to state (its ``form:`` facts), e.g. ``floor_area``."""

    form: dict[str, Any] = Field(default_factory=dict)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DrawSummaryOut(_Out):
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


class PlotOut(_Out):
    position: int
    code: str
    area: float
    terrain: str


class EntryOut(_Out):
    household_id: str
    name: str
    id_number: str | None
    entered_at: datetime
    mine: bool


class AllocationOut(_Out):
    rank: int
    household_id: str
    name: str
    ticket: str
    plot_code: str | None
    mine: bool


class DrawOut(DrawSummaryOut):
    service: str
    service_name: str
    service_name_en: str | None
    commitment: str
    seed: str | None
    created_at: datetime
    drawn_by: str | None
    plots: list[PlotOut]
    entries: list[EntryOut]
    allocations: list[AllocationOut]
    rerun_command: str | None


class EnrolledOut(BaseModel):
    draw: str
    household_id: str


@router.get("/draws", response_model=list[DrawSummaryOut])
def list_draws(session: ReadSession) -> list[DrawSummaryOut]:
    """Owner: public. Every draw, open ones first."""
    return [DrawSummaryOut.model_validate(summary) for summary in views.draws(session)]


@router.get("/draws/{code}", response_model=DrawOut)
def get_draw(code: Code, session: ReadSession, actor: ApiActor) -> DrawOut:
    """Owner: public. The commitment, plots and entries (names masked); after the draw, the seed and result."""
    return _draw_out(session, actor, code)


@router.post("/draws", response_model=DrawOut, status_code=201)
def create_draw(body: DrawIn, factory: Factory, actor: Organisers) -> DrawOut:
    """Owner: window, admin (of the village's town). Opens a draw; only the seed's commitment is published."""
    plots = [Plot(plot.code, plot.area, plot.terrain) for plot in body.plots]
    new = NewDraw(**body.model_dump(exclude={"plots"}), plots=plots)
    code = service.create(factory, actor, new)
    with factory() as session:
        return _draw_out(session, actor, code)


@router.post("/draws/{code}/entries", response_model=EnrolledOut, status_code=201)
def enrol(code: Code, factory: Factory, actor: Villagers, body: EntryIn | None = None) -> EnrolledOut:
    """Owner: citizen (a villager, for their own household). Checks the village and the service's rules."""
    household = service.enrol(factory, actor, code, (body or EntryIn()).form)
    return EnrolledOut(draw=code, household_id=household)


@router.post("/draws/{code}/draw", response_model=DrawOut)
def hold_draw(code: Code, factory: Factory, actor: Organisers) -> DrawOut:
    """Owner: window, admin (of the village's town). Holds the draw and publishes the seed with the result."""
    service.hold(factory, actor, code)
    with factory() as session:
        return _draw_out(session, actor, code)


def _draw_out(session: Session, actor: Actor, code: str) -> DrawOut:
    view = views.draw_view(session, actor, code)
    return DrawOut.model_validate({**vars(view), "rerun_command": views.rerun_command(view)})
