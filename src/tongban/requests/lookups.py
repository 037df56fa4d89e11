"""Names and choices the request pages show beside requests: departments, places, who may be routed to.

Requests keep codes; people read names. These reads are small and by primary key or by area,
so a page of a hundred requests costs a couple of queries, not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.auth.domain import JurisdictionLevel, division_prefix
from tongban.auth.models import Department, Jurisdiction


@dataclass(frozen=True)
class Named:
    code: str
    name: str
    name_en: str | None


def department_names(session: Session, codes: Iterable[str | None]) -> dict[str, Named]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = session.scalars(select(Department).where(Department.code.in_(wanted)))
    return {row.code: Named(row.code, row.name, row.name_en) for row in rows}


def place_names(session: Session, codes: Iterable[str | None]) -> dict[str, Named]:
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(wanted)))
    return {row.code: Named(row.code, row.name, row.name_en) for row in rows}


def departments_serving(session: Session, place: str) -> list[Named]:
    """The departments a dispatcher may route a request at ``place`` to: those whose area holds it.

    The nearest first (a community's committee before the street's offices before the county's
    bureaux), since most requests are settled closest to where they arise.
    """
    serving = [d for d in session.scalars(select(Department)) if place.startswith(division_prefix(d.jurisdiction_code))]
    serving.sort(key=lambda d: (-len(division_prefix(d.jurisdiction_code)), d.code))
    return [Named(d.code, d.name, d.name_en) for d in serving]


def places_within(session: Session, areas: Iterable[str]) -> list[Named]:
    """Towns and villages inside any of ``areas``: where a resident may say the matter is."""
    prefixes = tuple({division_prefix(area) for area in areas})
    if not prefixes:
        return []
    levels = (JurisdictionLevel.town.value, JurisdictionLevel.village.value)
    rows = session.scalars(select(Jurisdiction).where(Jurisdiction.level.in_(levels)).order_by(Jurisdiction.code))
    return [Named(row.code, row.name, row.name_en) for row in rows if row.code.startswith(prefixes)]
