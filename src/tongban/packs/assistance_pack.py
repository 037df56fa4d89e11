"""``assistance.yaml`` and its resources list beyond their schema: references, rules, and the rows a load writes.

Checked with the packs loaded together and the database: the officers' department, the
registries and fields the facts name (each aggregate over a field of a type it accepts),
each rule (it parses, names only declared facts, is true or false, points to a declared
need) and each resource (a declared need, a known area, a code no other pack owns).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tongban.packs.assistance_schema import AssistanceFile, DiscoveryFact, ResourceRow
from tongban.packs.domain import Known, Located, PackError, ParsedPack, missing
from tongban.registries.discovery import aggregate_type, constant_type
from tongban.rules.domain import Fact, FactType, Rule, RuleError, rule_set
from tongban.rules.engine import type_errors

Fields = Mapping[str, Mapping[str, str]]
TEXT = FactType.text.value


def check(packs: Sequence[ParsedPack], known: Known, codes: Mapping[str, set[str]], fields: Fields) -> list[PackError]:
    """Every reference of every pack's program and resources; codes not taken twice nor from another pack."""
    loading = {pack.code for pack in packs}
    errors = _program_codes(packs, known.assistance_programs, loading)
    errors += _resource_codes(packs, known.assistance_resources, loading)
    for pack in packs:
        located = pack.assistance
        if located is None:
            errors += [_no_program(row) for row in pack.assistance_resources[:1]]
            continue
        program = located.record
        if program.department not in codes["departments"]:
            errors.append(missing(located, ("department",), "departments", program.department))
        errors += _registry_refs(located, fields)
        types = fact_types(program, fields)
        errors += _fact_refs(located, fields)
        errors += _rule_refs(located, types)
        needs = {need.code for need in program.needs}
        for row in pack.assistance_resources:
            errors += _resource_refs(row, needs, codes["jurisdictions"])
    return errors


def _no_program(row: Located[ResourceRow]) -> PackError:
    zh = "有资源清单却没有 assistance.yaml：资源属于一个主动发现项目"
    en = "a resources list without assistance.yaml: resources belong to a discovery program"
    return PackError(row.file, row.line, "", zh, en)


def _program_codes(packs: Sequence[ParsedPack], owners: Mapping[str, str | None], loading: set[str]) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, str] = {}
    for pack in packs:
        if pack.assistance is None:
            continue
        code, owner = pack.assistance.record.code, owners.get(pack.assistance.record.code)
        if code in first:
            zh, en = f"主动发现项目代码 {code} 重复（另见 {first[code]}）", f"duplicate program code {code}"
            errors.append(pack.assistance.error(("code",), zh, f"{en} (also in {first[code]})"))
        elif owner is not None and owner not in loading:
            zh, en = f"主动发现项目代码 {code} 已属于服务包 {owner}", f"program code {code} belongs to pack {owner}"
            errors.append(pack.assistance.error(("code",), zh, en))
        first.setdefault(code, pack.code)
    return errors


def _resource_codes(
    packs: Sequence[ParsedPack], owners: Mapping[str, str | None], loading: set[str]
) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, str] = {}
    for pack in packs:
        for row in pack.assistance_resources:
            code, owner = row.record.code, owners.get(row.record.code)
            if code in first:
                zh, en = f"资源代码 {code} 重复（另见 {first[code]}）", f"duplicate resource code {code}"
                errors.append(row.error(("code",), zh, f"{en} (also at {first[code]})"))
            elif owner is not None and owner not in loading:
                zh, en = f"资源代码 {code} 已属于服务包 {owner}", f"resource code {code} belongs to pack {owner}"
                errors.append(row.error(("code",), zh, en))
            first.setdefault(code, row.where)
    return errors


def _registry_refs(located: Located[AssistanceFile], fields: Fields) -> list[PackError]:
    """The household register has the household and place fields as text; the roll is a known registry."""
    program = located.record
    spec = program.households
    errors: list[PackError] = []
    if spec.registry not in fields:
        errors.append(_unknown_registry(located, ("households", "registry"), spec.registry))
    else:
        for key in ("household", "place"):
            name = getattr(spec, key)
            kind = fields[spec.registry].get(name)
            if kind is None:
                zh, en = f"登记库 {spec.registry} 没有字段 {name}", f"registry {spec.registry} has no field {name}"
                errors.append(located.error(("households", key), zh, en))
            elif kind != TEXT:
                errors.append(located.error(("households", key), f"字段 {name} 应为 text", f"{name} must be text"))
    if program.roll not in fields:
        errors.append(_unknown_registry(located, ("roll",), program.roll))
    return errors


def _unknown_registry(located: Located[Any], loc: tuple[str | int, ...], code: str) -> PackError:
    return located.error(loc, f"登记库 {code} 不存在", f"unknown registry {code}")


def _fact_refs(located: Located[AssistanceFile], fields: Fields) -> list[PackError]:
    errors: list[PackError] = []
    for name, fact in located.record.facts.items():
        if fact.value is not None or fact.aggregate is None or fact.registry is None:
            continue
        loc: tuple[str | int, ...] = ("facts", name)
        if fact.registry not in fields:
            errors.append(_unknown_registry(located, (*loc, "registry"), fact.registry))
            continue
        if fact.field is not None and fact.field not in fields[fact.registry]:
            zh, en = (
                f"登记库 {fact.registry} 没有字段 {fact.field}",
                f"registry {fact.registry} has no field {fact.field}",
            )
            errors.append(located.error((*loc, "field"), zh, en))
            continue
        field_type = fields[fact.registry].get(fact.field or "")
        if aggregate_type(fact.aggregate, field_type) is None:
            zh = f"{fact.aggregate} 不能用于 {field_type} 类型的字段 {fact.field}"
            en = f"{fact.aggregate} does not apply to {fact.field}, of type {field_type}"
            errors.append(located.error((*loc, "aggregate"), zh, en))
        elif fact.default is not None and not _fits(fact.default, _fact_type(fact, fields)):
            have = _fact_type(fact, fields)
            zh, en = f"default 应为 {have} 类型的值", f"default must be a value of type {have}"
            errors.append(located.error((*loc, "default"), zh, en))
    return errors


def _fits(value: bool | int | float, kind: str | None) -> bool:
    # An integer is a number too: `default: 0` for an income in yuan.
    given = constant_type(value)
    return given == kind or (given == "integer" and kind == "number")


def _fact_type(fact: DiscoveryFact, fields: Fields) -> str | None:
    if fact.value is not None:
        return constant_type(fact.value)
    if fact.aggregate is None or fact.registry not in fields:
        return None
    return aggregate_type(fact.aggregate, fields[fact.registry or ""].get(fact.field or ""))


def fact_types(program: AssistanceFile, fields: Fields) -> dict[str, FactType]:
    """Each fact's type, from its aggregate and field or its constant; facts with bad references are left out."""
    found: dict[str, FactType] = {}
    for name, fact in program.facts.items():
        kind = _fact_type(fact, fields)
        if kind is not None:
            found[name] = FactType(kind)
    return found


def _rule_refs(located: Located[AssistanceFile], types: Mapping[str, FactType]) -> list[PackError]:
    """Each rule points to a declared need, parses over the declared facts and is true or false."""
    program = located.record
    needs = {need.code for need in program.needs}
    # A fact whose reference is wrong is reported once, at the fact: the rules still know its name.
    facts = [Fact(name, types.get(name, FactType.text), "household") for name in program.facts]
    errors: list[PackError] = []
    checked: list[tuple[int, Rule]] = []
    for index, spec in enumerate(program.rules):
        if spec.need not in needs:
            zh, en = f"需求清单中没有类别 {spec.need}", f"the needs list has no category {spec.need}"
            errors.append(located.error(("rules", index, "need"), zh, en))
        rule = Rule(spec.id, spec.expr, spec.message, spec.message_en)
        try:
            rule_set(facts, [rule])
        except RuleError as exc:
            errors.append(_rule_error(located, index, spec.id, exc))
            continue
        checked.append((index, rule))
    if not checked or len(types) < len(program.facts):
        return errors  # a fact with a bad reference has no type to check the rules against
    found = type_errors(rule_set(facts, [rule for _, rule in checked]))
    return errors + [_rule_error(located, checked[i][0], checked[i][1].id, exc) for i, exc in found.items()]


def _rule_error(located: Located[AssistanceFile], index: int, rule_id: str, exc: RuleError) -> PackError:
    loc = ("rules", index, "expr")
    return located.error(loc, f"规则 {rule_id}：{exc.message_zh}", f"rule {rule_id}: {exc.message_en}")


def _resource_refs(row: Located[ResourceRow], needs: set[str], jurisdictions: set[str]) -> list[PackError]:
    errors: list[PackError] = []
    if row.record.need not in needs:
        zh, en = f"需求清单中没有类别 {row.record.need}", f"the needs list has no category {row.record.need}"
        errors.append(row.error(("need",), zh, en))
    if row.record.area not in jurisdictions:
        errors.append(missing(row, ("area",), "jurisdictions", row.record.area))
    return errors


def programs(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, AssistanceFile]]:
    return [(pack, pack.assistance.record) for pack in packs if pack.assistance is not None]


def resources(packs: Sequence[ParsedPack]) -> list[tuple[ParsedPack, ResourceRow]]:
    return [(pack, row.record) for pack in packs for row in pack.assistance_resources]


def program_values(pack_code: str, program: AssistanceFile, fields: Fields) -> dict[str, Any]:
    """The columns of an ``AssistanceProgram`` row; each fact stored with its type."""
    types = fact_types(program, fields)
    facts = {name: {**spec, "type": types[name].value} for name, spec in program.stored_facts().items()}
    return {
        "code": program.code,
        "name": program.name,
        "name_en": program.name_en,
        "department_code": program.department,
        "deadline_months": program.deadline_months,
        "quiet_months": program.quiet_months,
        "households": program.households.model_dump(),
        "roll": program.roll,
        "facts": facts,
        "rules": [rule.model_dump() for rule in program.rules],
        "pack_code": pack_code,
    }


def resource_values(pack_code: str, program_code: str, row: ResourceRow) -> dict[str, Any]:
    values = row.model_dump(mode="json", exclude={"need", "area"})
    return {
        **values,
        "need_code": row.need,
        "area_code": row.area,
        "program_code": program_code,
        "pack_code": pack_code,
    }
