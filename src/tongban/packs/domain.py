"""Pack rules that need no files and no database: errors, where records came from, codes.

A pack error always says where: the file (relative to the folder holding the pack, so
``wuxi-nearby/services/sb-01.yaml``), the line when there is one, and the field as a
dotted path (``materials[2].copies``), in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from tongban.auth.domain import division_prefix
from tongban.errors import BadInput

Loc = tuple[str | int, ...]
R = TypeVar("R")

# `services: all` in a tier or a point row: every service of the same pack.
ALL = "all"


@dataclass(frozen=True)
class PackError:
    """One thing wrong with a pack, and where."""

    file: str
    line: int | None
    field: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where, self.field] if self.field else [where]
        return ": ".join([*parts, f"{self.message_zh} / {self.message_en}"])


class PackInvalid(BadInput):
    """A pack (or packs loaded together) failed validation; ``errors`` lists every problem."""

    code = "pack_invalid"

    def __init__(self, errors: Sequence[PackError]) -> None:
        self.errors = sorted(errors, key=_error_order)
        count = len(self.errors)
        first = self.errors[0] if self.errors else None
        super().__init__(
            f"服务包有 {count} 处错误",
            f"the pack has {count} error(s)",
            field=first.field if first else None,
        )

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)


def _error_order(error: PackError) -> tuple[str, int, str]:
    return (error.file, error.line or 0, error.field)


def field_path(loc: Iterable[str | int]) -> str:
    """``("materials", 2, "copies")`` → ``materials[2].copies``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Located(Generic[R]):
    """A record with the file and line it came from, and the lines of its fields (YAML)."""

    record: R
    file: str
    line: int | None
    field_lines: Mapping[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the nearest enclosing field that has one, else the record's line."""
        while loc:
            if loc in self.field_lines:
                return self.field_lines[loc]
            loc = loc[:-1]
        return self.line

    def error(self, loc: Loc, message_zh: str, message_en: str) -> PackError:
        return PackError(self.file, self.line_of(loc), field_path(loc), message_zh, message_en)

    @property
    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


def lies_within(child: str, parent: str) -> bool:
    """320211 lies within 320200; a code does not lie within itself."""
    return child != parent and child.startswith(division_prefix(parent))


def search_text(
    name: str, name_en: str | None, category: str, keywords: Sequence[str], code: str, basic_code: str
) -> str:
    """The one column the catalogue searches on, the same on SQLite and PostgreSQL."""
    parts = [name, name_en or "", category, *keywords, code, basic_code]
    return " ".join(part for part in parts if part).lower()


def expand_services(codes: Iterable[str], pack_services: Iterable[str]) -> set[str]:
    """Service codes a tier or a point lists, with ``all`` standing for every service of its pack."""
    wanted = set(codes)
    if ALL in wanted:
        wanted.discard(ALL)
        wanted |= set(pack_services)
    return wanted


# Pydantic error types → bilingual messages; ``{name}`` is filled from the error's context.
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段", "required field is missing"),
    "extra_forbidden": ("未知字段（是否拼错？）", "unknown field (misspelt?)"),
    "string_type": ("应为文本（像数字的代码要加引号）", "must be text (quote codes that look like numbers)"),
    "string_too_short": ("不能为空", "must not be empty"),
    "string_too_long": ("不能超过 {max_length} 个字符", "must be at most {max_length} characters"),
    "int_type": ("必须是整数", "must be an integer"),
    "int_parsing": ("必须是整数", "must be an integer"),
    "int_from_float": ("必须是整数", "must be an integer"),
    "float_type": ("必须是数字", "must be a number"),
    "float_parsing": ("必须是数字", "must be a number"),
    "finite_number": ("必须是有限的数字", "must be a finite number"),
    "bool_type": ("必须是 true 或 false", "must be true or false"),
    "bool_parsing": ("必须是 true 或 false", "must be true or false"),
    "greater_than_equal": ("必须大于或等于 {ge}", "must be greater than or equal to {ge}"),
    "less_than_equal": ("必须小于或等于 {le}", "must be less than or equal to {le}"),
    "greater_than": ("必须大于 {gt}", "must be greater than {gt}"),
    "less_than": ("必须小于 {lt}", "must be less than {lt}"),
    "enum": ("必须是以下之一：{expected}", "must be one of: {expected}"),
    "literal_error": ("必须是以下之一：{expected}", "must be one of: {expected}"),
    "list_type": ("必须是列表", "must be a list"),
    "dict_type": ("必须是映射（键: 值）", "must be a mapping (key: value)"),
    "model_type": ("必须是映射（键: 值）", "must be a mapping (key: value)"),
    "model_attributes_type": ("必须是映射（键: 值）", "must be a mapping (key: value)"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "allows at most {max_length} item(s)"),
    "date_type": ("必须是日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "date_parsing": ("必须是日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
    "date_from_datetime_parsing": ("必须是日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
}

# Regular expressions read badly in an error message; say what they mean instead.
PATTERN_HINTS: dict[str, tuple[str, str]] = {}


def describe(error: Mapping[str, Any]) -> tuple[str, str]:
    """A Pydantic error as (中文, English)."""
    kind = error["type"]
    ctx = dict(error.get("ctx") or {})
    if kind == "greater_than_equal" and ctx.get("ge") == 0:
        return "必须是非负整数", "must be a non-negative integer"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return PATTERN_HINTS.get(pattern, (f"格式不符合 {pattern}", f"does not match {pattern}"))
    if kind in _MESSAGES:
        zh, en = _MESSAGES[kind]
        if "expected" in ctx:
            ctx["expected_zh"] = str(ctx["expected"]).replace(" or ", ", ")
            zh = zh.replace("{expected}", "{expected_zh}")
        try:
            return zh.format(**ctx), en.format(**ctx)
        except (KeyError, IndexError):
            pass
    message = str(error.get("msg", kind))
    return f"无效：{message}", f"invalid: {message}"
