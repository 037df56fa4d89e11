from __future__ import annotations

from pathlib import Path

import pytest

from tests.packs.conftest import FIXTURES, Edit, line_of
from tongban.packs.domain import PackError
from tongban.packs.reader import validation_errors
from tongban.packs.schema import Service
from tongban.packs.service import check

TP1 = "services/tp-001.yaml"
TP2 = "services/tp-002.yaml"
REQ = "requests.yaml"
EXAMPLES = "requests/examples.csv"
HUKOU_LINE = line_of(FIXTURES / "tiny-pack" / TP1, "code: hukou")
DISPUTE_LINE = line_of(FIXTURES / "tiny-pack" / REQ, "code: tp-dispute")

# (file, old text, new text, field, Chinese, English, line: the text to find after the edit, or a number)
CASES = [
    (TP1, "category: 社会保险\n", "", "category", "缺少必填字段", "required field is missing", 1),
    (TP1, "result_name:", "result_nmae:", "result_nmae", "未知字段（是否拼错？）", "unknown field (misspelt?)", "nmae"),
    (
        TP1,
        'jurisdiction: "330100"',
        'jurisdiction: "3301"',
        "jurisdiction",
        "6、9 或 12 位",
        "6, 9 or 12 digits",
        '"3301"',
    ),
    (TP1, 'jurisdiction: "330100"', "jurisdiction: 330100", "jurisdiction", "应为文本", "must be text", "330100"),
    (TP1, "copies: 1", "copies: many", "materials[1].copies", "必须是整数", "must be an integer", "many"),
    (TP1, "copies: 1", "copies: -1", "materials[1].copies", "必须是非负整数", "must be a non-negative integer", "-1"),
    (TP1, "required: false", "required: maybe", "materials[1].required", "true 或 false", "true or false", "maybe"),
    (TP1, "item_type: 公共服务", "item_type: 行政服务", "item_type", "必须是以下之一", "must be one of", "行政服务"),
    (TP1, "channels: [window, bank, online]", "channels: [window, fax]", "channels[1]", "以下之一", "one of", "fax"),
    (TP1, "value: 0", "value: 3", "promised_limit.value", "即办件", "instant item", "value: 3"),
    (TP1, "code: hukou", "code: id-card", "materials[1].code", "code 重复", "duplicate code", HUKOU_LINE),
    (
        TP1,
        "source: registry:population",
        "source: database",
        "materials[1].source",
        "registry:<代码>",
        "registry:<code>",
        "database",
    ),
    (
        TP2,
        "  value: 5",
        "  value: 25",
        "promised_limit.value",
        "超过法定时限 20",
        "exceeds the legal limit 20",
        "value: 25",
    ),
    (TP2, "visits_reason: 领卡时须本人到场。\n", "", "visits_reason", "必须说明理由", "visits_reason is required", 1),
    ("pack.yaml", "name_en: Tiny test pack", "name_eng: x", "name_eng", "未知字段", "unknown field", "name_eng"),
    ("pack.yaml", 'version: "2025.1"', "version: 2025.1", "version", "应为文本", "must be text", "version:"),
    ("points.csv", "30.2800", "95.0", "lat", "必须小于或等于 90", "less than or equal to 90", "tp-hall-2"),
    ("points.csv", "120.1300", "east", "lon", "必须是数字", "must be a number", "tp-hall-2"),
    ("points.csv", "杭州市西湖区文三路2号", "", "address", "缺少必填字段", "required field is missing", "tp-hall-2"),
    (
        "jurisdictions.csv",
        "Hangzhou City,city",
        "Hangzhou City,town",
        "code",
        "乡镇级区划代码应为 9 位",
        "9 digits",
        "330100",
    ),
    ("jurisdictions.csv", ",province,", ",state,", "level", "以下之一", "one of", "330000"),
    ("departments.csv", ",330100,", ",33010,", "jurisdiction", "6、9 或 12 位", "6, 9 or 12 digits", "33010"),
    ("posters.csv", "tp-poster-1,", "tp poster 1,", "code", "代码只能包含", "a code may only hold", "tp poster"),
    (
        "posters.csv",
        "tp-poster-1,定安路站画报",
        "tp-poster-1,",
        "name",
        "缺少必填字段",
        "required field is missing",
        "tp-poster-1",
    ),
    (TP1, "type: phone", "type: telephone", "form_fields[0].type", "必须是以下之一", "must be one of", "telephone"),
    (TP1, "type: phone", "type: select", "form_fields[0].type", "必须列出 options", "needs options", "select"),
    (
        TP1,
        "type: phone",
        "type: text\n    options: [a]",
        "form_fields[0].options",
        "只有 select",
        "only a select",
        "[a]",
    ),
    (
        TP1,
        "keywords:",
        "workflow: [{code: a, name: 审查, role: reviewer}]\nkeywords:",
        "workflow",
        "即办件在受理时办结",
        "has no workflow",
        "workflow:",
    ),
    (TP2, "role: window,", "role: citizen,", "workflow[0].role", "必须是以下之一", "must be one of", "citizen"),
    (TP2, "limit: 1}", "limit: -1}", "workflow[0].limit", "非负整数", "non-negative integer", "limit: -1"),
    (
        TP2,
        "jurisdiction: receiving",
        "jurisdiction: there",
        "workflow[0].jurisdiction",
        "receiving",
        "receiving",
        "there",
    ),
    (
        "pack.yaml",
        "href: /points",
        "href: https://example.com/points",
        "scenarios[0].links[1].href",
        "本平台页面路径",
        "a page of this platform",
        "example.com",
    ),
    ("pack.yaml", "href: /points", "href: //example.com", "scenarios[0].links[1].href", "以 / 开头", "with /", "//"),
    (REQ, "kind: report", "kind: rumour", "request_types[0].kind", "必须是以下之一", "must be one of", "rumour"),
    (REQ, "[mobile, web]", "[mobile, fax]", "request_types[0].channels[1]", "以下之一", "one of", "fax"),
    (REQ, "location: required", "location: maybe", "request_types[0].location", "以下之一", "one of", "maybe"),
    (REQ, "photos: 3", "photos: 12", "request_types[0].photos", "小于或等于 9", "less than or equal to 9", "12"),
    (REQ, "photos: 3", "photo: 3", "request_types[0].photo", "未知字段", "unknown field", "photo:"),
    (REQ, "unit: 小时}", "unit: 分钟}", "request_types[0].limits.dispatch.unit", "以下之一", "one of", "分钟"),
    (
        REQ,
        "complex: {value: 15,",
        "complex: {value: 3,",
        "request_types[0].limits.handle.complex.value",
        "复杂时限不能短于一般时限",
        "the complex limit is below the general one",
        "value: 3,",
    ),
    (
        REQ,
        "handle: {value: 30, unit: 自然日}",
        "handle: {value: 400, unit: 自然日}",
        "request_types[1].limits.handle.value",
        "不能超过 365 天",
        "at most 365",
        "400",
    ),
    (REQ, "kind: dispute", "kind: complaint", "request_types[1].levels", "只有矛盾纠纷", "only disputes", "levels:"),
    (
        REQ,
        "      - {level: county",
        "      - {level: village, departments: [tp-hrss]}\n      - {level: county",
        "request_types[1].levels[1].level",
        "不能跳级",
        "without a gap",
        "level: county",
    ),
    (REQ, "code: tp-dispute", "code: tp-report", "request_types[1].code", "code 重复", "duplicate code", DISPUTE_LINE),
    (REQ, "requests/examples.csv", "../examples.csv", "routing.examples", "服务包内的 .csv", ".csv file inside", ".."),
    (
        REQ,
        "requests/examples.csv",
        "requests/none.csv",
        "routing.examples",
        "找不到示例文件",
        "no examples file",
        "none",
    ),
    (EXAMPLES, "text,department", "department,text", "", "表头应为 text,department", "the header must be", 1),
    (EXAMPLES, "路灯坏了好几天", "小区门口的井盖丢了", "text", "示例重复（另见第 2 行）", "duplicate example", 3),
    (EXAMPLES, "养老保险,tp-hrss", "养老保险,tp-cg", "department", "tp-hrss 只有 1 条示例", "at least 2", "社保卡"),
    (EXAMPLES, "路灯坏了好几天,tp-cg", "路灯坏了好几天,TP CG", "department", "代码只能包含", "a code may only hold", 3),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "zh", "en", "line"), CASES, ids=[c[3] + ":" + c[2] for c in CASES]
)
def test_each_error_names_file_line_and_field_in_both_languages(
    tiny: Path, edit: Edit, file: str, old: str, new: str, field: str, zh: str, en: str, line: str | int
) -> None:
    edit(file, old, new)
    errors = check([tiny])
    assert len(errors) == 1, [str(error) for error in errors]
    error = errors[0]
    expected_line = line if isinstance(line, int) else line_of(tiny / file, line)
    assert (error.file, error.line, error.field) == (f"tiny-pack/{file}", expected_line, field)
    assert zh in error.message_zh
    assert en in error.message_en


def test_an_error_reads_file_line_field_then_both_languages(tiny: Path, edit: Edit) -> None:
    edit(TP1, "copies: 1", "copies: -1")
    line = line_of(tiny / TP1, "copies: -1")
    assert [str(error) for error in check([tiny])] == [
        f"tiny-pack/services/tp-001.yaml:{line}: materials[1].copies: 必须是非负整数 / must be a non-negative integer"
    ]


def test_all_errors_of_a_file_are_reported_not_just_the_first(tiny: Path, edit: Edit) -> None:
    edit(TP1, "copies: 1", "copies: -1")
    edit(TP1, "item_type: 公共服务", "item_type: 行政服务")
    edit("points.csv", "30.2800", "95.0")
    fields = [(error.file, error.field) for error in check([tiny])]
    assert fields == [
        ("tiny-pack/points.csv", "lat"),
        ("tiny-pack/services/tp-001.yaml", "item_type"),
        ("tiny-pack/services/tp-001.yaml", "materials[1].copies"),
    ]


def test_a_service_file_that_is_not_a_mapping_is_an_error(tiny: Path) -> None:
    (tiny / TP2).write_text("- just\n- a list\n", encoding="utf-8")
    errors = check([tiny])
    assert ("tiny-pack/services/tp-002.yaml", 1, "the file must hold a mapping (key: value)") in [
        (e.file, e.line, e.message_en) for e in errors
    ]


def test_a_promise_in_other_units_than_the_legal_limit_is_not_compared(tiny: Path, edit: Edit) -> None:
    edit(TP2, "  value: 5\n  unit: 工作日", "  value: 25\n  unit: 自然日")
    assert check([tiny]) == []


def test_tier_and_point_services_may_say_all(tiny: Path, edit: Edit) -> None:
    edit("points.csv", ",TP-002", ",all")
    assert check([tiny]) == []


def test_an_unknown_error_type_still_names_the_field() -> None:
    error = {"type": "brand_new", "loc": ("fees", 0, "amount"), "msg": "Something odd"}
    assert validation_errors([error], "p/s.yaml", lambda loc: 7) == [
        PackError("p/s.yaml", 7, "fees[0].amount", "无效：Something odd", "invalid: Something odd")
    ]


def test_rules_are_checked_when_a_service_is_built_directly() -> None:
    data = {
        "code": "X",
        "basic_code": "1",
        "name": "x",
        "category": "c",
        "item_type": "公共服务",
        "jurisdiction": "320200",
        "department": "d",
        "handling_type": "即办件",
        "legal_limit": {"value": 1, "unit": "工作日"},
        "promised_limit": {"value": 2, "unit": "工作日"},
        "acceptance_conditions": "a",
        "visits": 1,
        "online_depth": "一级",
        "cross_region_scope": "无",
        "channels": ["window"],
        "locations": "l",
        "hours": "h",
        "consult_phone": "1",
        "complaint_phone": "2",
    }
    with pytest.raises(ValueError) as exc:
        Service.model_validate(data)
    found = validation_errors(exc.value.errors(), "f", lambda loc: None)  # type: ignore[attr-defined]
    assert [error.field for error in found] == ["promised_limit.value", "promised_limit.value", "visits_reason"]


def test_a_parallel_group_must_be_consecutive(tiny: Path, edit: Edit) -> None:
    edit(TP2, "limit: 1}", "limit: 1, parallel: card}")
    edit(TP2, "limit: 3, parallel: card}", "limit: 3, parallel: other}")
    [error] = check([tiny])
    assert (error.field, error.line) == ("workflow[2].parallel", line_of(tiny / TP2, "code: post"))
    assert "并联组 card 的步骤必须连续" in error.message_zh
