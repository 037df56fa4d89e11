"""``assistance.yaml`` and ``assistance-resources.csv`` (助联体): every mistake named by file, line and item."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.packs.conftest import errors_of, line_of
from tests.registries.assistance_data import copy_of_mini, discover, load
from tongban.registries.models import AssistanceNeed, AssistanceResource

YAML, CSV = "mini-assistance/assistance.yaml", "mini-assistance/assistance-resources.csv"


def edited(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = copy_of_mini(tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_the_mini_pack_is_valid(tmp_path: Path) -> None:
    assert errors_of([copy_of_mini(tmp_path)]) == []


def test_a_rule_naming_an_undeclared_fact_is_named_with_its_line(tmp_path: Path) -> None:
    folder = edited(tmp_path, "assistance.yaml", "oldest_age >= 80 AND lives_alone", "oldest_age >= 80 AND alone")
    (error,) = errors_of([folder])
    assert error[:3] == (YAML, line_of(folder / "assistance.yaml", "AND alone"), "rules[2].expr")
    assert "规则 Z03：未声明的事实 alone" in error[3] and "unknown fact alone" in error[4]


def test_a_rule_that_is_not_true_or_false_is_refused(tmp_path: Path) -> None:
    folder = edited(
        tmp_path, "assistance.yaml", "expr: unemployed_members > 0 AND household_income = 0", "expr: members + 1"
    )
    (error,) = errors_of([folder])
    assert error[2] == "rules[3].expr" and "true or false" in error[4]


def test_a_rule_or_a_resource_pointing_to_an_unknown_need_category(tmp_path: Path) -> None:
    folder = edited(tmp_path, "assistance.yaml", "need: education", "need: schooling")
    resources = folder / "assistance-resources.csv"
    resources.write_text(
        resources.read_text(encoding="utf-8").replace(",medical,医疗救助", ",medicine,医疗救助"), "utf-8"
    )
    errors = errors_of([folder])
    assert [(file, field) for file, _, field, *_ in errors] == [(CSV, "need"), (YAML, "rules[4].need")]
    assert errors[0][1] == 2 and "needs list has no category medicine" in errors[0][4]


def test_a_resource_without_capacity_is_refused(tmp_path: Path) -> None:
    folder = edited(tmp_path, "assistance-resources.csv", "学生资助,,330502,2,", "学生资助,,330502,0,")
    (error,) = errors_of([folder])
    assert error[:3] == (CSV, 9, "capacity") and "needs a capacity" in error[4]
    folder = edited(tmp_path / "blank", "assistance-resources.csv", "学生资助,,330502,2,", "学生资助,,330502,,")
    assert [error[2:4] for error in errors_of([folder])] == [("capacity", "缺少必填字段")]


def test_a_fact_over_an_unknown_field_or_with_an_aggregate_its_field_cannot_take(tmp_path: Path) -> None:
    folder = edited(tmp_path, "assistance.yaml", "field: out_of_pocket", "field: oop")
    (error,) = errors_of([folder])
    assert error[2:] == (
        "facts.medical_out_of_pocket.field",
        "登记库 t-medical 没有字段 oop",
        "registry t-medical has no field oop",
    )
    folder = edited(tmp_path / "2", "assistance.yaml", "field: lives_alone}", "field: name}")  # any over text
    assert [error[2] for error in errors_of([folder])] == ["facts.lives_alone.aggregate"]


def test_a_program_needs_known_registries_and_a_known_department(tmp_path: Path) -> None:
    folder = edited(tmp_path, "assistance.yaml", "roll: t-roll", "roll: t-rolls")
    (error,) = errors_of([folder])
    assert error[2:4] == ("roll", "登记库 t-rolls 不存在")
    folder = edited(tmp_path / "2", "assistance.yaml", "department: t-mzj", "department: t-none")
    assert [error[2] for error in errors_of([folder])] == ["department"]


def test_a_resources_list_without_a_program_is_refused(tmp_path: Path) -> None:
    folder = copy_of_mini(tmp_path)
    (folder / "assistance.yaml").unlink()
    (error,) = errors_of([folder])
    assert error[0] == CSV and "without assistance.yaml" in error[4]


def test_reloading_drops_a_resource_the_pack_no_longer_lists_unless_a_need_names_it(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    folder = copy_of_mini(tmp_path)
    load(db, folder)
    discover(db)
    resources = folder / "assistance-resources.csv"
    kept = [line for line in resources.read_text(encoding="utf-8").splitlines() if "r-med-" not in line]
    resources.write_text("\n".join(kept) + "\n", encoding="utf-8")
    load(db, folder)
    with db() as session:
        codes = set(session.scalars(select(AssistanceResource.code)))
        named = set(session.scalars(select(AssistanceNeed.resource_code)))
    assert "r-med-county" in codes and "r-med-county" in named and "r-med-city" not in codes
