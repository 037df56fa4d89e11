"""Pension qualification (领取资格) in the platform: what a certification run, a check by a person and an
objection (申诉) do to a pensioner's standing. Pure rules, no I/O; time is always an argument.

A run's verdict (CONTRACT) is the data's answer. The platform adds what people found out since:
a community worker who saw the pensioner alive, a face check, an officer who upheld an objection.
Such a check is evidence too, and a later run must not undo it:

* a check that found the person alive, dated after a death record, settles that record (the
  person was seen; the record belongs to someone else or is wrong) and counts as life evidence;
* a check that found the person deceased counts as a death record dated on the check.

Payment is suspended while a suspension notice is open: a notice opens when the standing becomes
``suspended`` and is lifted (payment resumes, 恢复发放) when it becomes ``certified``. A person who
is ``manual`` keeps what they had — paid, or suspended under an open notice — until a check decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tongban.auth.domain import Actor, Role
from tongban.calendar.domain import months_later
from tongban.registries.domain import REASON_STATUS, Reason, Status, classify, reason_text

# The qualification holds for twelve months after the last sign of life, the yearly
# certification cycle the article describes (每年认证一次).
VALIDITY_MONTHS = 12
# Three working weeks: a community worker's weekly rounds leave room for a second visit when
# nobody is home, and the outcome is in before the next monthly run.
FOLLOW_UP_WORKING_DAYS = 15
# From this age a phone's face check is mostly beyond the pensioner: someone visits instead.
VISIT_AGE = 80


class FollowUpKind(StrEnum):
    community_visit = "community_visit"  # 社区上门核实
    remote_face_check = "remote_face_check"  # 远程人脸认证


class FollowUpStatus(StrEnum):
    open = "open"
    done = "done"
    withdrawn = "withdrawn"  # a later run settled the person from data: nobody needs to go


class Outcome(StrEnum):
    """What the community worker found."""

    certified = "certified"  # alive: 核实健在
    deceased = "deceased"  # 核实死亡


class NoticeStatus(StrEnum):
    open = "open"  # payment suspended
    lifted = "lifted"  # payment resumed


class Decision(StrEnum):
    """The officer's answer to an objection: the suspension is upheld, or overturned and payment resumes."""

    upheld = "upheld"  # 维持暂停
    overturned = "overturned"  # 撤销暂停，恢复发放


KIND_TEXT: dict[FollowUpKind, tuple[str, str]] = {
    FollowUpKind.community_visit: ("社区上门核实", "Community visit"),
    FollowUpKind.remote_face_check: ("远程人脸认证", "Remote face check"),
}
STATUS_TEXT: dict[Status, tuple[str, str]] = {
    Status.CERTIFIED: ("认证通过", "Certified"),
    Status.SUSPENDED: ("暂停发放", "Suspended"),
    Status.MANUAL: ("人工核实", "Manual check"),
}
OUTCOME_TEXT: dict[Outcome, tuple[str, str]] = {
    Outcome.certified: ("核实健在", "Alive"),
    Outcome.deceased: ("核实死亡", "Deceased"),
}
DECISION_TEXT: dict[Decision, tuple[str, str]] = {
    Decision.upheld: ("维持暂停", "Suspension upheld"),
    Decision.overturned: ("撤销暂停，恢复发放", "Overturned, payment resumed"),
}
# Every word the pages and the workbook show for a stored value, by kind of value, in one place.
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "status": {status.value: text for status, text in STATUS_TEXT.items()},
    "kind": {kind.value: text for kind, text in KIND_TEXT.items()},
    "outcome": {outcome.value: text for outcome, text in OUTCOME_TEXT.items()},
    "decision": {decision.value: text for decision, text in DECISION_TEXT.items()},
    "follow_up": {"open": ("待核实", "Open"), "done": ("已办结", "Done"), "withdrawn": ("已撤回", "Withdrawn")},
    "notice": {"open": ("暂停发放中", "Payment suspended"), "lifted": ("已恢复发放", "Payment resumed")},
    "objection": {
        "none": ("未申诉", "No objection"),
        "pending": ("申诉待处理", "Objection under review"),
        "upheld": ("申诉未获支持，维持暂停", "Objection dismissed, suspension upheld"),
        "overturned": ("申诉成立，已恢复发放", "Objection upheld, payment resumed"),
    },
}


@dataclass(frozen=True)
class Check:
    """A person's finding about a pensioner: alive or deceased on a day (a visit, a face check, an objection)."""

    on: date
    alive: bool


@dataclass(frozen=True)
class Standing:
    status: Status
    reason: str
    last_evidence: date | None  # the latest sign of life, from registries or a check
    valid_until: date | None  # last evidence + 12 months; none while suspended


@dataclass(frozen=True)
class Effects:
    """What a new standing asks of the platform, given what is already open for the person."""

    issue_notice: bool
    lift_notice: bool
    open_follow_up: bool
    withdraw_follow_up: bool


def standing(death: date | None, life: date | None, check: Check | None, as_of: date) -> Standing:
    """The pensioner's standing on ``as_of`` from a run's dates and the latest check by a person."""
    if check is not None and check.alive and (death is None or check.on > death):
        death, life = None, max(life or check.on, check.on)
    elif check is not None and not check.alive:
        death = min(death or check.on, check.on)
    reason = classify(death, life, as_of)
    status = REASON_STATUS[reason]
    text = _check_text(check) if _decided_by_check(check, reason, death, life) else reason_text(reason, death, life)
    valid = months_later(life, VALIDITY_MONTHS) if life is not None and status is not Status.SUSPENDED else None
    return Standing(status, text, life, valid)


def _decided_by_check(check: Check | None, reason: Reason, death: date | None, life: date | None) -> bool:
    """Whether the check, not registry data, is what the standing rests on (and so what the reason names)."""
    if check is None:
        return False
    if check.alive:
        return reason is Reason.ALIVE and life == check.on
    return reason is Reason.DIED and death == check.on


def _check_text(check: Check | None) -> str:
    assert check is not None
    found = "健在" if check.alive else "已死亡"
    return f"{check.on.isoformat()} 经人工核实{found}"


def effects(status: Status, notice_open: bool, follow_up_open: bool) -> Effects:
    return Effects(
        issue_notice=status is Status.SUSPENDED and not notice_open,
        lift_notice=status is Status.CERTIFIED and notice_open,
        open_follow_up=status is Status.MANUAL and not follow_up_open,
        withdraw_follow_up=status is not Status.MANUAL and follow_up_open,
    )


def follow_up_kind(death: date | None, birth_date: date | None, as_of: date) -> FollowUpKind:
    """A disputed death record or a very old pensioner needs someone there; otherwise a face check will do."""
    if death is not None:
        return FollowUpKind.community_visit
    if birth_date is not None and age(birth_date, as_of) >= VISIT_AGE:
        return FollowUpKind.community_visit
    return FollowUpKind.remote_face_check


def age(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def notice_text(name: str, issued_on: date, basis: str) -> str:
    """The suspension notice (暂停发放告知书) as the pensioner reads it."""
    return (
        f"{name}：根据共享数据比对结果（{basis}），您的基本养老金自 {issued_on.isoformat()} 起暂停发放。"
        "如您健在或对此有异议，请在“我的养老金资格”页面提出申诉，或到所在社区（村）便民服务站说明情况；"
        "经核实后恢复发放，暂停期间的待遇予以补发。"
    )


def is_officer(actor: Actor, department_code: str | None) -> bool:
    """A run's data officers: administrators, and reviewers of the department that ran it (社保经办机构)."""
    if actor.role is Role.admin:
        return True
    return actor.role is Role.reviewer and department_code is not None and actor.department_code == department_code
