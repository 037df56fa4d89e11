"""Requests placed in known periods for the indicator tests, written straight into the table.

In November 2026 (China Standard Time) the street's construction office (rp-cjb) received four
requests: one answered in time, closed and rated 非常满意; one signed and answered late and rated
不满意 and 基本满意; one signed in time and being handled; one withdrawn. Its sanitation office
(rp-hw) refused one in writing after signing in time. One request from Wuhe village was never
routed. Three more fall just outside November, or inside it only in China's time.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import Actor
from tongban.db import transaction
from tongban.ratings.models import Rating
from tongban.requests.domain import Status
from tongban.requests.index import Window
from tongban.requests.models import CitizenRequest

NOVEMBER = Window(date(2026, 11, 1), date(2026, 11, 30))
JINSE, YINXING, WUHE = "330523100001", "330523100002", "330523200003"
_numbers = itertools.count(1)


def china(*parts: int) -> datetime:
    """A moment given in China Standard Time, as the UTC instant it is stored as."""
    return datetime(*parts, tzinfo=UTC) - timedelta(hours=8)  # type: ignore[misc]


ROUTED = {"routed_at": china(2026, 11, 20)}
# name → (place, received in China, status, the other columns)
REQUESTS: dict[str, tuple[str, datetime, Status, dict[str, Any]]] = {
    "closed": (
        JINSE,
        china(2026, 11, 2, 10),
        Status.closed,
        {"department_code": "rp-cjb", "signed_in_time": True, "closed_in_time": True, **ROUTED}
        | {"replied_at": china(2026, 11, 5), "closed_at": china(2026, 11, 6)},
    ),
    "late": (
        JINSE,
        china(2026, 11, 3, 9),
        Status.replied,
        {"department_code": "rp-cjb", "signed_in_time": False, "closed_in_time": False, **ROUTED}
        | {"replied_at": china(2026, 11, 25)},
    ),
    # 23:30 on Monday 9 November in China: still the ninth, and in week 46.
    "handling": (
        JINSE,
        china(2026, 11, 9, 23, 30),
        Status.in_progress,
        {"department_code": "rp-cjb", "signed_in_time": True, **ROUTED},
    ),
    "withdrawn": (
        JINSE,
        china(2026, 11, 10),
        Status.withdrawn,
        {"department_code": "rp-cjb", "closed_at": china(2026, 11, 11), **ROUTED},
    ),
    # 07:30 on Monday 16 November in China is still Sunday the fifteenth in UTC.
    "refused": (
        YINXING,
        china(2026, 11, 16, 7, 30),
        Status.refused,
        {"department_code": "rp-hw", "signed_in_time": True, "closed_at": china(2026, 11, 20), **ROUTED},
    ),
    # Half past midnight on 1 November in China is 31 October in UTC.
    "unrouted": (WUHE, china(2026, 11, 1, 0, 30), Status.submitted, {}),
    "december": (YINXING, china(2026, 12, 1, 7), Status.submitted, {}),
    "september": (YINXING, china(2026, 9, 30, 23, 59), Status.submitted, {}),
    "october": (YINXING, china(2026, 10, 1, 0, 0), Status.submitted, {}),
}


def placed(session: Session, place: str, received: datetime, status: Status, **values: Any) -> int:
    number = next(_numbers)
    request = CitizenRequest(
        tracking_code=f"T{number:08d}",
        type_code="rp-report",
        kind="report",
        channel="web",
        title=f"诉求 {number}",
        text="路面开挖",
        jurisdiction_code=place,
        requester_name="居民",
        status=status.value,
        priority="general",
        submitted_at=received,
        version=1,
        **values,
    )
    session.add(request)
    session.flush()
    return request.id


def rated(session: Session, subject_id: int, rater: int | None, level: int, kind: str = "request") -> None:
    at = china(2026, 12, 1, 9)
    session.add(
        Rating(
            subject_kind=kind,
            subject_id=subject_id,
            subject_ref=str(subject_id),
            rater_user_id=rater,
            level=level,
            channel="web",
            at=at,
        )
    )


def november(db: sessionmaker[Session], people: dict[str, Actor]) -> dict[str, int]:
    """The requests of the module docstring and their ratings; returns the requests' ids by name."""
    resident, neighbour = people["resident"].user_id, people["neighbour"].user_id
    with transaction(db) as session:
        ids = {name: placed(session, place, at, status, **more) for name, (place, at, status, more) in REQUESTS.items()}
        rated(session, ids["closed"], resident, 5)
        rated(session, ids["late"], resident, 2)
        rated(session, ids["late"], neighbour, 3)
        rated(session, ids["closed"], neighbour, 1, kind="case")  # a case with the same id is not this request
    return ids
