"""Shared data sources (共享数据) declared by packs, and their records, one per person per registry;
silent-certification runs imported into the platform and what they lead to (领取资格、核实任务、暂停告知与申诉)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class CertificationRun(Base):
    """A run of ``tongban certify`` imported into the platform (静默认证批次), with what it counted and caused."""

    __tablename__ = "certification_runs"
    # A run is its file as of its day: importing them again finds this run instead of making a second.
    __table_args__ = (UniqueConstraint("digest", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the run file
    file_name: Mapped[str] = mapped_column(String(255))
    # The department whose reviewers are the run's data officers (社保经办机构); none: administrators only.
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    pensioners: Mapped[int] = mapped_column(Integer)
    certified: Mapped[int] = mapped_column(Integer)
    suspended: Mapped[int] = mapped_column(Integer)
    manual: Mapped[int] = mapped_column(Integer)
    matched_by_id: Mapped[int] = mapped_column(Integer)
    matched_fuzzy: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[int] = mapped_column(Integer)
    # What the import did in the platform: tasks opened, notices issued, payments resumed,
    # and standings a person's earlier check kept from changing.
    follow_ups_opened: Mapped[int] = mapped_column(Integer)
    follow_ups_withdrawn: Mapped[int] = mapped_column(Integer)
    notices_issued: Mapped[int] = mapped_column(Integer)
    resumed: Mapped[int] = mapped_column(Integer)
    kept_by_checks: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CertificationResult(Base):
    """One pensioner's line of a run, as the run file gives it: the run report counts these."""

    __tablename__ = "certification_results"

    run_id: Mapped[int] = mapped_column(ForeignKey("certification_runs.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    last_life_event: Mapped[date | None] = mapped_column(Date)
    death_event: Mapped[date | None] = mapped_column(Date)
    matched_by: Mapped[str | None] = mapped_column(String(8))
    region_code: Mapped[str] = mapped_column(String(12))


class Qualification(Base):
    """A pensioner's standing now (养老金领取资格): the latest run's data with any later check by a person."""

    __tablename__ = "qualifications"

    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Normalised (CONTRACT); blank when the roll has none. A resident finds their own record by it.
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # The community (村、社区) whose workers check the person; any division code, matched by prefix.
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text)
    last_life_event: Mapped[date | None] = mapped_column(Date)
    death_event: Mapped[date | None] = mapped_column(Date)
    matched_by: Mapped[str | None] = mapped_column(String(8))
    checked_on: Mapped[date | None] = mapped_column(Date)
    checked_alive: Mapped[bool | None] = mapped_column(Boolean)
    last_evidence: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    run_id: Mapped[int] = mapped_column(ForeignKey("certification_runs.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FollowUp(Base):
    """A check by a person for a pensioner the data could not settle (核实任务), in their community's workbench."""

    __tablename__ = "certification_follow_ups"
    __table_args__ = (Index("ix_certification_follow_ups_status_community", "status", "community_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("qualifications.person_id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("certification_runs.id"))
    kind: Mapped[str] = mapped_column(String(24))
    community_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    created_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    checked_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SuspensionNotice(Base):
    """暂停发放告知书: payment stops while it is open; the pensioner may object (申诉) and an officer decides."""

    __tablename__ = "suspension_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("qualifications.person_id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("certification_runs.id"))
    issued_on: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    lifted_on: Mapped[date | None] = mapped_column(Date)  # 恢复发放: the day payment resumed
    lifted_because: Mapped[str | None] = mapped_column(Text)
    objection_reason: Mapped[str | None] = mapped_column(Text)
    objection_evidence: Mapped[str | None] = mapped_column(Text)
    objected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AssistanceProgram(Base):
    """Proactive discovery (主动发现, 助联体) as a pack declares it: its household facts, rules and officers."""

    __tablename__ = "assistance_programs"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    # The department whose reviewers are the assistance officers (救助专管员) of each town.
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    deadline_months: Mapped[int] = mapped_column(Integer)
    quiet_months: Mapped[int] = mapped_column(Integer)
    # {"registry", "household", "place"}: the register that groups people into households and places them.
    households: Mapped[dict[str, Any]] = mapped_column(JSON)
    roll: Mapped[str] = mapped_column(String(64))  # 在册困难对象: households any member of which it holds are assisted
    # {name: {"aggregate", "registry", "field", "default", "value", "type", "label", "label_en"}} in declared order
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"id", "name", "name_en", "expr", "need", "message", "message_en"}] in declared order
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class NeedCategory(Base):
    """A category of the needs list (需求清单库): 医疗救助、生活救助、照护服务…"""

    __tablename__ = "assistance_need_categories"

    program_code: Mapped[str] = mapped_column(ForeignKey("assistance_programs.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


class AssistanceResource(Base):
    """A line of the resources list (资源清单库): who offers what, where, for how many households a year."""

    __tablename__ = "assistance_resources"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("assistance_programs.code"), index=True)
    organisation: Mapped[str] = mapped_column(String(200))
    organisation_en: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    need_code: Mapped[str] = mapped_column(String(64))
    offer: Mapped[str] = mapped_column(Text)
    offer_en: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"))
    capacity: Mapped[int] = mapped_column(Integer)  # households a calendar year
    phone: Mapped[str | None] = mapped_column(String(20))
    pack_code: Mapped[str] = mapped_column(String(64), index=True)


class AssistanceTask(Base):
    """A household found by proactive discovery, and its town officer's task to assist it within the deadline."""

    __tablename__ = "assistance_tasks"
    __table_args__ = (
        Index("ix_assistance_tasks_household", "program_code", "household_id", "status"),
        Index("ix_assistance_tasks_town", "status", "town_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_code: Mapped[str] = mapped_column(ForeignKey("assistance_programs.code"))
    household_id: Mapped[str] = mapped_column(String(64))
    village_code: Mapped[str] = mapped_column(String(12))
    town_code: Mapped[str] = mapped_column(String(9))
    discovered_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # [{"id", "name", "name_en", "need", "message", "message_en", "facts": [names]}]: the rules that held
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the household's facts as the rules saw them
    # The members' ID numbers, so that the task page reads their records (each read audited).
    members: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssistanceNeed(Base):
    """A need of a discovered household (需求清单), the resource matched to it and what the officer did."""

    __tablename__ = "assistance_needs"
    __table_args__ = (Index("ix_assistance_needs_resource", "resource_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("assistance_tasks.id"), index=True)
    category_code: Mapped[str] = mapped_column(String(64))
    rules: Mapped[list[str]] = mapped_column(JSON)
    resource_code: Mapped[str | None] = mapped_column(ForeignKey("assistance_resources.code"))
    matched_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    settled_on: Mapped[date | None] = mapped_column(Date)
    settled_by: Mapped[str | None] = mapped_column(String(64))
    # [{"on", "by", "action", "resource", "note"}]: referrals and the settlement, oldest first
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
