"""Service points (网点) and posters (宣传画报) that point people to them."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongban.db import Base


class Point(Base):
    __tablename__ = "points"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    tier: Mapped[str] = mapped_column(String(32), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    hours: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    transit: Mapped[str | None] = mapped_column(Text)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class PointService(Base):
    __tablename__ = "point_services"

    point_code: Mapped[str] = mapped_column(ForeignKey("points.code", ondelete="CASCADE"), primary_key=True)
    service_code: Mapped[str] = mapped_column(
        ForeignKey("services.code", ondelete="CASCADE"), primary_key=True, index=True
    )


class Poster(Base):
    """A poster at a busy place (a metro station): scanning it lists the nearest points."""

    __tablename__ = "posters"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    guidance: Mapped[str | None] = mapped_column(Text)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class PointTier(Base):
    """A tier of points declared by a pack (镇街网点、优质银行网点、基础银行网点…)."""

    __tablename__ = "point_tiers"

    pack_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
