"""References between pack records, across the packs loaded together and the database.

Every check returns errors rather than raising, so that one run reports everything wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from tongban.packs import assistance_pack, draws, eligibility, request_pack
from tongban.packs.domain import ALL, KIND_ZH, KINDS, Known, Loc, Located, PackError, ParsedPack, lies_within, missing
from tongban.packs.schema import FROM_FORM, RECEIVING, Bundle, PackMeta, Service

# A service guide's address, and its eligibility page below it.
SERVICE_PAGE = re.compile(r"^/services/([^/?#]+)")


def cross_check(packs: Sequence[ParsedPack], known: Known) -> list[PackError]:
    """References between records, across the packs loaded together and the database."""
    errors = _pack_codes(packs)
    loading = {pack.code for pack in packs}
    for kind in KINDS:
        errors += _duplicate_codes(packs, kind)
        errors += _owned_elsewhere(packs, kind, known, loading)
    codes = {kind: _all_codes(packs, kind, known) for kind in KINDS}
    services = {located.record.code: located.record for pack in packs for located in pack.services}
    for pack in packs:
        errors += _jurisdiction_refs(pack, codes["jurisdictions"])
        errors += _department_refs(pack, codes["jurisdictions"])
        errors += _service_refs(pack, codes)
        errors += _tier_refs(pack, codes["services"])
        errors += _scenario_refs(pack, codes["services"])
        errors += _house_code_refs(pack, codes, services)
        errors += _point_refs(pack, codes)
        errors += _workflow_refs(pack, codes)
        errors += _bundle_refs(pack, codes, services)
        errors += _alliance_refs(pack, codes, services)
    errors += _duplicate_alliances(packs, known, loading)
    errors += eligibility.check(packs, known, codes["departments"])
    errors += draws.check(packs, codes, eligibility.registry_fields(packs, known))
    errors += request_pack.check(packs, known, codes)
    errors += assistance_pack.check(packs, known, codes, eligibility.registry_fields(packs, known))
    return errors


def _pack_codes(packs: Sequence[ParsedPack]) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, Located[PackMeta]] = {}
    for pack in packs:
        if pack.meta is None:
            continue
        code = pack.meta.record.code
        if code != pack.folder.name:
            errors.append(
                pack.meta.error(
                    ("code",),
                    f"服务包代码 {code} 与文件夹名 {pack.folder.name} 不一致",
                    f"the pack code {code} differs from the folder name {pack.folder.name}",
                )
            )
        if code in first:
            other = first[code].where
            errors.append(
                pack.meta.error(
                    ("code",),
                    f"服务包代码 {code} 重复（另见 {other}）",
                    f"duplicate pack code {code} (also at {other})",
                )
            )
        first.setdefault(code, pack.meta)
    return errors


def _duplicate_codes(packs: Sequence[ParsedPack], kind: str) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, Located[Any]] = {}
    for pack in packs:
        for located in pack.records(kind):
            code = located.record.code
            if code in first:
                other = first[code].where
                errors.append(
                    located.error(
                        ("code",),
                        f"{KIND_ZH[kind]}代码 {code} 重复（另见 {other}）",
                        f"duplicate {kind[:-1]} code {code} (also at {other})",
                    )
                )
            first.setdefault(code, located)
    return errors


def _owned_elsewhere(packs: Sequence[ParsedPack], kind: str, known: Known, loading: set[str]) -> list[PackError]:
    errors: list[PackError] = []
    owners = known.owners(kind)
    for pack in packs:
        for located in pack.records(kind):
            owner = owners.get(located.record.code)
            if owner is not None and owner not in loading:
                errors.append(
                    located.error(
                        ("code",),
                        f"{KIND_ZH[kind]}代码 {located.record.code} 已属于服务包 {owner}",
                        f"{kind[:-1]} code {located.record.code} already belongs to pack {owner}",
                    )
                )
    return errors


def _all_codes(packs: Sequence[ParsedPack], kind: str, known: Known) -> set[str]:
    codes = set(known.owners(kind))
    for pack in packs:
        codes |= {located.record.code for located in pack.records(kind)}
        codes |= pack.partial
    return codes


def _jurisdiction_refs(pack: ParsedPack, jurisdictions: set[str]) -> list[PackError]:
    errors: list[PackError] = []
    for located in pack.jurisdictions:
        row = located.record
        if row.parent is None:
            continue
        if row.parent not in jurisdictions:
            errors.append(missing(located, ("parent",), "jurisdictions", row.parent))
        elif not lies_within(row.code, row.parent):
            errors.append(
                located.error(
                    ("code",),
                    f"{row.code} 不在上级区划 {row.parent} 之内",
                    f"{row.code} does not lie within its parent {row.parent}",
                )
            )
    return errors


def _department_refs(pack: ParsedPack, jurisdictions: set[str]) -> list[PackError]:
    return [
        missing(located, ("jurisdiction",), "jurisdictions", located.record.jurisdiction)
        for located in pack.departments
        if located.record.jurisdiction not in jurisdictions
    ]


def _service_refs(pack: ParsedPack, codes: Mapping[str, set[str]]) -> list[PackError]:
    errors: list[PackError] = []
    for located in pack.services:
        service = located.record
        if service.jurisdiction not in codes["jurisdictions"]:
            errors.append(missing(located, ("jurisdiction",), "jurisdictions", service.jurisdiction))
        if service.department not in codes["departments"]:
            errors.append(missing(located, ("department",), "departments", service.department))
    return errors


def _tier_refs(pack: ParsedPack, services: set[str]) -> list[PackError]:
    if pack.meta is None:
        return []
    return [
        missing(pack.meta, ("point_tiers", tier_code, "services", index), "services", code)
        for tier_code, tier in pack.meta.record.point_tiers.items()
        for index, code in enumerate(tier.services)
        if code != ALL and code not in services
    ]


def _house_code_refs(
    pack: ParsedPack, codes: Mapping[str, set[str]], services: Mapping[str, Service]
) -> list[PackError]:
    """农宅码: the guarded service, the inspectors and both form fields must exist, or a red code guards nothing."""
    errors: list[PackError] = []
    for located in pack.services:
        declared = located.record.house_code
        if declared is None:
            continue
        if declared.guards not in codes["services"]:
            errors.append(missing(located, ("house_code", "guards"), "services", declared.guards))
        if declared.inspectors not in codes["departments"]:
            errors.append(missing(located, ("house_code", "inspectors"), "departments", declared.inspectors))
        guarded = services.get(declared.guards)
        if guarded is not None and declared.approval_field not in _field_keys(guarded):
            errors.append(
                _no_field(located, ("house_code", "approval_field"), declared.guards, declared.approval_field)
            )
        village = declared.village_field
        if village is not None and village not in _field_keys(located.record):
            errors.append(_no_field(located, ("house_code", "village_field"), located.record.code, village))
    return errors


def _field_keys(service: Service) -> set[str]:
    return {field.key for field in service.form_fields}


def _no_field(located: Located[Any], loc: Loc, service: str, key: str) -> PackError:
    return located.error(loc, f"事项 {service} 的表单没有字段 {key}", f"service {service} has no form field {key}")


def _scenario_refs(pack: ParsedPack, services: set[str]) -> list[PackError]:
    """A scenario's link to a service guide must name a service that exists."""
    if pack.meta is None:
        return []
    return [
        missing(pack.meta, ("scenarios", index, "links", number, "href"), "services", code)
        for index, scenario in enumerate(pack.meta.record.scenarios)
        for number, link in enumerate(scenario.links)
        if (code := _service_in(link.href)) is not None and code not in services
    ]


def _service_in(href: str) -> str | None:
    match = SERVICE_PAGE.match(href)
    return match.group(1) if match else None


def _point_refs(pack: ParsedPack, codes: Mapping[str, set[str]]) -> list[PackError]:
    errors: list[PackError] = []
    tiers = pack.meta.record.point_tiers if pack.meta else None
    for located in pack.points:
        point = located.record
        if tiers is not None and point.tier not in tiers:
            errors.append(
                located.error(
                    ("tier",), f"pack.yaml 中没有网点层级 {point.tier}", f"pack.yaml has no point tier {point.tier}"
                )
            )
        if point.jurisdiction not in codes["jurisdictions"]:
            errors.append(missing(located, ("jurisdiction",), "jurisdictions", point.jurisdiction))
        errors += [
            missing(located, ("services",), "services", code)
            for code in point.services
            if code != ALL and code not in codes["services"]
        ]
    return errors


def _workflow_refs(pack: ParsedPack, codes: Mapping[str, set[str]]) -> list[PackError]:
    errors: list[PackError] = []
    for located in pack.services:
        for index, step in enumerate(located.record.workflow):
            if step.department is not None and step.department not in codes["departments"]:
                errors.append(missing(located, ("workflow", index, "department"), "departments", step.department))
            place = step.jurisdiction
            # `form:<key>` names a form field, not a place: packs/eligibility.py checks it with the registries.
            if place and place != RECEIVING and not place.startswith(FROM_FORM) and place not in codes["jurisdictions"]:
                errors.append(missing(located, ("workflow", index, "jurisdiction"), "jurisdictions", place))
    return errors


def _bundle_refs(pack: ParsedPack, codes: Mapping[str, set[str]], services: Mapping[str, Service]) -> list[PackError]:
    errors: list[PackError] = []
    for located in pack.bundles:
        bundle = located.record
        if bundle.jurisdiction not in codes["jurisdictions"]:
            errors.append(missing(located, ("jurisdiction",), "jurisdictions", bundle.jurisdiction))
        members = {member.service for member in bundle.members}
        for index, member in enumerate(bundle.members):
            if member.service not in codes["services"]:
                errors.append(missing(located, ("members", index, "service"), "services", member.service))
            errors += [
                located.error(
                    ("members", index, "after"),
                    f"{code} 不是本“一件事”的成员",
                    f"{code} is not a member of this bundle",
                )
                for code in member.after
                if code not in members
            ]
        errors += _order_cycle(located)
        errors += _field_type_clashes(located, services)
    return errors


def _order_cycle(located: Located[Bundle]) -> list[PackError]:
    """Members that wait for each other, directly or round a loop, would never start."""
    after = {member.service: set(member.after) for member in located.record.members}
    done: set[str] = set()
    while True:
        ready = {code for code, needs in after.items() if code not in done and needs <= done}
        if not ready:
            break
        done |= ready
    stuck = [index for index, member in enumerate(located.record.members) if member.service not in done]
    if not stuck or any(code not in after for member in located.record.members for code in member.after):
        return []
    names = ", ".join(located.record.members[index].service for index in stuck)
    zh, en = f"成员互相等待：{names}", f"members wait for each other: {names}"
    return [located.error(("members", stuck[0], "after"), zh, en)]


def _field_type_clashes(located: Located[Bundle], services: Mapping[str, Service]) -> list[PackError]:
    """The merged form asks each key once, so two members must mean the same thing by it."""
    first: dict[str, tuple[str, str]] = {}
    errors: list[PackError] = []
    for index, member in enumerate(located.record.members):
        service = services.get(member.service)
        for form_field in service.form_fields if service else []:
            kind = form_field.type.value
            seen = first.setdefault(form_field.key, (member.service, kind))
            if seen[1] != kind:
                errors.append(
                    located.error(
                        ("members", index, "service"),
                        f"表单字段 {form_field.key} 在 {seen[0]} 中是 {seen[1]}，在 {member.service} 中是 {kind}",
                        f"form field {form_field.key} is {seen[1]} in {seen[0]} but {kind} in {member.service}",
                    )
                )
    return errors


def _alliance_refs(pack: ParsedPack, codes: Mapping[str, set[str]], services: Mapping[str, Service]) -> list[PackError]:
    if pack.alliances is None:
        return []
    located = pack.alliances
    errors: list[PackError] = []
    for a, alliance in enumerate(located.record.alliances):
        errors += [
            missing(located, ("alliances", a, "members", m), "jurisdictions", code)
            for m, code in enumerate(alliance.members)
            if code not in codes["jurisdictions"]
        ]
        for s, item in enumerate(alliance.services):
            loc: Loc = ("alliances", a, "services", s, "service")
            service = services.get(item.service)
            if item.service not in codes["services"]:
                errors.append(missing(located, loc, "services", item.service))
            elif service is not None and not _handled_by_member(service.jurisdiction, alliance.members):
                errors.append(
                    located.error(
                        loc,
                        f"事项 {item.service} 的实施区划 {service.jurisdiction} 不是联盟成员",
                        f"service {item.service} is implemented in {service.jurisdiction}, not a member",
                    )
                )
    return errors


def _handled_by_member(jurisdiction: str, members: Sequence[str]) -> bool:
    return any(jurisdiction == member or lies_within(jurisdiction, member) for member in members)


def _duplicate_alliances(packs: Sequence[ParsedPack], known: Known, loading: set[str]) -> list[PackError]:
    errors: list[PackError] = []
    first: dict[str, str] = {}
    for pack in packs:
        if pack.alliances is None:
            continue
        for a, alliance in enumerate(pack.alliances.record.alliances):
            owner = known.alliances.get(alliance.code)
            if alliance.code in first or (owner is not None and owner not in loading):
                other = first.get(alliance.code) or owner
                errors.append(
                    pack.alliances.error(
                        ("alliances", a, "code"),
                        f"联盟代码 {alliance.code} 重复（另见 {other}）",
                        f"duplicate alliance code {alliance.code} (also in {other})",
                    )
                )
            first.setdefault(alliance.code, pack.code)
    return errors
