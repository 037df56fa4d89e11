"""What every request page hands its template: the domain's words in both languages, names for codes, local times.

Shared by ``pages`` (residents and the request page) and ``workbench_pages`` (queues and the board),
so both name a status, a stage or a department the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from tongban.calendar.limits import CHINA
from tongban.requests import lookups
from tongban.requests.domain import (
    ACTION_NAMES,
    CHANNEL_NAMES,
    KIND_NAMES,
    LEVEL_NAMES,
    PRIORITY_NAMES,
    STAGE_NAMES,
    STATUS_NAMES,
)

# Timeline entries that are not actions a person chooses on the request page.
EVENT_NAMES: Mapping[str, tuple[str, str]] = {
    "submit": ("提交诉求", "Submitted"),
    "order": ("督办", "Supervision order"),
    "order_warning": ("督办即将到期", "Supervision order due soon"),
}

E = TypeVar("E", bound=StrEnum)


def _by_value(names: Mapping[E, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {key.value: pair for key, pair in names.items()}


WORDS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "status": _by_value(STATUS_NAMES),
    "stage": _by_value(STAGE_NAMES),
    "kind": _by_value(KIND_NAMES),
    "channel": _by_value(CHANNEL_NAMES),
    "priority": _by_value(PRIORITY_NAMES),
    "level": _by_value(LEVEL_NAMES),
    "event": {**_by_value(ACTION_NAMES), **EVENT_NAMES},
    "source": {
        "rule": ("关键词规则", "keyword rule"),
        "model": ("模型", "model"),
        "default": ("类型默认", "type default"),
    },
    "place_source": {"photo": ("取自照片", "read from the photo"), "map": ("地图选点", "marked on the map")},
    "colour": {"green": ("正常", "On time"), "yellow": ("即将到期", "Due soon"), "red": ("已超期", "Overdue")},
}


def local_time(moment: datetime | None) -> str:
    """Times as a resident or a clerk reads them: China Standard Time, to the minute."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def named(
    session: Session, departments: Iterable[str | None] = (), places: Iterable[str | None] = ()
) -> dict[str, Any]:
    """The template's words plus the names of the departments and places it shows."""
    return {
        "words": WORDS,
        "local": local_time,
        "departments": lookups.department_names(session, departments),
        "places": lookups.place_names(session, places),
    }
