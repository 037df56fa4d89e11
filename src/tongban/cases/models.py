"""Cases (办件), their steps (the tasks staff work), pauses of the clock, materials and history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UtcDateTime


class Case(Base):
    """An application for a service, for a bundle (一件事), or a bundle member's child case."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("submitted_by", "idempotency_key", name="uq_cases_idempotency"),
        Index("ix_cases_applicant_id_number", "applicant_id_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 办件编号, printed on receipts
    kind: Mapped[str] = mapped_column(String(16))  # service | bundle | member
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"), index=True)
    bundle_code: Mapped[str | None] = mapped_column(ForeignKey("bundles.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_number: Mapped[str | None] = mapped_column(String(18))
    applicant_phone: Mapped[str | None] = mapped_column(String(20))
    # Who filed it: the applicant, or window staff, a social worker or an agency acting for them (代办).
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str | None] = mapped_column(String(16))  # 全程网办 | 代收代办 | 多地联办
    received_jurisdiction: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    handling_jurisdiction: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    handling_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    deliver_jurisdiction: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    delivery_method: Mapped[str] = mapped_column(String(16))  # window | post | online
    status: Mapped[str] = mapped_column(String(24), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Where the case went before the clock stopped, to return there on resume.
    resume_status: Mapped[str | None] = mapped_column(String(24))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    promised_days: Mapped[int | None] = mapped_column(Integer)
    calendar_days: Mapped[bool] = mapped_column(Boolean, default=False)
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)

    # Every action bumps the version itself (not only when a column of this row changes), so
    # that two people acting on one case at once never both win; SQLAlchemy adds the old
    # version to the UPDATE's WHERE and raises StaleDataError when another writer got there first.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    steps: Mapped[list[CaseStep]] = relationship(order_by="CaseStep.id", back_populates="case")
    pauses: Mapped[list[CasePause]] = relationship(order_by="CasePause.id")
    materials: Mapped[list[CaseMaterial]] = relationship(order_by="CaseMaterial.position")
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id")


class CaseStep(Base):
    """A step of a case's workflow: a task in the inbox of the role, department and jurisdiction that work it."""

    __tablename__ = "case_steps"
    __table_args__ = (Index("ix_case_steps_inbox", "status", "role", "jurisdiction_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # receive | accept | review | deliver
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    opened_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    # The last overdue level the sweep warned about (yellow, red), so a warning is raised once.
    warned: Mapped[str | None] = mapped_column(String(8))

    case: Mapped[Case] = relationship(back_populates="steps")


class CasePause(Base):
    """A stopped clock: 补正 (missing materials) or a special procedure (听证, 专家评审)."""

    __tablename__ = "case_pauses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)


class CaseMaterial(Base):
    """A material of a case: uploaded once, read from a registry, or missing with the reason."""

    __tablename__ = "case_materials"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # needed | provided | shared | missing | defective
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    file_name: Mapped[str | None] = mapped_column(String(200))
    media_type: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base):
    """One transition of a case: who, when, why — the timeline the applicant and staff read."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    step_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
