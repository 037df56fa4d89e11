"""农宅码 use cases: read a code (publicly, as its owner, as staff), inspect a house, see the photos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVarTuple

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor, Role, division_prefix
from tongban.auth.models import Jurisdiction
from tongban.calendar import service as calendar
from tongban.credentials.domain import (
    OVERSEERS,
    Colour,
    ColourCount,
    Finding,
    HouseCodeView,
    InspectionView,
    PhotoView,
    PublicCode,
    checked_finding,
    may_inspect,
    may_oversee,
    may_see_private,
)
from tongban.credentials.models import HouseCode, HouseInspection, InspectionPhoto
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Forbidden, NotFound
from tongban.files import service as files
from tongban.files.domain import IMAGES, FileRefused, shown_name
from tongban.files.models import StoredFile
from tongban.identity.domain import mask_name

LIST_LIMIT = 200
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 10 * 1024 * 1024
STAFF = frozenset({Role.reviewer}) | OVERSEERS
Row = TypeVarTuple("Row")


@dataclass(frozen=True)
class Photo:
    """An uploaded photo as received: the uploader's file name and the bytes."""

    name: str
    data: bytes


# --- reading -------------------------------------------------------------------------


def public_code(session: Session, actor: Actor, token: str) -> PublicCode:
    """What a scan of the code shows anyone; photos only to the owner and the staff who oversee the house."""
    code = session.scalars(_with_history(select(HouseCode)).where(HouseCode.token == token)).one_or_none()
    if code is None:
        raise NotFound("农宅码不存在或已失效", "no such house code", "token")
    private = may_see_private(actor, code.applicant_user_id, code.inspectors, code.place_code)
    last = code.inspections[-1] if code.inspections else None
    return PublicCode(
        token=code.token,
        number=code.number,
        colour=Colour(code.colour),
        place_name=_place_names(session, [code.place_code])[code.place_code],
        applicant=mask_name(code.applicant_name),
        issued_on=code.issued_on,
        last_inspection=_inspection_view(last, with_photos=private) if last else None,
        shows_photos=private,
    )


def house_codes(
    session: Session, actor: Actor, colour: Colour | None = None, limit: int = LIST_LIMIT
) -> list[HouseCodeView]:
    """The codes the actor oversees, red first, then yellow, then green; newest issued first within a colour."""
    _check_staff(actor)
    query = _visible(_with_history(select(HouseCode)), actor)
    if colour is not None:
        query = query.where(HouseCode.colour == colour.value)
    found = session.scalars(query.order_by(_URGENCY, HouseCode.issued_on.desc(), HouseCode.id.desc()).limit(limit))
    return _views(session, found.all())


# Red first: a stopped site is what an inspector looks at before anything else.
_URGENCY = case((HouseCode.colour == Colour.red.value, 0), (HouseCode.colour == Colour.yellow.value, 1), else_=2)


def colour_counts(session: Session, actor: Actor) -> list[ColourCount]:
    """How many codes of each colour each place has, among those the actor oversees."""
    _check_staff(actor)
    query = _visible(select(HouseCode.place_code, HouseCode.colour, func.count()), actor)
    rows = session.execute(query.group_by(HouseCode.place_code, HouseCode.colour)).all()
    counts: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for place, colour, count in rows:
        counts[place][colour] = count
    names = _place_names(session, list(counts))
    return [
        ColourCount(place, names[place], found.get("green", 0), found.get("yellow", 0), found.get("red", 0))
        for place, found in sorted(counts.items())
    ]


def house_code(session: Session, actor: Actor, code_id: int) -> HouseCodeView:
    """One code with its inspections, for the staff who oversee it."""
    _check_staff(actor)
    return _views(session, [_overseen(session, actor, code_id)])[0]


def my_codes(session: Session, actor: Actor) -> list[HouseCodeView]:
    """A resident's own house codes, newest first."""
    if actor.role is not Role.citizen or actor.user_id is None:
        raise Forbidden("只有申请人本人可以查看自己的农宅码", "only residents see their own house codes")
    query = _with_history(select(HouseCode)).where(HouseCode.applicant_user_id == actor.user_id)
    return _views(session, session.scalars(query.order_by(HouseCode.id.desc())).all())


def codes_of_case(session: Session, case_id: int) -> list[HouseCodeView]:
    """The code a case issued or the code guarding it; the caller has checked the actor may read the case."""
    query = _with_history(select(HouseCode)).where(
        or_(HouseCode.case_id == case_id, HouseCode.construction_case_id == case_id)
    )
    return _views(session, session.scalars(query.order_by(HouseCode.id)).all())


def photo(session: Session, store: files.FileStore, actor: Actor, photo_id: int) -> tuple[bytes, str]:
    """A photo's bytes and type, for the house's owner and the staff who oversee it."""
    found = session.execute(
        select(InspectionPhoto, HouseCode, StoredFile)
        .join(HouseInspection, HouseInspection.id == InspectionPhoto.inspection_id)
        .join(HouseCode, HouseCode.id == HouseInspection.house_code_id)
        .join(StoredFile, StoredFile.id == InspectionPhoto.file_id)
        .where(InspectionPhoto.id == photo_id)
    ).one_or_none()
    if found is None:
        raise NotFound(f"照片 {photo_id} 不存在", f"photo {photo_id} not found", "id")
    picture, code, stored = found
    # One the actor may not see is not found, like a photo that does not exist.
    if not may_see_private(actor, code.applicant_user_id, code.inspectors, code.place_code):
        raise NotFound(f"照片 {photo_id} 不存在", f"photo {photo_id} not found", "id")
    return files.open_bytes(store, stored), picture.media_type


def _check_staff(actor: Actor) -> None:
    if actor.role not in STAFF:
        raise Forbidden("无权查看农宅码台账", "you may not see the house code register")


def _overseen(session: Session, actor: Actor, code_id: int, *, lock: bool = False) -> HouseCode:
    query = _with_history(select(HouseCode)).where(HouseCode.id == code_id)
    code = session.scalars(query.with_for_update(of=HouseCode) if lock else query).one_or_none()
    # One the actor may not oversee is not found: its existence is not theirs to learn.
    if code is None or not may_oversee(actor, code.inspectors, code.place_code):
        raise NotFound(f"农宅码 {code_id} 不存在", f"house code {code_id} not found", "id")
    return code


def _visible(query: Select[*Row], actor: Actor) -> Select[*Row]:
    """The query form of ``domain.may_oversee``; the two must agree."""
    if actor.role is Role.admin and actor.jurisdiction_code is None:
        return query
    if actor.jurisdiction_code is None:
        return query.where(false())
    query = query.where(HouseCode.place_code.startswith(division_prefix(actor.jurisdiction_code), autoescape=True))
    if actor.role is Role.reviewer:
        return query.where(HouseCode.inspectors == actor.department_code)
    return query if actor.role in OVERSEERS else query.where(false())


def _with_history(query: Select[HouseCode]) -> Select[HouseCode]:
    return query.options(selectinload(HouseCode.inspections).selectinload(HouseInspection.photos))


def _views(session: Session, codes: Sequence[HouseCode]) -> list[HouseCodeView]:
    names = _place_names(session, [code.place_code for code in codes])
    return [_view(code, names[code.place_code]) for code in codes]


def _view(code: HouseCode, place_name: str) -> HouseCodeView:
    inspections = [_inspection_view(inspection, with_photos=True) for inspection in code.inspections]
    return HouseCodeView(
        id=code.id,
        token=code.token,
        number=code.number,
        colour=Colour(code.colour),
        colour_reason=code.colour_reason,
        place_code=code.place_code,
        place_name=place_name,
        applicant_name=code.applicant_name,
        case_id=code.case_id,
        case_number=code.case_number,
        construction_case_id=code.construction_case_id,
        construction_case_number=code.construction_case_number,
        guards_service=code.guards_service,
        inspectors=code.inspectors,
        issued_on=code.issued_on,
        last_inspection=inspections[-1] if inspections else None,
        inspections=inspections,
    )


def _inspection_view(inspection: HouseInspection, *, with_photos: bool) -> InspectionView:
    photos = [PhotoView(p.id, p.file_name, p.media_type) for p in inspection.photos] if with_photos else []
    return InspectionView(
        id=inspection.id,
        inspected_on=inspection.inspected_on,
        colour=Colour(inspection.colour),
        colour_before=Colour(inspection.colour_before),
        reason=inspection.reason,
        rectification=inspection.rectification,
        inspector=inspection.inspector,
        at=inspection.at,
        photos=photos,
    )


def _place_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    rows = session.execute(select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.code.in_(set(codes))))
    names = {code: name for code, name in rows}
    return {code: names.get(code, code) for code in codes}


# --- inspecting ----------------------------------------------------------------------


def inspect(
    factory: sessionmaker[Session],
    store: files.FileStore,
    actor: Actor,
    code_id: int,
    finding: Finding,
    photos: Sequence[Photo] = (),
) -> HouseCodeView:
    """Records an inspection (施工巡查): its colour becomes the code's; photos are kept without their EXIF.

    All or nothing: a refused photo or finding leaves the code and its history as they were.
    """
    check_photo_count(len(photos))
    with transaction(factory) as session:
        code = _overseen(session, actor, code_id, lock=True)
        if not may_inspect(actor, code.inspectors, code.place_code):
            raise Forbidden("只有负责该农房巡查的部门人员可以记录巡查", "only the house's inspectors may record one")
        before = Colour(code.colour)
        earliest = code.inspections[-1].inspected_on if code.inspections else code.issued_on
        clean = checked_finding(before, finding, earliest, calendar.today())
        _record(session, store, actor, code, before, clean, photos)
        session.refresh(code)
        return _views(session, [code])[0]


def check_photo_count(count: int) -> None:
    """Called before the photos are read, so that a flood of files is turned away unread."""
    if count > MAX_PHOTOS:
        raise BadInput(f"每次巡查最多上传 {MAX_PHOTOS} 张照片", f"at most {MAX_PHOTOS} photos per inspection", "photos")


def _record(
    session: Session,
    store: files.FileStore,
    actor: Actor,
    code: HouseCode,
    before: Colour,
    finding: Finding,
    photos: Sequence[Photo],
) -> HouseInspection:
    inspection = HouseInspection(
        house_code_id=code.id,
        inspected_on=finding.inspected_on,
        colour_before=before.value,
        colour=finding.colour.value,
        reason=finding.reason,
        rectification=finding.rectification,
        inspector_user_id=actor.user_id,
        inspector=actor.username,
        at=utcnow(),
    )
    session.add(inspection)
    session.flush()
    kept = [_keep_photo(session, store, actor, inspection, position, photo) for position, photo in enumerate(photos, 1)]
    code.colour, code.colour_reason, code.updated_at = finding.colour.value, finding.reason, utcnow()
    after = {
        "colour": finding.colour.value,
        "inspected_on": finding.inspected_on,
        "reason": finding.reason,
        "rectification": finding.rectification,
        "photos": kept,
    }
    audit.record(session, actor, "inspect", HouseCode.__tablename__, code.number, {"colour": before.value}, after)
    return inspection


def _keep_photo(
    session: Session, store: files.FileStore, actor: Actor, inspection: HouseInspection, position: int, photo: Photo
) -> str:
    """Stores one photo (images only, EXIF stripped); returns its SHA-256 for the audit log."""
    try:
        stored = files.store(session, store, actor, photo.name, photo.data, accepted=IMAGES, max_bytes=MAX_PHOTO_BYTES)
    except FileRefused as exc:
        raise BadInput(exc.message_zh, exc.message_en, "photos") from exc
    name = shown_name(photo.name)[:200] or f"photo-{position}"
    session.add(
        InspectionPhoto(
            inspection_id=inspection.id,
            position=position,
            file_id=stored.id,
            file_name=name,
            media_type=stored.media_type,
        )
    )
    return stored.sha256
