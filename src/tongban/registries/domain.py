"""Silent certification (静默认证): the per-pensioner rules in plain Python.

A pensioner keeps receiving a pension while registries show signs of life; a death record
suspends payment; anything unclear goes to a person. The batch job computes the same
answer in SQL over millions of rows (see :mod:`tongban.registries.certify_sql`); this
module is the reference it is tested against, and the single home of the reason texts.

Rules, for one pensioner and the evidence rows matched to them:

* Evidence dated after ``as_of`` is ignored entirely, also for ``matched_by``: a run must
  give the same answer when repeated next month over the same files.
* ``death_event`` is the earliest matched death date, ``last_life_event`` the latest
  matched life date.
* ``suspended`` when there is a death and no life evidence dated (strictly) after it;
  ``manual`` when life evidence is dated after the death (a conflict), or when there is no
  death and no life evidence in the last 365 days; otherwise ``certified``.
* "In the last 365 days" means ``event_date > as_of - 365 days``: the 365 days ending on,
  and including, ``as_of``. Life evidence exactly 365 days old is too old.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from pypinyin import lazy_pinyin

LIFE_WINDOW_DAYS = 365


class Status(StrEnum):
    CERTIFIED = "certified"  # 认证通过
    SUSPENDED = "suspended"  # 暂停发放
    MANUAL = "manual"  # 人工核实


class MatchedBy(StrEnum):
    ID = "id"
    FUZZY = "fuzzy"


class EvidenceKind(StrEnum):
    LIFE = "life"
    DEATH = "death"


class Reason(StrEnum):
    """Why a pensioner got their status; each has one text template in :data:`REASON_TEXTS`."""

    DIED = "died"
    CONFLICT = "conflict"
    NO_LIFE = "no_life"
    STALE_LIFE = "stale_life"
    ALIVE = "alive"


REASON_STATUS: dict[Reason, Status] = {
    Reason.DIED: Status.SUSPENDED,
    Reason.CONFLICT: Status.MANUAL,
    Reason.NO_LIFE: Status.MANUAL,
    Reason.STALE_LIFE: Status.MANUAL,
    Reason.ALIVE: Status.CERTIFIED,
}

# `{death}` and `{life}` are filled with ISO dates. The batch job turns these same
# templates into SQL, so the texts exist only here.
REASON_TEXTS: dict[Reason, str] = {
    Reason.DIED: "{death} 死亡记录，其后无生存记录",
    Reason.CONFLICT: "死亡记录 {death} 之后仍有生存记录（{life}），需人工核实",
    Reason.NO_LIFE: "未找到任何生存记录，需人工核实",
    Reason.STALE_LIFE: f"近 {LIFE_WINDOW_DAYS} 天无生存记录（最近 {{life}}），需人工核实",
    Reason.ALIVE: "{life} 有生存记录",
}


@dataclass(frozen=True)
class Event:
    """One matched evidence row: what it shows, when, and whether it matched on the ID number."""

    kind: EvidenceKind
    on: date
    by_id: bool


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str
    last_life_event: date | None
    death_event: date | None
    matched_by: MatchedBy | None


def window_start(as_of: date) -> date:
    """Life evidence counts as recent when dated strictly after this day."""
    return as_of - timedelta(days=LIFE_WINDOW_DAYS)


def classify(death: date | None, last_life: date | None, as_of: date) -> Reason:
    """The rule that decides, given the earliest death and latest life evidence up to ``as_of``."""
    if death is not None:
        if last_life is not None and last_life > death:
            return Reason.CONFLICT
        return Reason.DIED
    if last_life is None:
        return Reason.NO_LIFE
    if last_life <= window_start(as_of):
        return Reason.STALE_LIFE
    return Reason.ALIVE


def reason_text(reason: Reason, death: date | None, last_life: date | None) -> str:
    return REASON_TEXTS[reason].format(
        death=death.isoformat() if death else "", life=last_life.isoformat() if last_life else ""
    )


def decide(events: Iterable[Event], as_of: date) -> Verdict:
    """The verdict for one pensioner from the evidence rows matched to them."""
    counted = [event for event in events if event.on <= as_of]
    deaths = [event.on for event in counted if event.kind is EvidenceKind.DEATH]
    lives = [event.on for event in counted if event.kind is EvidenceKind.LIFE]
    death = min(deaths, default=None)
    last_life = max(lives, default=None)
    reason = classify(death, last_life, as_of)
    matched_by = None
    if counted:
        matched_by = MatchedBy.ID if any(event.by_id for event in counted) else MatchedBy.FUZZY
    return Verdict(REASON_STATUS[reason], reason_text(reason, death, last_life), last_life, death, matched_by)


def name_key(name: str | None) -> str | None:
    """Toneless pinyin in pypinyin's default reading, syllables joined by one space.

    Names are compared by this key: 王丽 and 王莉 are the same person when birth date and
    gender also agree, because registries often type a homophone. A blank name has no key
    and so never matches.
    """
    if name is None or not name.strip():
        return None
    return " ".join(lazy_pinyin(name))
