from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.ratings.conftest import Cases, Clock
from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, Conflict, Forbidden, NotFound
from tongban.packs.models import LoadedPack
from tongban.ratings import service
from tongban.ratings.domain import Channel, Level, RectificationStatus, SubjectKind, Verdict
from tongban.ratings.service import RatingInput

People = dict[str, Actor]


def _rate(factory: sessionmaker[Session], actor: Actor, level: Level = Level.dissatisfied, **fields: Any) -> Any:
    comment = fields.pop("comment", "窗口让我跑了三次")
    given = RatingInput(
        fields.pop("subject_id", 7), level, fields.pop("channel", Channel.web), comment=comment, **fields
    )
    return service.rate(factory, actor, given)


def _actions(factory: sessionmaker[Session], entity: str, key: int) -> list[str]:
    with factory() as session:
        return [entry.action for entry in audit.history(session, entity, str(key))]


def test_a_resident_rates_their_finished_case(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    cases.add()
    rating = _rate(factory, people["resident"], Level.very_satisfied, comment=None, channel=Channel.window_pad)
    assert (rating.subject_ref, rating.level_name, rating.channel, rating.rectification) == (
        "TB202509300007",
        "非常满意",
        Channel.window_pad,
        None,
    )
    assert _actions(factory, "ratings", rating.id) == ["rate"]


def test_whoever_filed_the_case_for_the_resident_may_rate_it_too(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    cases.add(submitted_by=people["window-city"].user_id)
    assert _rate(factory, people["window-city"], Level.satisfied).level is Level.satisfied


def test_someone_else_cannot_rate_the_case(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    cases.add()
    with pytest.raises(Forbidden):
        _rate(factory, people["neighbour"])


def test_a_case_still_in_progress_cannot_be_rated(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    cases.add(finished=False)
    with pytest.raises(Conflict):
        _rate(factory, people["resident"])


def test_a_case_the_rater_may_not_read_is_not_found_under_subject_id(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    with pytest.raises(NotFound) as missing:
        _rate(factory, people["resident"], subject_id=404)
    assert missing.value.field == "subject_id"


def test_a_case_is_rated_once(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    cases.add()
    _rate(factory, people["resident"], Level.satisfied)
    with pytest.raises(Conflict) as second:
        _rate(factory, people["resident"], Level.very_satisfied)
    assert "只能评价一次" in second.value.message_zh and "once" in second.value.message_en


def test_a_rating_that_races_past_the_look_up_is_still_a_conflict(
    factory: sessionmaker[Session], people: People, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases.add()
    _rate(factory, people["resident"], Level.satisfied)
    real, calls = service._existing, []

    def blind_first_time(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(service, "_existing", blind_first_time)
    with pytest.raises(Conflict):
        _rate(factory, people["resident"], Level.very_satisfied)


def test_calls_are_not_yet_rateable(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    with pytest.raises(BadInput) as refused:
        _rate(factory, people["resident"], subject_kind=SubjectKind.call)
    assert refused.value.field == "subject_kind"


def test_a_bad_rating_opens_a_rectification_due_fifteen_working_days_later(
    factory: sessionmaker[Session], people: People, cases: Cases, clock: Clock
) -> None:
    cases.add()
    opened = _rate(factory, people["resident"], Level.very_dissatisfied).rectification
    # 1–8 October 2025 are holidays and Saturday 11 October is worked.
    assert (opened.due_on, opened.status, opened.overdue) == (date(2025, 10, 28), RectificationStatus.open, False)
    assert (opened.department_code, opened.jurisdiction_code) == ("wx-sbzx", "320200")
    assert _actions(factory, "rectifications", opened.id) == ["open"]


def test_the_pack_decides_how_many_working_days_a_department_has(
    factory: sessionmaker[Session], people: People, cases: Cases, clock: Clock
) -> None:
    with transaction(factory) as session:
        session.add(
            LoadedPack(code="test", name="test", version="1", checksum="x", loaded_at=utcnow(), rectification_days=5)
        )
    cases.add()
    assert _rate(factory, people["resident"]).rectification.due_on == date(2025, 10, 14)


def test_a_fairly_satisfied_rating_opens_no_rectification(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    cases.add()
    assert _rate(factory, people["resident"], Level.fairly_satisfied).rectification is None


def _opened(factory: sessionmaker[Session], people: People, cases: Cases, case_id: int = 7, **overrides: Any) -> int:
    cases.add(case_id, **overrides)
    rating = _rate(factory, people["resident"], subject_id=case_id)
    return int(rating.rectification.id)


def test_the_department_rectifies_and_a_supervisors_return_visit_closes_it(
    factory: sessionmaker[Session], people: People, cases: Cases, clock: Clock
) -> None:
    opened = _opened(factory, people, cases)
    rectified = service.rectify(factory, people["rev-sb"], opened, " 一次性告知清单已张贴到窗口 ")
    assert (rectified.status, rectified.measures) == (RectificationStatus.rectified, "一次性告知清单已张贴到窗口")
    closed = service.return_visit(factory, people["supervisor"], opened, Verdict.satisfied)
    assert (closed.status, closed.verdict, closed.visit_at is not None) == (
        RectificationStatus.closed,
        Verdict.satisfied,
        True,
    )
    assert _actions(factory, "rectifications", opened) == ["open", "rectify", "visit"]


def test_another_department_does_not_find_the_rectification(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    opened = _opened(factory, people, cases)
    for outsider in ("rev-yb", "rev-binhu", "supervisor-lx"):
        with pytest.raises(NotFound):
            service.rectify(factory, people[outsider], opened, "整改")


def test_a_supervisor_oversees_the_rectification_but_does_not_do_it(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    opened = _opened(factory, people, cases)
    with pytest.raises(Forbidden):
        service.rectify(factory, people["supervisor"], opened, "整改")


def test_the_department_cannot_close_its_own_rectification(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    opened = _opened(factory, people, cases)
    service.rectify(factory, people["rev-sb"], opened, "整改")
    with pytest.raises(Forbidden):
        service.return_visit(factory, people["rev-sb"], opened, Verdict.satisfied)


def test_the_return_visit_comes_after_the_rectification(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    opened = _opened(factory, people, cases)
    with pytest.raises(Conflict):
        service.return_visit(factory, people["supervisor"], opened, Verdict.satisfied)


def test_a_rectification_is_rectified_once(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    opened = _opened(factory, people, cases)
    service.rectify(factory, people["rev-sb"], opened, "整改")
    with pytest.raises(Conflict):
        service.rectify(factory, people["rev-sb"], opened, "再整改")


def test_blank_measures_are_refused(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    opened = _opened(factory, people, cases)
    with pytest.raises(BadInput) as refused:
        service.rectify(factory, people["rev-sb"], opened, "  ")
    assert refused.value.field == "measures"


def test_each_actor_lists_only_the_rectifications_they_may_see(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    city = _opened(factory, people, cases, 7)
    liangxi = _opened(factory, people, cases, 8, handling_jurisdiction="320213", handling_department="wx-ybj")
    with factory() as session:
        seen = {
            name: [r.id for r in service.rectifications(session, actor)]
            for name, actor in people.items()
            if name in ("rev-sb", "rev-yb", "rev-binhu", "window-city", "supervisor", "supervisor-lx", "admin")
        }
    assert seen == {
        "rev-sb": [city],
        "rev-yb": [liangxi],
        "rev-binhu": [],
        "window-city": [city, liangxi],
        "supervisor": [city, liangxi],
        "supervisor-lx": [liangxi],
        "admin": [city, liangxi],
    }


def test_residents_and_dispatchers_may_not_list_rectifications(factory: sessionmaker[Session], people: People) -> None:
    with factory() as session:
        for name in ("resident", "dispatcher"):
            with pytest.raises(Forbidden):
                service.rectifications(session, people[name])


def test_an_open_rectification_past_its_due_day_is_listed_as_overdue(
    factory: sessionmaker[Session], people: People, cases: Cases, clock: Clock
) -> None:
    _opened(factory, people, cases)
    with factory() as session:
        clock.day = date(2025, 10, 28)
        on_the_day = service.rectifications(session, people["supervisor"])[0].overdue
        clock.day = date(2025, 10, 29)
        the_day_after = service.rectifications(session, people["supervisor"])[0].overdue
    assert (on_the_day, the_day_after) == (False, True)


def test_the_list_filters_by_status(factory: sessionmaker[Session], people: People, cases: Cases) -> None:
    first = _opened(factory, people, cases, 7)
    second = _opened(factory, people, cases, 8)
    service.rectify(factory, people["rev-sb"], first, "整改")
    with factory() as session:
        still_open = service.rectifications(session, people["supervisor"], RectificationStatus.open)
        rectified = service.rectifications(session, people["supervisor"], RectificationStatus.rectified)
    assert ([r.id for r in still_open], [r.id for r in rectified]) == ([second], [first])


def test_a_cases_ratings_come_with_their_rectifications(
    factory: sessionmaker[Session], people: People, cases: Cases
) -> None:
    opened = _opened(factory, people, cases)
    with factory() as session:
        found = service.ratings_of(session, people["supervisor"], SubjectKind.case, 7)
    assert [(r.level, r.rectification.id if r.rectification else None) for r in found] == [(Level.dissatisfied, opened)]
