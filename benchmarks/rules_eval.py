"""Benchmark: a service's eligibility rules over a million generated households, against a per-row Python loop.

    .venv/bin/python benchmarks/rules_eval.py [--service CODE] [--rows 1000000] [--loop-rows 20000] [--seed 1]

Loads the seed packs into a temporary SQLite database, takes the service's checked rules
(default: 金东区 农宅通's negative list), and writes a CSV of generated households with a
column per fact (values of each fact's type, plus blanks and garbage, so unknowns occur).
It then times:

- the engine: `tongban.rules.engine.evaluate_file`, DuckDB over the whole file, as
  `tongban rules eval` runs it (reading, casting, every rule, writing the output CSV);
- the baseline: a plain per-row Python loop over the same rule expressions — sqlglot's own
  Python executor, which walks each row through each expression in Python — on the first
  ``--loop-rows`` rows, whose answers must equal the engine's.

Peak memory is the process's maximum resident set size after each part.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlglot import exp
from sqlglot.executor import execute

from tongban.auth.domain import SYSTEM
from tongban.db import make_engine, make_session_factory
from tongban.migrations import upgrade
from tongban.packs import service as packs
from tongban.rules import service as rules
from tongban.rules.domain import FactType, RuleSet, parse_value
from tongban.rules.engine import evaluate_file

PACKS = Path(__file__).resolve().parents[1] / "packs"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--service", default="330703-NZT-01")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pack", type=Path, action="append", help="packs to load (default: every pack in packs/)")
    return parser.parse_args(argv)


def rule_set_of(service: str, folder: Path, paths: list[Path] | None) -> RuleSet:
    engine = make_engine(f"sqlite:///{folder / 'packs.db'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    packs.load(factory, SYSTEM, paths or sorted(p for p in PACKS.iterdir() if (p / "pack.yaml").exists()))
    with factory() as session:
        return rules.rules_of(session, service)


def literals(ruleset: RuleSet) -> list[str]:
    """The text values the rules compare with, so generated text facts sometimes match them."""
    return sorted({node.this for tree in ruleset.trees for node in tree.find_all(exp.Literal) if node.is_string})


def value(kind: FactType, rng: random.Random, words: list[str]) -> str:
    roll = rng.random()
    if roll < 0.02:
        return ""  # unknown in the registry
    if kind is FactType.boolean:
        return "true" if roll < 0.8 else "false"
    if kind is FactType.integer:
        return str(rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6]))
    if kind is FactType.number:
        return f"{rng.uniform(60, 180):.1f}"
    if kind is FactType.date:
        return f"20{rng.randint(10, 30)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return rng.choice(words or ["甲"]) if roll < 0.9 else "其他"


def generate(ruleset: RuleSet, path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    words = literals(ruleset)
    facts = list(ruleset.facts.items())
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["household", *(name for name, _ in facts)])
        for n in range(rows):
            writer.writerow([f"H{n:08d}", *(value(fact.type, rng, words) for _, fact in facts)])


def loop(ruleset: RuleSet, path: Path, rows: int) -> list[tuple[str, str]]:
    """The baseline: sqlglot's Python executor, planned once, walking every row through every rule in Python."""
    columns = ", ".join(f"COALESCE(({tree.sql()}), FALSE) AS r{i}" for i, tree in enumerate(ruleset.trees))
    ids = [rule.id for rule in ruleset.rules]
    with path.open(encoding="utf-8", newline="") as handle:
        table = [
            {name: _typed(row[name], fact.type) for name, fact in ruleset.facts.items()}
            for _, row in zip(range(rows), csv.DictReader(handle), strict=False)
        ]
    answers = []
    for result in execute(f"SELECT {columns} FROM t", tables={"t": table}).rows:
        failed = ";".join(rule_id for rule_id, ok in zip(ids, result, strict=True) if not ok)
        answers.append(("true" if not failed else "false", failed))
    return answers


def _typed(text: str, kind: FactType) -> Any:
    parsed = parse_value(text, kind)
    return None if parsed is None or not isinstance(parsed, bool | int | float | str) else parsed


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        ruleset = rule_set_of(args.service, work, args.pack)
        print(f"service {args.service}: {len(ruleset.rules)} rules over {len(ruleset.facts)} facts")
        start = time.perf_counter()
        generate(ruleset, work / "in.csv", args.rows, args.seed)
        print(f"generated {args.rows} households in {time.perf_counter() - start:.1f} s; peak {peak_mib():.0f} MiB")

        start = time.perf_counter()
        evaluate_file(ruleset, work / "in.csv", work / "out.csv")
        engine_s = time.perf_counter() - start
        rate = args.rows / engine_s
        print(f"engine   {args.rows} rows in {engine_s:.2f} s: {rate:,.0f} rows/s; peak {peak_mib():.0f} MiB")

        start = time.perf_counter()
        answers = loop(ruleset, work / "in.csv", args.loop_rows)
        loop_s = time.perf_counter() - start
        base = len(answers) / loop_s
        print(f"baseline {len(answers)} rows in {loop_s:.2f} s: {base:,.0f} rows/s; peak {peak_mib():.0f} MiB")

        with (work / "out.csv").open(encoding="utf-8", newline="") as handle:
            written = [(line["eligible"], line["failed_rules"]) for line in csv.DictReader(handle)][: len(answers)]
        mismatches = sum(a != b for a, b in zip(answers, written, strict=True))
        print(f"engine is {rate / base:,.0f}x the loop's rows/s; "
              f"answers compared: {len(answers)}, mismatches: {mismatches}")  # fmt: skip
        if mismatches:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
