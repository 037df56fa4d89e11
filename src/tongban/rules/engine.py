"""Running checked rules on DuckDB: for one person's facts, for the types at load time, and over a file.

One DuckDB connection per call, in memory; nothing is kept between calls.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from tongban.rules.domain import DUCKDB_TYPES, RuleError, RuleSet, Verdict, verdict

Progress = Callable[[str, int, int], None]
CHUNK = 250_000


def type_errors(rules: RuleSet) -> dict[int, RuleError]:
    """Rules whose expression DuckDB cannot type as boolean over the declared facts, by rule index."""
    empty = ", ".join(f"NULL::{DUCKDB_TYPES[f.type]} AS {_q(n)}" for n, f in rules.facts.items()) or "1 AS _"
    found: dict[int, RuleError] = {}
    with duckdb.connect() as db:
        for index, tree in enumerate(rules.trees):
            sql = f"SELECT ({tree.sql(dialect='duckdb')}) AS r FROM (SELECT {empty})"
            try:
                kind = db.execute(f"DESCRIBE {sql}").fetchall()[0][1]
            except duckdb.Error as exc:
                problem = str(exc).splitlines()[0]
                found[index] = RuleError(f"表达式无法求值：{problem}", f"the expression cannot be evaluated: {problem}")
                continue
            if kind != "BOOLEAN":
                found[index] = RuleError(f"表达式结果应为真假值，而不是 {kind}", f"must be true or false, not {kind}")
    return found


def evaluate_one(rules: RuleSet, facts: Mapping[str, Any]) -> Verdict:
    """One person: the same SELECT the batch runs, over a one-row relation of their facts."""
    names = list(rules.facts)
    values = ", ".join(f"? AS {_q(name)}" for name in names) or "1 AS _"
    with duckdb.connect() as db:
        row = db.execute(rules.select_sql(f"(SELECT {values})"), [_plain(facts.get(n)) for n in names]).fetchone()
    return verdict(rules.rules, list(row or []))


def _plain(value: Any) -> Any:
    # Passed as text where DuckDB would guess differently, then cast to the declared type by the SELECT.
    return value if value is None or isinstance(value, int | float | str) else str(value)


def evaluate_file(rules: RuleSet, source: Path, out: Path, progress: Progress | None = None) -> int:
    """Every row of a CSV or Parquet file, vectorised; writes the CONTRACT's CSV in input order.

    Columns: the input's first column, ``eligible``, ``failed_rules`` (ids in declared order,
    ``;``-joined, blank when eligible). A missing fact column is an error naming it.
    """
    report = progress or (lambda stage, done, total: None)
    with duckdb.connect() as db:
        relation = _read(db, source)
        columns = relation.columns
        missing = [name for name in rules.facts if name not in columns]
        if missing:
            raise RuleError(f"输入文件缺少列：{'、'.join(missing)}", f"the input lacks column(s): {', '.join(missing)}")
        db.register("input_rows", relation)
        db.execute("CREATE TEMP TABLE numbered AS SELECT row_number() OVER () AS _row, * FROM input_rows")
        total = db.execute("SELECT count(*) FROM numbered").fetchone()[0]  # type: ignore[index]
        key = _q(columns[0])
        failed = _failed_expression(rules)
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([columns[0], "eligible", "failed_rules"])
            for start in range(0, max(total, 1), CHUNK):
                report("evaluate", min(start, total), total)
                chunk = f"(SELECT *, {key} AS _key FROM numbered WHERE _row > {start} AND _row <= {start + CHUNK})"
                rows = db.execute(_batch_sql(rules, chunk, failed)).fetchall()
                writer.writerows((first, "true" if not fails else "false", fails) for first, fails in rows)
            report("evaluate", total, total)
    return int(total)


def evaluate_relation(
    rules: RuleSet, db: duckdb.DuckDBPyConnection, source: str, keep: Sequence[str], any_held: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Every row of a relation already in ``db``, vectorised: the ``keep`` columns, then one boolean per rule.

    The same SELECT a file and a single person get. With ``any_held``, only rows where some
    rule holds come back (a batch job that flags rows needs no others in Python).
    """
    sql = rules.select_sql(source, keep=keep)
    if any_held and rules.rules:
        held = " OR ".join(_q("rule_" + str(index)) for index in range(len(rules.rules)))
        sql = f"SELECT * FROM ({sql}) WHERE {held}"
    result = db.execute(sql)
    while batch := result.fetchmany(CHUNK):
        yield from batch


def _batch_sql(rules: RuleSet, chunk: str, failed: str) -> str:
    # The rule columns come from the very SELECT one person gets; _row keeps the input order.
    evaluated = rules.select_sql(chunk, keep=("_key", "_row"))
    return f"SELECT CAST(_key AS VARCHAR), {failed} FROM ({evaluated}) ORDER BY _row"


def _failed_expression(rules: RuleSet) -> str:
    parts = ", ".join(
        f"CASE WHEN NOT {_q('rule_' + str(index))} THEN '{rule.id}' END" for index, rule in enumerate(rules.rules)
    )
    return f"concat_ws(';', {parts})" if parts else "''"


def _read(db: duckdb.DuckDBPyConnection, source: Path) -> duckdb.DuckDBPyRelation:
    if not source.is_file():
        raise RuleError(f"找不到输入文件 {source}", f"no input file {source}")
    try:
        if source.suffix.lower() == ".parquet":
            return db.read_parquet(str(source))
        return db.read_csv(str(source), header=True, all_varchar=True)
    except duckdb.Error as exc:
        problem = str(exc).splitlines()[0]
        raise RuleError(f"无法读取输入文件：{problem}", f"cannot read the input file: {problem}") from None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
