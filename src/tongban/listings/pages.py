"""Lottery pages: the draws, a draw with its commitment or result, enrolling, creating and holding a draw."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.errors import BadInput, TongbanError
from tongban.listings import service, views
from tongban.listings.domain import CHINA_TIME, ORGANISERS, NewDraw, Plot
from tongban.web import csrf
from tongban.web.deps import Factory, PageActor, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Organisers = Annotated[Actor, Depends(require_page(*ORGANISERS))]
Villagers = Annotated[Actor, Depends(require_page(Role.citizen))]
Code = Annotated[str, Path(max_length=64)]
Checked = [Depends(csrf.check)]
# A plot line as staff type it: code, area (m²), terrain — commas (either width) or tabs from a spreadsheet.
PLOT_SEPARATOR = re.compile(r"\s*[,，\t]\s*")


async def posted(request: Request) -> FormData:
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


@router.get("/draws")
def draws_page(request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: public (the create form: window, admin). Every draw, open ones first."""
    return _list(request, actor, session)


@router.post("/draws", dependencies=Checked)
def create_draw(request: Request, actor: Organisers, factory: Factory, data: Posted) -> Response:
    """Owner: window, admin (of the village's town). Opens a draw from the form on the list page."""
    typed = {key: str(value) for key, value in data.items() if key != "csrf_token"}
    try:
        code = service.create(factory, actor, _new_draw(typed))
    except TongbanError as exc:
        with factory() as session:
            return _list(request, actor, session, typed, _message(request, exc), exc.status)
    return RedirectResponse(f"/draws/{code}", status_code=303)


@router.get("/draws/{code}")
def draw_page(code: Code, request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: public. The commitment and plots; after the draw, the seed, the result and how to re-run it."""
    return _page(request, actor, session, code)


@router.post("/draws/{code}/entries", dependencies=Checked)
def enrol(code: Code, request: Request, actor: Villagers, factory: Factory, data: Posted) -> Response:
    """Owner: citizen (a villager, for their household). Checks the village and the service's rules."""
    typed = {key.removeprefix("form."): str(value) for key, value in data.items() if key.startswith("form.")}
    try:
        service.enrol(factory, actor, code, typed)
    except TongbanError as exc:
        with factory() as session:
            return _page(request, actor, session, code, typed, _message(request, exc), exc.status)
    return RedirectResponse(f"/draws/{code}#entries", status_code=303)


@router.post("/draws/{code}/draw", dependencies=Checked)
def hold_draw(code: Code, request: Request, actor: Organisers, factory: Factory) -> Response:
    """Owner: window, admin (of the village's town). Holds the draw and publishes the seed."""
    try:
        service.hold(factory, actor, code)
    except TongbanError as exc:
        with factory() as session:
            return _page(request, actor, session, code, {}, _message(request, exc), exc.status)
    return RedirectResponse(f"/draws/{code}#result", status_code=303)


@router.get("/draws/{code}/households.csv")
def households_file(code: Code, session: ReadSession) -> Response:
    """Owner: public. The households entered, one id per line (``--households``)."""
    return _download(views.households_file(session, code), views.file_names(code)[0])


@router.get("/draws/{code}/plots.csv")
def plots_file(code: Code, session: ReadSession) -> Response:
    """Owner: public. The plots in their published order, one code per line (``--plots``)."""
    return _download(views.plots_file(session, code), views.file_names(code)[1])


def _list(
    request: Request,
    actor: Actor,
    session: Session,
    typed: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    organiser = actor.role in ORGANISERS
    return render(
        request, actor, "listings/draws.html", status_code=status_code, draws=views.draws(session),
        villages=views.villages(session, actor) if organiser else [],
        registries=service.household_registries(session) if organiser else [],
        typed=typed or {}, error=error, today=service.today(),
    )  # fmt: skip


def _page(
    request: Request,
    actor: Actor,
    session: Session,
    code: str,
    typed: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    view = views.draw_view(session, actor, code)
    return render(
        request, actor, "listings/draw.html", status_code=status_code, draw=view,
        questions=views.questions(session, code) if view.may_enrol else [],
        command=views.rerun_command(view), files=views.file_names(code), typed=typed or {}, error=error, local=_local,
    )  # fmt: skip


def _new_draw(typed: dict[str, str]) -> NewDraw:
    try:
        enrol_until = date.fromisoformat(typed.get("enrol_until", ""))
    except ValueError:
        raise BadInput("请填写报名截止日期", "give the last day to enrol", "enrol_until") from None
    return NewDraw(
        code=typed.get("code", "").strip(),
        name=typed.get("name", "").strip(),
        name_en=typed.get("name_en", "").strip() or None,
        village=typed.get("village", ""),
        service=typed.get("service", "").strip(),
        registry=typed.get("registry", ""),
        enrol_until=enrol_until,
        plots=_plots(typed.get("plots", "")),
    )


def _plots(text: str) -> list[Plot]:
    """One plot per line: code, area in m², terrain."""
    plots = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = PLOT_SEPARATOR.split(line.strip())
        try:
            code, area, terrain = parts
            plots.append(Plot(code, float(area), terrain))
        except ValueError:
            raise BadInput(
                f"地块第 {number} 行应为：编号, 面积（平方米）, 地形",
                f"plot line {number} must read: code, area (m²), terrain",
                "plots",
            ) from None
    return plots


def _local(moment: datetime | None) -> str:
    """Times as villagers read them: Beijing time, to the minute."""
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") if moment else ""


def _message(request: Request, exc: TongbanError) -> str:
    return pick(locale_of(request), exc.message_zh, exc.message_en)


def _download(text: str, name: str) -> Response:
    # RFC 6266: a code may hold Chinese characters, which a plain filename="…" header cannot carry.
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})
