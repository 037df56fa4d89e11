"""Rules on DuckDB: one person, a file, and the two always agreeing."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tongban.rules.domain import Fact, FactType, Rule, RuleError, rule_set
from tongban.rules.engine import evaluate_file, evaluate_one, evaluate_relation

FACTS = [
    Fact("member", FactType.boolean, "registry:h.member"),
    Fact("homesteads", FactType.integer, "registry:h.homesteads"),
    Fact("area", FactType.number, "form:area"),
    Fact("terrain", FactType.text, "registry:p.terrain"),
]
RULES = rule_set(
    FACTS,
    [
        Rule("N01", "member", "须为本村集体经济组织成员"),
        Rule("N02", "homesteads = 0", "一户一宅"),
        Rule("N03", "area <= CASE WHEN terrain = '平原' THEN 125 ELSE 140 END", "面积超标"),
    ],
)
ROW = st.fixed_dictionaries(
    {
        "member": st.sampled_from(["true", "false", "是", "", "maybe"]),
        "homesteads": st.sampled_from(["0", "1", "2", "", "x"]),
        "area": st.sampled_from(["100", "125", "130", "140.5", "", "abc"]),
        "terrain": st.sampled_from(["平原", "山区", "丘陵", ""]),
    }
)


def test_unknown_facts_never_pass() -> None:
    verdict = evaluate_one(RULES, {"member": None, "homesteads": None, "area": 100, "terrain": "平原"})
    assert verdict.failed == ["N01", "N02"]


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["household", "note", *rows[0].keys()] if rows else ["household"])
        writer.writeheader()
        for index, row in enumerate(rows):
            writer.writerow({"household": f"H{index:05d}", "note": "ignored", **row})


@settings(max_examples=5, deadline=None)
@given(rows=st.lists(ROW, min_size=1, max_size=40))
def test_the_file_gives_each_row_what_the_single_check_gives(tmp_path_factory: pytest.TempPathFactory, rows) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("batch")
    write(folder / "in.csv", rows)
    assert evaluate_file(RULES, folder / "in.csv", folder / "out.csv") == len(rows)
    with (folder / "out.csv").open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [line["household"] for line in written] == [f"H{i:05d}" for i in range(len(rows))]
    for row, line in zip(rows, written, strict=True):
        one = evaluate_one(RULES, {name: value or None for name, value in row.items()})
        assert line["eligible"] == ("true" if one.eligible else "false")
        assert line["failed_rules"] == ";".join(one.failed)


def test_a_missing_fact_column_is_named(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("household,member,area,terrain\nH1,true,100,平原\n", encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        evaluate_file(RULES, tmp_path / "in.csv", tmp_path / "out.csv")
    assert "homesteads" in exc.value.message_zh


def test_parquet_input_is_read_too(tmp_path: Path) -> None:
    import duckdb

    random.seed(3)
    with duckdb.connect() as db:
        db.execute(
            "COPY (SELECT 'H' || i AS household, i % 2 = 0 AS member, i % 3 AS homesteads, 100 + i AS area, "
            f"'平原' AS terrain FROM range(30) t(i)) TO '{tmp_path / 'in.parquet'}' (FORMAT parquet)"
        )
    assert evaluate_file(RULES, tmp_path / "in.parquet", tmp_path / "out.csv") == 30
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["household,eligible,failed_rules", "H0,true,", "H1,false,N01;N02"]


def test_a_relation_in_duckdb_is_evaluated_by_the_same_select_and_can_keep_only_rows_a_rule_holds_for() -> None:
    with duckdb.connect() as db:
        columns = ", ".join(f"{name} VARCHAR" for name in ("who", "member", "homesteads", "area", "terrain"))
        db.execute(f"CREATE TABLE people ({columns})")
        db.execute("INSERT INTO people VALUES ('A', 'true', '0', '100', '平原'), ('B', 'false', '1', '200', '山区')")
        every = list(evaluate_relation(RULES, db, "people", ["who"]))
        held = list(evaluate_relation(RULES, db, "people", ["who"], any_held=True))
    one = evaluate_one(RULES, {"member": "true", "homesteads": "0", "area": "100", "terrain": "平原"})
    assert every[0] == ("A", *(result.passed for result in one.results)) == ("A", True, True, True)
    assert every[1] == ("B", False, False, False) and held == [every[0]]


def test_a_rule_names_its_facts_in_the_order_they_are_written() -> None:
    assert RULES.facts_of(2) == ["area", "terrain"]
