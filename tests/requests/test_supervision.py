"""Queues, the red/yellow/green board and supervision orders (督办) with their warning."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from tests.requests.conftest import Act, Raise
from tongban.auth.domain import Actor
from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import CHINA, Colour
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Forbidden
from tongban.requests import supervision
from tongban.requests.domain import Action, Channel
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest
from tongban.requests.views import RequestView

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


def routed(raise_request: Raise, act: Act, department: str = "rp-cjb") -> RequestView:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    return act("dispatcher", view, Action.route, routing=Routing([department]))


def shift_due(db: sessionmaker[Session], request_id: int, due: datetime, warn: datetime) -> None:
    with transaction(db) as session:
        session.execute(update(CitizenRequest).where(CitizenRequest.id == request_id).values(due_at=due, warn_at=warn))


def test_each_queue_holds_its_owners_work(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    waiting = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    taken = routed(raise_request, act)
    with db() as session:
        assert [item.id for item in supervision.queue(session, people["dispatcher"])] == [waiting.id]
        assert [item.id for item in supervision.queue(session, people["cjb"])] == [taken.id]
        assert supervision.queue(session, people["hw"]) == []
        assert {item.id for item in supervision.queue(session, people["supervisor"])} == {waiting.id, taken.id}
        assert {item.id for item in supervision.my_requests(session, people["resident"])} == {waiting.id, taken.id}
        with pytest.raises(Forbidden):
            supervision.queue(session, people["resident"])


def test_a_co_department_finds_the_request_in_its_queue(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-cjb", "rp-hw"], lead="rp-cjb"))
    with db() as session:
        assert [item.id for item in supervision.queue(session, people["hw"])] == [view.id]


def test_the_discipline_committee_finds_every_liaison_report_in_its_queue(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    def liaison(text: str) -> RequestView:
        return raise_request(
            "liaison",
            type_code="rp-liaison",
            text=text,
            channel=Channel.liaison_station,
            requester_name="联络站兼职监察员",
            jurisdiction_code="330523100001",
        )

    waiting = liaison("村务公开栏三个月没有更新，账目看不到。")
    routed_away = act("dispatcher", liaison("小区里经常有人乱扔垃圾包。"), Action.route, routing=Routing(["rp-hw"]))
    resident = routed(raise_request, act, "rp-hw")
    with db() as session:
        assert {item.id for item in supervision.queue(session, people["jw"])} == {waiting.id, routed_away.id}
        assert {item.id for item in supervision.queue(session, people["hw"])} == {routed_away.id, resident.id}
        assert [item.id for item in supervision.queue(session, people["dispatcher"])] == [waiting.id]


def test_the_board_counts_colours_by_department_and_by_town(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    now = utcnow()
    late, soon, fine = (routed(raise_request, act, code) for code in ("rp-cjb", "rp-cjb", "rp-hw"))
    shift_due(db, late.id, now - timedelta(hours=1), now - timedelta(days=1))
    shift_due(db, soon.id, now + timedelta(hours=5), now - timedelta(hours=1))
    shift_due(db, fine.id, now + timedelta(days=5), now + timedelta(days=4))
    with db() as session:
        by_department = supervision.board(session, people["supervisor"])
        by_town = supervision.board(session, people["supervisor"], by="town")
        red = supervision.queue(session, people["supervisor"], Colour.red)
    assert [(row.key, row.green, row.yellow, row.red) for row in by_department] == [
        ("rp-cjb", 0, 1, 1),
        ("rp-hw", 1, 0, 0),
    ]
    assert [(row.key, row.total) for row in by_town] == [("330523100", 3)]
    assert [item.id for item in red] == [late.id]


def test_only_supervisors_see_the_board(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    with db() as session, pytest.raises(Forbidden):
        supervision.board(session, people["cjb"])


def test_an_order_warns_once_on_the_working_day_before_it_is_due(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = routed(raise_request, act)
    days = WorkingCalendar()
    due_on = days.add_working_days(date.today() + timedelta(days=10), 0).day
    eve = due_on - timedelta(days=1)
    while not days.is_working_day(eve):
        eve -= timedelta(days=1)
    supervision.issue_order(db, people["supervisor"], view.id, "请于期限前恢复路面", due_on)
    morning = datetime.combine(eve, time(9, 0), CHINA)
    assert supervision.sweep(db, people["supervisor"], morning - timedelta(days=1)) == 0  # too early
    assert supervision.sweep(db, people["supervisor"], morning) == 1
    assert supervision.sweep(db, people["supervisor"], morning + timedelta(hours=2)) == 0  # once only
    history = [event.action for event in act("cjb", view, Action.sign).history]
    assert history[-3:-1] == ["order", "order_warning"]


def test_an_order_needs_a_note_a_future_date_and_a_supervisor(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = routed(raise_request, act)
    with pytest.raises(BadInput):
        supervision.issue_order(db, people["supervisor"], view.id, " ", date(2099, 1, 1))
    with pytest.raises(BadInput):
        supervision.issue_order(db, people["supervisor"], view.id, "尽快", date(2000, 1, 1))
    with pytest.raises(Forbidden):
        supervision.issue_order(db, people["cjb"], view.id, "尽快", date(2099, 1, 1))
