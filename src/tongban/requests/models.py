"""Request types from packs, the requests themselves, their photos, timeline and supervision orders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UtcDateTime


class RequestType(Base):
    """A kind of request a pack offers (随手拍、涉企诉求、信访、矛盾纠纷…): where, by which channels, its limits."""

    __tablename__ = "request_types"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    location: Mapped[str] = mapped_column(String(16))  # required | optional | none
    photos: Mapped[int] = mapped_column(Integer, default=0)  # how many photos may be attached
    # {"stages": {stage: {"limit": {value, unit}, "by_priority": {...}}}, "extension": {value, unit} | None}
    limits: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Departments the dispatcher may route to when the pack's rules and model suggest none.
    default_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    # Disputes: [{"level", "departments": [codes]}] from village up to the county centre.
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoutingRule(Base):
    """A pack's routing rule: requests of these types mentioning these words go to this department."""

    __tablename__ = "request_routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    type_codes: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)


class RoutingExample(Base):
    """A labelled request text the pack ships, for training the department classifier."""

    __tablename__ = "request_routing_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))


class CitizenRequest(Base):
    """One request (诉求): who raised it, about what and where, who has it, and the running limit."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("submitted_by", "idempotency_key", name="uq_requests_idempotency"),
        Index("ix_requests_board", "status", "department_code", "jurisdiction_code"),
        Index("ix_requests_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)  # 受理回执上的查询码
    # Disputes: the unguessable token of the 解纷码, whose public page shows the progress and nothing private.
    dispute_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("request_types.code"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    location_source: Mapped[str | None] = mapped_column(String(8))  # photo | map
    requester_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(100))
    requester_phone: Mapped[str | None] = mapped_column(String(20))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))  # disputes: village | town | county
    suggested_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    suggested_by: Mapped[str | None] = mapped_column(String(16))  # rule | model
    suggestion_score: Mapped[float | None] = mapped_column(Float)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    stage: Mapped[str | None] = mapped_column(String(16))
    stage_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Whether each stage ended in time, kept for the indicators (签收及时率、按期办结率).
    signed_in_time: Mapped[bool | None] = mapped_column()
    closed_in_time: Mapped[bool | None] = mapped_column()
    extended: Mapped[bool] = mapped_column(default=False)
    send_backs: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # 复查 (1) and 复核 (2): the round in progress or last answered, and when its opinion is due.
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    review_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the submission under that key
    version: Mapped[int] = mapped_column(Integer)

    # Every department the request was routed to, the lead (``department_code``) included.
    assignments: Mapped[list[RequestDepartment]] = relationship(cascade="all, delete-orphan")

    # As for cases: every action bumps the version, so two people acting at once never both win.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    @property
    def co_departments(self) -> list[str]:
        return [a.department_code for a in self.assignments if a.department_code != self.department_code]


class RequestDepartment(Base):
    """A department a request was routed to; one row each, so a department's queue is an indexed look-up."""

    __tablename__ = "request_departments"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), primary_key=True, index=True)


class RequestPhoto(Base):
    __tablename__ = "request_photos"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))


class RequestEvent(Base):
    """One step of a request's timeline: who, when, what, why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class SupervisionOrder(Base):
    """督办: a supervisor's order on a request, due on a date, warned one working day before."""

    __tablename__ = "supervision_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Provider(Base):
    """A mediator, agent or lawyer residents can book for a dispute (掌上矛调)."""

    __tablename__ = "request_providers"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    # The organisation whose reviewers see the provider's bookings (the mediation committee, the centre).
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    hours: Mapped[str] = mapped_column(String(100))  # as residents read it
    # What can be booked: {"minutes": 30 | 60, "ranges": [{"days", "start", "end"}]} (requests.slots reads it).
    slots: Mapped[dict[str, Any]] = mapped_column(JSON)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class Appointment(Base):
    """A booking of a provider for a dispute, at a time the resident chose."""

    __tablename__ = "request_appointments"
    # One live booking per provider and slot; a cancelled one gives the slot back but stays on record.
    __table_args__ = (
        Index(
            "uq_appointments_slot",
            "provider_code",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'booked'"),
            postgresql_where=text("status = 'booked'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    provider_code: Mapped[str] = mapped_column(ForeignKey("request_providers.code"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))  # booked | cancelled
    note: Mapped[str | None] = mapped_column(Text)
