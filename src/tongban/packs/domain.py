"""Pack rules that need no files and no database: errors, where records came from, codes.

A pack error always says where: the file (relative to the folder holding the pack, so
``wuxi-nearby/services/sb-01.yaml``), the line when there is one, and the field as a
dotted path (``materials[2].copies``), in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tongban.auth.domain import division_prefix
from tongban.errors import BadInput

if TYPE_CHECKING:
    from tongban.calendar.domain import CalendarOverride
    from tongban.packs.assistance_schema import AssistanceFile, ResourceRow
    from tongban.packs.draws import DrawsFile
    from tongban.packs.registry_schema import RegistriesFile
    from tongban.packs.request_schema import RequestsFile, RoutingExampleRow
    from tongban.packs.rows import DepartmentRow, JurisdictionRow, PointRow, PosterRow
    from tongban.packs.schema import AlliancesFile, Bundle, PackMeta, Service

Loc = tuple[str | int, ...]
R = TypeVar("R")

# `services: all` in a tier or a point row: every service of the same pack.
ALL = "all"


@dataclass(frozen=True)
class PackError:
    """One thing wrong with a pack, and where."""

    file: str
    line: int | None
    field: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where, self.field] if self.field else [where]
        return ": ".join([*parts, f"{self.message_zh} / {self.message_en}"])


class PackInvalid(BadInput):
    """A pack (or packs loaded together) failed validation; ``errors`` lists every problem."""

    code = "pack_invalid"

    def __init__(self, errors: Sequence[PackError]) -> None:
        self.errors = sorted_errors(errors)
        count = len(self.errors)
        first = self.errors[0] if self.errors else None
        super().__init__(
            f"服务包有 {count} 处错误",
            f"the pack has {count} error(s)",
            field=first.field if first else None,
        )

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


def sorted_errors(errors: Iterable[PackError]) -> list[PackError]:
    """In file order, then line order, as someone fixing them would walk through them."""
    return sorted(errors, key=lambda error: (error.file, error.line or 0, error.field))


def field_path(loc: Iterable[str | int], data: Any = None) -> str:
    """``("materials", 2, "copies")`` → ``materials[2].copies``.

    With the data the path runs through, an integer key of a mapping reads as a key
    (``years.2027``), not as a list index.
    """
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int) and not isinstance(data, Mapping):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
        data = _child(data, part)
    return out


def _child(data: Any, part: str | int) -> Any:
    try:
        return data[part]
    except (KeyError, IndexError, TypeError):
        return None


def nearest_line(lines: Mapping[Loc, int], loc: Loc, default: int | None) -> int | None:
    """The line of ``loc`` or of the nearest field enclosing it, else ``default``."""
    loc = tuple(part for part in loc if part != "[key]")
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return default


@dataclass(frozen=True)
class Located(Generic[R]):
    """A record with the file and line it came from, and the lines of its fields (YAML)."""

    record: R
    file: str
    line: int | None
    field_lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        return nearest_line(self.field_lines, loc, self.line)

    def error(self, loc: Loc, message_zh: str, message_en: str) -> PackError:
        return PackError(self.file, self.line_of(loc), field_path(loc), message_zh, message_en)

    @property
    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


def lies_within(child: str, parent: str) -> bool:
    """320211 lies within 320200; a code does not lie within itself."""
    return child != parent and child.startswith(division_prefix(parent))


def search_text(
    name: str, name_en: str | None, category: str, keywords: Sequence[str], code: str, basic_code: str
) -> str:
    """The one column the catalogue searches on, the same on SQLite and PostgreSQL."""
    parts = [name, name_en or "", category, *keywords, code, basic_code]
    return " ".join(part for part in parts if part).lower()


def expand_services(codes: Iterable[str], pack_services: Iterable[str]) -> set[str]:
    """Service codes a tier or a point lists, with ``all`` standing for every service of its pack."""
    wanted = set(codes)
    if ALL in wanted:
        wanted.discard(ALL)
        wanted |= set(pack_services)
    return wanted


KINDS = ("jurisdictions", "departments", "services", "bundles", "points", "posters")
KIND_ZH = {
    "jurisdictions": "行政区划",
    "departments": "部门",
    "services": "事项",
    "bundles": "一件事",
    "points": "网点",
    "posters": "画报",
    "alliances": "联盟",
}


@dataclass
class ParsedPack:
    """What reading one pack folder gave: the records that are valid, and every error."""

    folder: Path
    meta: Located[PackMeta] | None = None
    jurisdictions: list[Located[JurisdictionRow]] = field(default_factory=list)
    departments: list[Located[DepartmentRow]] = field(default_factory=list)
    services: list[Located[Service]] = field(default_factory=list)
    bundles: list[Located[Bundle]] = field(default_factory=list)
    alliances: Located[AlliancesFile] | None = None
    registries: Located[RegistriesFile] | None = None
    draws: Located[DrawsFile] | None = None
    requests: Located[RequestsFile] | None = None
    routing_examples: list[Located[RoutingExampleRow]] = field(default_factory=list)
    assistance: Located[AssistanceFile] | None = None
    assistance_resources: list[Located[ResourceRow]] = field(default_factory=list)
    points: list[Located[PointRow]] = field(default_factory=list)
    posters: list[Located[PosterRow]] = field(default_factory=list)
    calendar: Located[CalendarOverride] | None = None
    checksum: str = ""
    errors: list[PackError] = field(default_factory=list)
    # Codes of records that failed validation: references to them are not errors twice.
    partial: set[str] = field(default_factory=set)

    @property
    def code(self) -> str:
        return self.meta.record.code if self.meta else self.folder.name

    def file(self, relative: str) -> str:
        return f"{self.folder.name}/{relative}"

    def records(self, kind: str) -> list[Located[Any]]:
        records: list[Located[Any]] = getattr(self, kind)
        return records

    def service_codes(self) -> list[str]:
        return [service.record.code for service in self.services]


@dataclass(frozen=True)
class Known:
    """Codes already in the database, each with the pack that loaded it (None: not from a pack)."""

    jurisdictions: Mapping[str, str | None] = field(default_factory=dict)
    departments: Mapping[str, str | None] = field(default_factory=dict)
    services: Mapping[str, str | None] = field(default_factory=dict)
    bundles: Mapping[str, str | None] = field(default_factory=dict)
    alliances: Mapping[str, str | None] = field(default_factory=dict)
    # Registry code → {field name: type} for registries already in the database.
    registries: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    points: Mapping[str, str | None] = field(default_factory=dict)
    posters: Mapping[str, str | None] = field(default_factory=dict)
    request_types: Mapping[str, str | None] = field(default_factory=dict)
    providers: Mapping[str, str | None] = field(default_factory=dict)
    # Department code → the jurisdiction it serves, for checks of where a department may act.
    department_places: Mapping[str, str] = field(default_factory=dict)
    assistance_programs: Mapping[str, str | None] = field(default_factory=dict)
    assistance_resources: Mapping[str, str | None] = field(default_factory=dict)

    def owners(self, kind: str) -> Mapping[str, str | None]:
        owners: Mapping[str, str | None] = getattr(self, kind)
        return owners


def missing(located: Located[Any], loc: Loc, kind: str, code: str) -> PackError:
    return located.error(loc, f"{KIND_ZH[kind]} {code} 不存在", f"unknown {kind[:-1]} {code}")
