"""Working cases through the service layer: races, clock stops across holidays, notices, the sweep."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.conftest import RESIDENT_ID
from tests.files.samples import png
from tongban.auth.domain import Actor
from tongban.calendar import service as calendar
from tongban.cases import actions, inbox, service, uploads
from tongban.cases.domain import Action, CaseStatus, Colour, MissingItem
from tongban.cases.models import CaseEvent
from tongban.errors import BadInput, Conflict, Forbidden
from tongban.files.service import FileStore

People = dict[str, Actor]


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> FileStore:
    return FileStore(tmp_path_factory.mktemp("files"))


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch) -> object:
    """``on(date)`` makes that date today for the case engine."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(calendar, "today", lambda: day)

    return set_today


def parallel_case(db: sessionmaker[Session], people: People, store: FileStore) -> int:
    application = service.Application(service="CP-PARALLEL", form={"project": "德力佳三期"})
    view, _ = service.apply(db, people["resident"], application)
    uploads.upload(db, store, people["resident"], view.id, "land", "land.png", png())
    view = actions.act(db, people["window-hd"], view.id, Action.accept, view.version, actions.ActionInput())
    view = actions.act(db, people["rev-zrzy"], view.id, Action.approve, view.version, actions.ActionInput())
    return view.id


def current_version(db: sessionmaker[Session], people: People, case_id: int) -> int:
    with db() as session:
        from tongban.cases import views

        return views.readable_case(session, people["resident"], case_id).version


def test_two_reviewers_acting_at_once_one_wins_the_other_gets_a_conflict(
    db: sessionmaker[Session], people: People, store: FileStore
) -> None:
    case_id = parallel_case(db, people, store)
    version = current_version(db, people, case_id)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(who: str, step: str) -> None:
        barrier.wait()
        try:
            actions.act(db, people[who], case_id, Action.approve, version, actions.ActionInput(step=step))
            outcomes[who] = "won"
        except Conflict:
            outcomes[who] = "conflict"

    threads = [
        threading.Thread(target=approve, args=("rev-zrzy", "plan")),
        threading.Thread(target=approve, args=("rev-zjj", "build")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "won"]
    assert current_version(db, people, case_id) == version + 1


def test_a_stopped_clock_across_the_national_day_moves_the_due_date(
    db: sessionmaker[Session], people: People, store: FileStore, on: object
) -> None:
    on(date(2025, 9, 29))  # type: ignore[operator]
    case_id = parallel_case(db, people, store)
    view = service_view(db, people, case_id)
    assert view.deadline is not None and view.deadline.due_on == date(2025, 10, 13)  # 5 working days, holiday skipped
    on(date(2025, 9, 30))  # type: ignore[operator]
    items = [MissingItem("plan", "设计方案缺少总平面图")]
    view = actions.act(
        db, people["rev-zrzy"], case_id, Action.notify_missing, view.version, actions.ActionInput(items=items)
    )
    assert view.status == CaseStatus.missing_materials and view.deadline is not None
    assert view.deadline.colour is Colour.paused
    with pytest.raises(BadInput):
        actions.act(db, people["resident"], case_id, Action.resume, view.version, actions.ActionInput())
    uploads.upload(db, store, people["resident"], case_id, "plan", "plan.png", png())
    on(date(2025, 10, 10))  # type: ignore[operator]
    view = actions.act(db, people["resident"], case_id, Action.resume, view.version, actions.ActionInput())
    assert view.status == CaseStatus.under_review
    # Paused 9-30 → 10-10: the working days after the stop up to the resumption, 10-9 and 10-10, are given
    # back, so the count runs on over 10-11 (an adjusted working Saturday), 10-13, 10-14 and ends on 10-15.
    assert view.deadline is not None and view.deadline.due_on == date(2025, 10, 15)


def service_view(db: sessionmaker[Session], people: People, case_id: int):  # type: ignore[no-untyped-def]
    from tongban.cases import views

    with db() as session:
        return views.case_view(
            session, people["resident"], views.readable_case(session, people["resident"], case_id), calendar.today()
        )


def test_acceptance_with_gaps_is_refused_and_the_notice_lists_them_all(
    db: sessionmaker[Session], people: People
) -> None:
    view, _ = service.apply(db, people["resident"], service.Application(service="CP-PARALLEL", form={"project": "x"}))
    with pytest.raises(BadInput) as refused:
        actions.act(db, people["window-hd"], view.id, Action.accept, view.version, actions.ActionInput())
    assert "缺少土地出让合同" in refused.value.message_zh
    view = actions.act(db, people["window-hd"], view.id, Action.notify_missing, view.version, actions.ActionInput())
    assert view.status == CaseStatus.missing_materials
    assert {m.code: m.status for m in view.materials} == {"land": "missing", "plan": "needed"}
    assert view.deadline is None  # not accepted yet: no clock to stop


def test_a_window_filing_for_a_resident_must_record_consent(db: sessionmaker[Session], people: People) -> None:
    applicant = service.Applicant("王秀英", RESIDENT_ID)
    application = service.Application(
        service="CP-INSTANT", channel="window", form={"phone": "13861712345"}, applicant=applicant
    )
    with pytest.raises(BadInput) as exc:
        service.apply(db, people["window-hd"], application)
    assert exc.value.field == "consent"
    consent = service.Consent("signed", "本人委托社区全科社工代办")
    view, _ = service.apply(db, people["window-hd"], service.Application(**{**vars(application), "consent": consent}))
    assert view.on_behalf and view.consent == {"method": "signed", "statement": "本人委托社区全科社工代办"}
    with db() as session:
        mine = inbox.my_cases(session, people["resident"])
    assert [case.id for case in mine] == [view.id]


def test_a_reviewer_cannot_work_another_departments_step(
    db: sessionmaker[Session], people: People, store: FileStore
) -> None:
    case_id = parallel_case(db, people, store)
    version = current_version(db, people, case_id)
    with pytest.raises(Forbidden):
        actions.act(db, people["rev-zjj"], case_id, Action.approve, version, actions.ActionInput(step="plan"))


def test_the_sweep_warns_once_per_level(
    db: sessionmaker[Session], people: People, store: FileStore, on: object
) -> None:
    on(date(2025, 3, 3))  # type: ignore[operator]
    parallel_case(db, people, store)  # pre done; plan, build, fire open with a 2-day limit from 3-3
    assert inbox.sweep(db, date(2025, 3, 3)).yellow == 0
    assert inbox.sweep(db, date(2025, 3, 4)).yellow == 3
    assert inbox.sweep(db, date(2025, 3, 4)).yellow == 0
    report = inbox.sweep(db, date(2025, 3, 6))
    assert (report.yellow, report.red) == (0, 3)
    with db() as session:
        warnings = session.scalars(select(CaseEvent.action).where(CaseEvent.action.like("warning_%"))).all()
    assert sorted(warnings) == ["warning_red"] * 3 + ["warning_yellow"] * 3


def test_batch_pickup_hands_over_every_approved_case_of_the_agency(
    db: sessionmaker[Session], people: People, store: FileStore
) -> None:
    applicant = service.Applicant("某某商贸有限公司经办人", RESIDENT_ID)
    ids = []
    for _ in range(3):
        application = service.Application(service="CP-INSTANT", form={"phone": "13861712345"}, applicant=applicant)
        view, _ = service.apply(db, people["agency"], application)
        uploads.upload(db, store, people["agency"], view.id, "id-card", "id.png", png())
        ids.append(view.id)
    for case_id in ids[:2]:
        version = current_version(db, people, case_id)
        actions.act(db, people["window-hd"], case_id, Action.accept, version, actions.ActionInput())
    done = actions.pickup(db, people["window-hd"], "agency", "本机构委托张三代领所代理的全部营业执照")
    assert sorted(view.id for view in done) == ids[:2]
    assert {view.status for view in done} == {CaseStatus.delivered}
