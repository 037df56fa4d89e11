"""Staff pages over many requests: the work queue (分派、签收、办理) and the supervisor's board (督办看板)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.calendar.limits import Colour
from tongban.errors import BadInput, NotFound, TongbanError
from tongban.requests import lookups, supervision
from tongban.requests.page_parts import WORDS, named
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Workers = Annotated[Actor, Depends(require_page(Role.dispatcher, Role.reviewer, Role.supervisor, Role.admin))]
Watchers = Annotated[Actor, Depends(require_page(Role.supervisor, Role.admin))]
# Only a supervisor orders (督办); an administrator watches the board but does not issue orders.
Orderers = Annotated[Actor, Depends(require_page(Role.supervisor))]
ColourQuery = Annotated[str, Query(pattern="^(green|yellow|red)?$")]
# A new order's suggested due date: three days on, long enough to act, short enough to press.
ORDER_DAYS = 3
# The chart's colours match the chips': red, yellow and green that read on white.
BOARD_SERIES = ((Colour.red, "#b91c1c"), (Colour.yellow, "#ca8a04"), (Colour.green, "#15803d"))


@router.get("/requests/work")
def work_page(request: Request, actor: Workers, session: ReadSession, colour: ColourQuery = "") -> Response:
    """Owner: dispatcher, reviewer, supervisor, admin. The actor's requests, most urgent first, by colour."""
    every = supervision.queue(session, actor)
    counts = {shade.value: sum(item.colour is shade for item in every) for shade in Colour}
    shown = [item for item in every if not colour or (item.colour is not None and item.colour.value == colour)]
    departments = [code for item in shown for code in (item.department_code, item.suggested_department)]
    return render(
        request,
        actor,
        "requests/work.html",
        items=shown,
        total=len(every),
        counts=counts,
        colour=colour,
        **named(session, departments, [item.jurisdiction_code for item in shown]),
    )


@router.get("/requests/board")
def board_page(
    request: Request, actor: Watchers, session: ReadSession, order: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    """Owner: supervisor, admin. Open requests by department and by town, red/yellow/green; the red list; 督办."""
    return _board(request, actor, session, {"request": str(order or "")})


@router.post("/requests/orders", dependencies=[Depends(csrf.check)])
def order_page(
    request: Request,
    actor: Orderers,
    factory: Factory,
    request_id: Annotated[str, Form(alias="request", max_length=12)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    due_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Owner: supervisor. Issues a supervision order (督办) on a request, with what it asks and by when."""
    typed = {"request": request_id, "note": note, "due_on": due_on}
    try:
        chosen = _chosen(request_id)
        order = supervision.issue_order(factory, actor, chosen, note, _day(due_on))
    except (BadInput, NotFound) as exc:
        with factory() as session:
            problem = {exc.field if exc.field in typed else "request": exc}
            return _board(request, actor, session, typed, problem, status_code=exc.status)
    return RedirectResponse(f"/requests/{order.request_id}#orders", status_code=303)


def _chosen(request_id: str) -> int:
    if not request_id.strip().isdigit():
        raise BadInput("请选择要督办的诉求", "choose the request to order", "request")
    return int(request_id)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput("请填写督办期限（年-月-日）", "give the due date (year-month-day)", "due_on") from None


def _board(
    request: Request,
    actor: Actor,
    session: Session,
    typed: dict[str, str],
    problems: Mapping[str, TongbanError] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    by_department = supervision.board(session, actor, "department")
    by_town = supervision.board(session, actor, "town")
    every = supervision.queue(session, actor)
    departments = [row.key for row in by_department] + [item.department_code for item in every]
    places = [row.key for row in by_town] + [item.jurisdiction_code for item in every]
    context = named(session, departments, places)
    locale = locale_of(request, request.app.state.settings.default_locale)
    return render(
        request,
        actor,
        "requests/board.html",
        status_code=status_code,
        by_department=by_department,
        by_town=by_town,
        department_chart=_chart(locale, by_department, context["departments"], ("未分派", "Not yet routed")),
        town_chart=_chart(locale, by_town, context["places"], ("其他", "Elsewhere")),
        red=[item for item in every if item.colour is Colour.red],
        open_items=every,
        typed={"due_on": (calendar.today() + timedelta(days=ORDER_DAYS)).isoformat(), **_kept(typed)},
        problems=problems or {},
        may_order=actor.role is Role.supervisor,
        **context,
    )


def _kept(typed: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in typed.items() if value}


def _chart(
    locale: str, rows: list[supervision.BoardRow], names: dict[str, lookups.Named], unnamed: tuple[str, str]
) -> dict[str, Any]:
    """The board as stacked bars' data (drawn by ECharts from ``data-board-chart``), in the page's language."""

    def label(key: str | None) -> str:
        found = names.get(key or "")
        return pick(locale, found.name, found.name_en) if found else key or pick(locale, *unnamed)

    series = [
        {"name": pick(locale, *WORDS["colour"][shade]), "colour": shown, "data": [getattr(row, shade) for row in rows]}
        for shade, shown in BOARD_SERIES
    ]
    return {"categories": [label(row.key) for row in rows], "series": series}
