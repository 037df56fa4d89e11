"""No sequence of actions, by anyone, in any order, breaks a case's invariants (Hypothesis state machine)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy.orm import Session, sessionmaker

from tests.cases.conftest import PEOPLE
from tests.files.samples import png
from tongban.auth.domain import Actor
from tongban.cases import actions, service, uploads, views
from tongban.cases.domain import CLOSED, PAUSED, Action, CaseStatus, MissingItem, StepStatus
from tongban.errors import TongbanError
from tongban.files.service import FileStore

APPLICATIONS = [
    service.Application(service="CP-PARALLEL", form={"project": "德力佳三期"}),
    service.Application(service="CP-INSTANT", form={"phone": "13861712345"}),
    service.Application(bundle="CP-BIRTH", form={"baby": "王小宝", "phone": "13861712345", "address": "胡埭镇"}),
]
# The people who work this pack's cases; `work` offers the case page's buttons of each.
WORKERS = ["resident", "window-hd", "rev-zrzy", "rev-zjj", "rev-sb"]
ONWARD = {Action.accept, Action.approve, Action.forward, Action.deliver, Action.resume, Action.end_special}
STEPS = [None, "pre", "plan", "build", "fire", "review", "accept", "deliver"]


def test_no_sequence_of_actions_breaks_a_case(
    db: sessionmaker[Session], people: dict[str, Actor], tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = FileStore(tmp_path_factory.mktemp("machine-files"))

    class CaseMachine(RuleBasedStateMachine):
        case_id: int | None = None
        version = 0

        def __init__(self) -> None:
            super().__init__()
            self.done: list[Action] = []

        def view(self, who: str = "resident") -> views.CaseView:
            assert self.case_id is not None
            with db() as session:
                case = views.readable_case(session, people[who], self.case_id)
                return views.case_view(session, people[who], case, views.calendar.today())

        @precondition(lambda self: self.case_id is None)
        @rule(application=st.sampled_from(APPLICATIONS), complete=st.booleans())
        def apply(self, application: service.Application, complete: bool) -> None:
            view, _ = service.apply(db, people["resident"], application)
            self.case_id, self.version = view.id, view.version
            for material in view.materials if complete else []:
                if material.status == "needed":
                    uploads.upload(db, store, people["resident"], view.id, material.code, "scan.png", png())

        @precondition(lambda self: self.case_id is not None)
        @rule(code=st.sampled_from(["land", "plan", "id-card", "hukou"]))
        def upload(self, code: str) -> None:
            with contextlib.suppress(TongbanError):
                uploads.upload(db, store, people["resident"], self.case_id or 0, code, f"{code}.png", png())
            assert self.view().version == self.version  # materials never move the case's version

        @precondition(lambda self: self.case_id is not None)
        @rule(
            who=st.sampled_from(sorted(PEOPLE)),
            action=st.sampled_from(list(Action)),
            step=st.sampled_from(STEPS),
            reason=st.sampled_from([None, "材料核验意见"]),
            on_child=st.booleans(),
        )
        def act(self, who: str, action: Action, step: str | None, reason: str | None, on_child: bool) -> None:
            case = self.view()
            if on_child and case.children:
                case = case.children[-1]
            items = [MissingItem("land", "缺少盖章页")] if action is Action.notify_missing and step else []
            data = actions.ActionInput(reason=reason, step=step, items=items)
            try:
                after = actions.act(db, people[who], case.id, action, case.version, data)
            except TongbanError:
                assert self.view().version == self.version, "a refused action changed the case"
                return
            assert after.version > case.version
            self.version = self.view().version

        @precondition(lambda self: self.case_id is not None)
        @rule(data=st.data())
        def work(self, data: st.DataObject) -> None:
            """Someone who may act does one of the things the case page offers them: real progress."""
            offers = []
            for who in WORKERS:
                try:
                    case = self.view(who)
                except TongbanError:
                    continue
                for each in [case, *case.children]:
                    mine = [step.code for step in each.steps if step.mine]
                    offers += [(who, each, Action(action), mine) for action in each.can]
            if not offers:
                return
            # Moving forward is offered thrice as often as turning back, so that runs reach the end.
            onward = [offer for offer in offers if offer[2] in ONWARD]
            who, case, action, mine = data.draw(st.sampled_from(offers + onward * 2))
            step = data.draw(st.sampled_from(mine)) if len(mine) > 1 else None
            reason = "经审查" if action is not Action.notify_missing else None
            try:
                after = actions.act(db, people[who], case.id, action, case.version, actions.ActionInput(reason, step))
            except TongbanError:
                assert self.view().version == self.version, "a refused action changed the case"
                return
            assert after.version > case.version
            self.version = self.view().version
            self.done.append(action)

        @precondition(lambda self: self.case_id is not None and self.version > 1)
        @rule(who=st.sampled_from(sorted(PEOPLE)), action=st.sampled_from(list(Action)))
        def stale(self, who: str, action: Action) -> None:
            with pytest.raises(TongbanError):
                actions.act(db, people[who], self.case_id or 0, action, self.version - 1, actions.ActionInput("x"))

        @invariant()
        def holds_together(self) -> None:
            if self.case_id is None:
                return
            case = self.view()
            for each in [case, *case.children]:
                check(each)

    progress: list[Action] = []
    original = CaseMachine.teardown

    def teardown(self: CaseMachine) -> None:
        progress.extend(self.done)
        original(self)

    CaseMachine.teardown = teardown  # type: ignore[method-assign]
    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    # The machine must have walked real paths, not only been refused (the happy paths
    # themselves are tested one by one in test_api.py and test_actions.py).
    assert Action.accept in progress and len(set(progress)) >= 3, progress


def check(case: views.CaseView) -> None:
    status = CaseStatus(case.status)
    open_steps = [step for step in case.steps if step.status == StepStatus.open.value]
    if status in CLOSED:
        assert not open_steps, f"a {status} case has open steps"
    if status in PAUSED:
        assert case.deadline is None or case.deadline.colour.value == "paused"
    if status is CaseStatus.under_review and case.kind != "bundle":
        assert any(step.kind == "review" for step in open_steps), "under review with nothing to review"
    if status is CaseStatus.approved and case.parent_id is None:
        assert any(step.kind == "deliver" for step in open_steps), "approved but nobody can deliver it"
    if status in (CaseStatus.approved, CaseStatus.delivered):
        reviews = [step for step in case.steps if step.kind == "review" and not step.optional]
        assert all(step.status == StepStatus.done.value for step in reviews), "approved before every review"
    assert case.events[0].action == "submit"
    assert case.events[-1].to_status == case.status or case.events[-1].action.startswith("warning")
