"""The periodic work on requests that nobody clicks for: supervision-order warnings and return visits.

`tongban serve` runs it on its schedule and `tongban requests sweep` from cron; both act as
``SYSTEM`` so the timeline and the audit log say that the platform, not a person, did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import SYSTEM
from tongban.requests import return_visits, supervision


@dataclass(frozen=True)
class SweepReport:
    warned_orders: int
    closed_unrated: list[str]


def sweep(factory: sessionmaker[Session], now: datetime | None = None) -> SweepReport:
    """Warns orders due by the next working day, then closes answers left unrated past the rating period."""
    warned = supervision.sweep(factory, SYSTEM, now)
    return SweepReport(warned, return_visits.close_unrated(factory, SYSTEM, now))
