"""Raising a request: checks, the place from a photo or the map, tracking, duplicates, retries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.files.samples import executable, jpeg, photo
from tests.requests.conftest import ANJI, ANJI_DEGREES, Raise, Read
from tongban.auth.domain import Actor
from tongban.errors import BadInput, Forbidden
from tongban.files.domain import read_location
from tongban.files.models import StoredFile
from tongban.files.service import FileStore
from tongban.requests import service
from tongban.requests.domain import Channel, Stage, Status
from tongban.requests.models import CitizenRequest
from tongban.requests.service import Photo, Submission

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


def test_a_photo_report_takes_its_place_from_the_photo_and_strips_it(
    raise_request: Raise, db: sessionmaker[Session], store: FileStore
) -> None:
    view = raise_request(
        "resident", type_code="rp-report", text=ROAD, photos=[Photo("road.jpg", photo(gps=ANJI))], lat=30.0, lon=119.0
    )
    assert (view.lat, view.lon) == pytest.approx(ANJI_DEGREES) and view.location_source == "photo"
    assert view.status is Status.submitted and view.photos == [1]
    assert len(view.tracking_code) == 18 and view.requester_phone == "13800000001"
    with db() as session:
        stored = session.scalars(select(StoredFile)).one()
    assert read_location(store.read(stored.sha256)) is None  # the GPS left with the EXIF


def test_without_a_located_photo_a_point_on_the_map_will_do(raise_request: Raise) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    assert (view.lat, view.lon, view.location_source) == (30.87, 119.68, "map")


def test_a_report_without_any_place_is_refused_by_name(raise_request: Raise, db: sessionmaker[Session]) -> None:
    with pytest.raises(BadInput) as refused:
        raise_request("resident", type_code="rp-report", text=ROAD, photos=[Photo("a.jpg", jpeg())])
    assert refused.value.field == "location" and "地图" in refused.value.message_zh
    with db() as session:  # nothing half-written: no request, no photo row
        assert session.scalar(select(func.count()).select_from(CitizenRequest)) == 0
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 0


@pytest.mark.parametrize(
    ("photos", "field", "words"),
    [
        ([Photo("virus.jpg", executable())], "", "virus.jpg"),
        ([Photo(f"{n}.jpg", photo(gps=ANJI)) for n in range(4)], "photos", "最多上传 3 张"),
    ],
)
def test_a_bad_or_excess_photo_is_refused(raise_request: Raise, photos: list[Photo], field: str, words: str) -> None:
    with pytest.raises(BadInput) as refused:
        raise_request("resident", type_code="rp-report", text=ROAD, photos=photos)
    assert words in refused.value.message_zh


def test_an_oversized_photo_is_refused(raise_request: Raise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_PHOTO_BYTES", 100)
    with pytest.raises(BadInput) as refused:
        raise_request("resident", type_code="rp-report", text=ROAD, photos=[Photo("big.jpg", photo(gps=ANJI))])
    assert "big.jpg" in refused.value.message_zh


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"type_code": "rp-report", "text": "路坏", "lat": 30.8, "lon": 119.6}, "text"),
        ({"type_code": "rp-report", "text": ROAD, "lat": 30.8}, "lon"),
        ({"type_code": "rp-report", "text": ROAD, "lat": 95.0, "lon": 119.6}, "lat"),
        (
            {"type_code": "rp-report", "text": ROAD, "lat": 30.8, "lon": 119.6, "jurisdiction_code": "110101"},
            "jurisdiction",
        ),
        ({"type_code": "rp-petition", "text": ROAD, "channel": Channel.mobile}, "channel"),
    ],
)
def test_bad_input_names_the_field(raise_request: Raise, given: dict[str, object], field: str) -> None:
    with pytest.raises(BadInput) as refused:
        raise_request("resident", **given)
    assert refused.value.field == field


def test_a_liaison_report_comes_from_the_station_account_and_goes_to_the_discipline_committee(
    raise_request: Raise, read: Read
) -> None:
    text = "小区内经常出现垃圾包乱扔现象，请分管环境卫生的干部督办。"
    view = raise_request(
        "liaison",
        type_code="rp-liaison",
        text=text,
        channel=Channel.liaison_station,
        requester_name="联络站兼职监察员",
        jurisdiction_code="330523100001",
    )
    assert view.suggested_department is None  # the station does not see the internal routing
    assert read("dispatcher", view).suggested_department in ("rp-hw", "rp-jw")
    with pytest.raises(Forbidden):
        raise_request("resident", type_code="rp-liaison", text=text, channel=Channel.liaison_station)


def test_the_operator_records_a_caller_who_must_be_named(raise_request: Raise) -> None:
    with pytest.raises(BadInput) as refused:
        raise_request(
            "operator",
            type_code="rp-petition",
            text="母亲未能按规定享受遗属生活困难补助",
            channel=Channel.window,
            jurisdiction_code="330523100001",
        )
    assert refused.value.field == "requester_name"
    view = raise_request(
        "operator",
        type_code="rp-petition",
        text="母亲未能按规定享受遗属生活困难补助",
        channel=Channel.window,
        jurisdiction_code="330523100001",
        requester_name="陆某",
    )
    assert view.requester_name == "陆某" and view.stage is Stage.dispatch


def test_a_keyword_rule_suggests_the_department_to_staff_only(raise_request: Raise, read: Read) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    assert (view.suggested_department, view.suggested_by) == (None, None)
    staff = read("dispatcher", view)
    assert (staff.suggested_department, staff.suggested_by) == ("rp-cjb", "rule")


def test_a_retry_under_one_key_returns_the_first_request(
    db: sessionmaker[Session], store: FileStore, people: dict[str, Actor]
) -> None:
    given = Submission(type_code="rp-report", text=ROAD, lat=30.87, lon=119.68, idempotency_key="k-1")
    first, created = service.submit(db, store, people["resident"], given)
    again, created_again = service.submit(db, store, people["resident"], given)
    assert created and not created_again and again.id == first.id
    with pytest.raises(Exception, match="Idempotency-Key"):
        service.submit(db, store, people["resident"], Submission(**{**given.__dict__, "text": ROAD + "！"}))


def test_open_reports_nearby_are_offered_before_a_second_is_raised(
    raise_request: Raise, db: sessionmaker[Session]
) -> None:
    raise_request("resident", type_code="rp-report", text=ROAD, lat=30.8700, lon=119.6800)
    raise_request("resident", type_code="rp-report", text="另一处路面塌陷需要修补", lat=30.9000, lon=119.6800)
    with db() as session:
        found = service.nearby(session, "rp-report", 30.8705, 119.6801)
    assert [item.distance_m < 150 for item in found] == [True]


def test_the_tracking_code_tells_the_stage_and_nothing_private(raise_request: Raise, db: sessionmaker[Session]) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    with db() as session:
        tracked = service.track(session, view.tracking_code.lower())
    assert tracked.status is Status.submitted and not hasattr(tracked, "requester_name")
