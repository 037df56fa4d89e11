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
        ",330200,",
        "jurisdiction",
        "行政区划 330200 不存在",
        "unknown jurisdiction 330200",
    ),
    (
        TP1,
        "department: tp-hrss",
        "department: tp-none",
        "department",
        "部门 tp-none 不存在",
        "unknown department tp-none",
    ),
    (TP1, 'jurisdiction: "330100"', 'jurisdiction: "330200"', "jurisdiction", "330200 不存在", "unknown jurisdiction"),
    (
        "pack.yaml",
        "- TP-001",
        "- TP-009",
        "point_tiers.bank.services[0]",
        "事项 TP-009 不存在",
        "unknown service TP-009",
    ),
    ("points.csv", ",bank,330100", ",atm,330100", "tier", "没有网点层级 atm", "no point tier atm"),
    ("points.csv", ",bank,330100", ",bank,330200", "jurisdiction", "330200 不存在", "unknown jurisdiction 330200"),
    ("points.csv", ",TP-002", ",TP-002;TP-404", "services", "事项 TP-404 不存在", "unknown service TP-404"),
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
            4,
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
