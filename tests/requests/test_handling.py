"""Working a request: routing, sign-for, the petition's written decision, extension, escalation, visibility."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.requests.conftest import Act, Raise, Read
from tongban.auth.domain import Actor
from tongban.calendar.limits import CHINA
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.requests import handling, views
from tongban.requests.domain import Action, Channel, Level, Priority, Stage, Status
from tongban.requests.handling import Routing
from tongban.requests.models import CitizenRequest
from tongban.requests.views import RequestView

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"


def report(raise_request: Raise) -> views.RequestView:
    return raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)


def test_a_report_is_routed_signed_answered_and_closed_by_the_return_visit(raise_request: Raise, act: Act) -> None:
    view = report(raise_request)
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-cjb"]))
    assert (view.status, view.department_code, view.stage) == (Status.routed, "rp-cjb", Stage.sign)
    view = act("cjb", view, Action.sign)
    assert view.status is Status.in_progress and view.stage is Stage.handle and view.due_at is not None
    view = act("cjb", view, Action.reply, reason="已督促施工单位设置临时通道，本周内恢复路面。")
    assert view.status is Status.replied and view.due_at is None and view.colour is None
    assert Action.close not in view.actions  # the requester closes it by rating the answer
    with pytest.raises(Forbidden):
        act("resident", view, Action.close)
    view = act("supervisor", view, Action.close)
    assert view.status is Status.closed
    assert [event.action for event in view.history] == ["submit", "route", "sign", "reply", "close"]


def test_urgent_priority_runs_the_urgent_limit(raise_request: Raise, act: Act) -> None:
    view = act("dispatcher", report(raise_request), Action.route, routing=Routing(["rp-cjb"], priority=Priority.urgent))
    assert view.due_at is not None and (view.due_at - view.history[-1].at).total_seconds() == pytest.approx(7200, abs=5)


def test_a_department_outside_the_place_cannot_be_chosen(raise_request: Raise, act: Act) -> None:
    villager = raise_request("villager", type_code="rp-report", text=ROAD, lat=30.7, lon=119.6)
    with pytest.raises(BadInput) as refused:
        act("dispatcher", villager, Action.route, routing=Routing(["rp-cjb"]))
    assert refused.value.field == "departments"


def test_three_send_backs_escalate_to_the_supervisor(raise_request: Raise, act: Act) -> None:
    view = report(raise_request)
    for _ in range(3):
        view = act("dispatcher", view, Action.route, routing=Routing(["rp-hw"]))
        view = act("hw", view, Action.send_back, reason="不属于环卫职责")
    assert view.status is Status.submitted and view.send_backs == 3 and view.escalated


def test_three_departments_without_a_lead_escalate_and_each_may_act(raise_request: Raise, act: Act) -> None:
    view = act("dispatcher", report(raise_request), Action.route, routing=Routing(["rp-cjb", "rp-hw", "rp-sq1"]))
    assert view.escalated and view.department_code is None
    view = act("hw", view, Action.sign)
    assert view.status is Status.in_progress


def test_a_lead_acts_for_all_and_the_others_only_read(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = act("dispatcher", report(raise_request), Action.route, routing=Routing(["rp-cjb", "rp-hw"], lead="rp-cjb"))
    assert not view.escalated and view.co_departments == ["rp-hw"]
    with pytest.raises(Forbidden):
        act("hw", view, Action.sign)
    with db() as session:
        assert views.readable(session, people["hw"], view.id).id == view.id


def liaison_report(raise_request: Raise) -> views.RequestView:
    """金色社区's liaison station reports litter; the street's discipline committee (rp-jw) is the type's default."""
    return raise_request(
        "liaison",
        type_code="rp-liaison",
        text="小区内经常有人乱扔垃圾包，请分管环境卫生的干部督办。",
        channel=Channel.liaison_station,
        requester_name="联络站兼职监察员",
        jurisdiction_code="330523100001",
    )


def test_a_liaison_report_routed_elsewhere_keeps_the_discipline_committee_beside_the_lead(
    raise_request: Raise, act: Act
) -> None:
    view = liaison_report(raise_request)
    assert (view.department_code, view.co_departments) == (None, ["rp-jw"]), "the committee has it from the start"
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-cjb"]))
    assert (view.department_code, view.co_departments, view.escalated) == ("rp-cjb", ["rp-jw"], False)
    view = act("cjb", view, Action.send_back, reason="不属于城建职责")
    assert (view.department_code, view.co_departments) == (None, ["rp-jw"])
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-hw", "rp-jw"], lead="rp-hw"))
    assert (view.department_code, view.co_departments) == ("rp-hw", ["rp-jw"])
    with pytest.raises(Forbidden):
        act("jw", view, Action.sign)  # the committee follows the report; the sanitation office handles it
    view = act("hw", act("hw", view, Action.sign), Action.reply, reason="已安排保洁员每日巡查清运。")
    assert view.status is Status.replied and view.co_departments == ["rp-jw"]


def test_a_liaison_report_routed_to_the_committee_is_led_by_it(raise_request: Raise, act: Act) -> None:
    view = act("dispatcher", liaison_report(raise_request), Action.route, routing=Routing(["rp-jw"]))
    assert (view.department_code, view.co_departments) == ("rp-jw", [])
    assert act("jw", view, Action.sign).status is Status.in_progress


def test_a_residents_report_has_no_overseer(raise_request: Raise, act: Act) -> None:
    view = act("dispatcher", report(raise_request), Action.route, routing=Routing(["rp-hw"]))
    assert (view.department_code, view.co_departments) == ("rp-hw", [])


def test_a_petition_is_accepted_or_refused_in_writing(raise_request: Raise, act: Act, read: Read) -> None:
    petition = raise_request("resident", type_code="rp-petition", text="申请低保被拒绝，请求说明理由并重新审核。")
    assert petition.stage is Stage.dispatch and read("dispatcher", petition).suggested_department == "rp-mz"
    routed = act("dispatcher", petition, Action.route, routing=Routing(["rp-mz"]))
    signed = act("mz", routed, Action.sign)
    assert signed.status is Status.signed and signed.stage is Stage.accept
    with pytest.raises(BadInput):
        act("mz", signed, Action.refuse)
    refused = act("mz", signed, Action.refuse, reason="该事项已经行政复议终结，依照《信访工作条例》不予受理。")
    assert refused.status is Status.refused and refused.reply is not None and "不予受理" in refused.reply


def test_a_petition_is_extended_once_with_a_reason(raise_request: Raise, act: Act) -> None:
    petition = raise_request("resident", type_code="rp-petition", text="母亲未能按规定享受遗属生活困难补助。")
    view = act("dispatcher", petition, Action.route, routing=Routing(["rp-mz"]))
    view = act("mz", act("mz", view, Action.sign), Action.accept)
    due = view.due_at
    assert due is not None and view.stage is Stage.handle
    view = act("mz", view, Action.extend, reason="涉及历史档案，需调查核实。")
    assert view.due_at is not None and (view.due_at - due).days == 30 and view.extended
    assert Action.extend not in view.actions
    with pytest.raises(Forbidden):
        act("mz", view, Action.extend, reason="再延一次")


def days_left(view: RequestView) -> int:
    assert view.due_at is not None
    return (view.due_at.astimezone(CHINA).date() - utcnow().astimezone(CHINA).date()).days


def test_a_dispute_moves_from_the_village_to_the_town_centre(raise_request: Raise, act: Act) -> None:
    dispute = raise_request(
        "villager",
        type_code="rp-dispute",
        text="与邻居因宅基地边界发生纠纷，多次协商不成。",
        jurisdiction_code="330523200003",
    )
    assert dispute.level == Level.village.value
    view = act("dispatcher", dispute, Action.route, routing=Routing(["rp-tw"]))
    view = act("tw", view, Action.sign)
    assert days_left(view) == 10  # the village's own limit
    view = act("tw", view, Action.escalate, reason="村级调解未成，双方同意提交镇矛调中心。")
    assert (view.level, view.department_code, view.status) == (Level.town.value, "rp-tz", Status.routed)
    view = act("tz", view, Action.sign)
    assert days_left(view) == 20  # the town's, counted from when the town took it
    view = act("tz", view, Action.escalate, reason="涉及多部门，提交县矛调中心。")
    assert (view.level, view.department_code) == (Level.county.value, "rp-xz")
    view = act("xz", view, Action.sign)
    assert Action.escalate in view.actions
    with pytest.raises(Conflict):
        act("xz", view, Action.escalate, reason="无更高一级")


def test_nobody_else_sees_a_request(
    raise_request: Raise, act: Act, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = report(raise_request)
    with db() as session:
        for outsider in ("neighbour", "hw", "tw"):
            with pytest.raises(NotFound):
                views.readable(session, people[outsider], view.id)
        staff = views.request_view(
            session, people["dispatcher"], views.readable(session, people["dispatcher"], view.id), view.submitted_at
        )
    assert staff.requester_phone == "138****0001"


def test_two_dispatchers_routing_at_once_never_both_win(
    raise_request: Raise, db: sessionmaker[Session], people: dict[str, Actor]
) -> None:
    view = report(raise_request)
    barrier, outcomes = threading.Barrier(2), []

    def route(department: str) -> None:
        barrier.wait()
        try:
            handling.act(
                db,
                people["dispatcher"],
                view.id,
                Action.route,
                view.version,
                handling.ActionInput(routing=Routing([department])),
            )
            outcomes.append("won")
        except Conflict:
            outcomes.append("lost")

    threads = [threading.Thread(target=route, args=(code,)) for code in ("rp-cjb", "rp-hw")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "won"]


def answered_petition(raise_request: Raise, act: Act) -> RequestView:
    petition = raise_request("resident", type_code="rp-petition", text="申请低保被拒绝，请求说明理由并重新审核。")
    view = act("dispatcher", petition, Action.route, routing=Routing(["rp-mz"]))
    view = act("mz", act("mz", view, Action.sign), Action.accept)
    return act("mz", view, Action.reply, reason="经核查，家庭人均收入高于当地低保标准，不予纳入。")


def test_a_petitioner_asks_for_review_then_re_review_and_the_re_review_is_final(
    raise_request: Raise, act: Act, read: Read
) -> None:
    view = answered_petition(raise_request, act)
    assert Action.review in read("resident", view).actions and Action.review not in view.actions
    with pytest.raises(BadInput):
        act("resident", view, Action.review)  # the reason is the request for review
    view = act("resident", view, Action.review, reason="家庭收入计算有误，请求复查。")
    assert (view.status, view.review_round, view.department_code, view.stage) == (
        Status.submitted,
        1,
        None,
        Stage.dispatch,
    )
    assert days_left(view) == 30  # the reviewing body's 30 days run from the request
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-rsj"]))
    assert days_left(view) == 30  # not restarted by routing
    view = act("rsj", view, Action.sign)
    assert view.status is Status.in_progress and days_left(view) == 30  # no separate acceptance decision
    view = act("rsj", view, Action.reply, reason="复查意见：维持原处理意见。")
    view = act("resident", view, Action.review, reason="对复查意见不服，请求复核。")
    view = act("dispatcher", view, Action.route, routing=Routing(["rp-mz"]))
    view = act("mz", act("mz", view, Action.sign), Action.reply, reason="复核意见：维持复查意见。")
    assert view.review_round == 2 and Action.review not in read("resident", view).actions
    with pytest.raises(Forbidden):
        act("resident", view, Action.review, reason="再次请求")
    assert [event.action for event in view.history].count("review") == 2


def test_a_review_is_asked_for_within_thirty_days_of_the_answer(
    raise_request: Raise, act: Act, db: sessionmaker[Session]
) -> None:
    view = answered_petition(raise_request, act)
    with transaction(db) as session:
        answered = session.get(CitizenRequest, view.id)
        assert answered is not None and answered.replied_at is not None
        answered.replied_at -= timedelta(days=31)
    with pytest.raises(Conflict) as late:
        act("resident", view, Action.review, reason="家庭收入计算有误，请求复查。")
    assert late.value.message_zh == "已超过收到答复之日起 30 自然日的复查请求期限"
