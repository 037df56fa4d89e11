"""Eligibility rules: SQL boolean expressions over named facts, checked with sqlglot, run by DuckDB.

A rule is checked once, when its pack loads: it must parse, name only declared facts, and
use only the operators and the few functions listed here — no tables, no subqueries, no
clock. The checked expression is then compiled into one SELECT that evaluates every rule
as a column, over one person's facts or over a file of millions, with the same SQL: a
batch result is the single-person result by construction. Unknown (NULL) never passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError


class FactType(StrEnum):
    text = "text"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"


DUCKDB_TYPES: Mapping[FactType, str] = {
    FactType.text: "VARCHAR",
    FactType.integer: "BIGINT",
    FactType.number: "DOUBLE",
    FactType.boolean: "BOOLEAN",
    FactType.date: "DATE",
}

# What a rule may be made of: operators, literals, facts, and a few pure functions.
ALLOWED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Case,
    exp.If,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Neg,
    exp.Mod,
    exp.Coalesce,
    exp.Abs,
    exp.Least,
    exp.Greatest,
    exp.Cast,
    exp.DataType,
    exp.DPipe,
)


class RuleError(ValueError):
    """A rule that cannot be used; ``message_zh`` / ``message_en`` say why."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Fact:
    name: str
    type: FactType
    source: str
    label: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    expr: str
    message: str
    message_en: str | None = None


def check_rule(expr: str, facts: Mapping[str, Fact]) -> exp.Expr:
    """The parsed expression; raises ``RuleError`` for bad syntax, unknown facts or anything not allowed."""
    try:
        tree = sqlglot.parse_one(expr, dialect="duckdb")
    except ParseError as exc:
        problem = str(exc).splitlines()[0]
        raise RuleError(f"表达式语法错误：{problem}", f"syntax error: {problem}") from None
    if tree is None:
        raise RuleError("表达式为空", "the expression is empty")
    for node in tree.walk():
        if not isinstance(node, ALLOWED_NODES):
            raise _not_allowed(node)
        if isinstance(node, exp.Column):
            _check_column(node, facts)
    return tree


def _not_allowed(node: exp.Expr) -> RuleError:
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        return RuleError(f"规则中不能使用函数 {name}", f"the function {name} is not allowed in a rule")
    name = type(node).__name__
    return RuleError(f"规则中不能使用 {name}", f"{name} is not allowed in a rule")


def _check_column(node: exp.Column, facts: Mapping[str, Fact]) -> None:
    if node.table:
        raise RuleError(f"请直接写事实名称，不要写 {node.sql()}", f"name the fact alone, not {node.sql()}")
    if node.name not in facts:
        known = "、".join(sorted(facts)) or "（无）"
        raise RuleError(f"未声明的事实 {node.name}（已声明：{known}）", f"unknown fact {node.name}")


@dataclass(frozen=True)
class RuleSet:
    """A service's rules, checked, in the order they are declared."""

    facts: Mapping[str, Fact]
    rules: Sequence[Rule]
    trees: Sequence[exp.Expr]

    def select_sql(self, source: str, keep: Sequence[str] = ()) -> str:
        """One SELECT over ``source`` (a relation with a column per fact): a boolean column per rule.

        Facts are cast to their declared types first, so a CSV column read as text and a
        typed value from a registry mean the same; a value that does not cast is unknown.
        ``keep`` columns of the source pass through untouched, first.
        """
        kept = [_quote(name) for name in keep]
        casts = [
            f"TRY_CAST({_quote(name)} AS {DUCKDB_TYPES[fact.type]}) AS {_quote(name)}"
            for name, fact in self.facts.items()
        ]
        columns = [
            f"COALESCE(({tree.sql(dialect='duckdb')}), FALSE) AS {_quote('rule_' + str(index))}"
            for index, tree in enumerate(self.trees)
        ]
        inner = ", ".join([*kept, *casts]) or "1 AS _"
        return f"SELECT {', '.join([*kept, *columns])} FROM (SELECT {inner} FROM {source})"

    def facts_of(self, index: int) -> list[str]:
        """The facts rule ``index`` names, in the order they first appear: what a reader checks it against."""
        names = (column.name for column in self.trees[index].find_all(exp.Column, bfs=False))
        return list(dict.fromkeys(names))


def rule_set(facts: Sequence[Fact], rules: Sequence[Rule]) -> RuleSet:
    by_name = {fact.name: fact for fact in facts}
    return RuleSet(by_name, list(rules), [check_rule(rule.expr, by_name) for rule in rules])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class RuleResult:
    id: str
    passed: bool
    message: str
    message_en: str | None


@dataclass(frozen=True)
class Verdict:
    """One person's check: eligible when every rule holds; each rule with its message."""

    eligible: bool
    results: list[RuleResult]

    @property
    def failed(self) -> list[str]:
        return [result.id for result in self.results if not result.passed]


def verdict(rules: Sequence[Rule], passed: Sequence[bool]) -> Verdict:
    results = [
        RuleResult(rule.id, bool(ok), rule.message, rule.message_en) for rule, ok in zip(rules, passed, strict=True)
    ]
    return Verdict(all(result.passed for result in results), results)


BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False, "是": True, "否": False, "yes": True, "no": False}

INVALID = object()


def parse_value(text: str | None, kind: FactType) -> Any:
    """A registry cell as its declared type; blank is unknown (None), garbage is ``INVALID``."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        if kind is FactType.integer:
            return int(value)
        if kind is FactType.number:
            return float(value)
        if kind is FactType.date:
            return date.fromisoformat(value).isoformat()
    except ValueError:
        return INVALID
    if kind is FactType.boolean:
        return BOOLEAN_WORDS.get(value.lower(), INVALID)
    return value
