"""Citizen requests (诉求): what they are, how they move, and which time limit runs at each stage.

A request is registered and routed by a dispatcher (登记分派), signed for by the department
that has it (签收), for petitions accepted or refused in writing (受理告知), handled and
answered (办理答复), then closed after the requester rates it or a return visit (回访). Each
stage has its own limit from the request type in the pack; the stage's clock starts when the
stage does. Petitions follow the 2022 信访工作条例 (calendar days: 15 to register and route, 15
to decide on acceptance, 60 to handle and at most 30 more with a reason; review and re-review
within 30 days each); hotline-style types have urgent, general and complex limits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from tongban.calendar.domain import WorkingCalendar
from tongban.calendar.limits import TimeLimit, Unit, due_at, warn_at
from tongban.errors import BadInput, Conflict

# 三次退回或涉及三个部门而无牵头部门的诉求提级督办。
ESCALATE_AFTER_SEND_BACKS = 3
ESCALATE_DEPARTMENTS_WITHOUT_LEAD = 3


class Kind(StrEnum):
    consultation = "consultation"  # 咨询
    help = "help"  # 求助
    complaint = "complaint"  # 投诉
    report = "report"  # 举报、随手拍
    suggestion = "suggestion"  # 建议
    enterprise_demand = "enterprise_demand"  # 涉企诉求
    petition = "petition"  # 信访
    dispute = "dispute"  # 矛盾纠纷


KIND_NAMES: Mapping[Kind, tuple[str, str]] = {
    Kind.consultation: ("咨询", "Consultation"),
    Kind.help: ("求助", "Request for help"),
    Kind.complaint: ("投诉", "Complaint"),
    Kind.report: ("问题反映", "Report"),
    Kind.suggestion: ("建议", "Suggestion"),
    Kind.enterprise_demand: ("涉企诉求", "Enterprise demand"),
    Kind.petition: ("信访", "Petition"),
    Kind.dispute: ("矛盾纠纷", "Dispute"),
}


class Channel(StrEnum):
    web = "web"
    mobile = "mobile"
    hotline = "hotline"  # 热线话务员代录
    window = "window"
    liaison_station = "liaison_station"  # 村（社）监察工作联络站


CHANNEL_NAMES: Mapping[Channel, tuple[str, str]] = {
    Channel.web: ("网页", "Web"),
    Channel.mobile: ("手机", "Mobile"),
    Channel.hotline: ("热线", "Hotline"),
    Channel.window: ("窗口", "Window"),
    Channel.liaison_station: ("监察联络站", "Liaison station"),
}


class Status(StrEnum):
    submitted = "submitted"  # 待分派
    routed = "routed"  # 待签收
    signed = "signed"  # 待受理（信访）
    in_progress = "in_progress"  # 办理中
    replied = "replied"  # 已答复，待评价或回访
    closed = "closed"  # 已办结
    refused = "refused"  # 不予受理（书面告知）
    withdrawn = "withdrawn"  # 已撤回


STATUS_NAMES: Mapping[Status, tuple[str, str]] = {
    Status.submitted: ("待分派", "Awaiting dispatch"),
    Status.routed: ("待签收", "Awaiting sign-for"),
    Status.signed: ("待受理", "Awaiting acceptance"),
    Status.in_progress: ("办理中", "Being handled"),
    Status.replied: ("已答复", "Answered"),
    Status.closed: ("已办结", "Closed"),
    Status.refused: ("不予受理", "Not accepted"),
    Status.withdrawn: ("已撤回", "Withdrawn"),
}

OPEN = frozenset({Status.submitted, Status.routed, Status.signed, Status.in_progress})


class Stage(StrEnum):
    dispatch = "dispatch"  # 登记分派
    sign = "sign"  # 签收
    accept = "accept"  # 受理告知
    handle = "handle"  # 办理答复


STAGE_NAMES: Mapping[Stage, tuple[str, str]] = {
    Stage.dispatch: ("登记分派", "Register and route"),
    Stage.sign: ("签收", "Sign for"),
    Stage.accept: ("受理告知", "Decide on acceptance"),
    Stage.handle: ("办理答复", "Handle and answer"),
}

STAGE_OF_STATUS: Mapping[Status, Stage] = {
    Status.submitted: Stage.dispatch,
    Status.routed: Stage.sign,
    Status.signed: Stage.accept,
    Status.in_progress: Stage.handle,
}


class Priority(StrEnum):
    urgent = "urgent"  # 紧急
    general = "general"  # 一般
    complex = "complex"  # 复杂


PRIORITY_NAMES: Mapping[Priority, tuple[str, str]] = {
    Priority.urgent: ("紧急", "Urgent"),
    Priority.general: ("一般", "General"),
    Priority.complex: ("复杂", "Complex"),
}


class Level(StrEnum):
    """Where a dispute is handled: 县乡村三级矛调."""

    village = "village"
    town = "town"
    county = "county"


LEVEL_NAMES: Mapping[Level, tuple[str, str]] = {
    Level.village: ("村级调解", "Village mediation"),
    Level.town: ("乡镇矛调中心", "Town dispute centre"),
    Level.county: ("县级矛调中心", "County dispute centre"),
}


class ProviderKind(StrEnum):
    mediator = "mediator"  # 人民调解员
    agent = "agent"  # 代办员
    lawyer = "lawyer"  # 律师


PROVIDER_KIND_NAMES: Mapping[ProviderKind, tuple[str, str]] = {
    ProviderKind.mediator: ("人民调解员", "Mediator"),
    ProviderKind.agent: ("代办员", "Agent"),
    ProviderKind.lawyer: ("律师", "Lawyer"),
}


class Action(StrEnum):
    route = "route"  # 分派（确认或改正建议的部门）
    sign = "sign"  # 签收
    send_back = "send_back"  # 退回
    accept = "accept"  # 受理
    refuse = "refuse"  # 不予受理
    extend = "extend"  # 延期
    reply = "reply"  # 答复
    escalate = "escalate"  # 矛盾纠纷上移一级
    close = "close"  # 办结
    withdraw = "withdraw"  # 撤回
    review = "review"  # 请求复查、复核（信访）


TRANSITIONS: Mapping[tuple[Status, Action], Status] = {
    (Status.submitted, Action.route): Status.routed,
    (Status.submitted, Action.withdraw): Status.withdrawn,
    (Status.routed, Action.sign): Status.in_progress,  # signed instead when the type has an accept stage
    (Status.routed, Action.send_back): Status.submitted,
    (Status.routed, Action.withdraw): Status.withdrawn,
    (Status.signed, Action.accept): Status.in_progress,
    (Status.signed, Action.refuse): Status.refused,
    (Status.signed, Action.send_back): Status.submitted,
    (Status.in_progress, Action.extend): Status.in_progress,
    (Status.in_progress, Action.reply): Status.replied,
    (Status.in_progress, Action.send_back): Status.submitted,
    (Status.in_progress, Action.escalate): Status.routed,
    (Status.replied, Action.close): Status.closed,
    # 复查、复核 go to the next body up, so the request is routed afresh.
    (Status.replied, Action.review): Status.submitted,
}

# A written reason is part of these actions: a refusal must be in writing (书面告知), a send-back
# says why, an extension gives the requester its reason.
NEEDS_REASON = frozenset({Action.send_back, Action.refuse, Action.extend, Action.reply, Action.escalate, Action.review})


@dataclass(frozen=True)
class StageLimit:
    """A stage's limit, by priority where the type has urgent, general and complex limits."""

    limit: TimeLimit
    by_priority: Mapping[Priority, TimeLimit] = field(default_factory=dict)

    def for_priority(self, priority: Priority) -> TimeLimit:
        return self.by_priority.get(priority, self.limit)


@dataclass(frozen=True)
class Limits:
    """A request type's limits: one per stage it has, an optional extension of the handling stage."""

    stages: Mapping[Stage, StageLimit]
    extension: TimeLimit | None = None
    # 信访工作条例 第35、36条: the time to ask for a review and the reviewing body's time to decide.
    review: TimeLimit | None = None

    def has(self, stage: Stage) -> bool:
        return stage in self.stages


@dataclass(frozen=True)
class Clock:
    """The running stage's start, due time and the time it turns yellow."""

    stage: Stage
    started_at: datetime
    due_at: datetime
    warn_at: datetime


def limits_of(stored: Mapping[str, object]) -> Limits:
    """A type's limits as the pack loader stores them (see ``RequestType.limits``)."""
    stages: dict[Stage, StageLimit] = {}
    for name, spec in _mapping(stored.get("stages")).items():
        entry = _mapping(spec)
        by_priority = {Priority(p): _limit(value) for p, value in _mapping(entry.get("by_priority")).items()}
        stages[Stage(name)] = StageLimit(_limit(entry["limit"]), by_priority)
    extension, review = stored.get("extension"), stored.get("review")
    return Limits(stages, _limit(extension) if extension else None, _limit(review) if review else None)


def limits_at_level(stored: Mapping[str, object], levels: Sequence[Mapping[str, object]], level: str | None) -> Limits:
    """A dispute's limits at the level it has reached: that level's handling limit, counted from when
    the level takes it (每一级的调处时限从该级接手时起算); limits declared per priority still apply."""
    limits = limits_of(stored)
    declared = next((item.get("limit") for item in levels if item.get("level") == level), None)
    if not declared or Stage.handle not in limits.stages:
        return limits
    handle = limits.stages[Stage.handle]
    return replace(limits, stages={**limits.stages, Stage.handle: StageLimit(_limit(declared), handle.by_priority)})


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _limit(value: object) -> TimeLimit:
    data = _mapping(value)
    return TimeLimit(int(str(data["value"])), Unit(str(data["unit"])))


def next_status(status: Status, action: Action, limits: Limits, reason: str | None) -> Status:
    """Where ``action`` takes a request in ``status``; refuses what the rules do not allow."""
    target = TRANSITIONS.get((status, action))
    if target is None:
        zh, en = STATUS_NAMES[status]
        raise Conflict(f"诉求{zh}，不能{ACTION_NAMES[action][0]}", f"a request {en.lower()} cannot be {action}ed")
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise BadInput(f"{ACTION_NAMES[action][0]}须写明理由", f"{action} needs a written reason", "reason")
    if action is Action.sign and limits.has(Stage.accept):
        return Status.signed
    return target


ACTION_NAMES: Mapping[Action, tuple[str, str]] = {
    Action.route: ("分派", "Route"),
    Action.sign: ("签收", "Sign for"),
    Action.send_back: ("退回", "Send back"),
    Action.accept: ("受理", "Accept"),
    Action.refuse: ("不予受理", "Refuse"),
    Action.extend: ("延期", "Extend"),
    Action.reply: ("答复", "Answer"),
    Action.escalate: ("上移一级", "Escalate a level"),
    Action.close: ("办结", "Close"),
    Action.withdraw: ("撤回", "Withdraw"),
    Action.review: ("请求复查", "Ask for a review"),
}


def start_clock(
    status: Status, limits: Limits, priority: Priority, now: datetime, calendar: WorkingCalendar
) -> Clock | None:
    """The clock of the stage ``status`` is in; None when that stage has no limit or none runs."""
    stage = STAGE_OF_STATUS.get(status)
    if stage is None or stage not in limits.stages:
        return None
    limit = limits.stages[stage].for_priority(priority)
    due = due_at(now, limit, calendar)
    return Clock(stage, now, due, warn_at(now, limit, due, calendar))


def extended(clock: Clock, extension: TimeLimit | None, already: bool, calendar: WorkingCalendar) -> Clock:
    """The handling limit pushed back once by the declared extension (信访：延长不超过30日)."""
    if clock.stage is not Stage.handle or extension is None:
        raise BadInput("该类诉求不能延期", "this kind of request cannot be extended", "action")
    if already:
        raise Conflict("办理期限只能延长一次", "the handling limit may be extended only once")
    due = due_at(clock.due_at, extension, calendar)
    return Clock(clock.stage, clock.started_at, due, warn_at(clock.due_at, extension, due, calendar))


def must_escalate(send_backs: int, departments: Sequence[str], lead: str | None) -> bool:
    """Sent back three times, or spread over three departments with none leading: the supervisor takes it."""
    no_lead = len(departments) >= ESCALATE_DEPARTMENTS_WITHOUT_LEAD and lead is None
    return send_backs >= ESCALATE_AFTER_SEND_BACKS or no_lead


def overseer(channel: Channel, default_department: str | None) -> str | None:
    """The department that follows a request wherever it is routed, from the moment it is raised.

    A liaison station (村（社）监察工作联络站) reports to the street's discipline committee (纪委):
    its type's ``default_department``. The committee keeps it in its queue while the dispatcher
    routes it and while the department it went to handles it, as a co-handling department
    (协办) when another leads. Other requests have none.
    """
    return default_department if channel is Channel.liaison_station else None


# 复查 then 复核; the re-review's opinion is final (信访工作条例 第36条).
REVIEW_ROUNDS = 2
REVIEW_NAMES: Mapping[int, tuple[str, str]] = {1: ("复查", "review"), 2: ("复核", "re-review")}


def review_due(
    limits: Limits, rounds: int, answered_at: datetime, now: datetime, calendar: WorkingCalendar
) -> datetime:
    """When the reviewing body must give its opinion, if the requester may still ask for one now.

    Within the type's period from the written answer, at most twice; the body's period runs from
    the request for it, through routing and signing, and is not restarted at each stage.
    """
    if limits.review is None:
        raise Conflict("该类诉求没有复查、复核程序", "this kind of request has no review")
    if rounds >= REVIEW_ROUNDS:
        raise Conflict("复核意见为最终意见，不能再请求复查", "the re-review's opinion is final")
    if now > due_at(answered_at, limits.review, calendar):
        zh, en = REVIEW_NAMES[rounds + 1]
        raise Conflict(
            f"已超过收到答复之日起 {limits.review.value} {limits.review.unit.value}的{zh}请求期限",
            f"the period to ask for a {en} after the answer has passed",
        )
    return due_at(now, limits.review, calendar)


def in_review(limits: Limits) -> Limits:
    """A review round's limits: no separate acceptance decision and no extension."""
    stages: dict[Stage, StageLimit] = {
        stage: spec for stage, spec in limits.stages.items() if stage is not Stage.accept
    }
    return replace(limits, stages=stages, extension=None)


def review_clock(
    status: Status, limits: Limits, now: datetime, due: datetime, calendar: WorkingCalendar
) -> Clock | None:
    """The running stage of a review round, due when the reviewing body's opinion is."""
    stage = STAGE_OF_STATUS.get(status)
    if stage is None or limits.review is None:
        return None
    # Days are what reviews are counted in, and their warning depends on the due day only.
    return Clock(stage, now, due, min(warn_at(now, limits.review, due, calendar), due))


def next_level(level: Level) -> Level:
    """村 → 镇 → 县矛调中心; the county centre is the last."""
    order = list(Level)
    index = order.index(level)
    if index == len(order) - 1:
        raise Conflict("县级矛调中心是最高一级", "the county dispute centre is the highest level")
    return order[index + 1]
