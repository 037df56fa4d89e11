"""House codes over the case workflow: issued on approval, a red code stops the building case, photos kept clean."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.credentials.conftest import OTHER_VILLAGE, VILLAGE, act, approved_house, building_case
from tests.files.samples import photo, png
from tongban.audit.models import AuditEntry
from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.cases.domain import Action, CaseStatus
from tongban.cases.models import Case
from tongban.credentials import service
from tongban.credentials.domain import Colour, Finding
from tongban.credentials.models import HouseCode, HouseInspection, InspectionPhoto
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.files.domain import read_location
from tongban.files.models import StoredFile
from tongban.files.service import FileStore

REASON = "外墙超出批准范围"


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def inspect(
    db: sessionmaker[Session],
    store: FileStore,
    actor: Actor,
    code: HouseCode,
    colour: Colour,
    reason: str | None = None,
    rectification: str | None = None,
    photos: list[service.Photo] | None = None,
) -> service.HouseCodeView:
    finding = Finding(colour, calendar.today(), reason, rectification)
    return service.inspect(db, store, actor, code.id, finding, photos or [])


def status_of(db: sessionmaker[Session], case_id: int) -> str:
    with db() as session:
        return session.get_one(Case, case_id).status


def test_an_approved_house_gets_a_green_code_numbered_as_its_approval(
    db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    code = approved_house(db, people)
    assert code.colour == "green"
    assert code.number == f"330703-{calendar.today().year}-00001"
    assert (code.place_code, code.applicant_name, code.guards_service, code.inspectors) == (
        VILLAGE,
        "villager",
        "HP-BUILD",
        "hp-zjj",
    )
    assert len(code.token) >= 20 and code.token not in code.number
    assert approved_house(db, people, OTHER_VILLAGE).number.endswith("-00002")
    with db() as session:
        issued = session.scalars(select(AuditEntry).where(AuditEntry.action == "issue")).all()
    assert [entry.entity_key for entry in issued] == [code.number, code.number[:-1] + "2"]


def test_a_rejected_or_unrelated_case_gets_no_code(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    building_case(db, people, "不存在的编号")
    with db() as session:
        assert session.scalar(select(func.count()).select_from(HouseCode)) == 0


def test_a_red_code_stops_the_next_building_step_until_a_re_inspection_turns_it_green(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    case_id = building_case(db, people, f" {code.number.replace('-', '－')} ")  # typed with full-width dashes
    act(db, people["surveyor"], case_id, Action.approve)  # setting-out, while green
    inspect(db, store, people["inspector"], code, Colour.red, REASON)
    with db() as session:
        version = session.get_one(Case, case_id).version
    with pytest.raises(Conflict) as refused:
        act(db, people["inspector"], case_id, Action.approve)
    assert refused.value.message_zh == f"农宅码 {code.number} 为红码：{REASON}，整改并复查转绿后方可进入下一环节"
    with db() as session:
        assert session.get_one(Case, case_id).version == version  # the refusal changed nothing
    inspect(db, store, people["inspector"], code, Colour.green, rectification="已拆除超出部分")
    act(db, people["inspector"], case_id, Action.approve)
    act(db, people["town"], case_id, Action.approve)
    assert status_of(db, case_id) == CaseStatus.approved.value


def test_the_first_building_case_is_linked_to_the_code(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    case_id = building_case(db, people, code.number)
    act(db, people["surveyor"], case_id, Action.approve)
    with db() as session:
        linked = session.get_one(HouseCode, code.id)
        number = session.get_one(Case, case_id).number
    assert (linked.construction_case_id, linked.construction_case_number) == (case_id, number)
    view = inspect(db, store, people["inspector"], code, Colour.yellow, "基础施工待核实")
    assert view.construction_case_id == case_id


def test_yellow_asks_for_a_visit_but_does_not_stop_building(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    case_id = building_case(db, people, code.number)
    inspect(db, store, people["inspector"], code, Colour.yellow, "邻居反映超高，待上门核实")
    act(db, people["surveyor"], case_id, Action.approve)
    assert status_of(db, case_id) == CaseStatus.under_review.value


def test_a_red_code_of_another_house_does_not_stop_this_one(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    mine, other = approved_house(db, people), approved_house(db, people)
    case_id = building_case(db, people, mine.number)
    inspect(db, store, people["inspector"], other, Colour.red, REASON)
    act(db, people["surveyor"], case_id, Action.approve)


def test_photos_are_kept_without_their_location(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    view = inspect(
        db, store, people["inspector"], code, Colour.red, REASON, photos=[service.Photo("现场.jpg", photo())]
    )
    shot = view.last_inspection.photos[0] if view.last_inspection else None
    assert shot is not None and (shot.file_name, shot.media_type) == ("现场.jpg", "image/jpeg")
    with db() as session:
        data, media_type = service.photo(session, store, people["villager"], shot.id)
    assert media_type == "image/jpeg" and read_location(data) is None
    assert not Image.open(BytesIO(data)).getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (service.Photo("合同.pdf", b"%PDF-1.4 not really"), "JPEG"),
        (service.Photo("空.png", b""), "空"),
        (service.Photo("huge.png", png() + b"\0" * service.MAX_PHOTO_BYTES), "10 MB"),
    ],
    ids=["not-an-image", "empty", "oversized"],
)
def test_a_refused_photo_leaves_nothing_half_written(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore, upload: service.Photo, message: str
) -> None:
    code = approved_house(db, people)
    good = service.Photo("ok.png", png())
    with pytest.raises(BadInput) as refused:
        inspect(db, store, people["inspector"], code, Colour.red, REASON, photos=[good, upload])
    assert refused.value.field == "photos"
    assert message in refused.value.message_zh
    with db() as session:
        assert session.get_one(HouseCode, code.id).colour == "green"
        for table in (HouseInspection, InspectionPhoto, StoredFile):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert session.scalar(select(func.count()).where(AuditEntry.action == "inspect")) == 0


def test_too_many_photos_are_turned_away_unread(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    photos = [service.Photo(f"{n}.png", png()) for n in range(service.MAX_PHOTOS + 1)]
    with pytest.raises(BadInput, match="at most 6 photos"):
        inspect(db, store, people["inspector"], code, Colour.green, photos=photos)


def test_every_inspection_is_audited(db: sessionmaker[Session], people: dict[str, Actor], store: FileStore) -> None:
    code = approved_house(db, people)
    inspect(db, store, people["inspector"], code, Colour.red, REASON, photos=[service.Photo("a.png", png())])
    inspect(db, store, people["inspector"], code, Colour.green, rectification="已整改")
    with db() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "inspect")).all()
    assert [(e.actor, e.entity_key) for e in entries] == [("inspector", code.number)] * 2
    before = [json.loads(e.before or "{}") for e in entries]
    after = [json.loads(e.after or "{}") for e in entries]
    assert [change["colour"] for change in before] == ["green", "red"]
    assert after[0]["reason"] == REASON and len(after[0]["photos"]) == 1
    assert after[1]["rectification"] == "已整改"


@pytest.mark.parametrize("who", ["villager", "window", "surveyor", "supervisor"])
def test_only_the_inspecting_department_records_inspections(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore, who: str
) -> None:
    code = approved_house(db, people)
    with pytest.raises((Forbidden, NotFound)):
        inspect(db, store, people[who], code, Colour.red, REASON)
    with db() as session:
        assert session.get_one(HouseCode, code.id).colour == "green"


def test_an_inspector_of_another_town_does_not_find_the_house(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    with pytest.raises(NotFound):
        inspect(db, store, people["inspector-xs"], code, Colour.red, REASON)
    with db() as session:
        assert [c.number for c in service.house_codes(session, people["inspector-xs"])] == []
        assert [c.number for c in service.house_codes(session, people["inspector"])] == [code.number]


def test_the_register_lists_red_first_and_counts_colours_by_place(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    green, red = approved_house(db, people), approved_house(db, people)
    elsewhere = approved_house(db, people, OTHER_VILLAGE)
    inspect(db, store, people["inspector"], red, Colour.red, REASON)
    with db() as session:
        listed = service.house_codes(session, people["supervisor"])
        only_red = service.house_codes(session, people["supervisor"], Colour.red)
        counts = service.colour_counts(session, people["supervisor"])
    assert [code.number for code in listed] == [red.number, elsewhere.number, green.number]
    assert [code.number for code in only_red] == [red.number]
    assert [(c.place_name, c.green, c.yellow, c.red) for c in counts] == [("中柔村", 1, 0, 0), ("任前村", 1, 0, 1)]


def test_the_public_page_shows_the_colour_and_hides_the_photos_from_strangers(
    db: sessionmaker[Session], people: dict[str, Actor], store: FileStore
) -> None:
    code = approved_house(db, people)
    inspect(db, store, people["inspector"], code, Colour.red, REASON, photos=[service.Photo("a.png", png())])
    with db() as session:
        public = service.public_code(session, people["neighbour"], code.token)
        owner = service.public_code(session, people["villager"], code.token)
        with pytest.raises(NotFound):
            service.photo(session, store, people["neighbour"], owner.last_inspection.photos[0].id)  # type: ignore[union-attr]
    assert (public.colour, public.place_name, public.applicant, public.number) == (
        Colour.red,
        "任前村",
        "v*******",
        code.number,
    )
    assert public.last_inspection is not None and public.last_inspection.reason == REASON
    assert public.last_inspection.photos == [] and not public.shows_photos
    assert owner.shows_photos and len(owner.last_inspection.photos) == 1  # type: ignore[union-attr]


def test_a_resident_sees_their_own_codes_only(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    code = approved_house(db, people)
    with db() as session:
        assert [c.number for c in service.my_codes(session, people["villager"])] == [code.number]
        assert service.my_codes(session, people["neighbour"]) == []


def test_inspections_keep_their_order(db: sessionmaker[Session], people: dict[str, Actor], store: FileStore) -> None:
    code = approved_house(db, people)
    inspect(db, store, people["inspector"], code, Colour.green)
    finding = Finding(Colour.green, date(2000, 1, 1))
    with pytest.raises(BadInput) as refused:
        service.inspect(db, store, people["inspector"], code.id, finding)
    assert refused.value.field == "inspected_on"
