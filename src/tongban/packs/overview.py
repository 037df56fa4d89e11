"""What a loaded pack offers, for its pages: the seed system's scenarios, services and shared data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tongban.auth.models import Department
from tongban.catalog.models import Service
from tongban.errors import NotFound
from tongban.packs.models import LoadedPack
from tongban.registries.models import Registry


@dataclass(frozen=True)
class PackSummary:
    code: str
    name: str
    name_en: str | None
    version: str
    services: int
    scenarios: int


@dataclass(frozen=True)
class RegistryLine:
    name: str
    name_en: str | None
    department: str
    legal_basis: str
    refresh: str


@dataclass(frozen=True)
class PackOverview:
    summary: PackSummary
    description: str | None
    scenarios: list[dict[str, Any]]
    services: Sequence[tuple[str, str, str | None]]
    registries: list[RegistryLine]


def packs(session: Session) -> list[PackSummary]:
    counts: dict[str, int] = dict(
        session.execute(select(Service.pack_code, func.count()).group_by(Service.pack_code)).all()
    )
    loaded = session.scalars(select(LoadedPack).order_by(LoadedPack.code))
    return [_summary(pack, counts.get(pack.code, 0)) for pack in loaded]


def overview(session: Session, code: str) -> PackOverview:
    pack = session.get(LoadedPack, code)
    if pack is None:
        raise NotFound(f"没有服务包 {code}", f"no pack {code}")
    services = list(
        session.execute(
            select(Service.code, Service.name, Service.name_en).where(Service.pack_code == code).order_by(Service.code)
        )
    )
    return PackOverview(
        summary=_summary(pack, len(services)),
        description=pack.description,
        scenarios=pack.scenarios or [],
        services=services,
        registries=_registries(session, code),
    )


def _registries(session: Session, pack_code: str) -> list[RegistryLine]:
    rows = session.execute(
        select(Registry, Department.name)
        .join(Department, Department.code == Registry.department_code)
        .where(Registry.pack_code == pack_code)
        .order_by(Registry.code)
    )
    return [
        RegistryLine(registry.name, registry.name_en, department, registry.legal_basis, registry.refresh)
        for registry, department in rows
    ]


def _summary(pack: LoadedPack, services: int) -> PackSummary:
    return PackSummary(pack.code, pack.name, pack.name_en, pack.version, services, len(pack.scenarios or []))
