"""Shared data in a pack: form fields filled from registries, steps routed by them, the filing date as a fact."""

from __future__ import annotations

from pathlib import Path

from tests.packs.conftest import Edit, errors_of, line_of

TP1 = "services/tp-001.yaml"
TP2 = "services/tp-002.yaml"
CHECK_STEP = "{code: check, name: 现场核验, role: window, jurisdiction: receiving, limit: 1}"


def with_field(edit: Edit, field: str) -> None:
    """TP-002 gets one form field, written as YAML flow."""
    edit(TP2, "locations: 各银行网点", f"form_fields:\n  - {field}\nlocations: 各银行网点")


def routed_by(edit: Edit, key: str) -> Path:
    return edit(TP2, CHECK_STEP, CHECK_STEP.replace("jurisdiction: receiving", f"jurisdiction: form:{key}"))


def test_a_step_may_be_worked_where_a_registry_filled_field_says(tiny: Path, edit: Edit) -> None:
    with_field(edit, "{key: age, label: 年龄, type: number, source: 'registry:population'}")
    routed_by(edit, "age")
    assert errors_of([tiny]) == []


def test_a_step_cannot_be_routed_by_a_field_the_applicant_types(tiny: Path, edit: Edit) -> None:
    with_field(edit, "{key: town, label: 所在镇街, type: text}")
    routed_by(edit, "town")
    [(file, line, field, zh, en)] = errors_of([tiny])
    assert (file, line, field) == (f"tiny-pack/{TP2}", line_of(tiny / TP2, "form:town"), "workflow[0].jurisdiction")
    assert "town 不是由已声明的登记库填写的" in zh and "not filled from a declared registry" in en


def test_a_step_cannot_be_routed_by_a_registry_no_pack_declares(tiny: Path, edit: Edit) -> None:
    with_field(edit, "{key: town, label: 所在镇街, type: text, source: 'registry:town-register'}")
    routed_by(edit, "town")
    [(_, _, field, zh, _)] = errors_of([tiny])
    assert field == "workflow[0].jurisdiction" and "不是由已声明的登记库填写的" in zh


def test_a_step_cannot_be_routed_by_a_field_the_form_lacks(tiny: Path, edit: Edit) -> None:
    routed_by(edit, "village_code")
    [(_, _, field, zh, en)] = errors_of([tiny])
    assert (field, zh) == ("workflow[0].jurisdiction", "表单没有字段 village_code")
    assert en == "the form has no field village_code"


def test_a_field_filled_from_a_declared_registry_names_one_of_its_fields(tiny: Path, edit: Edit) -> None:
    with_field(edit, "{key: height, label: 身高, type: number, source: 'registry:population'}")
    [(file, line, field, zh, en)] = errors_of([tiny])
    assert (file, line, field) == (f"tiny-pack/{TP2}", line_of(tiny / TP2, "key: height"), "form_fields[0].source")
    assert "登记库 population 没有字段 height" in zh and "has no field height" in en


def test_the_filing_date_is_a_date_fact(tiny: Path, edit: Edit) -> None:
    edit(TP1, "  rules:\n", "    filed: {source: 'case:filed_on', type: date}\n  rules:\n")
    assert errors_of([tiny]) == []
    edit(TP1, "type: date}", "type: text}")
    [(_, _, field, zh, _)] = errors_of([tiny])
    assert field == "eligibility.facts.filed.source" and "case:filed_on 的类型应为 date" in zh
