"""What anyone may read: request types by place, limits in words, and public reports that never show people."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.requests.conftest import Raise
from tongban.auth.domain import Actor
from tongban.calendar.limits import TimeLimit, Unit
from tongban.db import utcnow
from tongban.errors import BadInput, NotFound
from tongban.requests import public
from tongban.requests.domain import Limits, Priority, Stage, StageLimit

ROAD = "单元门口的道路在施工开挖，老年人进出很不方便，希望及时解决。"
QUARREL = "邻居在公共楼道堆放杂物，多次沟通无果，希望调解。"


def test_a_petitions_limits_read_as_the_regulation_words_them() -> None:
    def days(n: int) -> TimeLimit:
        return TimeLimit(n, Unit.calendar_days)

    stages = {Stage.dispatch: days(15), Stage.accept: days(15), Stage.handle: days(60)}
    limits = Limits({stage: StageLimit(limit) for stage, limit in stages.items()}, days(30))
    zh, en = public.limits_in_words(limits)
    assert zh == "登记分派 15 自然日；受理告知 15 自然日；办理答复 60 自然日，办理期限可延长一次 30 自然日"
    assert en.endswith("60 calendar days; the handling limit may be extended once by 30 calendar days")


def test_priority_limits_follow_the_general_one() -> None:
    urgent = {Priority.urgent: TimeLimit(2, Unit.hours)}
    zh, en = public.limits_in_words(Limits({Stage.sign: StageLimit(TimeLimit(1, Unit.working_days), urgent)}))
    assert (zh, en) == ("签收 1 工作日（紧急 2 小时）", "Sign for: 1 working day (urgent: 2 hours)")


def test_a_place_sees_the_types_whose_area_holds_it(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    with db() as session:
        street = {kind.code for kind in public.request_types(session, "330523100001")}
        village = {kind.code for kind in public.request_types(session, "330523200003")}
        with pytest.raises(NotFound):
            public.request_types(session, "110101")
    assert street - village == {"rp-liaison"}  # the liaison station serves its own street only


def test_disputes_are_never_public_even_asked_for_by_code(raise_request: Raise, db: sessionmaker[Session]) -> None:
    report = raise_request("resident", type_code="rp-report", text=ROAD, lat=30.87, lon=119.68)
    quarrel = raise_request("resident", type_code="rp-dispute", text=QUARREL, lat=30.87, lon=119.68)
    with db() as session:
        listed = public.reports(session, public.ReportQuery(type_codes=["rp-report", "rp-dispute"]))
        with pytest.raises(NotFound):
            public.report(session, quarrel.tracking_code)
    assert [item.tracking_code for item in listed] == [report.tracking_code]
    assert listed[0].title == report.title and listed[0].expected_at is None


def test_a_search_spans_at_most_ninety_days(db: sessionmaker[Session], people: dict[str, Actor]) -> None:
    now = utcnow()
    with db() as session:
        assert public.reports(session, public.ReportQuery(start=now - timedelta(days=200))) == []
        with pytest.raises(BadInput) as refused:
            public.reports(session, public.ReportQuery(start=now - timedelta(days=91), end=now))
    assert refused.value.field == "end_date"
