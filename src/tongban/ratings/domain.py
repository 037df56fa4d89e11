"""好差评: the five national levels, where a rating was given, and the rectification of a bad one.

A level travels as its national code, an integer from 1 (非常不满意) to 5 (非常满意): it is
the same in every language, orders naturally and averages into the KPIs; answers carry the
Chinese and English names beside it. A bad rating (不满意, 非常不满意) opens a
rectification (整改) for the department that handled the subject; it is rectified by that
department and closed by a supervisor's return visit (回访) to the rater.

Plain Python: the service passes today's date and the working-day calendar in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum

from tongban.auth.domain import Actor, Role
from tongban.calendar.domain import WorkingCalendar
from tongban.errors import BadInput, Conflict, Forbidden

# The national 好差评 rule when a pack says nothing: a bad rating is rectified within 15 working days.
DEFAULT_RECTIFICATION_DAYS = 15


class Level(IntEnum):
    very_satisfied = 5  # 非常满意
    satisfied = 4  # 满意
    fairly_satisfied = 3  # 基本满意
    dissatisfied = 2  # 不满意
    very_dissatisfied = 1  # 非常不满意

    @property
    def name_zh(self) -> str:
        return LEVEL_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return LEVEL_NAMES[self][1]


LEVEL_NAMES: dict[Level, tuple[str, str]] = {
    Level.very_satisfied: ("非常满意", "very satisfied"),
    Level.satisfied: ("满意", "satisfied"),
    Level.fairly_satisfied: ("基本满意", "fairly satisfied"),
    Level.dissatisfied: ("不满意", "dissatisfied"),
    Level.very_dissatisfied: ("非常不满意", "very dissatisfied"),
}


class Channel(StrEnum):
    """Where the rating was given."""

    web = "web"  # 网上办事大厅
    mobile = "mobile"  # 移动端、小程序
    window_pad = "window_pad"  # 窗口评价器
    sms = "sms"  # 短信
    hotline = "hotline"  # 12345 热线


class SubjectKind(StrEnum):
    case = "case"  # 办件
    request = "request"  # 诉求
    call = "call"  # 云导服来电


# Calls get their raters and handlers once the guidance context exists.
RATEABLE = frozenset({SubjectKind.case, SubjectKind.request})

# What each kind of subject is called in the messages its raters read.
SUBJECT_NAMES: dict[SubjectKind, tuple[str, str]] = {
    SubjectKind.case: ("办件", "case"),
    SubjectKind.request: ("诉求", "request"),
    SubjectKind.call: ("来电", "call"),
}


class RectificationStatus(StrEnum):
    open = "open"  # 待整改
    rectified = "rectified"  # 已整改，待回访
    closed = "closed"  # 已回访，办结


class Verdict(StrEnum):
    """The rater's final word at the return visit (回访)."""

    satisfied = "satisfied"
    unsatisfied = "unsatisfied"


@dataclass(frozen=True)
class RectificationView:
    """A bad rating's rectification with what the department needs to act on it."""

    id: int
    rating_id: int
    subject_kind: SubjectKind
    subject_id: int
    subject_ref: str
    level: Level
    comment: str | None
    department_code: str | None
    jurisdiction_code: str
    due_on: date
    overdue: bool
    status: RectificationStatus
    measures: str | None
    rectified_at: datetime | None
    visit_at: datetime | None
    verdict: Verdict | None
    verdict_note: str | None

    @property
    def level_name(self) -> str:
        return self.level.name_zh

    @property
    def level_name_en(self) -> str:
        return self.level.name_en


@dataclass(frozen=True)
class RatingView:
    id: int
    subject_kind: SubjectKind
    subject_id: int
    subject_ref: str
    level: Level
    channel: Channel
    comment: str | None
    at: datetime
    rectification: RectificationView | None
    rater_user_id: int | None = None

    @property
    def level_name(self) -> str:
        return self.level.name_zh

    @property
    def level_name_en(self) -> str:
        return self.level.name_en


def is_bad(level: Level) -> bool:
    """不满意 and 非常不满意 are 差评; 基本满意 is not."""
    return level <= Level.dissatisfied


def check_rateable(kind: SubjectKind) -> None:
    if kind not in RATEABLE:
        raise BadInput("来电暂不支持评价，目前只能评价办件和诉求", f"a {kind} is not yet rateable", "subject_kind")


def check_rater(user_id: int | None, applicant_user_id: int | None, submitted_by: int | None) -> None:
    """The applicant (诉求人) rates; so may whoever filed it for them (代办), who saw the service too."""
    if user_id is None or user_id not in (applicant_user_id, submitted_by):
        raise Forbidden("只有申请人本人或代办人可以评价", "only the applicant or whoever filed it for them may rate it")


def check_finished(kind: SubjectKind, finished: bool) -> None:
    """A case is rated once finished; a request once answered and before it is closed."""
    if finished:
        return
    if kind is SubjectKind.request:
        raise Conflict(
            "只能评价已答复、尚未办结的诉求", "only an answered request not yet closed can be rated", "subject_id"
        )
    raise Conflict("办件尚未办结，办结后才能评价", "the case is not finished yet; rate it once it is", "subject_id")


def already_rated(kind: SubjectKind) -> Conflict:
    zh, en = SUBJECT_NAMES[kind]
    return Conflict(
        f"您已评价过该{zh}，每件只能评价一次", f"you have already rated this {en}; it is rated once", "subject_id"
    )


def checked_comment(level: Level, comment: str | None) -> str | None:
    """A bad rating must say what went wrong: the department cannot rectify what nobody described."""
    text = (comment or "").strip() or None
    if text is None and is_bad(level):
        raise BadInput("差评请写明不满意的原因", "a bad rating needs a comment saying what went wrong", "comment")
    return text


def rectification_due(today: date, days: int, calendar: WorkingCalendar) -> date:
    """Counted in working days from the day after the rating, like every other limit (民法典 第201条)."""
    return calendar.add_working_days(today, days).day


def is_overdue(status: RectificationStatus, due_on: date, today: date) -> bool:
    """Only an open rectification runs late: once rectified, the department has done its part."""
    return status is RectificationStatus.open and today > due_on


STAFF = frozenset({Role.window, Role.reviewer})
OVERSEERS = frozenset({Role.supervisor, Role.admin})


def may_see(actor: Actor, department_code: str | None, jurisdiction_code: str) -> bool:
    """Department staff see their own department's; supervisors their jurisdiction's; admins all."""
    if actor.role in OVERSEERS:
        return actor.covers(jurisdiction_code)
    if actor.role in STAFF:
        return actor.covers(jurisdiction_code) and in_department(actor, department_code)
    return False


def in_department(actor: Actor, department_code: str | None) -> bool:
    """Staff without a department (全科社工) and subjects handled by no department match any."""
    return actor.department_code is None or department_code is None or actor.department_code == department_code


def may_rectify(actor: Actor, department_code: str | None, jurisdiction_code: str) -> bool:
    return actor.role in STAFF and may_see(actor, department_code, jurisdiction_code)


def may_visit(actor: Actor, jurisdiction_code: str) -> bool:
    """The return visit is the supervisor's, not the department's: nobody marks their own homework."""
    return actor.role is Role.supervisor and actor.covers(jurisdiction_code)


def check_can_rectify(status: RectificationStatus) -> None:
    if status is not RectificationStatus.open:
        raise Conflict("该差评已整改，不能重复整改", "this bad rating was already rectified")


def check_can_visit(status: RectificationStatus) -> None:
    if status is RectificationStatus.open:
        raise Conflict("尚未整改，整改后再回访", "not rectified yet; the return visit comes after the rectification")
    if status is RectificationStatus.closed:
        raise Conflict("已回访并办结", "the return visit was already recorded")


def checked_visit_note(verdict: Verdict, note: str | None) -> str | None:
    """An unsatisfied rater's reasons are what the next review of the department starts from."""
    text = (note or "").strip() or None
    if text is None and verdict is Verdict.unsatisfied:
        raise BadInput("群众仍不满意时请记录原因", "record why the rater is still unsatisfied", "note")
    return text
