"""Lottery draws (摇号选址): the draw with its commitment, its plots, the households entered, the result."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UtcDateTime


class Draw(Base):
    """One draw in one village, for the households eligible for one service."""

    __tablename__ = "draws"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(300))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)  # the village
    # The service whose eligibility rules an entrant must pass (农宅通: 330703-NZT-01).
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    # The registry that says each person's household (household_id) and village (village_code).
    registry_code: Mapped[str] = mapped_column(ForeignKey("registries.code"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    commitment: Mapped[str] = mapped_column(String(64))  # SHA-256 of the seed, published at creation
    # Hex. Secret until the draw is held: no view, answer or audit entry carries it before then.
    seed: Mapped[str] = mapped_column(String(64))
    enrol_until: Mapped[date] = mapped_column(Date)  # the last day to enrol, in Beijing
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    drawn_by: Mapped[str | None] = mapped_column(String(64))
    pack_code: Mapped[str | None] = mapped_column(String(64))  # declared by a pack, else created by staff

    plots: Mapped[list[DrawPlot]] = relationship(order_by="DrawPlot.position")
    entries: Mapped[list[DrawEntry]] = relationship(order_by="DrawEntry.household_id")
    allocations: Mapped[list[DrawAllocation]] = relationship(order_by="DrawAllocation.rank")


class DrawPlot(Base):
    __tablename__ = "draw_plots"
    __table_args__ = (UniqueConstraint("draw_code", "position", name="uq_draw_plots_position"),)

    draw_code: Mapped[str] = mapped_column(ForeignKey("draws.code"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the published order, from 1
    area: Mapped[float] = mapped_column(Float)  # m²
    terrain: Mapped[str] = mapped_column(String(16))


class DrawEntry(Base):
    """A household entered in a draw by one of its members; one entry per household."""

    __tablename__ = "draw_entries"
    __table_args__ = (UniqueConstraint("draw_code", "household_id", name="uq_draw_entries_household"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_code: Mapped[str] = mapped_column(ForeignKey("draws.code"), index=True)
    household_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The enrolling member: never published; staff see the ID number masked, the public the name masked.
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DrawAllocation(Base):
    """The result: each household's rank by ticket and the plot it takes (none: on the waiting list)."""

    __tablename__ = "draw_allocations"

    draw_code: Mapped[str] = mapped_column(ForeignKey("draws.code"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[str] = mapped_column(String(64))
    ticket: Mapped[str] = mapped_column(String(64))
    plot_code: Mapped[str | None] = mapped_column(String(64))
