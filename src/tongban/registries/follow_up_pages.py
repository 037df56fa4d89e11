"""Follow-ups (核实任务) as pages for community workers: the list linked from the workbench, and one task's outcome."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.errors import BadInput, TongbanError
from tongban.registries import follow_ups
from tongban.registries.page_parts import PARTS
from tongban.registries.qualification import FollowUpStatus, Outcome
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Workers = Annotated[Actor, Depends(require_page(Role.window))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/certification/follow-ups")
def follow_ups_page(
    request: Request,
    actor: Workers,
    session: ReadSession,
    status: Annotated[str, Query(pattern="^(open|done|withdrawn|all)?$")] = "open",
) -> Response:
    """Owner: window (全科社工). The follow-ups of the worker's communities, the earliest due first."""
    wanted = None if status == "all" else FollowUpStatus(status or "open")
    found = follow_ups.follow_ups(session, actor, wanted)
    return render(
        request, actor, "registries/follow_ups.html", tasks=found, status=status or "open", **PARTS,
        today=calendar.today(),
    )  # fmt: skip


@router.get("/certification/follow-ups/summary")
def follow_ups_summary(request: Request, actor: Workers, session: ReadSession) -> Response:
    """Owner: window. The workbench's line: open follow-ups and how many are overdue (fetched by htmx)."""
    total, late = follow_ups.counts(session, actor, calendar.today())
    return render(request, actor, "registries/_follow_up_counts.html", total=total, late=late)


@router.get("/certification/follow-ups/{follow_up_id}")
def follow_up_page(request: Request, follow_up_id: Id, actor: Workers, session: ReadSession) -> Response:
    """Owner: window, in the person's community. The task and the form for what the check found."""
    found = follow_ups.follow_up(session, actor, follow_up_id)
    return render(
        request, actor, "registries/follow_up.html", task=found, **PARTS, error=None, typed={},
        today=calendar.today(),
    )  # fmt: skip


@router.post("/certification/follow-ups/{follow_up_id}/outcome", dependencies=[Depends(csrf.check)])
def outcome_page(
    request: Request,
    follow_up_id: Id,
    actor: Workers,
    factory: Factory,
    outcome: Annotated[str, Form(pattern="^(certified|deceased)$")],
    checked_on: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Owner: window, in the person's community. Closes the task; the pensioner's standing follows."""
    today = calendar.today()
    try:
        day = _day(checked_on, today)
        follow_ups.record_outcome(factory, actor, follow_up_id, Outcome(outcome), day, note, today)
    except TongbanError as exc:
        with factory() as session:
            found = follow_ups.follow_up(session, actor, follow_up_id)
        typed = {"outcome": outcome, "checked_on": checked_on, "note": note}
        return render(
            request, actor, "registries/follow_up.html", status_code=exc.status, task=found, **PARTS,
            error=exc, typed=typed, today=today,
        )  # fmt: skip
    return RedirectResponse(f"/certification/follow-ups/{follow_up_id}", status_code=303)


def _day(text: str, today: date) -> date:
    if not text.strip():
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(
            "请按 年-月-日 填写核实日期", "give the day of the check as year-month-day", "checked_on"
        ) from None
