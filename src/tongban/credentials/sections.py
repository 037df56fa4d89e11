"""Page fragments of the credentials context that other contexts' pages embed: a case's house code.

``pages.py`` is a router and is never imported by another context; what another
context's pages may show lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tongban.auth.domain import Actor
from tongban.cases import service as cases
from tongban.credentials import service
from tongban.credentials.domain import MEANINGS, Colour, HouseCodeView, Meaning


@dataclass(frozen=True)
class HouseCodeSection:
    """The house code a case issued (its approval number to type when applying to build) or the one guarding it."""

    case_id: int
    codes: list[HouseCodeView]
    meanings: Mapping[Colour, Meaning] = field(default_factory=lambda: MEANINGS)


def house_code_section(session: Session, actor: Actor, case_id: int) -> HouseCodeSection | None:
    """None when the case has no house code; a case the actor may not read is not found."""
    cases.rating_subject(session, actor, case_id)  # the cases context decides who reads the case
    codes = service.codes_of_case(session, case_id)
    return HouseCodeSection(case_id, codes) if codes else None
