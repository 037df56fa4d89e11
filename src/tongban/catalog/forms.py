"""Application forms: checking what an applicant typed against a service's declared fields.

The same checks run for the API and, field by field, for the apply page's inline
validation, so both say the same thing in the same words. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tongban.identity.domain import InvalidCreditCode, InvalidIdNumber, validate_credit_code, validate_id_number

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{5,6})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT = 2000


@dataclass(frozen=True)
class FieldProblem:
    key: str
    message_zh: str
    message_en: str


Checker = Callable[[Mapping[str, Any], Any], Any]


def _text(field: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise _Bad(f"不能超过 {MAX_TEXT} 个字")
    return text


def _number(field: Mapping[str, Any], value: Any) -> float | int:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise _Bad("应为数字") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _Bad("应为数字")
    return int(number) if number.is_integer() else number


def _date(field: Mapping[str, Any], value: Any) -> str:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _Bad("应为日期，格式 YYYY-MM-DD") from None


def _phone(field: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip().replace(" ", "")
    if not PHONE.match(text):
        raise _Bad("格式不正确，应为手机号或带区号的固定电话", "is not a phone number")
    return text


def _id_number(field: Mapping[str, Any], value: Any) -> str:
    try:
        return validate_id_number(str(value)).value
    except InvalidIdNumber as exc:
        raise _Bad(exc.message_zh, exc.message_en, whole=True) from None


def _credit_code(field: Mapping[str, Any], value: Any) -> str:
    try:
        return validate_credit_code(str(value))
    except InvalidCreditCode as exc:
        raise _Bad(exc.message_zh, exc.message_en, whole=True) from None


def _email(field: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    if not EMAIL.match(text):
        raise _Bad("格式不正确，应为电子邮箱地址", "is not an e-mail address")
    return text


def _select(field: Mapping[str, Any], value: Any) -> str:
    text = str(value).strip()
    if text not in field.get("options", []):
        raise _Bad("请从选项中选择")
    return text


def _checkbox(field: Mapping[str, Any], value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "on", "yes", "是")


CHECKERS: Mapping[str, Checker] = {
    "text": _text,
    "textarea": _text,
    "number": _number,
    "date": _date,
    "phone": _phone,
    "id_number": _id_number,
    "credit_code": _credit_code,
    "email": _email,
    "select": _select,
    "checkbox": _checkbox,
}

_ENGLISH = {
    "应为数字": "must be a number",
    "应为日期，格式 YYYY-MM-DD": "must be a date YYYY-MM-DD",
    "请从选项中选择": "must be one of the options",
    f"不能超过 {MAX_TEXT} 个字": f"must be at most {MAX_TEXT} characters",
}


class _Bad(ValueError):
    """What is wrong with a value; ``whole`` messages already name the thing (身份证号码…) and stand alone."""

    def __init__(self, message_zh: str, message_en: str | None = None, *, whole: bool = False) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or _ENGLISH.get(message_zh, message_zh)
        self.whole = whole


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def check_field(field: Mapping[str, Any], value: Any) -> tuple[Any, FieldProblem | None]:
    """The cleaned value, or the problem with it; a blank optional field is None."""
    label = field["label"]
    label_en = field.get("label_en") or field["key"]
    if blank(value) or (field["type"] == "checkbox" and value is False):
        if field.get("required") and not field.get("source"):
            return None, FieldProblem(field["key"], f"请填写{label}", f"{label_en} is required")
        return None, None
    try:
        return CHECKERS[field["type"]](field, value), None
    except _Bad as bad:
        if bad.whole:
            return None, FieldProblem(field["key"], bad.message_zh, bad.message_en)
        return None, FieldProblem(field["key"], f"{label}{bad.message_zh}", f"{label_en} {bad.message_en}")


def check_form(
    fields: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Every field checked; unknown keys are problems too, so that a typo is not silently dropped."""
    known = {field["key"] for field in fields}
    problems = [
        FieldProblem(key, f"表单没有字段 {key}", f"the form has no field {key}") for key in values if key not in known
    ]
    clean: dict[str, Any] = {}
    for field in fields:
        value, problem = check_field(field, values.get(field["key"]))
        if problem is not None:
            problems.append(problem)
        elif value is not None:
            clean[field["key"]] = value
    return clean, problems


def merge_fields(forms: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """A bundle's one form: every member's fields, each key once, required if any member requires it."""
    merged: dict[str, dict[str, Any]] = {}
    for fields in forms:
        for field in fields:
            if field["key"] in merged:
                kept = merged[field["key"]]
                kept["required"] = bool(kept.get("required")) or bool(field.get("required"))
            else:
                merged[field["key"]] = dict(field)
    return list(merged.values())


def merge_materials(lists: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """A bundle's materials, each code once, required if any member requires it."""
    merged: dict[str, dict[str, Any]] = {}
    for materials in lists:
        for material in materials:
            if material["code"] in merged:
                kept = merged[material["code"]]
                kept["required"] = bool(kept["required"]) or bool(material["required"])
            else:
                merged[material["code"]] = dict(material)
    return list(merged.values())
