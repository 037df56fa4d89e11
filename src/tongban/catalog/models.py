"""The service catalogue (事项清单): services and the materials they ask for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UtcDateTime


class Service(Base):
    """A service (事项) with the fields of an implementation list (GB/T 39046)."""

    __tablename__ = "services"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # 实施编码
    basic_code: Mapped[str] = mapped_column(String(64), index=True)  # 基本编码
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(64), index=True)
    item_type: Mapped[str] = mapped_column(String(32))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    handling_type: Mapped[str] = mapped_column(String(16))
    legal_limit: Mapped[int] = mapped_column(Integer)
    legal_limit_unit: Mapped[str] = mapped_column(String(16))
    promised_limit: Mapped[int] = mapped_column(Integer)
    promised_limit_unit: Mapped[str] = mapped_column(String(16))
    acceptance_conditions: Mapped[str] = mapped_column(Text)
    visits: Mapped[int] = mapped_column(Integer)
    visits_reason: Mapped[str | None] = mapped_column(Text)
    online_depth: Mapped[str] = mapped_column(String(32))
    cross_region_scope: Mapped[str] = mapped_column(String(32))
    channels: Mapped[list[str]] = mapped_column(JSON)
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    legal_basis: Mapped[list[str]] = mapped_column(JSON)
    steps: Mapped[list[str]] = mapped_column(JSON)
    form_fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    locations: Mapped[str] = mapped_column(Text)
    hours: Mapped[str] = mapped_column(String(200))
    consult_phone: Mapped[str] = mapped_column(String(40))
    complaint_phone: Mapped[str] = mapped_column(String(40))
    result_name: Mapped[str | None] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(JSON)
    # The declared steps (packs.schema.WorkflowStep as dicts); empty: the default workflow.
    workflow: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"facts": {name: {source, type, label}}, "rules": [{id, expr, message, message_en}]}; None: no rules.
    eligibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # 农宅码: {"guards", "approval_field", "inspectors"} (packs.schema.HouseCode); SQL NULL when not declared.
    house_code: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # Lower-cased name, keywords, category and codes: one column to search on both databases.
    search_text: Mapped[str] = mapped_column(Text)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    materials: Mapped[list[Material]] = relationship(
        back_populates="service", order_by="Material.position", cascade="all, delete-orphan"
    )


class Material(Base):
    """A material (申请材料); ``source`` other than ``applicant`` names the registry that supplies it."""

    __tablename__ = "materials"

    service_code: Mapped[str] = mapped_column(ForeignKey("services.code", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200))
    originals: Mapped[int] = mapped_column(Integer)
    copies: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="materials")


class Bundle(Base):
    """A bundle (一件事): services applied for together; ``members`` keep their declared order."""

    __tablename__ = "bundles"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(64))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    # [{"service": code, "after": [codes]}]
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    channels: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class Alliance(Base):
    """Jurisdictions that receive each other's services (跨域通办联盟)."""

    __tablename__ = "alliances"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    since: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    members: Mapped[list[str]] = mapped_column(JSON)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class AllianceService(Base):
    """A service an alliance's members receive for each other, and in which modes."""

    __tablename__ = "alliance_services"

    alliance_code: Mapped[str] = mapped_column(ForeignKey("alliances.code", ondelete="CASCADE"), primary_key=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"), primary_key=True, index=True)
    modes: Mapped[list[str]] = mapped_column(JSON)
