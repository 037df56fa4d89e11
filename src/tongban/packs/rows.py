"""The CSV rows and the calendar file of a pack (docs/PACKS.md) as Pydantic models."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from tongban.auth.domain import JurisdictionLevel
from tongban.packs.schema import (
    Code,
    DivisionCode,
    Latitude,
    Longitude,
    Text,
    Text40,
    Text100,
    Text200,
    Text300,
    TierCode,
    Violation,
    _duplicates,
    _raise_violations,
    _rule,
    _split_services,
)

# Digits of a division code (行政区划代码) by level: 6 for province, city and county, 9 for
# town or street, 12 for village or community.
LEVELS = {
    JurisdictionLevel.province: (6, "省级"),
    JurisdictionLevel.city: (6, "市级"),
    JurisdictionLevel.county: (6, "县级"),
    JurisdictionLevel.town: (9, "乡镇级"),
    JurisdictionLevel.village: (12, "村级"),
}


class _Plain(BaseModel):
    # Declared here rather than imported so that linters see a Pydantic model's fields.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Row(_Plain):
    """A CSV row: a blank cell is an absent field."""

    @model_validator(mode="before")
    @classmethod
    def _drop_blank_cells(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data


class JurisdictionRow(_Row):
    """A row of ``jurisdictions.csv``."""

    code: DivisionCode
    name: Text100
    name_en: Text200 | None = None
    level: JurisdictionLevel
    parent: DivisionCode | None = None

    @model_validator(mode="after")
    def _rules(self) -> JurisdictionRow:
        found: list[Violation] = []
        digits, level_zh = LEVELS[self.level]
        if len(self.code) != digits:
            found.append(_rule(("code",), "level_digits", zh=level_zh, en=self.level.value, n=digits))
        if self.parent == self.code:
            found.append(_rule(("parent",), "own_parent"))
        _raise_violations(found)
        return self


class DepartmentRow(_Row):
    """A row of ``departments.csv``."""

    code: Code
    name: Text100
    name_en: Text200 | None = None
    jurisdiction: DivisionCode
    phone: Text40 | None = None


class PointRow(_Row):
    """A row of ``points.csv``: a service point (网点)."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    tier: TierCode
    jurisdiction: DivisionCode
    address: Text300
    lat: Latitude
    lon: Longitude
    hours: Text200
    phone: Text40
    transit: Text | None = None
    services: list[Code] = []

    _services = field_validator("services", mode="before")(_split_services)

    @model_validator(mode="after")
    def _rules(self) -> PointRow:
        _raise_violations(_duplicates(self.services, "service", "services"))
        return self


class PosterRow(_Row):
    """A row of ``posters.csv``: a poster (宣传画报) at a busy place."""

    code: Code
    name: Text200
    name_en: Text300 | None = None
    place: Text200
    lat: Latitude
    lon: Longitude
    guidance: Text | None = None


class CalendarYear(_Plain):
    holidays: list[date] = []
    workdays: list[date] = []


class CalendarFile(_Plain):
    """``calendar.yaml``'s shape; ``tongban.calendar.domain`` checks what the dates mean."""

    years: dict[int, CalendarYear | None]


JURISDICTION_COLUMNS = ("code", "name", "name_en", "level", "parent")
DEPARTMENT_COLUMNS = ("code", "name", "name_en", "jurisdiction", "phone")
POINT_COLUMNS = (
    "code",
    "name",
    "name_en",
    "tier",
    "jurisdiction",
    "address",
    "lat",
    "lon",
    "hours",
    "phone",
    "transit",
    "services",
)
POSTER_COLUMNS = ("code", "name", "name_en", "place", "lat", "lon", "guidance")
