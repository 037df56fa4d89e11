"""Silent certification pages for data officers: runs, the run report with its chart and workbook, objections.

Officers are administrators and reviewers of the department that ran the certification
(:func:`tongban.registries.qualification.is_officer`); each sees the counts and objections of
their own area only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.errors import TongbanError
from tongban.registries import notices, run_report, run_workbook
from tongban.registries.domain import Status
from tongban.registries.page_parts import PARTS
from tongban.registries.qualification import WORDS, Decision
from tongban.web import csrf, spreadsheet
from tongban.web.deps import Factory, ReadSession, require_page
from tongban.web.i18n import locale_of, pick
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Officers = Annotated[Actor, Depends(require_page(Role.admin, Role.reviewer))]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Level = Annotated[str, Query(pattern="^(county|town|village)?$")]
# The same colours as the words beside them: certified green, suspended red, manual amber.
SHADES = {Status.CERTIFIED: "#15803d", Status.SUSPENDED: "#b91c1c", Status.MANUAL: "#ca8a04"}
LEVEL_NAMES = {
    "county": ("县（市、区）", "County"),
    "town": ("乡镇（街道）", "Town"),
    "village": ("村（社区）", "Village"),
}


@router.get("/certification/runs")
def runs_page(request: Request, actor: Officers, session: ReadSession) -> Response:
    """Owner: admin, reviewer (the run's department). The imported runs, the latest first."""
    found = run_report.runs(session, actor)
    return render(request, actor, "registries/runs.html", runs=found, **PARTS)


@router.get("/certification/runs/{run_id}")
def run_page(request: Request, run_id: Id, actor: Officers, session: ReadSession, level: Level = "") -> Response:
    """Owner: admin, reviewer (the run's department). Counts by status and by district, drawn and tabled."""
    found = run_report.report(session, actor, run_id, level or None)
    locale = locale_of(request, request.app.state.settings.default_locale)
    return render(
        request, actor, "registries/run.html", report=found, **PARTS, levels=LEVEL_NAMES,
        chart=_chart(locale, found), statuses=list(Status),
    )  # fmt: skip


@router.get("/certification/runs/{run_id}/report.xlsx")
def run_workbook_download(run_id: Id, actor: Officers, session: ReadSession, level: Level = "") -> Response:
    """Owner: admin, reviewer (the run's department). 导出 Excel: by status, by district, and the notes."""
    found = run_report.report(session, actor, run_id, level or None)
    headers = {"Content-Disposition": run_workbook.disposition(found)}
    return Response(run_workbook.workbook(found), media_type=spreadsheet.MEDIA_TYPE, headers=headers)


@router.get("/certification/objections")
def objections_page(request: Request, actor: Officers, session: ReadSession) -> Response:
    """Owner: admin, reviewer (the run's department). Objections (申诉) waiting for a decision."""
    waiting = notices.objections(session, actor)
    return render(request, actor, "registries/objections.html", notices=waiting, **PARTS)


@router.get("/certification/notices/{notice_id}")
def notice_page(request: Request, notice_id: Id, actor: Officers, session: ReadSession) -> Response:
    """Owner: admin, reviewer (the run's department). A notice, its objection and the decision form."""
    found = notices.notice(session, actor, notice_id)
    return render(request, actor, "registries/notice.html", notice=found, **PARTS, error=None, typed={})


@router.post("/certification/notices/{notice_id}/decision", dependencies=[Depends(csrf.check)])
def decide_page(
    request: Request,
    notice_id: Id,
    actor: Officers,
    factory: Factory,
    decision: Annotated[str, Form(pattern="^(upheld|overturned)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Owner: admin, reviewer (the run's department). Upholds the suspension or overturns it (payment resumes)."""
    try:
        notices.decide(factory, actor, notice_id, Decision(decision), note, calendar.today())
    except TongbanError as exc:
        with factory() as session:
            found = notices.notice(session, actor, notice_id)
        typed = {"decision": decision, "note": note}
        return render(
            request, actor, "registries/notice.html", status_code=exc.status, notice=found, **PARTS,
            error=exc, typed=typed,
        )  # fmt: skip
    return RedirectResponse(f"/certification/notices/{notice_id}", status_code=303)


def _chart(locale: str, found: run_report.RunReport) -> dict[str, Any]:
    """Districts as stacked bars by status, named in the page's language (drawn by the board's ECharts code)."""
    unnamed = pick(locale, "未登记地区", "Unlisted area")
    return {
        "categories": [pick(locale, d.name, d.name_en) if d.name else d.code or unnamed for d in found.districts],
        "series": [
            {
                "name": pick(locale, *WORDS["status"][s.value]),
                "colour": SHADES[s],
                "data": [d.counts[s] for d in found.districts],
            }
            for s in Status
        ],
    }
