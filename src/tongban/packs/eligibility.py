"""Checks of a pack's shared data and eligibility rules, run with the other references before loading.

Registries: the owning department exists, codes are not taken, and a sample file holds the
declared columns with values of the declared types (errors name its line). Form fields
filled from a declared registry name one of its fields, and a workflow step worked where a
form field says (``jurisdiction: form:<key>``) names a field filled from a registry, never
one the applicant types. Eligibility: every fact comes from a known registry field, a form
field of the service or the case (``case:filed_on``), and every rule parses, names only its
facts and is a true/false expression (errors name the rule).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from tongban.identity.domain import is_valid_id_number
from tongban.packs.domain import Known, Located, PackError, ParsedPack, missing
from tongban.packs.reader import read_text
from tongban.packs.registry_schema import Registry
from tongban.packs.schema import FROM_FORM, Service
from tongban.rules.domain import INVALID, Fact, FactType, Rule, RuleError, parse_value, rule_set
from tongban.rules.engine import type_errors

KEY = "id_number"
REGISTRY = "registry:"


def registry_fields(packs: Sequence[ParsedPack], known: Known) -> dict[str, dict[str, str]]:
    """Registry code → {field: type}, from the packs loaded together and the database."""
    found = {code: dict(fields) for code, fields in known.registries.items()}
    for pack in packs:
        for registry in pack.registries.record.registries if pack.registries else []:
            found[registry.code] = {field.name: field.type.value for field in registry.fields}
    return found


def check(packs: Sequence[ParsedPack], known: Known, departments: set[str]) -> list[PackError]:
    fields = registry_fields(packs, known)
    errors = _registry_codes(packs)
    for pack in packs:
        errors += _registry_refs(pack, departments)
        for located in pack.services:
            errors += _form_sources(located, fields)
            errors += _routing_fields(located, fields)
            errors += _eligibility(located, fields)
    return errors


def _registries(pack: ParsedPack) -> list[tuple[int, Registry]]:
    return list(enumerate(pack.registries.record.registries)) if pack.registries else []


def _registry_codes(packs: Sequence[ParsedPack]) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, str] = {}
    for pack in packs:
        for index, registry in _registries(pack):
            if registry.code in first and pack.registries is not None:
                errors.append(
                    pack.registries.error(
                        ("registries", index, "code"),
                        f"登记库代码 {registry.code} 重复（另见 {first[registry.code]}）",
                        f"duplicate registry code {registry.code} (also in {first[registry.code]})",
                    )
                )
            first.setdefault(registry.code, pack.code)
    return errors


def _registry_refs(pack: ParsedPack, departments: set[str]) -> list[PackError]:
    located = pack.registries
    if located is None:
        return []
    errors: list[PackError] = []
    for index, registry in _registries(pack):
        if registry.department not in departments:
            errors.append(missing(located, ("registries", index, "department"), "departments", registry.department))
        if registry.sample is not None:
            errors += sample_errors(pack, located, index, registry)
    return errors


def sample_errors(pack: ParsedPack, located: Located[Any], index: int, registry: Registry) -> list[PackError]:
    path = pack.folder / registry.sample if registry.sample else None
    if path is None or not path.is_file():
        zh, en = f"找不到样例数据 {registry.sample}", f"no sample file {registry.sample}"
        return [located.error(("registries", index, "sample"), zh, en)]
    display = pack.file(registry.sample or "")
    reader = csv.DictReader(io.StringIO(read_text(path, display), newline=""))
    wanted = [KEY, *(field.name for field in registry.fields)]
    absent = [name for name in wanted if name not in (reader.fieldnames or [])]
    if absent:
        return [PackError(display, 1, name, f"缺少列 {name}", f"missing column {name}") for name in absent]
    errors: list[PackError] = []
    for row in reader:
        if not is_valid_id_number(row[KEY] or ""):
            errors.append(PackError(display, reader.line_num, KEY, "身份证号码无效", "not a valid ID number"))
        for field in registry.fields:
            if parse_value(row[field.name], field.type) is INVALID:
                zh, en = (
                    f"{row[field.name]!r} 不是 {field.type.value}",
                    f"{row[field.name]!r} is not {field.type.value}",
                )
                errors.append(PackError(display, reader.line_num, field.name, zh, en))
    return errors[:20]


def _form_sources(located: Located[Service], registries: Mapping[str, Mapping[str, str]]) -> list[PackError]:
    """A field filled from a declared registry takes the registry's field of the same name, so that one must exist.

    A registry no pack declares is allowed: the platform cannot read it and never asks for the field.
    """
    errors: list[PackError] = []
    for index, form_field in enumerate(located.record.form_fields):
        code = _registry_of(form_field.source)
        if code in registries and form_field.key not in registries[code]:
            zh = f"登记库 {code} 没有字段 {form_field.key}（表单字段取登记库中同名字段的值）"
            en = f"registry {code} has no field {form_field.key} (a form field takes the registry field of its name)"
            errors.append(located.error(("form_fields", index, "source"), zh, en))
    return errors


def _routing_fields(located: Located[Service], registries: Mapping[str, Mapping[str, str]]) -> list[PackError]:
    """Where a step is worked may come from a form field only if a registry fills it: never what an applicant types."""
    sources = {form_field.key: form_field.source for form_field in located.record.form_fields}
    errors: list[PackError] = []
    for index, step in enumerate(located.record.workflow):
        place = step.jurisdiction or ""
        if not place.startswith(FROM_FORM):
            continue
        key, loc = place.removeprefix(FROM_FORM), ("workflow", index, "jurisdiction")
        if key not in sources:
            errors.append(located.error(loc, f"表单没有字段 {key}", f"the form has no field {key}"))
        elif _registry_of(sources[key]) not in registries:
            zh = f"表单字段 {key} 不是由已声明的登记库填写的（须为 source: registry:<登记库>），不能决定办理地"
            en = f"form field {key} is not filled from a declared registry, so it cannot say where a step is worked"
            errors.append(located.error(loc, zh, en))
    return errors


def _registry_of(source: str | None) -> str:
    return source.removeprefix(REGISTRY) if source and source.startswith(REGISTRY) else ""


def _eligibility(located: Located[Service], registries: Mapping[str, Mapping[str, str]]) -> list[PackError]:
    service = located.record
    if service.eligibility is None:
        return []
    form_keys = {field.key for field in service.form_fields}
    errors: list[PackError] = []
    for name, spec in service.eligibility.facts.items():
        loc = ("eligibility", "facts", name, "source")
        kind, _, target = spec.source.partition(":")
        if kind == "form" and target not in form_keys:
            errors.append(located.error(loc, f"表单没有字段 {target}", f"the form has no field {target}"))
        if kind == "registry":
            errors += _registry_fact(located, loc, target, spec.type.value, registries)
        if kind == "case" and spec.type is not FactType.date:
            errors.append(located.error(loc, "申请日期 case:filed_on 的类型应为 date", "case:filed_on is of type date"))
    return errors or _rule_errors(located)


def _registry_fact(
    located: Located[Service], loc: tuple[str | int, ...], target: str, kind: str, registries: Mapping[str, Any]
) -> list[PackError]:
    code, _, name = target.partition(".")
    if code not in registries:
        return [located.error(loc, f"登记库 {code} 不存在", f"unknown registry {code}")]
    if name not in registries[code]:
        return [located.error(loc, f"登记库 {code} 没有字段 {name}", f"registry {code} has no field {name}")]
    if registries[code][name] != kind:
        have = registries[code][name]
        return [located.error(loc, f"类型应与登记库一致（{have}）", f"the type must match the registry's ({have})")]
    return []


def _rule_errors(located: Located[Service]) -> list[PackError]:
    eligibility = located.record.eligibility
    assert eligibility is not None
    facts = [Fact(name, spec.type, spec.source, spec.label) for name, spec in eligibility.facts.items()]
    errors: list[PackError] = []
    checked: list[Rule] = []
    for index, spec in enumerate(eligibility.rules):
        rule = Rule(spec.id, spec.expr, spec.message, spec.message_en)
        try:
            rule_set(facts, [rule])
        except RuleError as exc:
            errors.append(_rule_error(located, index, spec.id, exc))
            continue
        checked.append(rule)
    if errors:
        return errors
    indices = {rule.id: i for i, rule in enumerate(eligibility.rules)}
    found = type_errors(rule_set(facts, checked))
    return [_rule_error(located, indices[checked[i].id], checked[i].id, exc) for i, exc in found.items()]


def _rule_error(located: Located[Service], index: int, rule_id: str, exc: RuleError) -> PackError:
    loc = ("eligibility", "rules", index, "expr")
    return located.error(loc, f"规则 {rule_id}：{exc.message_zh}", f"rule {rule_id}: {exc.message_en}")
