"""助联体 pages: the officer's tasks, one task with its actions, the two lists, the summary, the workbook.

Every page reads only what the caller may see; the task page reads the members' records
from the household register (audited), so it runs in a transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.db import transaction
from tongban.errors import TongbanError
from tongban.registries import assistance_export as export
from tongban.registries import assistance_lists as lists
from tongban.registries import assistance_service as service
from tongban.registries.discovery import NEED_STATUS_NAMES, RESOURCE_KIND_NAMES, Action, NeedStatus, TaskStatus
from tongban.web import csrf
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Readers = Annotated[Actor, Depends(require_page(*service.READERS))]
Officers = Annotated[Actor, Depends(require_page(*service.OFFICERS))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
TASK_STATUS_NAMES = {"open": ("办理中", "Open"), "closed": ("已办结", "Closed"), "all": ("全部", "All")}
BUCKET_LABELS = ("0–7", "8–14", "15–21", "22–31", "> 31")
WORDS = {"need_status": NEED_STATUS_NAMES, "task_status": TASK_STATUS_NAMES, "kind": RESOURCE_KIND_NAMES}


@router.get("/assistance")
def assistance_home(actor: Readers) -> Response:
    """Owner: reviewer, supervisor, admin. The officer's tasks are where the work starts."""
    return RedirectResponse("/assistance/tasks", status_code=303)


@router.get("/assistance/tasks")
def tasks_page(
    request: Request,
    actor: Readers,
    session: ReadSession,
    status: Annotated[str, Query(pattern="^(open|closed|all)?$")] = "open",
) -> Response:
    """Owner: reviewer (救助专管员), supervisor, admin: the tasks of households in their jurisdiction."""
    status = status or "open"
    today = calendar.today()
    rows = service.tasks(session, actor, today, None if status == "all" else TaskStatus(status))
    places = service.place_names(
        session, [code for row in rows for code in (row.task.town_code, row.task.village_code)]
    )
    categories = service.category_names(session, [row.task.program_code for row in rows])
    return render(
        request, actor, "registries/assistance_tasks.html", rows=rows, status=status, places=places,
        categories=categories, words=WORDS, today=today,
    )  # fmt: skip


@router.get("/assistance/tasks.xlsx")
def tasks_workbook(actor: Readers, session: ReadSession) -> Response:
    """Owner: reviewer, supervisor, admin. 导出 Excel: every task and need they may see, households by 户号 only."""
    today = calendar.today()
    rows = service.tasks(session, actor, today)
    places = service.place_names(
        session, [code for row in rows for code in (row.task.town_code, row.task.village_code)]
    )
    programs = [row.task.program_code for row in rows]
    categories = {code: zh for code, (zh, _) in service.category_names(session, programs).items()}
    resources = service.resources_by_code(session, programs)
    body = export.workbook(rows, places, categories, resources, today)
    return Response(body, media_type=export.MEDIA_TYPE, headers={"Content-Disposition": export.disposition_for(today)})


@router.get("/assistance/tasks/{task_id}")
def task_page(request: Request, task_id: Id, actor: Readers, factory: Factory) -> Response:
    """Owner: reviewer, supervisor, admin, for a household in their jurisdiction. Reading the members is audited."""
    today = calendar.today()
    with transaction(factory) as session:
        view = service.view(session, actor, task_id, today)
    return render(request, actor, "registries/assistance_task.html", view=view, words=WORDS, error=None, typed={})


@router.post("/assistance/tasks/{task_id}/needs/{need_id}", dependencies=[Depends(csrf.check)])
def act_page(
    request: Request,
    task_id: Id,
    need_id: Id,
    actor: Officers,
    factory: Factory,
    action: Annotated[Action, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    resource: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Owner: reviewer of the program's department in the household's town: assisted, referred or not needed."""
    today = calendar.today()
    try:
        with transaction(factory) as session:
            service.act(session, actor, task_id, need_id, action, note, resource or None, today)
    except TongbanError as exc:
        if exc.status in (403, 404):
            raise
        with transaction(factory) as session:
            view = service.view(session, actor, task_id, today)
        typed = {"need": need_id, "action": action.value, "note": note, "resource": resource}
        return render(
            request, actor, "registries/assistance_task.html", status_code=exc.status, view=view, words=WORDS,
            error=exc, typed=typed,
        )  # fmt: skip
    return RedirectResponse(f"/assistance/tasks/{task_id}#need-{need_id}", status_code=303)


@router.get("/assistance/needs")
def needs_page(
    request: Request,
    actor: Readers,
    session: ReadSession,
    status: Annotated[str, Query(pattern="^(matched|unmatched|assisted|not_needed)?$")] = "",
    category: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Owner: reviewer, supervisor, admin. 需求清单库: each discovered need, its resource and how it stands."""
    today = calendar.today()
    found = lists.needs(session, actor, today, NeedStatus(status) if status else None, category or None)
    places = service.place_names(session, [code for row in found.rows for code in (row.task.town_code,)])
    return render(
        request, actor, "registries/assistance_needs.html", found=found, status=status, category=category,
        places=places, words=WORDS,
    )  # fmt: skip


@router.get("/assistance/resources")
def resources_page(request: Request, actor: Readers, session: ReadSession) -> Response:
    """Owner: reviewer, supervisor, admin. 资源清单库: who offers what, where, and this year's places used and left."""
    today = calendar.today()
    rows = lists.resources(session, actor, today)
    return render(request, actor, "registries/assistance_resources.html", rows=rows, words=WORDS, year=today.year)


@router.get("/assistance/summary")
def summary_page(request: Request, actor: Readers, session: ReadSession) -> Response:
    """Owner: reviewer, supervisor, admin. By town: found, open, late, assisted, and days to assistance."""
    found = lists.summary(session, actor, calendar.today())
    chart = lists.chart(found, list(BUCKET_LABELS))
    return render(request, actor, "registries/assistance_summary.html", found=found, chart=chart)


def _places(rows: list[service.TaskRow]) -> list[str]:
    return [code for row in rows for code in (row.task.town_code, row.task.village_code)]
