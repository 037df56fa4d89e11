"""``requests.yaml`` beyond its schema: the examples file's rules, references across packs, the rows a load writes.

A request type, a provider, a routing rule and an example belong to the pack that declares
them. Rules are kept in the order the pack gives (the first that matches wins) and examples
are known by their text, so reloading an unchanged pack finds every row as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tongban.packs.domain import Known, Located, PackError, ParsedPack, lies_within, missing
from tongban.packs.request_schema import (
    ProviderSpec,
    RequestsFile,
    RequestTypeSpec,
    RoutingExampleRow,
    RoutingRuleSpec,
)

# A department named by fewer examples cannot be both learnt from and held out to test the model.
MIN_EXAMPLES_PER_DEPARTMENT = 2

# Kind → (Chinese, English) names in messages about codes.
NAMES = {"request_types": ("诉求类型", "request type"), "providers": ("服务人员", "provider")}


def example_errors(rows: Sequence[Located[RoutingExampleRow]]) -> list[PackError]:
    """A text given twice would weigh twice or teach two answers; a lone example cannot be tested."""
    counts = Counter(located.record.department for located in rows)
    first: dict[str, Located[RoutingExampleRow]] = {}
    errors: list[PackError] = []
    for located in rows:
        text, department = located.record.text, located.record.department
        if text in first:
            line = first[text].line
            errors.append(
                located.error(("text",), f"示例重复（另见第 {line} 行）", f"duplicate example (also line {line})")
            )
        first.setdefault(text, located)
        if counts[department] < MIN_EXAMPLES_PER_DEPARTMENT:
            zh = f"部门 {department} 只有 1 条示例，至少需要 {MIN_EXAMPLES_PER_DEPARTMENT} 条"
            en = f"department {department} has 1 example; it needs at least {MIN_EXAMPLES_PER_DEPARTMENT}"
            errors.append(located.error(("department",), zh, en))
    return errors


def check(packs: Sequence[ParsedPack], known: Known, codes: Mapping[str, set[str]]) -> list[PackError]:
    """Codes not taken twice nor from another pack; every department, place and type named exists."""
    loading = {pack.code for pack in packs}
    places = _department_places(packs, known, codes["jurisdictions"])
    errors = _taken(packs, "request_types", known.request_types, loading)
    errors += _taken(packs, "providers", known.providers, loading)
    for pack in packs:
        if pack.requests is None:
            continue
        located = pack.requests
        for index, spec in enumerate(located.record.request_types):
            errors += _type_refs(located, index, spec, codes, places)
        errors += _rule_refs(located, codes["departments"])
        errors += [
            missing(located, ("providers", index, "jurisdiction"), "jurisdictions", provider.jurisdiction)
            for index, provider in enumerate(located.record.providers)
            if provider.jurisdiction not in codes["jurisdictions"]
        ]
        errors += [
            missing(located, ("providers", index, "department"), "departments", provider.department)
            for index, provider in enumerate(located.record.providers)
            if provider.department not in codes["departments"]
        ]
        errors += [
            missing(example, ("department",), "departments", example.record.department)
            for example in pack.routing_examples
            if example.record.department not in codes["departments"]
        ]
    return errors


def _department_places(packs: Sequence[ParsedPack], known: Known, jurisdictions: set[str]) -> dict[str, str]:
    """Where each department serves; one whose place is unknown is reported once, for its own row."""
    places = dict(known.department_places)
    for pack in packs:
        places |= {located.record.code: located.record.jurisdiction for located in pack.departments}
    return {code: place for code, place in places.items() if place in jurisdictions}


def _specs(located: Located[RequestsFile], kind: str) -> Sequence[RequestTypeSpec | ProviderSpec]:
    specs: Sequence[RequestTypeSpec | ProviderSpec] = getattr(located.record, kind)
    return specs


def _taken(
    packs: Sequence[ParsedPack], kind: str, owners: Mapping[str, str | None], loading: set[str]
) -> list[PackError]:
    """A code twice among the packs loaded together, or already another pack's in the database."""
    zh_kind, en_kind = NAMES[kind]
    first: dict[str, str] = {}
    errors: list[PackError] = []
    for pack in packs:
        if pack.requests is None:
            continue
        for index, spec in enumerate(_specs(pack.requests, kind)):
            loc, owner = (kind, index, "code"), owners.get(spec.code)
            if spec.code in first:
                zh, en = (
                    f"{zh_kind}代码 {spec.code} 重复（另见 {first[spec.code]}）",
                    f"duplicate {en_kind} code {spec.code}",
                )
                errors.append(pack.requests.error(loc, zh, f"{en} (also in {first[spec.code]})"))
            elif owner is not None and owner not in loading:
                zh, en = f"{zh_kind}代码 {spec.code} 已属于服务包 {owner}", f"{en_kind} code {spec.code}"
                errors.append(pack.requests.error(loc, zh, f"{en} already belongs to pack {owner}"))
            first.setdefault(spec.code, pack.code)
    return errors


def _type_refs(
    located: Located[RequestsFile],
    index: int,
    spec: RequestTypeSpec,
    codes: Mapping[str, set[str]],
    places: Mapping[str, str],
) -> list[PackError]:
    loc = ("request_types", index)
    errors: list[PackError] = []
    if spec.jurisdiction not in codes["jurisdictions"]:
        errors.append(missing(located, (*loc, "jurisdiction"), "jurisdictions", spec.jurisdiction))
    default = spec.default_department
    if default is not None and default not in codes["departments"]:
        errors.append(missing(located, (*loc, "default_department"), "departments", default))
    elif default is not None and default in places and not _covers(places[default], spec.jurisdiction):
        # The default takes every request of the type, from anywhere in its area.
        zh = f"部门 {default} 的辖区 {places[default]} 不能覆盖诉求类型的区划 {spec.jurisdiction}"
        en = f"department {default} serves {places[default]}, which does not cover the type's {spec.jurisdiction}"
        errors.append(located.error((*loc, "default_department"), zh, en))
    for number, level in enumerate(spec.levels):
        for position, code in enumerate(level.departments):
            field = (*loc, "levels", number, "departments", position)
            if code not in codes["departments"]:
                errors.append(missing(located, field, "departments", code))
            elif code in places and not _on_one_line(places[code], spec.jurisdiction):
                zh = f"部门 {code} 的辖区 {places[code]} 既不在诉求类型的区划 {spec.jurisdiction} 之内，也不在其上"
                en = f"department {code} serves {places[code]}, neither within nor above the type's {spec.jurisdiction}"
                errors.append(located.error(field, zh, en))
    return errors


def _rule_refs(located: Located[RequestsFile], departments: set[str]) -> list[PackError]:
    """A rule routes to a known department, for types of its own pack (rules are kept per pack)."""
    types = {spec.code for spec in located.record.request_types}
    errors: list[PackError] = []
    for index, rule in enumerate(located.record.routing.rules):
        if rule.department not in departments:
            errors.append(missing(located, ("routing", "rules", index, "department"), "departments", rule.department))
        errors += [
            located.error(
                ("routing", "rules", index, "types", number),
                f"本服务包没有诉求类型 {code}",
                f"this pack has no request type {code}",
            )
            for number, code in enumerate(rule.types)
            if code not in types
        ]
    return errors


def _covers(outer: str, inner: str) -> bool:
    return outer == inner or lies_within(inner, outer)


def _on_one_line(place: str, area: str) -> bool:
    """The department's place lies within the area or above it (a county centre for a town's type)."""
    return _covers(place, area) or lies_within(place, area)


def types(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, RequestTypeSpec]]:
    return [(pack, spec) for pack in packs if pack.requests for spec in pack.requests.record.request_types]


def providers(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, ProviderSpec]]:
    return [(pack, spec) for pack in packs if pack.requests for spec in pack.requests.record.providers]


def type_values(pack_code: str, spec: RequestTypeSpec) -> dict[str, Any]:
    """The columns of a ``RequestType`` row, without ``updated_at``."""
    return {
        "code": spec.code,
        "kind": spec.kind.value,
        "name": spec.name,
        "name_en": spec.name_en,
        "description": spec.description,
        "jurisdiction_code": spec.jurisdiction,
        "channels": [channel.value for channel in spec.channels],
        "location": spec.location.value,
        "photos": spec.photos,
        "limits": spec.limits.stored(),
        "default_department": spec.default_department,
        "levels": [level.stored() for level in spec.levels],
        "pack_code": pack_code,
    }


def provider_values(pack_code: str, spec: ProviderSpec) -> dict[str, Any]:
    values = spec.model_dump(mode="json", exclude={"jurisdiction", "department", "slots", "slot_minutes"})
    places = {"jurisdiction_code": spec.jurisdiction, "department_code": spec.department}
    return {**values, **places, "slots": spec.stored_slots(), "pack_code": pack_code}


def rules(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, tuple[int, RoutingRuleSpec]]]:
    """Each rule with its position, from 1 in the order declared: the first rule that matches wins."""
    return [
        (pack, (position, rule))
        for pack in packs
        if pack.requests
        for position, rule in enumerate(pack.requests.record.routing.rules, 1)
    ]


def examples(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, RoutingExampleRow]]:
    return [(pack, located.record) for pack in packs for located in pack.routing_examples]


def rule_values(rule: RoutingRuleSpec) -> dict[str, Any]:
    return {"department_code": rule.department, "type_codes": list(rule.types), "keywords": list(rule.keywords)}
