"""The mini 助联体 pack and its people, for the discovery tests: load it, run discovery, add officers.

Twelve households, each made to pass or fail one rule (see ``PASSES`` and ``FAILS``); H10
would pass Z01 but is on the roll of assisted households.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tongban.auth.domain import SYSTEM, Actor, Role
from tongban.packs import service as packs
from tongban.registries import discovery_service
from tongban.registries.discovery_service import Summary

MINI = Path(__file__).parent / "fixtures" / "mini-assistance"
PACK = "mini-assistance"
PROGRAM = "t-zlt"
DEPARTMENT = "t-mzj"
DONGLIN, DAIXI = "330502104", "330502103"
JAN_31 = date(2025, 1, 31)
PASSES = {"Z01": "H01", "Z02": "H03", "Z03": "H05", "Z04": "H08", "Z05": "H11"}
FAILS = {"Z01": ["H02"], "Z02": ["H04"], "Z03": ["H06", "H07"], "Z04": ["H09"], "Z05": ["H12"]}


def copy_of_mini(root: Path) -> Path:
    return Path(shutil.copytree(MINI, root / PACK))


def load(db: sessionmaker[Session], folder: Path = MINI) -> None:
    packs.load(db, SYSTEM, [folder])


def discover(db: sessionmaker[Session], on: date = JAN_31) -> Summary:
    return discovery_service.discover(db, SYSTEM, PACK, on)


def officer(town: str = DONGLIN, name: str = "donglin", department: str = DEPARTMENT) -> Actor:
    """An assistance officer (救助专管员) as the service sees them: a reviewer of the civil-affairs bureau."""
    return Actor(user_id=None, username=name, role=Role.reviewer, jurisdiction_code=town, department_code=department)


def add_officers(db: sessionmaker[Session]) -> None:
    """Log-in users: 东林镇's and 埭溪镇's officers, the county supervisor, a health reviewer in 东林镇."""
    factories.user(db, "donglin", Role.reviewer, jurisdiction_code=DONGLIN, department_code=DEPARTMENT)
    factories.user(db, "daixi", Role.reviewer, jurisdiction_code=DAIXI, department_code=DEPARTMENT)
    factories.user(db, "county", Role.supervisor, jurisdiction_code="330502")
    factories.user(db, "medic", Role.reviewer, jurisdiction_code=DONGLIN, department_code="t-ybj")
