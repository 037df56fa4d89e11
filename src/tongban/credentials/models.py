"""农宅码 (house codes), the inspections that colour them and the photos taken on site."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongban.db import Base, UtcDateTime

COLOURS = "colour IN ('green', 'yellow', 'red')"


class HouseCode(Base):
    """One approved house: issued when its approval case is approved, guarding the case that builds it."""

    __tablename__ = "house_codes"
    __table_args__ = (CheckConstraint(COLOURS, name="colour"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The public page's address: random and unguessable, unlike the number printed on the approval.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 农村宅基地批准书编号
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    # The case's number as issued, so that lists need not ask the cases context for every row.
    case_number: Mapped[str] = mapped_column(String(32))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    guards_service: Mapped[str] = mapped_column(ForeignKey("services.code"), index=True)
    inspectors: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    construction_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    construction_case_number: Mapped[str | None] = mapped_column(String(32))
    applicant_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(100))
    # Where the house is: the village (or town) where the approval case was received.
    place_code: Mapped[str] = mapped_column(ForeignKey("jurisdictions.code"), index=True)
    colour: Mapped[str] = mapped_column(String(8), index=True)
    colour_reason: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    inspections: Mapped[list[HouseInspection]] = relationship(
        order_by="HouseInspection.id", back_populates="house_code"
    )


class HouseInspection(Base):
    """One site inspection (施工巡查): the colour found, why, and what was put right since a red code."""

    __tablename__ = "house_inspections"
    __table_args__ = (
        CheckConstraint(COLOURS, name="colour"),
        CheckConstraint(COLOURS.replace("colour", "colour_before"), name="colour_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    house_code_id: Mapped[int] = mapped_column(ForeignKey("house_codes.id"), index=True)
    inspected_on: Mapped[date] = mapped_column(Date)
    colour_before: Mapped[str] = mapped_column(String(8))
    colour: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(Text)
    rectification: Mapped[str | None] = mapped_column(Text)
    inspector_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    inspector: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    house_code: Mapped[HouseCode] = relationship(back_populates="inspections")
    photos: Mapped[list[InspectionPhoto]] = relationship(order_by="InspectionPhoto.position")


class InspectionPhoto(Base):
    """A photo taken at an inspection, stored by content (``files``) without its EXIF."""

    __tablename__ = "inspection_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("house_inspections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
