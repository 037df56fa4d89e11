"""农宅码 API: anyone reads a code by its token; inspectors list the codes they oversee and record inspections."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, Field

from tongban.auth.domain import Actor, Role
from tongban.calendar import service as calendar
from tongban.credentials import service
from tongban.credentials.domain import Colour, Finding, HouseCodeView, InspectionView, PublicCode
from tongban.files.service import FileStore
from tongban.web.deps import ApiActor, AppSettings, Factory, ReadSession, require
from tongban.web.schemas import Out

router = APIRouter(tags=["credentials"])

MAX_ID = 2**31 - 1
COLOUR_HELP = "green 绿码正常施工, yellow 黄码上门核实, red 红码停工整改"
Overseer = Annotated[Actor, Depends(require(Role.reviewer, Role.supervisor, Role.admin))]
Inspector = Annotated[Actor, Depends(require(Role.reviewer))]
Token = Annotated[str, Path(min_length=8, max_length=64)]


class PhotoOut(Out):
    id: int
    file_name: str
    media_type: str
    url: str


class InspectionOut(Out):
    inspected_on: date
    colour: Colour = Field(description=COLOUR_HELP)
    colour_before: Colour
    reason: str | None
    rectification: str | None
    inspector: str
    photos: list[PhotoOut]

    @classmethod
    def of(cls, inspection: InspectionView) -> InspectionOut:
        photos = [PhotoOut(**vars(p), url=photo_path(p.id)) for p in inspection.photos]
        return cls.model_validate({**vars(inspection), "photos": photos})


class PublicInspectionOut(Out):
    """The last inspection as the public page shows it: no inspector, photos only for the owner and staff."""

    inspected_on: date
    colour: Colour
    reason: str | None
    photos: list[PhotoOut]


class MeaningOut(Out):
    name_zh: str
    name_en: str
    meaning_zh: str
    meaning_en: str


class PublicCodeOut(Out):
    number: str = Field(description="农村宅基地批准书编号 (the approval number)")
    colour: Colour = Field(description=COLOUR_HELP)
    meaning: MeaningOut
    place_name: str
    applicant: str = Field(description="masked")
    issued_on: date
    last_inspection: PublicInspectionOut | None
    url: str

    @classmethod
    def of(cls, code: PublicCode, base_url: str) -> PublicCodeOut:
        last = code.last_inspection
        shown = None
        if last is not None:
            photos = [PhotoOut(**vars(p), url=photo_path(p.id)) for p in last.photos]
            shown = PublicInspectionOut.model_validate({**vars(last), "photos": photos})
        data = {**vars(code), "meaning": code.meaning, "last_inspection": shown, "url": code_url(base_url, code.token)}
        return cls.model_validate(data)


class HouseCodeOut(Out):
    id: int
    number: str
    colour: Colour = Field(description=COLOUR_HELP)
    colour_reason: str | None
    meaning: MeaningOut
    place: str = Field(validation_alias="place_code")
    place_name: str
    applicant_name: str
    case_id: int
    case_number: str
    construction_case_id: int | None
    construction_case_number: str | None
    inspectors: str
    issued_on: date
    last_inspection: InspectionOut | None
    url: str

    @classmethod
    def of(cls, code: HouseCodeView, base_url: str) -> HouseCodeOut:
        last = InspectionOut.of(code.last_inspection) if code.last_inspection else None
        data = {**vars(code), "meaning": code.meaning, "last_inspection": last, "url": code_url(base_url, code.token)}
        return cls.model_validate(data)


class HouseCodeList(BaseModel):
    items: list[HouseCodeOut]


def code_url(base_url: str, token: str) -> str:
    """The public page a house code's QR carries."""
    return f"{base_url.rstrip('/')}/codes/{token}"


def photo_path(photo_id: int) -> str:
    return f"/house-codes/photos/{photo_id}"


@router.get("/codes/{token}", response_model=PublicCodeOut)
def public_code(token: Token, request: Request, session: ReadSession, actor: ApiActor) -> PublicCodeOut:
    """Owner: public. A house code's colour, what it means and the last inspection; photos only for the
    house's owner and the staff who oversee it."""
    found = service.public_code(session, actor, token)
    return PublicCodeOut.of(found, request.app.state.settings.base_url)


@router.get("/house-codes", response_model=HouseCodeList)
def list_house_codes(
    request: Request,
    session: ReadSession,
    actor: Overseer,
    colour: Colour | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = service.LIST_LIMIT,
) -> HouseCodeList:
    """Owner: reviewer of the inspecting department, supervisor, admin (their jurisdiction's).
    House codes, red first, optionally of one colour."""
    base = request.app.state.settings.base_url
    return HouseCodeList(
        items=[HouseCodeOut.of(code, base) for code in service.house_codes(session, actor, colour, limit)]
    )


@router.post("/house-codes/{code_id}/inspections", response_model=HouseCodeOut, status_code=201)
def inspect(
    code_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    factory: Factory,
    settings: AppSettings,
    actor: Inspector,
    colour: Annotated[Colour, Form(description=COLOUR_HELP)],
    reason: Annotated[str | None, Form(max_length=1000, description="required for yellow and red")] = None,
    rectification: Annotated[
        str | None, Form(max_length=1000, description="整改情况: required when a red code turns green")
    ] = None,
    inspected_on: Annotated[date | None, Form(description="the day of the site visit; default today")] = None,
    photos: Annotated[list[UploadFile] | None, File(description="JPEG or PNG, at most 10 MB each")] = None,
) -> HouseCodeOut:
    """Owner: reviewer of the inspecting department covering the house. Records an inspection (施工巡查);
    its colour becomes the code's. Multipart, with optional photos."""
    service.check_photo_count(len(photos or []))
    finding = Finding(colour, inspected_on or calendar.today(), reason, rectification)
    read = [service.Photo(p.filename or "photo", p.file.read(service.MAX_PHOTO_BYTES + 1)) for p in photos or []]
    found = service.inspect(factory, FileStore.from_settings(settings), actor, code_id, finding, read)
    return HouseCodeOut.of(found, request.app.state.settings.base_url)
