"""The scheduled sweep: what `tongban serve` and `tongban requests sweep` do without anyone asking."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from tests.requests.conftest import Act, Raise
from tongban.auth.domain import Actor
from tongban.calendar.domain import WorkingCalendar
from tongban.db import utcnow
from tongban.requests import return_visits, supervision, sweeps
from tongban.requests.domain import Action
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest, RequestEvent

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


def test_the_sweep_warns_orders_and_closes_unrated_answers_as_the_platform(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    answered = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    answered = act("dispatcher", answered, Action.route, routing=Routing(["rp-cjb"]))
    answered = act("cjb", act("cjb", answered, Action.sign), Action.reply, reason="已恢复路面。")
    ordered = raise_request("neighbour", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    ordered = act("dispatcher", ordered, Action.route, routing=Routing(["rp-hw"]))
    later = utcnow() + timedelta(days=return_visits.RATE_WITHIN_DAYS, minutes=1)
    due_on = WorkingCalendar().add_working_days(later.date(), 1).day
    supervision.issue_order(db, people["supervisor"], ordered.id, "请尽快处理", due_on)

    report = sweeps.sweep(db, later)

    assert (report.warned_orders, report.closed_unrated) == (1, [answered.tracking_code])
    with db() as session:
        closed = session.get(CitizenRequest, answered.id)
        visit = session.query(RequestEvent).filter_by(request_id=answered.id, action="close").one()
    assert closed is not None and closed.status == "closed"
    assert (visit.actor, visit.reason) == ("system", return_visits.VISIT_NOTE)
    assert sweeps.sweep(db, later) == sweeps.SweepReport(0, [])  # each once


def test_a_petition_stays_open_while_its_requester_may_still_ask_for_a_review(
    raise_request: Raise, act: Act, db: sessionmaker[Session]
) -> None:
    petition = raise_request("resident", type_code="rp-petition", text="申请低保被拒绝，请求说明理由并重新审核。")
    petition = act("dispatcher", petition, Action.route, routing=Routing(["rp-mz"]))
    petition = act("mz", act("mz", act("mz", petition, Action.sign), Action.accept), Action.reply, reason="不予纳入。")
    a_week_on = utcnow() + timedelta(days=return_visits.RATE_WITHIN_DAYS, minutes=1)
    assert sweeps.sweep(db, a_week_on).closed_unrated == []  # 30 days to ask for 复查
    a_month_on = utcnow() + timedelta(days=31)
    assert sweeps.sweep(db, a_month_on).closed_unrated == [petition.tracking_code]
