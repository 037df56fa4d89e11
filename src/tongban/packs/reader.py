"""Reading a pack's files into records, with line numbers so that every error says where.

YAML goes through a safe loader that also keeps the line of every mapping key and
sequence item, keyed by its path (``("materials", 2, "copies")``); CSV rows keep the
physical line they start on. A file that cannot be read at all raises ``PackInvalid``;
``read_pack`` collects every error of a pack instead of stopping at the first.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tongban.calendar.domain import CalendarError, CalendarOverride, override_from_mapping
from tongban.packs.assistance_schema import RESOURCE_COLUMNS, AssistanceFile, ResourceRow
from tongban.packs.domain import Loc, Located, PackError, PackInvalid, ParsedPack, field_path
from tongban.packs.draws import DrawsFile
from tongban.packs.registry_schema import RegistriesFile
from tongban.packs.request_pack import example_errors
from tongban.packs.request_schema import EXAMPLE_COLUMNS, RequestsFile, RoutingExampleRow
from tongban.packs.rows import (
    DEPARTMENT_COLUMNS,
    JURISDICTION_COLUMNS,
    POINT_COLUMNS,
    POSTER_COLUMNS,
    CalendarFile,
    DepartmentRow,
    JurisdictionRow,
    PointRow,
    PosterRow,
)
from tongban.packs.schema import PATTERN_HINTS, AlliancesFile, Bundle, PackMeta, Service

M = TypeVar("M", bound=BaseModel)


def read_text(path: Path, display: str) -> str:
    """The file as text; a byte-order mark is dropped, anything but UTF-8 is an error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _invalid(
            display, None, f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}"
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _invalid(
            display,
            line,
            f"文件不是 UTF-8 编码（第 {exc.start} 字节）",
            f"the file is not UTF-8 (byte {exc.start})",
        ) from None


def _invalid(display: str, line: int | None, zh: str, en: str, field: str = "") -> PackInvalid:
    return PackInvalid([PackError(display, line, field, zh, en)])


@dataclass(frozen=True)
class YamlDoc:
    data: Any
    lines: dict[Loc, int]
    line: int | None


class LineLoader(yaml.SafeLoader):
    """The safe loader, also recording the line of every mapping key and sequence item."""

    def record_lines(self, node: yaml.Node, display: str) -> dict[Loc, int]:
        """Lines by path; raises ``PackInvalid`` for keys given twice (YAML would keep the last)."""
        self._display = display
        self._lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        self._errors: list[PackError] = []
        self._walk(node, (), frozenset())
        if self._errors:
            raise PackInvalid(self._errors)
        return self._lines

    def _walk(self, node: yaml.Node, loc: Loc, above: frozenset[int]) -> None:
        if id(node) in above:  # a recursive alias
            return
        above = above | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._lines[(*loc, index)] = item.start_mark.line + 1
                self._walk(item, (*loc, index), above)
        elif isinstance(node, yaml.MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node)
                self._lines[(*loc, key)] = line = key_node.start_mark.line + 1
                if key in keys:
                    where = field_path((*loc, key))
                    self._errors.append(
                        PackError(self._display, line, where, f"键重复：{key}", f"duplicate key {key!r}")
                    )
                keys.add(key)
                self._walk(value_node, (*loc, key), above)


def read_yaml(path: Path, display: str) -> YamlDoc:
    """The document and the line of each key and item; duplicate keys are errors."""
    loader = LineLoader(read_text(path, display))
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDoc(None, {}, None)
        # Walk before constructing: construction merges `<<` keys into the node in place.
        lines = loader.record_lines(node, display)
        return YamlDoc(loader.construct_document(node), lines, lines[()])
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "?"
        raise _invalid(
            display, mark.line + 1 if mark else None, f"YAML 语法错误：{problem}", f"YAML syntax error: {problem}"
        ) from None
    except yaml.YAMLError as exc:
        raise _invalid(display, None, f"YAML 错误：{exc}", f"YAML error: {exc}") from None
    finally:
        loader.dispose()


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]


@dataclass
class CsvTable:
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[PackError] = field(default_factory=list)


def read_csv(path: Path, display: str, columns: Sequence[str]) -> CsvTable:
    """Rows keyed by the documented columns; a wrong header raises, a wrong row is an error."""
    reader = csv.reader(io.StringIO(read_text(path, display), newline=""), strict=True)
    table = CsvTable()
    try:
        header = [cell.strip() for cell in next(reader, [])]
        _check_header(header, columns, display)
        end = reader.line_num
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                _add_row(table, cells, start, columns, display)
    except csv.Error as exc:
        table.errors.append(PackError(display, reader.line_num, "", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}"))
    return table


def _add_row(table: CsvTable, cells: list[str], line: int, columns: Sequence[str], display: str) -> None:
    if len(cells) != len(columns):
        table.errors.append(
            PackError(
                display,
                line,
                "",
                f"该行有 {len(cells)} 列，表头有 {len(columns)} 列",
                f"the row has {len(cells)} cells, the header {len(columns)}",
            )
        )
        return
    table.rows.append(CsvRow(line, {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}))


def _check_header(header: list[str], columns: Sequence[str], display: str) -> None:
    if header == list(columns):
        return
    expected = ",".join(columns)
    errors = [
        PackError(display, 1, name, f"缺少列 {name}", f"missing column {name}")
        for name in columns
        if name not in header
    ]
    errors += [
        PackError(display, 1, name, f"未知列 {name}（是否拼错？）", f"unknown column {name} (misspelt?)")
        for name in header
        if name not in columns
    ]
    errors += [
        PackError(display, 1, name, f"列 {name} 重复", f"column {name} appears twice")
        for name in sorted({name for name in header if header.count(name) > 1})
    ]
    if not errors:
        errors.append(PackError(display, 1, "", f"表头应为 {expected}", f"the header must be {expected}"))
    raise PackInvalid(errors)


def pack_files(folder: Path) -> list[Path]:
    """The pack's files, in a stable order; hidden files and folders are not part of it."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


def checksum(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes: any edit, rename or new file changes it."""
    digest = hashlib.sha256()
    for path in pack_files(folder):
        data = path.read_bytes()
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0" + len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


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
    "date_from_datetime_inexact": ("必须是日期 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
}


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


def validation_errors(
    errors: Iterable[Mapping[str, Any]], file: str, line_of: Callable[[Loc], int | None], data: Any = None
) -> list[PackError]:
    """Pydantic's errors as pack errors; a ``pack_rules`` error stands for several."""
    found: list[PackError] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        if error["type"] == "pack_rules":
            for sub_loc, zh, en in error["ctx"]["violations"]:
                full = (*loc, *sub_loc)
                found.append(PackError(file, line_of(full), field_path(full, data), zh, en))
            continue
        zh, en = describe(error)
        found.append(PackError(file, line_of(loc), field_path(loc, data), zh, en))
    return found


def read_pack(folder: Path) -> ParsedPack:
    """Every file of one pack folder, record by record; errors are collected, not raised."""
    folder = folder.resolve()  # `tongban pack check .` still knows the pack's folder name
    pack = ParsedPack(folder)
    if not (folder / "pack.yaml").is_file():
        pack.errors.append(
            PackError(pack.file("pack.yaml"), None, "", "找不到 pack.yaml，这不是服务包", "no pack.yaml: not a pack")
        )
        return pack
    pack.meta = _yaml_record(pack, "pack.yaml", PackMeta)
    pack.jurisdictions = _csv_records(pack, "jurisdictions.csv", JURISDICTION_COLUMNS, JurisdictionRow)
    pack.departments = _csv_records(pack, "departments.csv", DEPARTMENT_COLUMNS, DepartmentRow)
    for path in sorted((folder / "services").glob("*.yaml")):
        service = _yaml_record(pack, f"services/{path.name}", Service)
        if service is not None:
            pack.services.append(service)
    for path in sorted((folder / "bundles").glob("*.yaml")):
        bundle = _yaml_record(pack, f"bundles/{path.name}", Bundle)
        if bundle is not None:
            pack.bundles.append(bundle)
    if (folder / "alliances.yaml").is_file():
        pack.alliances = _yaml_record(pack, "alliances.yaml", AlliancesFile)
    if (folder / "registries.yaml").is_file():
        pack.registries = _yaml_record(pack, "registries.yaml", RegistriesFile)
    if (folder / "draws.yaml").is_file():
        pack.draws = _yaml_record(pack, "draws.yaml", DrawsFile)
    if (folder / "requests.yaml").is_file():
        pack.requests = _yaml_record(pack, "requests.yaml", RequestsFile)
        pack.routing_examples = _routing_examples(pack)
    if (folder / "assistance.yaml").is_file():
        pack.assistance = _yaml_record(pack, "assistance.yaml", AssistanceFile)
    pack.assistance_resources = _csv_records(pack, "assistance-resources.csv", RESOURCE_COLUMNS, ResourceRow)
    pack.points = _csv_records(pack, "points.csv", POINT_COLUMNS, PointRow)
    pack.posters = _csv_records(pack, "posters.csv", POSTER_COLUMNS, PosterRow)
    if (folder / "calendar.yaml").is_file():
        pack.calendar = read_calendar(pack)
    pack.checksum = checksum(folder)
    return pack


def _routing_examples(pack: ParsedPack) -> list[Located[RoutingExampleRow]]:
    """The labelled examples ``requests.yaml`` names; a file that is not there is an error at its name."""
    located = pack.requests
    relative = located.record.routing.examples if located else None
    if located is None or relative is None:
        return []
    if not (pack.folder / relative).is_file():
        zh, en = f"找不到示例文件 {relative}", f"no examples file {relative}"
        pack.errors.append(located.error(("routing", "examples"), zh, en))
        return []
    before = len(pack.errors)
    examples = _csv_records(pack, relative, EXAMPLE_COLUMNS, RoutingExampleRow)
    if len(pack.errors) == before:  # counting departments over rows that failed would mislead
        pack.errors += example_errors(examples)
    return examples


def _yaml_record(pack: ParsedPack, relative: str, model: type[M]) -> Located[M] | None:
    display = pack.file(relative)
    try:
        doc = read_yaml(pack.folder / relative, display)
    except PackInvalid as exc:
        pack.errors += exc.errors
        return None
    if not isinstance(doc.data, dict):
        zh, en = "文件内容应为映射（键: 值）", "the file must hold a mapping (key: value)"
        pack.errors.append(PackError(display, doc.line or 1, "", zh, en))
        return None
    return _validate(pack, model, Located(doc.data, display, doc.line, doc.lines))


def _csv_records(pack: ParsedPack, relative: str, columns: Sequence[str], model: type[M]) -> list[Located[M]]:
    if not (pack.folder / relative).is_file():
        return []
    display = pack.file(relative)
    try:
        table = read_csv(pack.folder / relative, display, columns)
    except PackInvalid as exc:
        pack.errors += exc.errors
        return []
    pack.errors += table.errors
    records = (_validate(pack, model, Located(row.values, display, row.line)) for row in table.rows)
    return [record for record in records if record is not None]


def _validate(pack: ParsedPack, model: type[M], raw: Located[dict[str, Any]]) -> Located[M] | None:
    try:
        record = model.model_validate(raw.record)
    except ValidationError as exc:
        pack.errors += validation_errors(exc.errors(), raw.file, raw.line_of, raw.record)
        code = raw.record.get("code")
        if isinstance(code, str):
            pack.partial.add(code.strip())
        return None
    return Located(record, raw.file, raw.line, raw.field_lines)


def read_calendar(pack: ParsedPack) -> Located[CalendarOverride] | None:
    """The pack's ``calendar.yaml`` as an override; problems go to ``pack.errors``."""
    located = _yaml_record(pack, "calendar.yaml", CalendarFile)
    if located is None:
        return None
    try:
        override = override_from_mapping(located.record.model_dump(), located.file)
    except CalendarError as exc:
        line = located.line_of(_entry_loc(exc.entry))
        pack.errors.append(PackError(located.file, line, exc.entry, exc.message_zh, exc.message_en))
        return None
    return Located(override, located.file, located.line, located.field_lines)


def _entry_loc(entry: str) -> Loc:
    """``years.2027.holidays[3]`` → ``("years", 2027, "holidays", 3)``."""
    return tuple(
        int(index) if index else (int(name) if name.isdigit() else name)
        for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", entry)
    )


def read_sample(path: Path) -> list[dict[str, str]]:
    """A registry's demonstration rows (validated before loading by ``packs.eligibility``)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{key: value.strip() for key, value in row.items()} for row in csv.DictReader(handle)]
