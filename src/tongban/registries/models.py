"""Shared data sources (共享数据) declared by packs, and their records, one per person per registry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UtcDateTime


class Registry(Base):
    """A registry as its pack declares it: the owner, the legal basis, how often it is refreshed, its fields."""

    __tablename__ = "registries"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    legal_basis: Mapped[str] = mapped_column(Text)
    refresh: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(32))
    # [{"name", "type", "label"}] in declared order
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)
    loaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RegistryRecord(Base):
    """What one registry holds about one person, typed by the registry's fields."""

    __tablename__ = "registry_records"

    registry_code: Mapped[str] = mapped_column(ForeignKey("registries.code"), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
