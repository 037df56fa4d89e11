"""Which packs are loaded, at which version and content hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base, UtcDateTime


class LoadedPack(Base):
    __tablename__ = "packs"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(32))
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    home_name: Mapped[str | None] = mapped_column(String(100))
    home_name_en: Mapped[str | None] = mapped_column(String(200))
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    # The pack's calendar.yaml as loaded, so every process builds the same working-day calendar.
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # 好差评: working days a department has to rectify a bad rating of a case of this pack.
    rectification_days: Mapped[int] = mapped_column(Integer, default=15)
    # 应用场景 as declared in pack.yaml, each with its links into the platform.
    scenarios: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # 信访生态指数 from requests.yaml: the indicators' weights and colour thresholds; None when not declared.
    request_index: Mapped[dict[str, Any] | None] = mapped_column(JSON)
