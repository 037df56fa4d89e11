"""Household facts for proactive discovery, in DuckDB: members' registry records grouped into households.

Each registry a program reads becomes a table (``id_number`` and the fields it needs, cast to
their declared types); the household register groups people into households and places them;
each fact is one aggregate over the members' records, joined back to every household. The
rules then run over that relation through ``rules.engine.evaluate_relation`` — the same
SELECT a single check runs — so discovery has no evaluator of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from tongban.registries.discovery import Aggregate
from tongban.rules.domain import DUCKDB_TYPES, FactType

# Columns the relation carries besides the facts; a fact's name never starts with "_".
HOUSEHOLD, PLACE, MEMBERS, ON_ROLL = "_household", "_place", "_members", "_on_roll"
KEPT = (HOUSEHOLD, PLACE, MEMBERS, ON_ROLL)
VALUE = "_v_"  # each fact again under this prefix, untouched, for the record of what the rules saw

AGGREGATES: Mapping[Aggregate, str] = {
    Aggregate.count_members: "count(*)",
    Aggregate.count_true: "count(*) FILTER (WHERE r.{f})",
    Aggregate.sum: "sum(r.{f})",
    Aggregate.min: "min(r.{f})",
    Aggregate.max: "max(r.{f})",
    Aggregate.any: "bool_or(r.{f})",
    Aggregate.all: "bool_and(r.{f})",
}


@dataclass(frozen=True)
class FactDef:
    """A household fact as the program stores it (``AssistanceProgram.facts``)."""

    name: str
    type: FactType
    aggregate: Aggregate | None = None
    registry: str | None = None
    field: str | None = None
    default: bool | int | float | None = None
    value: bool | int | float | None = None

    @classmethod
    def of(cls, name: str, spec: Mapping[str, Any]) -> FactDef:
        aggregate = spec.get("aggregate")
        return cls(
            name,
            FactType(spec["type"]),
            Aggregate(aggregate) if aggregate else None,
            spec.get("registry"),
            spec.get("field"),
            spec.get("default"),
            spec.get("value"),
        )


@dataclass(frozen=True)
class Households:
    registry: str
    household: str
    place: str


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_of(code: str, tables: Sequence[str]) -> str:
    return f"reg_{tables.index(code)}"


def needed_fields(households: Households, roll: str, facts: Sequence[FactDef]) -> dict[str, dict[str, FactType]]:
    """Registry → the fields the program reads of it (the roll: none, only who it holds)."""
    wanted: dict[str, dict[str, FactType]] = {households.registry: {}, roll: {}}
    wanted[households.registry][households.household] = FactType.text
    wanted[households.registry][households.place] = FactType.text
    for fact in facts:
        if fact.registry is None:
            continue
        fields = wanted.setdefault(fact.registry, {})
        if fact.field is not None:
            fields[fact.field] = _field_type(fact)
    return wanted


def _field_type(fact: FactDef) -> FactType:
    # count_true, any and all read a boolean field; the others a field of the fact's own type.
    if fact.aggregate in (Aggregate.count_true, Aggregate.any, Aggregate.all):
        return FactType.boolean
    return fact.type


def create_table(db: duckdb.DuckDBPyConnection, table: str, fields: Mapping[str, FactType]) -> None:
    columns = ", ".join(["id_number VARCHAR", *(f"{q(name)} {DUCKDB_TYPES[kind]}" for name, kind in fields.items())])
    db.execute(f"CREATE TEMP TABLE {table} ({columns})")


def insert_rows(
    db: duckdb.DuckDBPyConnection, table: str, fields: Mapping[str, FactType], rows: Sequence[tuple[str, Any]]
) -> None:
    """A batch of (id_number, data) records; values travel as text and are cast to the field's type."""
    names = list(fields)
    columns = {"id_number": pa.array([key for key, _ in rows], pa.string())}
    for index, name in enumerate(names):
        columns[f"c{index}"] = pa.array([_text(data.get(name)) for _, data in rows], pa.string())
    casts = [f"TRY_CAST(c{i} AS {DUCKDB_TYPES[fields[n]]})" for i, n in enumerate(names)]
    db.register("batch", pa.table(columns))
    try:
        db.execute(f"INSERT INTO {table} SELECT {', '.join(['id_number', *casts])} FROM batch")
    finally:
        db.unregister("batch")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def facts_sql(households: Households, roll: str, facts: Sequence[FactDef], tables: Sequence[str]) -> str:
    """One row per household: its id, place, members, whether it is on the roll, then each fact twice."""
    register = table_of(households.registry, tables)
    people = (
        f"SELECT id_number, CAST({q(households.household)} AS VARCHAR) AS household_id, {q(households.place)} AS place "
        f"FROM {register} WHERE {q(households.household)} IS NOT NULL"
    )
    # Members who disagree on the place: the smallest code wins, so that a rerun gives the same answer.
    grouped = "SELECT household_id, min(place) AS place, list(id_number ORDER BY id_number) AS members FROM people"
    on_roll = f"SELECT DISTINCT p.household_id FROM people p JOIN {table_of(roll, tables)} r USING (id_number)"
    joins, values = [], []
    for index, fact in enumerate(facts):
        expression = _fact_expression(fact, index)
        if fact.value is None:
            joins.append(f"LEFT JOIN ({_aggregate_sql(fact, index, tables)}) f{index} USING (household_id)")
        values += [f"{expression} AS {q(fact.name)}", f"{expression} AS {q(VALUE + fact.name)}"]
    head = [
        f"h.household_id AS {q(HOUSEHOLD)}",
        f"h.place AS {q(PLACE)}",
        f"h.members AS {q(MEMBERS)}",
        f"h.household_id IN (SELECT household_id FROM on_roll) AS {q(ON_ROLL)}",
    ]
    return (
        f"WITH people AS ({people}), households AS ({grouped} GROUP BY household_id), on_roll AS ({on_roll}) "
        f"SELECT {', '.join(head + values)} FROM households h {' '.join(joins)}"
    )


def _aggregate_sql(fact: FactDef, index: int, tables: Sequence[str]) -> str:
    assert fact.aggregate is not None and fact.registry is not None  # the pack check made sure
    measure = AGGREGATES[fact.aggregate].format(f=q(fact.field or ""))
    source = table_of(fact.registry, tables)
    return f"SELECT p.household_id, {measure} AS v{index} FROM people p JOIN {source} r USING (id_number) GROUP BY 1"


def _fact_expression(fact: FactDef, index: int) -> str:
    kind = DUCKDB_TYPES[fact.type]
    if fact.value is not None:
        return f"CAST({_literal(fact.value)} AS {kind})"
    default = 0 if fact.aggregate in (Aggregate.count_members, Aggregate.count_true) else fact.default
    if default is None:
        return f"CAST(v{index} AS {kind})"
    return f"CAST(COALESCE(v{index}, {_literal(default)}) AS {kind})"


def _literal(value: bool | int | float) -> str:
    # Only numbers and yes/no reach here (the pack schema takes nothing else), so no quoting is needed.
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return repr(value) if isinstance(value, float) else str(int(value))


@dataclass(frozen=True)
class Household:
    """A household as the batch saw it: where it lives, who is in it, whether it is assisted, its facts."""

    household_id: str
    place: str
    members: list[str]
    on_roll: bool
    facts: dict[str, Any]
    held: list[int]  # indices of the rules that held


def flagged(rows: Iterable[tuple[Any, ...]], facts: Sequence[FactDef]) -> Iterator[Household]:
    """``evaluate_relation``'s rows (kept columns, each fact's value, one boolean per rule) as households."""
    width = len(KEPT) + len(facts)
    for row in rows:
        values = {fact.name: _plain(value) for fact, value in zip(facts, row[len(KEPT) : width], strict=True)}
        held = [index for index, ok in enumerate(row[width:]) if ok]
        yield Household(str(row[0]), str(row[1] or ""), list(row[2] or []), bool(row[3]), values, held)


def _plain(value: Any) -> Any:
    # Dates as ISO text, floats without binary noise: stored as JSON and shown to the officer.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return round(value, 2) if isinstance(value, float) else value
