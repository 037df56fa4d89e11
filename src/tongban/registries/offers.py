"""The resources list's capacity (资源清单库): how many places each resource has used and has left this year.

A need holds a place of its resource while it waits and once it is assisted; a need found
not needed, or referred to another resource, gives its place back. Places count per
calendar year of the day the need was matched.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.registries.discovery import HOLDS_CAPACITY, Offer, year_bounds
from tongban.registries.models import AssistanceNeed, AssistanceResource


def used(session: Session, program_code: str, day: date) -> dict[str, int]:
    """Resource code → places taken in ``day``'s year."""
    first, last = year_bounds(day)
    query = (
        select(AssistanceNeed.resource_code, func.count())
        .join(AssistanceResource, AssistanceResource.code == AssistanceNeed.resource_code)
        .where(
            AssistanceResource.program_code == program_code,
            AssistanceNeed.status.in_([status.value for status in HOLDS_CAPACITY]),
            AssistanceNeed.matched_on.between(first, last),
        )
        .group_by(AssistanceNeed.resource_code)
    )
    return {code: count for code, count in session.execute(query) if code is not None}


def resources_of(session: Session, program_code: str) -> list[AssistanceResource]:
    query = select(AssistanceResource).where(AssistanceResource.program_code == program_code)
    return list(session.scalars(query.order_by(AssistanceResource.need_code, AssistanceResource.code)))


def offers_of(session: Session, program_code: str, day: date) -> list[Offer]:
    """Every resource of the program with the places it has left in ``day``'s year (never below 0)."""
    taken = used(session, program_code, day)
    return [
        Offer(row.code, row.need_code, row.area_code, max(row.capacity - taken.get(row.code, 0), 0))
        for row in resources_of(session, program_code)
    ]
