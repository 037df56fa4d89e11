"""农宅码 pages: the public page a scan opens and its QR, a resident's codes, the inspectors' register."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Path, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.credentials import service
from tongban.credentials.api import code_url
from tongban.credentials.domain import MEANINGS, Colour, ColourCount, Finding, HouseCodeView, may_inspect
from tongban.errors import BadInput
from tongban.files.service import FileStore
from tongban.points.qr import DARK, LIGHT, qr_svg
from tongban.web import csrf
from tongban.web.deps import AppSettings, Factory, PageActor, ReadSession, require_page
from tongban.web.templating import render

router = APIRouter(include_in_schema=False)
Overseers = Annotated[Actor, Depends(require_page(Role.reviewer, Role.supervisor, Role.admin))]
Inspectors = Annotated[Actor, Depends(require_page(Role.reviewer))]
Citizens = Annotated[Actor, Depends(require_page(Role.citizen))]
Readers = Annotated[Actor, Depends(require_page(*Role))]
Token = Annotated[str, Path(min_length=8, max_length=64)]
CodeId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Checked = [Depends(csrf.check)]
# The chart's colours match the chips': red, yellow and green that read on white.
CHART_COLOURS = {Colour.red: "#b91c1c", Colour.yellow: "#ca8a04", Colour.green: "#15803d"}


@router.get("/codes/{token}")
def code_page(token: Token, request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: public. What a scan of a house code shows: its colour, what it means, the last inspection."""
    found = service.public_code(session, actor, token)
    url = code_url(request.app.state.settings.base_url, token)
    return render(request, actor, "credentials/code.html", code=found, url=url, qr=qr_svg(url), meanings=MEANINGS)


@router.get("/codes/{token}/qr.svg")
def code_qr(token: Token, request: Request, actor: PageActor, session: ReadSession) -> Response:
    """Owner: public. The QR code of the public page, as an SVG image to print on the site board."""
    service.public_code(session, actor, token)  # an unknown token has no QR either
    out = BytesIO()
    url = code_url(request.app.state.settings.base_url, token)
    segno.make(url, error="m").save(out, kind="svg", dark=DARK, light=LIGHT, scale=8, border=4, title=url)
    return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/house-codes")
def register_page(request: Request, actor: Overseers, session: ReadSession, colour: Colour | None = None) -> Response:
    """Owner: reviewer of the inspecting department, supervisor, admin. The house codes of their area."""
    found = service.house_codes(session, actor, colour)
    counts = service.colour_counts(session, actor)
    return render(
        request,
        actor,
        "credentials/register.html",
        codes=found,
        colour=colour,
        counts=counts,
        totals={shade: sum(getattr(row, shade.value) for row in counts) for shade in Colour},
        chart=_chart(counts),
        meanings=MEANINGS,
    )


def _chart(counts: list[ColourCount]) -> dict[str, object]:
    """The data of the stacked bars the board draws (``data-board-chart``): one bar per place."""
    series = [
        {"name": MEANINGS[shade].name_zh, "colour": CHART_COLOURS[shade], "data": [getattr(r, shade) for r in counts]}
        for shade in (Colour.red, Colour.yellow, Colour.green)
    ]
    return {"categories": [row.place_name for row in counts], "series": series}


@router.get("/house-codes/mine")
def my_codes_page(request: Request, actor: Citizens, session: ReadSession) -> Response:
    """Owner: citizen. The resident's own house codes."""
    return render(request, actor, "credentials/mine.html", codes=service.my_codes(session, actor), meanings=MEANINGS)


@router.get("/house-codes/photos/{photo_id}")
def photo(photo_id: CodeId, actor: Readers, session: ReadSession, settings: AppSettings) -> Response:
    """Owner: the house's owner; staff who oversee the house. A photo taken at an inspection."""
    data, media_type = service.photo(session, FileStore.from_settings(settings), actor, photo_id)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=media_type, headers=headers)


@router.get("/house-codes/{code_id}")
def house_page(code_id: CodeId, request: Request, actor: Overseers, session: ReadSession) -> Response:
    """Owner: reviewer of the inspecting department, supervisor, admin. A code's history and the inspection form."""
    return _house_page(request, actor, session, service.house_code(session, actor, code_id))


def _house_page(
    request: Request,
    actor: Actor,
    session: Session,
    code: HouseCodeView,
    *,
    error: BadInput | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    url = code_url(request.app.state.settings.base_url, code.token)
    return render(
        request,
        actor,
        "credentials/house.html",
        status_code=error.status if error else 200,
        code=code,
        url=url,
        qr=qr_svg(url),
        meanings=MEANINGS,
        may_inspect=may_inspect(actor, code.inspectors, code.place_code),
        today=calendar.today(),
        error=error,
        values=values or {},
    )


async def posted_form(request: Request) -> FormData:
    """The whole posted form: the photos are read from it, whatever the browser sent for an empty input."""
    return await request.form()


@router.post("/house-codes/{code_id}/inspections", dependencies=Checked)
def inspect(
    code_id: CodeId,
    request: Request,
    actor: Inspectors,
    factory: Factory,
    settings: AppSettings,
    colour: Annotated[Colour, Form()],
    reason: Annotated[str, Form(max_length=1000)] = "",
    rectification: Annotated[str, Form(max_length=1000)] = "",
    inspected_on: Annotated[date | None, Form()] = None,
    posted: FormData = Depends(posted_form),
) -> Response:
    """Owner: reviewer of the inspecting department covering the house. Records an inspection with photos."""
    # A file input left empty still sends one nameless, empty part, which is no photo.
    chosen = [p for p in posted.getlist("photos") if isinstance(p, UploadFile) and p.filename]
    finding = Finding(colour, inspected_on or calendar.today(), reason, rectification)
    try:
        service.check_photo_count(len(chosen))
        read = [service.Photo(p.filename or "photo", p.file.read(service.MAX_PHOTO_BYTES + 1)) for p in chosen]
        service.inspect(factory, FileStore.from_settings(settings), actor, code_id, finding, read)
    except BadInput as exc:
        values = {"colour": colour.value, "reason": reason, "rectification": rectification}
        values["inspected_on"] = str(finding.inspected_on)
        with factory() as session:
            code = service.house_code(session, actor, code_id)
            return _house_page(request, actor, session, code, error=exc, values=values)
    return RedirectResponse(f"/house-codes/{code_id}#history", status_code=303)
