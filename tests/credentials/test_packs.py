"""How a pack declares a house code: checked when the pack is read, and declared by the 农宅通 pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.credentials.conftest import HOUSE_PACK
from tongban.auth.domain import SYSTEM
from tongban.catalog import service as catalog
from tongban.credentials import issuing
from tongban.credentials.domain import HouseCodeRule
from tongban.packs import service as packs

PACKS = Path(__file__).parents[2] / "packs"


@pytest.mark.parametrize(
    ("declaration", "field"),
    [
        ("house_code:\n  guards: HP-BUILD\n  approval_field: approval_number\n", "house_code.inspectors"),
        ("house_code:\n  guards: HP-BUILD\n  approval_field: Approval No\n  inspectors: hp-zjj\n", "approval_field"),
        ("house_code:\n  guards: HP-BUILD\n  approval_field: n\n  inspectors: hp-zjj\n  colour: red\n", "colour"),
    ],
    ids=["missing-inspectors", "bad-field-key", "unknown-key"],
)
def test_a_bad_house_code_declaration_is_named_where_it_is(tmp_path: Path, declaration: str, field: str) -> None:
    pack = tmp_path / "house-pack"
    shutil.copytree(HOUSE_PACK, pack)
    approve = pack / "services" / "approve.yaml"
    text = approve.read_text(encoding="utf-8")
    approve.write_text(text[: text.index("house_code:")] + declaration, encoding="utf-8")
    errors = packs.check([pack])
    assert errors, "the declaration should be refused"
    assert all(error.file.endswith("approve.yaml") for error in errors)
    assert any(field in error.field for error in errors), [error.field for error in errors]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("guards: HP-BUILD", "guards: HP-NONE", "house_code.guards", "事项 HP-NONE 不存在"),
        ("inspectors: hp-zjj", "inspectors: hp-none", "house_code.inspectors", "部门 hp-none 不存在"),
        ("approval_field: approval_number", "approval_field: permit", "house_code.approval_field", "没有字段 permit"),
        ("village_field: village_code", "village_field: hamlet", "house_code.village_field", "没有字段 hamlet"),
    ],
    ids=["guards", "inspectors", "approval-field", "village-field"],
)
def test_a_house_code_must_name_what_exists(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    pack = Path(shutil.copytree(HOUSE_PACK, tmp_path / "house-pack"))
    approve = pack / "services" / "approve.yaml"
    approve.write_text(approve.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    [error] = packs.check([pack])
    assert (error.file, error.field) == ("house-pack/services/approve.yaml", field)
    assert words in error.message_zh


def test_the_rural_housing_pack_guards_construction_with_its_approvals(db: sessionmaker[Session]) -> None:
    packs.load(db, SYSTEM, [PACKS / "wucheng-e-kuaiban", PACKS / "rural-housing"])
    with db() as session:
        rules = issuing.rules(session)
        construction = catalog.guide(session, "330703-NZT-02")
    assert rules == [HouseCodeRule("330703-NZT-01", "330703-NZT-02", "approval_number", "jd-zjj", "village_code")]
    assert "approval_number" in {field["key"] for field in construction.form_fields}
    assert "jd-zjj" in {step.get("department") for step in construction.workflow}
