from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import Edit, errors_of, line_of, other_pack
from tongban.auth.domain import SYSTEM
from tongban.packs import service as packs

TP1 = "services/tp-001.yaml"
TP2 = "services/tp-002.yaml"
BUNDLE = "bundles/tp-card.yaml"
REQ = "requests.yaml"


REFERENCE_CASES = [
    (
        "jurisdictions.csv",
        "city,330000",
        "city,340000",
        "parent",
        "行政区划 340000 不存在",
        "unknown jurisdiction 340000",
    ),
    (
        "departments.csv",
        ",330100,",
        ",330300,",
        "jurisdiction",
        "行政区划 330300 不存在",
        "unknown jurisdiction 330300",
    ),
    (
        TP1,
        "department: tp-hrss",
        "department: tp-none",
        "department",
        "部门 tp-none 不存在",
        "unknown department tp-none",
    ),
    (TP1, 'jurisdiction: "330100"', 'jurisdiction: "330300"', "jurisdiction", "330300 不存在", "unknown jurisdiction"),
    (
        "pack.yaml",
        "- TP-001",
        "- TP-009",
        "point_tiers.bank.services[0]",
        "事项 TP-009 不存在",
        "unknown service TP-009",
    ),
    ("points.csv", ",bank,330100", ",atm,330100", "tier", "没有网点层级 atm", "no point tier atm"),
    ("points.csv", ",bank,330100", ",bank,330300", "jurisdiction", "330300 不存在", "unknown jurisdiction 330300"),
    ("points.csv", ",TP-002", ",TP-002;TP-404", "services", "事项 TP-404 不存在", "unknown service TP-404"),
    (
        TP2,
        "limit: 3, parallel: card}",
        "limit: 3, parallel: card, department: tp-x}",
        "workflow[1].department",
        "部门 tp-x 不存在",
        "unknown department tp-x",
    ),
    (
        TP2,
        "jurisdiction: receiving",
        "jurisdiction: '330300'",
        "workflow[0].jurisdiction",
        "330300 不存在",
        "unknown jurisdiction 330300",
    ),
    (
        BUNDLE,
        "- service: TP-002",
        "- service: TP-404",
        "members[1].service",
        "事项 TP-404 不存在",
        "unknown service TP-404",
    ),
    (
        BUNDLE,
        "after: [TP-001]",
        "after: [TP-003]",
        "members[1].after",
        "TP-003 不是本“一件事”的成员",
        "TP-003 is not a member of this bundle",
    ),
    (
        BUNDLE,
        'jurisdiction: "330100"',
        'jurisdiction: "330300"',
        "jurisdiction",
        "330300 不存在",
        "unknown jurisdiction 330300",
    ),
    (
        "alliances.yaml",
        '"330200"]',
        '"330300"]',
        "alliances[0].members[1]",
        "330300 不存在",
        "unknown jurisdiction 330300",
    ),
    (
        "alliances.yaml",
        "- service: TP-002",
        "- service: TP-404",
        "alliances[0].services[0].service",
        "事项 TP-404 不存在",
        "unknown service TP-404",
    ),
    (
        "pack.yaml",
        "href: /services/TP-001",
        "href: /services/TP-404",
        "scenarios[0].links[0].href",
        "事项 TP-404 不存在",
        "unknown service TP-404",
    ),
    (
        REQ,
        'jurisdiction: "330100"',
        'jurisdiction: "330300"',
        "request_types[0].jurisdiction",
        "330300 不存在",
        "330300",
    ),
    (
        REQ,
        "default_department: tp-hrss",
        "default_department: tp-none",
        "request_types[1].default_department",
        "部门 tp-none 不存在",
        "unknown department tp-none",
    ),
    (
        REQ,
        "departments: [tp-hrss]",
        "departments: [tp-none]",
        "request_types[1].levels[0].departments[0]",
        "部门 tp-none 不存在",
        "unknown department tp-none",
    ),
    (
        REQ,
        "{department: tp-cg,",
        "{department: tp-none,",
        "routing.rules[0].department",
        "部门 tp-none 不存在",
        "unknown department tp-none",
    ),
    (
        REQ,
        "types: [tp-report]",
        "types: [tp-none]",
        "routing.rules[1].types[0]",
        "本服务包没有诉求类型 tp-none",
        "this pack has no request type tp-none",
    ),
    (
        REQ,
        'jurisdiction: "330100", phone',
        'jurisdiction: "330300", phone',
        "providers[0].jurisdiction",
        "行政区划 330300 不存在",
        "unknown jurisdiction 330300",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "zh", "en"), REFERENCE_CASES, ids=[c[2] for c in REFERENCE_CASES]
)
def test_a_reference_to_an_unknown_code_is_an_error(
    tiny: Path, edit: Edit, file: str, old: str, new: str, field: str, zh: str, en: str
) -> None:
    edit(file, old, new)
    [(error_file, line, error_field, message_zh, message_en)] = errors_of([tiny])
    assert (error_file, line, error_field) == (f"tiny-pack/{file}", line_of(tiny / file, new.strip("-,; ")), field)
    assert zh in message_zh and en in message_en


def test_a_child_must_lie_within_its_parent(tiny: Path) -> None:
    with (tiny / "jurisdictions.csv").open("a", encoding="utf-8") as file:
        file.write("320100,南京市,Nanjing,city,330000\n")
    assert errors_of([tiny]) == [
        (
            "tiny-pack/jurisdictions.csv",
            5,
            "code",
            "320100 不在上级区划 330000 之内",
            "320100 does not lie within its parent 330000",
        )
    ]


def test_a_duplicate_code_names_both_places(tiny: Path) -> None:
    with (tiny / "posters.csv").open("a", encoding="utf-8") as file:
        file.write("tp-poster-1,又一张,,别处,30.1,120.1,\n")
    shutil.copy(tiny / TP2, tiny / "services" / "tp-003.yaml")
    assert errors_of([tiny]) == [
        (
            "tiny-pack/posters.csv",
            3,
            "code",
            "画报代码 tp-poster-1 重复（另见 tiny-pack/posters.csv:2）",
            "duplicate poster code tp-poster-1 (also at tiny-pack/posters.csv:2)",
        ),
        (
            "tiny-pack/services/tp-003.yaml",
            1,
            "code",
            "事项代码 TP-002 重复（另见 tiny-pack/services/tp-002.yaml:1）",
            "duplicate service code TP-002 (also at tiny-pack/services/tp-002.yaml:1)",
        ),
    ]


def test_the_pack_code_must_equal_the_folder_name(tiny: Path) -> None:
    renamed = tiny.rename(tiny.parent / "tiny")
    assert errors_of([renamed]) == [
        (
            "tiny/pack.yaml",
            2,
            "code",
            "服务包代码 tiny-pack 与文件夹名 tiny 不一致",
            "the pack code tiny-pack differs from the folder name tiny",
        ),
    ]


def test_packs_checked_together_may_use_each_others_codes(tiny: Path) -> None:
    other = other_pack(tiny.parent)
    assert [error[2] for error in errors_of([other])] == ["jurisdiction", "services"]
    assert errors_of([tiny, other]) == []


def test_a_code_used_by_two_packs_loaded_together_is_a_duplicate(tiny: Path) -> None:
    other = other_pack(tiny.parent, poster="tp-poster-1")
    assert errors_of([tiny, other]) == [
        (
            "other-pack/posters.csv",
            2,
            "code",
            "画报代码 tp-poster-1 重复（另见 tiny-pack/posters.csv:2）",
            "duplicate poster code tp-poster-1 (also at tiny-pack/posters.csv:2)",
        ),
    ]


def test_codes_already_in_the_database_count_as_known(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    with db() as session:
        assert errors_of([other_pack(tiny.parent)], session) == []


def test_a_code_another_pack_loaded_is_not_taken_over(db: sessionmaker[Session], tiny: Path) -> None:
    packs.load(db, SYSTEM, [tiny])
    other = other_pack(tiny.parent, poster="tp-poster-1")
    with db() as session:
        assert errors_of([other], session) == [
            (
                "other-pack/posters.csv",
                2,
                "code",
                "画报代码 tp-poster-1 已属于服务包 tiny-pack",
                "poster code tp-poster-1 already belongs to pack tiny-pack",
            ),
        ]


def test_bundle_members_that_wait_for_each_other_are_an_error(tiny: Path, edit: Edit) -> None:
    edit(BUNDLE, "  - service: TP-001\n", "  - service: TP-001\n    after: [TP-002]\n")
    [(file, _, field, zh, en)] = errors_of([tiny])
    assert (file, field) == (f"tiny-pack/{BUNDLE}", "members[0].after")
    assert "互相等待" in zh and "TP-001, TP-002" in en


def test_bundle_members_may_not_mean_different_things_by_one_form_key(tiny: Path, edit: Edit) -> None:
    edit(TP2, "complaint_phone:", "form_fields:\n  - {key: phone, label: 电话, type: text}\ncomplaint_phone:")
    [(file, _, field, zh, en)] = errors_of([tiny])
    assert (file, field) == (f"tiny-pack/{BUNDLE}", "members[1].service")
    assert "phone" in zh and "is phone in TP-001 but text in TP-002" in en


def test_an_alliance_service_must_be_handled_by_a_member(tiny: Path, edit: Edit) -> None:
    edit(TP2, 'jurisdiction: "330100"', 'jurisdiction: "330000"')
    [(file, _, field, zh, en)] = errors_of([tiny])
    assert (file, field) == ("tiny-pack/alliances.yaml", "alliances[0].services[0].service")
    assert "不是联盟成员" in zh and "330000, not a member" in en


ELIGIBILITY_CASES = [
    (
        'expr: "age >= 16"',
        'expr: "age >="',
        "eligibility.rules[0].expr",
        "规则 R1：表达式语法错误",
        "rule R1: syntax error",
    ),
    (
        'expr: "age >= 16"',
        'expr: "weight >= 16"',
        "eligibility.rules[0].expr",
        "未声明的事实 weight",
        "unknown fact weight",
    ),
    ('expr: "age >= 16"', 'expr: "age + 1"', "eligibility.rules[0].expr", "应为真假值", "must be true or false"),
    ('expr: "age >= 16"', 'expr: "now() > 1"', "eligibility.rules[0].expr", "不能使用函数 now", "function now"),
    ('expr: "age >= 16"', 'expr: "(SELECT 1) = 1"', "eligibility.rules[0].expr", "不能使用 Subquery", "Subquery"),
    ("population.age", "population.height", "eligibility.facts.age.source", "没有字段 height", "no field height"),
    ("registry:population.insured", "registry:tax.insured", "eligibility.facts.insured.source", "登记库 tax", "tax"),
    (
        "type: integer, label: 年龄}",
        "type: text, label: 年龄}",
        "eligibility.facts.age.source",
        "类型应与",
        "must match",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "zh", "en"), ELIGIBILITY_CASES, ids=[c[1] for c in ELIGIBILITY_CASES])
def test_a_bad_rule_or_fact_is_refused_when_the_pack_loads(
    tiny: Path, edit: Edit, old: str, new: str, field: str, zh: str, en: str
) -> None:
    edit(TP1, old, new)
    [(file, line, error_field, message_zh, message_en)] = errors_of([tiny])
    assert (file, error_field) == (f"tiny-pack/{TP1}", field)
    assert line is not None and zh in message_zh and en in message_en


def test_a_sample_value_of_the_wrong_type_names_its_line(tiny: Path) -> None:
    sample = tiny / "registries" / "population.csv"
    sample.write_text(sample.read_text(encoding="utf-8").replace(",35,", ",thirty,"), encoding="utf-8")
    assert errors_of([tiny]) == [
        ("tiny-pack/registries/population.csv", 2, "age", "'thirty' 不是 integer", "'thirty' is not integer")
    ]
