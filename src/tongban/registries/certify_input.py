"""Reading and checking the inputs of silent certification, with DuckDB whatever the engine.

Checks are SQL queries that return the first offending row, never Python loops over rows.
Every problem becomes a :class:`CertifyInputError` naming the file and the 1-based data
row (the header is not counted).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from tongban.errors import BadInput
from tongban.registries.certify_sql import EVIDENCE_PROBLEM, GENDER_LIST, clean_text, evidence_cleaned, iso_date, quote

PENSIONER_COLUMNS = ("person_id", "id_number", "name", "gender", "birth_date", "region_code", "pension_start")
EVIDENCE_COLUMNS = ("id_number", "name", "gender", "birth_date", "event_date", "source", "kind")
# What the job reads from evidence; `source` is required by the format but not used.
EVIDENCE_READ = ("id_number", "name", "gender", "birth_date", "event_date", "kind")

FileFormat = Literal["csv", "parquet"]


class CertifyInputError(BadInput):
    """A pensioner roll or evidence file the job cannot use; ``file`` and ``row`` say where."""

    def __init__(
        self, message_zh: str, message_en: str, *, file: Path | str, row: int | None = None, field: str | None = None
    ) -> None:
        # Rows are counted after the header, so "row 2" is the second person, not the second line.
        where_zh = f"{file}" + (f" 第 {row} 条记录（表头不计）" if row is not None else "")
        where_en = f"{file}" + (f" data row {row} (after the header)" if row is not None else "")
        super().__init__(f"{where_zh}：{message_zh}", f"{where_en}: {message_en}", field)
        self.file = str(file)
        self.row = row


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    format: FileFormat
    # Column names and types as DuckDB reads them: files with the same layout are read together.
    layout: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _type in self.layout)


def csv_source(path: Path | Sequence[Path], columns: Sequence[str]) -> str:
    """DuckDB's reader for CSV files sharing the header ``columns``: comma, double quotes, all text.

    The columns are given rather than sniffed, so that a malformed row is reported as such
    instead of making the sniffer take the header for data.
    """
    paths = [path] if isinstance(path, Path) else list(path)
    files = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    types = "{" + ", ".join(f"{quote(column)}: 'VARCHAR'" for column in columns) + "}"
    options = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"'"
    return f"read_csv({files}, {options}, columns = {types})"


def parquet_source(path: Path | Sequence[Path], union: bool = False, row_numbers: bool = False) -> str:
    paths = [path] if isinstance(path, Path) else list(path)
    files = "[" + ", ".join(quote(str(p)) for p in paths) + "]"
    extra = (", union_by_name = true" if union else "") + (", file_row_number = true" if row_numbers else "")
    return f"read_parquet({files}{extra})"


def engine_read_error(folder: Path, error: Exception) -> CertifyInputError:
    """An engine's complaint about an evidence file (a malformed row, bad UTF-8…) as bad input."""
    named = re.search(r"^\s*file = (.+)$", str(error), re.MULTILINE)
    return _unreadable(Path(named.group(1)) if named else folder, error)


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _unreadable(path: Path, error: Exception) -> CertifyInputError:
    detail = _first_line(error)
    return CertifyInputError(f"无法读取文件（{detail}）", f"cannot read the file ({detail})", file=path)


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise CertifyInputError("文件不存在", "file does not exist", file=path)


def csv_header(path: Path) -> tuple[str, ...]:
    """The column names on a CSV file's first line (a UTF-8 byte-order mark is dropped)."""
    _require_file(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return tuple(next(csv.reader(handle), []))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise _unreadable(path, error) from error


def _parquet_layout(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[tuple[str, str], ...]:
    _require_file(path)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {parquet_source(path)}").fetchall()
    except duckdb.Error as error:
        raise _unreadable(path, error) from error
    return tuple((str(row[0]), str(row[1])) for row in described)


def _require_columns(path: Path, layout: tuple[tuple[str, str], ...], required: Sequence[str]) -> None:
    present = {name for name, _type in layout}
    for column in required:
        if column not in present:
            raise CertifyInputError(f"缺少列 {column}", f"missing column {column}", file=path, field=column)


def find_evidence(con: duckdb.DuckDBPyConnection, folder: Path) -> list[EvidenceFile]:
    """The folder's CSV and Parquet files, in name order, each checked for the required columns."""
    if not folder.is_dir():
        raise CertifyInputError("证据文件夹不存在", "evidence folder does not exist", file=folder)
    found: list[EvidenceFile] = []
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".parquet") or not path.is_file():
            continue
        fmt: FileFormat = "csv" if suffix == ".csv" else "parquet"
        if fmt == "csv":
            layout = tuple((column, "VARCHAR") for column in csv_header(path))
        else:
            layout = _parquet_layout(con, path)
        _require_columns(path, layout, EVIDENCE_COLUMNS)
        found.append(EvidenceFile(path, fmt, layout))
    if not found:
        raise CertifyInputError(
            "证据文件夹中没有 CSV 或 Parquet 文件", "evidence folder holds no CSV or Parquet file", file=folder
        )
    return found


@dataclass(frozen=True)
class _Rule:
    """A check on input rows: ``condition`` (SQL) is true for a row that breaks it."""

    code: str
    field: str
    condition: str
    message_zh: str
    message_en: str


def _date_rule(field: str) -> _Rule:
    return _Rule(
        field,
        field,
        f"{iso_date(field)} IS NULL",
        f"{field}「{{value}}」不是 YYYY-MM-DD 日期",
        f"{field} {{value!r}} is not a YYYY-MM-DD date",
    )


# First rule first: a row breaking several is reported for the earliest. `dup` marks a
# person_id already seen on an earlier row.
_PENSIONER_RULES = (
    _Rule("blank_id", "person_id", "person_id IS NULL", "person_id 为空", "person_id is blank"),
    _Rule(
        "duplicate",
        "person_id",
        "dup",
        "person_id「{value}」与前面的行重复",
        "person_id {value!r} repeats an earlier row",
    ),
    _Rule(
        "gender",
        "gender",
        f"gender IS NULL OR gender NOT IN {GENDER_LIST}",
        "gender「{value}」应为 男 或 女",
        "gender {value!r} must be 男 or 女",
    ),
    _date_rule("birth_date"),
    _date_rule("pension_start"),
)


def _first_broken(
    con: duckdb.DuckDBPyConnection, relation: str, rules: Sequence[_Rule]
) -> tuple[int, _Rule, str] | None:
    """The first row of ``relation`` (ordered by ``rn``) that breaks a rule, the rule, and the offending value."""
    broken = "CASE " + " ".join(f"WHEN {rule.condition} THEN '{rule.code}'" for rule in rules) + " END"
    value = "CASE broken " + " ".join(f"WHEN '{rule.code}' THEN {rule.field}" for rule in rules) + " END"
    found = con.execute(
        f"SELECT rn, broken, {value} FROM (SELECT *, {broken} AS broken FROM {relation}) AS c"
        " WHERE broken IS NOT NULL ORDER BY rn LIMIT 1"
    ).fetchone()
    if found is None:
        return None
    rn, code, shown = found
    return int(rn), next(rule for rule in rules if rule.code == code), "" if shown is None else str(shown)


def _broken_rule_error(path: Path, found: tuple[int, _Rule, str]) -> CertifyInputError:
    rn, rule, value = found
    return CertifyInputError(
        rule.message_zh.format(value=value), rule.message_en.format(value=value), file=path, row=rn, field=rule.field
    )


def _set_order_preserved(con: duckdb.DuckDBPyConnection, preserved: bool) -> None:
    con.execute(f"SET preserve_insertion_order = {'true' if preserved else 'false'}")


def _load_in_file_order(con: duckdb.DuckDBPyConnection, table: str, select: str, path: Path) -> None:
    """Materialise ``select`` in file order, so that ``rowid + 1`` is the row number in the file.

    DuckDB's CSV reader has no row-number column; with insertion order preserved a table's
    rowids follow the file.
    """
    _set_order_preserved(con, True)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {select}")
    except duckdb.Error as error:
        raise _unreadable(path, error) from error
    finally:
        _set_order_preserved(con, False)


def load_pensioners(con: duckdb.DuckDBPyConnection, path: Path, target: Path) -> int:
    """Check the roll and write it to ``target`` (Parquet) with row numbers; return its row count."""
    header = csv_header(path)
    _require_columns(path, tuple((column, "VARCHAR") for column in header), PENSIONER_COLUMNS)
    select = (
        f"SELECT {clean_text('person_id')} AS person_id, id_number, name, trim(gender) AS gender,"
        f" trim(birth_date) AS birth_date, trim(pension_start) AS pension_start FROM {csv_source(path, header)}"
    )
    _load_in_file_order(con, "roll", select, path)
    numbered = (
        "(SELECT rowid + 1 AS rn, *, row_number() OVER (PARTITION BY person_id ORDER BY rowid) > 1 AS dup"
        " FROM roll) AS r"
    )
    found = _first_broken(con, numbered, _PENSIONER_RULES)
    if found is not None:
        raise _broken_rule_error(path, found)
    con.execute(
        "COPY (SELECT rowid + 1 AS rn, person_id, id_number, name, gender, birth_date"
        f" FROM roll) TO {quote(str(target))} (FORMAT parquet)"
    )
    (count,) = con.execute("SELECT count(*) FROM roll").fetchone() or (0,)
    con.execute("DROP TABLE roll")
    return int(count)


# The job's own test (EVIDENCE_PROBLEM) decides; these rules only word its verdict.
_EVIDENCE_RULES = (
    _Rule(
        "event_date",
        "event_date",
        "problem = 'event_date'",
        "event_date「{value}」不是 YYYY-MM-DD 日期",
        "event_date {value!r} is not a YYYY-MM-DD date",
    ),
    _Rule(
        "kind",
        "kind",
        "problem = 'kind'",
        "kind「{value}」应为 life 或 death",
        "kind {value!r} must be life or death",
    ),
)


def _first_bad_row(con: duckdb.DuckDBPyConnection, file: EvidenceFile) -> CertifyInputError | None:
    columns = ", ".join(f"CAST({column} AS VARCHAR) AS {column}" for column in EVIDENCE_READ)
    if file.format == "csv":
        source = csv_source(file.path, file.columns)
        _load_in_file_order(con, "suspect", f"SELECT {columns} FROM {source}", file.path)
        numbered = "SELECT rowid + 1 AS rn, * FROM suspect"
    else:
        numbered = f"SELECT file_row_number + 1 AS rn, {columns} FROM {parquet_source(file.path, row_numbers=True)}"
    # EVIDENCE_PROBLEM is the job's own test, so the row found here is one it rejected.
    found = _first_broken(con, f"({evidence_cleaned(f'({numbered}) AS n', carried='rn')}) AS e", _EVIDENCE_RULES)
    return None if found is None else _broken_rule_error(file.path, found)


def evidence_error(con: duckdb.DuckDBPyConnection, files: Sequence[EvidenceFile], hint: str) -> CertifyInputError:
    """The error for the first unusable row of the evidence, which the job found to hold one.

    Row numbers are recovered only here, file by file, so the job itself never needs them.
    ``hint`` is the name of the file the job blamed; it is searched first.
    """
    for file in sorted(files, key=lambda file: file.path.name != hint):
        error = _first_bad_row(con, file)
        if error is not None:
            return error
    raise RuntimeError(f"the job found an unusable evidence row that {EVIDENCE_PROBLEM!r} does not find again")
