"""Staff pages over many cases: the workbench (待办, 代办申请, 批量代领) and the supervisor's board (督办看板)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from tongban.auth.domain import Actor, Role
from tongban.cases import actions, inbox
from tongban.cases.domain import STATUS_TEXT, Colour
from tongban.catalog import service as catalog
from tongban.errors import BadInput
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Workers = Annotated[Actor, Depends(require_page(Role.window, Role.reviewer, Role.supervisor))]
Windows = Annotated[Actor, Depends(require_page(Role.window))]
Supervisors = Annotated[Actor, Depends(require_page(Role.supervisor, Role.admin))]
SEARCH_LIMIT = 10


@router.get("/workbench")
def workbench_page(
    request: Request,
    actor: Workers,
    session: ReadSession,
    colour: Annotated[str, Query(pattern="^(green|yellow|red|paused)?$")] = "",
    kind: Annotated[str, Query(pattern="^(receive|accept|review|deliver)?$")] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Owner: window, reviewer, supervisor. The inbox, most urgent first; windows also file for residents."""
    return _workbench(request, actor, session, colour, kind, q)


@router.post("/workbench/pickups", dependencies=[Depends(csrf.check)])
def pickup_page(
    request: Request,
    actor: Windows,
    factory: Factory,
    agent: Annotated[str, Form(max_length=64)] = "",
    declaration: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Owner: window. 批量代领: hands an agency every approved case it filed, on its declaration."""
    try:
        if not agent.strip():
            raise BadInput("请填写代办机构账号", "give the agency's account", "agent")
        done = actions.pickup(factory, actor, agent.strip(), declaration)
    except BadInput as exc:
        with factory() as session:
            pickup = {"error": exc, "agent": agent, "declaration": declaration}
            return _workbench(request, actor, session, pickup=pickup, status_code=exc.status)
    with factory() as session:
        return _workbench(request, actor, session, pickup={"done": done, "agent": agent.strip()})


def _workbench(
    request: Request,
    actor: Actor,
    session: Session,
    colour: str = "",
    kind: str = "",
    q: str = "",
    *,
    pickup: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    every = inbox.tasks(session, actor, kind=kind or None)
    counts = {shade.value: sum(task.colour is shade for task in every) for shade in Colour}
    shown = [task for task in every if not colour or task.colour.value == colour]
    found = None
    if actor.role is Role.window and q.strip():
        _, found = catalog.search(session, q, limit=SEARCH_LIMIT)
    return render(
        request,
        actor,
        "cases/workbench.html",
        status_code=status_code,
        tasks=shown,
        total=len(every),
        counts=counts,
        colour=colour,
        kind=kind,
        q=q,
        found=found,
        bundles=catalog.bundles(session) if actor.role is Role.window else [],
        pickup=pickup or {},
        statuses=STATUS_TEXT,
    )


@router.get("/board")
def board_page(request: Request, actor: Supervisors, session: ReadSession) -> Response:
    """Owner: supervisor, admin. Open cases by department and place, green/yellow/red/paused; the red ones listed."""
    rows = inbox.board(session, actor)
    red = inbox.red_cases(session, actor)
    return render(request, actor, "cases/board.html", rows=rows, red=red, chart=_chart(request, rows))


BOARD_SERIES = (
    (Colour.red, "已超期", "Overdue", "#b91c1c"),
    (Colour.yellow, "即将到期", "Due soon", "#ca8a04"),
    (Colour.paused, "已暂停", "Paused", "#6b7280"),
    (Colour.green, "正常", "On time", "#15803d"),
)


def _chart(request: Request, rows: list[inbox.BoardRow]) -> dict[str, Any]:
    """The board as a stacked bar chart's data, named in the page's language (drawn by ECharts)."""
    locale = locale_of(request, request.app.state.settings.default_locale)
    return {
        "categories": [f"{row.department_name} · {row.jurisdiction_name}" for row in rows],
        "series": [
            {"name": pick(locale, zh, en), "colour": colour, "data": [getattr(row, shade.value) for row in rows]}
            for shade, zh, en, colour in BOARD_SERIES
        ],
    }
