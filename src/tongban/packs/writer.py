"""Writing validated packs: every record upserted by its code through the audit log, with a report.

``packs.service.load`` validates first and calls ``write`` inside its transaction; nothing here
checks a pack, so nothing here may be called on one that was not checked.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.auth.models import Department, Jurisdiction
from tongban.catalog.models import Alliance, AllianceService, Bundle, Material
from tongban.catalog.models import Service as ServiceRow
from tongban.db import utcnow
from tongban.listings import service as listings
from tongban.packs import assistance_pack, draws, request_pack
from tongban.packs.assistance_schema import AssistanceFile, ResourceRow
from tongban.packs.domain import (
    ParsedPack,
    expand_services,
    search_text,
)
from tongban.packs.draws import Draw as DrawRecord
from tongban.packs.models import LoadedPack
from tongban.packs.reader import read_sample
from tongban.packs.registry_schema import Registry as RegistryRecordSpec
from tongban.packs.request_schema import ProviderSpec, RequestTypeSpec, RoutingExampleRow, RoutingRuleSpec
from tongban.packs.rows import DepartmentRow, JurisdictionRow, PointRow, PosterRow
from tongban.packs.schema import Alliance as AllianceRecord
from tongban.packs.schema import Bundle as BundleRecord
from tongban.packs.schema import Service, Tier
from tongban.points.models import Point, PointService, PointTier, Poster
from tongban.registries import service as registries
from tongban.registries.models import AssistanceNeed, AssistanceProgram, AssistanceResource, NeedCategory, Registry
from tongban.registries.models import RegistryRecord as RegistryRow
from tongban.requests.models import Appointment, CitizenRequest, Provider, RequestType, RoutingExample, RoutingRule
from tongban.rules.domain import parse_value

Progress = Callable[[str, int, int], None]
OUTCOMES = ("created", "updated", "unchanged", "deleted")
ENTITIES = (
    "jurisdictions",
    "departments",
    "services",
    "materials",
    "bundles",
    "alliances",
    "alliance_services",
    "registries",
    "registry_records",
    "draws",
    "request_types",
    "request_providers",
    "request_routing_rules",
    "request_routing_examples",
    "assistance_programs",
    "assistance_need_categories",
    "assistance_resources",
    "point_tiers",
    "points",
    "point_services",
    "posters",
    "packs",
)


@dataclass
class LoadReport:
    """How many rows of each table a load created, updated, left unchanged and deleted."""

    packs: list[str] = field(default_factory=list)
    counts: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts[entity][outcome] += n

    def count(self, entity: str, outcome: str) -> int:
        return self.counts[entity][outcome]

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    @property
    def changed(self) -> bool:
        return any(self.total(outcome) for outcome in ("created", "updated", "deleted"))

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        """(entity, created, updated, unchanged, deleted) for each table, in loading order."""
        return [
            (entity, *(self.count(entity, outcome) for outcome in OUTCOMES))  # type: ignore[misc]
            for entity in ENTITIES
        ]

    def summary(self) -> str:
        """A small table for the command line: one row per table the load touched."""
        heads = ("新增 created", "更新 updated", "未变 unchanged", "删除 deleted")
        lines = [f"已载入 / loaded: {', '.join(self.packs)}", " " * 26 + "".join(_right(h, 16) for h in heads)]
        for entity, *numbers in self.rows():
            if any(numbers):
                lines.append(f"{entity:26}" + "".join(_right(str(n), 16) for n in numbers))
        return "\n".join(lines)


def _right(text: str, width: int) -> str:
    # A Chinese character takes two columns in a terminal.
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return " " * max(width - columns, 1) + text


def write(session: Session, actor: Actor, packs: Sequence[ParsedPack], progress: Progress) -> LoadReport:
    report = LoadReport(packs=[pack.code for pack in packs])
    writer = _Writer(session, actor, report, utcnow())
    stages: list[tuple[str, list[tuple[ParsedPack, Any]], Callable[[ParsedPack, Any], None]]] = [
        ("jurisdictions", _parents_first(packs), writer.jurisdiction),
        ("departments", _records(packs, "departments"), writer.department),
        ("services", _records(packs, "services"), writer.service),
        ("bundles", _records(packs, "bundles"), writer.bundle),
        ("alliances", _alliances(packs), writer.alliance),
        ("registries", _registries(packs), writer.registry),
        ("draws", draws.items(packs), writer.draw),
        ("request_types", request_pack.types(packs), writer.request_type),
        ("request_providers", request_pack.providers(packs), writer.provider),
        ("request_routing_rules", request_pack.rules(packs), writer.routing_rule),
        ("request_routing_examples", request_pack.examples(packs), writer.routing_example),
        ("assistance_programs", assistance_pack.programs(packs), writer.assistance_program),
        ("assistance_resources", assistance_pack.resources(packs), writer.assistance_resource),
        ("point_tiers", _tiers(packs), writer.tier),
        ("points", _records(packs, "points"), writer.point),
        ("posters", _records(packs, "posters"), writer.poster),
        ("packs", [(pack, pack) for pack in packs], writer.pack),
    ]
    for stage, items, write in stages:
        progress(stage, 0, len(items))
        for done, (pack, record) in enumerate(items, 1):
            write(pack, record)
            progress(stage, done, len(items))
    return report


def _records(packs: Sequence[ParsedPack], kind: str) -> list[tuple[ParsedPack, Any]]:
    return [(pack, located.record) for pack in packs for located in pack.records(kind)]


def _registries(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, Any]]:
    return [(pack, item) for pack in packs if pack.registries for item in pack.registries.record.registries]


def _alliances(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, Any]]:
    return [(pack, item) for pack in packs if pack.alliances for item in pack.alliances.record.alliances]


def _tiers(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, Any]]:
    return [(pack, item) for pack in packs if pack.meta for item in pack.meta.record.point_tiers.items()]


def _parents_first(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, Any]]:
    """Jurisdictions ordered so that a parent is written before its children."""
    by_code = {row.code: (pack, row) for pack, row in _records(packs, "jurisdictions")}
    ordered: list[tuple[ParsedPack, Any]] = []

    def place(code: str, depth: int) -> None:
        # Validation rules out cycles (a child lies strictly within its parent); the depth
        # bound only keeps a bug from recursing forever.
        if code not in by_code or depth > len(by_code):
            return
        pack, row = by_code.pop(code)
        if row.parent is not None:
            place(row.parent, depth + 1)
        ordered.append((pack, row))

    for code in list(by_code):
        place(code, 0)
    return ordered


class _Writer:
    """Writes one record at a time through the audit log, counting outcomes in the report."""

    def __init__(self, session: Session, actor: Actor, report: LoadReport, now: datetime) -> None:
        self.session, self.actor, self.report, self.now = session, actor, report, now

    def jurisdiction(self, pack: ParsedPack, row: JurisdictionRow) -> None:
        values = {"code": row.code, "name": row.name, "name_en": row.name_en, "level": row.level.value}
        self._upsert(Jurisdiction, {**values, "parent_code": row.parent, "pack_code": pack.code})

    def department(self, pack: ParsedPack, row: DepartmentRow) -> None:
        values = {"code": row.code, "name": row.name, "name_en": row.name_en, "phone": row.phone}
        self._upsert(Department, {**values, "jurisdiction_code": row.jurisdiction, "pack_code": pack.code})

    def service(self, pack: ParsedPack, service: Service) -> None:
        self._upsert(ServiceRow, _service_values(pack.code, service), {"updated_at": self.now})
        for position, material in enumerate(service.materials, 1):
            values = {"service_code": service.code, "position": position, **material.model_dump(mode="json")}
            self._upsert(Material, values)
        kept = [material.code for material in service.materials]
        stale = select(Material).where(Material.service_code == service.code, Material.code.not_in(kept))
        for row in self.session.scalars(stale).all():
            self._delete(row)

    def bundle(self, pack: ParsedPack, bundle: BundleRecord) -> None:
        values = bundle.model_dump(mode="json", exclude={"jurisdiction"})
        self._upsert(Bundle, {**values, "jurisdiction_code": bundle.jurisdiction, "pack_code": pack.code})

    def alliance(self, pack: ParsedPack, alliance: AllianceRecord) -> None:
        values = alliance.model_dump(exclude={"services"})
        self._upsert(Alliance, {**values, "pack_code": pack.code})
        wanted = {item.service: [mode.value for mode in item.modes] for item in alliance.services}
        for code, modes in wanted.items():
            self._upsert(AllianceService, {"alliance_code": alliance.code, "service_code": code, "modes": modes})
        linked = select(AllianceService).where(AllianceService.alliance_code == alliance.code)
        for row in self.session.scalars(linked).all():
            if row.service_code not in wanted:
                self._delete(row)

    def registry(self, pack: ParsedPack, registry: RegistryRecordSpec) -> None:
        values = registry.model_dump(mode="json", exclude={"department", "sample"})
        self._upsert(Registry, {**values, "department_code": registry.department, "pack_code": pack.code})
        if registry.sample is None:
            return
        # Demonstration data: a real registry's records come from `tongban registries load`.
        fields = {field.name: field.type for field in registry.fields}
        for row in read_sample(pack.folder / registry.sample):
            data = {name: parse_value(row.get(name), kind) for name, kind in fields.items()}
            self._upsert(RegistryRow, {"registry_code": registry.code, "id_number": row["id_number"], "data": data})

    def draw(self, pack: ParsedPack, draw: DrawRecord) -> None:
        # Created on the first load with a fresh seed; later loads leave it as it is.
        self.report.add("draws", listings.declare(self.session, self.actor, pack.code, draws.new_draw(draw, self.now)))

    def request_type(self, pack: ParsedPack, spec: RequestTypeSpec) -> None:
        self._upsert(RequestType, request_pack.type_values(pack.code, spec), {"updated_at": self.now})

    def provider(self, pack: ParsedPack, spec: ProviderSpec) -> None:
        self._upsert(Provider, request_pack.provider_values(pack.code, spec))

    def routing_rule(self, pack: ParsedPack, item: tuple[int, RoutingRuleSpec]) -> None:
        position, rule = item
        self._upsert_found(RoutingRule, {"pack_code": pack.code, "position": position}, request_pack.rule_values(rule))

    def routing_example(self, pack: ParsedPack, example: RoutingExampleRow) -> None:
        key = {"pack_code": pack.code, "text": example.text}
        self._upsert_found(RoutingExample, key, {"department_code": example.department})

    def assistance_program(self, pack: ParsedPack, program: AssistanceFile) -> None:
        """The program and its needs list; a category a discovered need still names is kept."""
        fields = registries.field_types(self.session)
        self._upsert(AssistanceProgram, assistance_pack.program_values(pack.code, program, fields))
        for position, need in enumerate(program.needs, 1):
            values = {"program_code": program.code, "position": position, **need.model_dump()}
            self._upsert(NeedCategory, values)
        named = select(AssistanceNeed.category_code)
        stale = select(NeedCategory).where(
            NeedCategory.program_code == program.code,
            NeedCategory.code.not_in([need.code for need in program.needs]),
            NeedCategory.code.not_in(named),
        )
        for row in self.session.scalars(stale).all():
            self._delete(row)

    def assistance_resource(self, pack: ParsedPack, row: ResourceRow) -> None:
        assert pack.assistance is not None  # validation refuses resources without a program
        self._upsert(AssistanceResource, assistance_pack.resource_values(pack.code, pack.assistance.record.code, row))

    def tier(self, pack: ParsedPack, item: tuple[str, Tier]) -> None:
        code, tier = item
        values = {"name": tier.name, "name_en": tier.name_en, "description": tier.description}
        self._upsert(PointTier, {"pack_code": pack.code, "code": code, **values})

    def point(self, pack: ParsedPack, row: PointRow) -> None:
        values = row.model_dump(exclude={"jurisdiction", "services"})
        self._upsert(Point, {**values, "jurisdiction_code": row.jurisdiction, "pack_code": pack.code})
        assert pack.meta is not None  # validation found the tier in pack.yaml
        tier = pack.meta.record.point_tiers[row.tier]
        wanted = expand_services([*tier.services, *row.services], pack.service_codes())
        links = self.session.scalars(select(PointService).where(PointService.point_code == row.code)).all()
        have = {link.service_code for link in links}
        self.report.add("point_services", "unchanged", len(wanted & have))
        for code in sorted(wanted - have):
            self._upsert(PointService, {"point_code": row.code, "service_code": code})
        for link in links:
            if link.service_code not in wanted:
                self._delete(link)

    def poster(self, pack: ParsedPack, row: PosterRow) -> None:
        self._upsert(Poster, {**row.model_dump(), "pack_code": pack.code})

    def pack(self, pack: ParsedPack, _: ParsedPack) -> None:
        """Drops the points, posters and tiers the pack no longer has, then records the pack."""
        assert pack.meta is not None  # a pack without a valid pack.yaml never gets here
        meta = pack.meta.record
        self._prune(Point, pack.code, [point.record.code for point in pack.points])
        self._prune(Poster, pack.code, [poster.record.code for poster in pack.posters])
        self._prune(PointTier, pack.code, list(meta.point_tiers))
        alliances = pack.alliances.record.alliances if pack.alliances else []
        self._prune(Alliance, pack.code, [alliance.code for alliance in alliances])
        self._prune_requests(pack)
        resources = [row.record.code for row in pack.assistance_resources]
        named = select(AssistanceNeed.resource_code).where(AssistanceNeed.resource_code.is_not(None))
        self._prune(AssistanceResource, pack.code, resources, still_named=named)
        home = meta.home
        values = {
            "code": meta.code,
            "name": meta.name,
            "name_en": meta.name_en,
            "description": meta.description,
            "version": meta.version,
            "checksum": pack.checksum,
            "home_name": home.name if home else None,
            "home_name_en": home.name_en if home else None,
            "home_lat": home.lat if home else None,
            "home_lon": home.lon if home else None,
            "calendar": pack.calendar.record.as_mapping() if pack.calendar else None,
            "rectification_days": meta.ratings.rectification_days,
            "scenarios": [scenario.model_dump() for scenario in meta.scenarios],
            "request_index": index.stored() if pack.requests and (index := pack.requests.record.index) else None,
        }
        self._upsert(LoadedPack, values, {"loaded_at": self.now})

    def _upsert(self, model: Any, values: dict[str, Any], stamps: dict[str, Any] | None = None) -> None:
        self.report.add(model.__tablename__, audit.upsert(self.session, self.actor, model, values, stamps))

    def _prune_requests(self, pack: ParsedPack) -> None:
        """Drops the request types, providers, routing rules and examples the pack no longer has.

        A type that requests were raised under, or a provider someone booked, stays: those rows name it.
        """
        declared = pack.requests.record if pack.requests else None
        types = [spec.code for spec in declared.request_types] if declared else []
        providers = [spec.code for spec in declared.providers] if declared else []
        self._prune(RequestType, pack.code, types, still_named=select(CitizenRequest.type_code))
        self._prune(Provider, pack.code, providers, still_named=select(Appointment.provider_code))
        rules = len(declared.routing.rules) if declared else 0
        texts = [located.record.text for located in pack.routing_examples]
        stale = [
            *self.session.scalars(
                select(RoutingRule).where(RoutingRule.pack_code == pack.code, RoutingRule.position > rules)
            ),
            *self.session.scalars(
                select(RoutingExample).where(RoutingExample.pack_code == pack.code, RoutingExample.text.not_in(texts))
            ),
        ]
        for row in stale:
            self._delete(row)

    def _upsert_found(self, model: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
        """Routing rules and examples have no code: they are found by their pack and position, or text."""
        row = self.session.scalars(select(model).filter_by(**key)).first()
        if row is not None:
            self._upsert(model, {"id": row.id, **key, **values})
            return
        row = model(**key, **values)
        self.session.add(row)
        self.session.flush()  # the new row's id keys its audit entry, as for every other row
        audit.record(self.session, self.actor, "create", model.__tablename__, str(row.id), after={**key, **values})
        self.report.add(model.__tablename__, "created")

    def _prune(self, model: Any, pack_code: str, keep: list[str], still_named: Select[Any] | None = None) -> None:
        # Only what nothing else refers to is pruned: a service, department or jurisdiction
        # a pack drops may still be named by cases and users, so it stays.
        stale = select(model).where(model.pack_code == pack_code, model.code.not_in(keep))
        if still_named is not None:
            stale = stale.where(model.code.not_in(still_named))
        for row in self.session.scalars(stale).all():
            for link in self._links_of(row):
                self._delete(link)
            self._delete(row)

    def _links_of(self, row: Any) -> Sequence[Any]:
        if isinstance(row, Point):
            return self.session.scalars(select(PointService).where(PointService.point_code == row.code)).all()
        if isinstance(row, Alliance):
            return self.session.scalars(select(AllianceService).where(AllianceService.alliance_code == row.code)).all()
        return []

    def _delete(self, row: Any) -> None:
        audit.delete(self.session, self.actor, row)
        self.report.add(row.__tablename__, "deleted")


def _service_values(pack_code: str, service: Service) -> dict[str, Any]:
    """The columns of a service row, without ``updated_at``."""
    data = service.model_dump(mode="json", exclude={"materials", "legal_limit", "promised_limit"})
    return {
        **{name: value for name, value in data.items() if name not in ("jurisdiction", "department")},
        "jurisdiction_code": service.jurisdiction,
        "department_code": service.department,
        "legal_limit": service.legal_limit.value,
        "legal_limit_unit": service.legal_limit.unit.value,
        "promised_limit": service.promised_limit.value,
        "promised_limit_unit": service.promised_limit.unit.value,
        "search_text": search_text(
            service.name, service.name_en, service.category, service.keywords, service.code, service.basic_code
        ),
        "pack_code": pack_code,
    }
