"""One job, two engines: the SQL agrees with the Python rules, and Spark with DuckDB byte for byte."""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.registries.fixtures.certify_data import (
    FULL_WIDTH,
    Evidence,
    Pensioner,
    certify_rows,
    death,
    id_ending_in_x,
    life,
    old_id,
    resident_id,
    write_evidence,
    write_evidence_parquet,
    write_pensioners,
)
from tongban.identity.domain import has_valid_check_digit, normalise_id_number
from tongban.registries.certification import CertifyInputError, certify
from tongban.registries.certify_sql import job, to_spark, with_normalised_id
from tongban.registries.domain import Event, EvidenceKind, Verdict, decide, name_key
from tongban.registries.engines import DuckDBEngine, EngineSettings

AS_OF = date(2025, 12, 31)
SETTINGS = EngineSettings(memory_limit="1GB", threads=2, spark_shuffle_partitions=2, spark_driver_memory="1g")


# The SQL ID rules are the CONTRACT's: tongban.identity's normalisation, format and check digit


def sql_normalised_ids(raw: list[str]) -> list[str | None]:
    con = duckdb.connect()
    con.execute("CREATE TABLE ids (pos INTEGER, id_number VARCHAR)")
    con.executemany("INSERT INTO ids VALUES (?, ?)", list(enumerate(raw)))
    return [
        row[0] for row in con.execute(f"SELECT nid FROM ({with_normalised_id('ids')}) AS n ORDER BY pos").fetchall()
    ]


def python_normalised_id(raw: str) -> str | None:
    return normalise_id_number(raw) if has_valid_check_digit(raw) else None


def _variant(number: str, how: str) -> str:
    return {
        "plain": number,
        "lower": number.lower(),
        "full_width": number.translate(FULL_WIDTH),
        "padded": f" \u3000{number}\t ",
        "wrong_check": number[:-1] + ("0" if number[-1] != "0" else "1"),
        "inner_space": number[:6] + " " + number[6:],
    }[how]


births = st.dates(min_value=date(1790, 1, 1), max_value=date(2020, 12, 31))
new_ids = st.builds(lambda born, seq: resident_id(born.strftime("%Y%m%d"), f"{seq:03d}"), births, st.integers(0, 999))
old_ids = st.builds(
    lambda born, seq: old_id(born.strftime("%y%m%d"), f"{seq:03d}"),
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    st.integers(0, 999),
)
variants = st.sampled_from(["plain", "lower", "full_width", "padded", "wrong_check", "inner_space"])
noise = st.text(alphabet="0123456789Xx０９Ｘｘ \u3000\t①ⅹ-a", max_size=19)
raw_ids = st.one_of(st.builds(_variant, st.one_of(new_ids, old_ids), variants), noise)


@settings(max_examples=60, deadline=None)
@given(st.lists(raw_ids, min_size=1, max_size=30))
def test_sql_id_normalisation_agrees_with_the_identity_module(raw: list[str]) -> None:
    assert sql_normalised_ids(raw) == [python_normalised_id(value) for value in raw]


def test_sql_id_normalisation_handles_the_contract_examples() -> None:
    with_x = id_ending_in_x()
    raw = [with_x.lower(), with_x.translate(FULL_WIDTH), old_id(), f"  {with_x} ", "", "19500101", "32021119500230001X"]
    assert sql_normalised_ids(raw) == [with_x, with_x, resident_id(), with_x, None, None, None]


def test_the_duckdb_pinyin_function_is_the_domain_name_key(tmp_path: Path) -> None:
    con = duckdb.connect()
    DuckDBEngine(con, tmp_path)
    names = ["王丽", "王莉", "欧阳娜娜", "Tom 王", None]
    got = [row[0] for row in con.execute("SELECT pinyin(unnest(?))", [names]).fetchall()]
    assert got == [name_key(name) for name in names]


def test_every_step_of_the_job_transpiles_to_spark_sql() -> None:
    for step in job(AS_OF):
        assert to_spark(step.sql).startswith("SELECT")


def test_pinyin_is_computed_in_one_step_over_distinct_names() -> None:
    assert [step.name for step in job(AS_OF) if "pinyin(" in step.sql] == ["names"]


def test_the_duckdb_engine_does_not_import_spark() -> None:
    code = "import sys, tongban.registries.certification; assert 'pyspark' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# The engine agrees with the plain-Python rules on random small inputs (DuckDB)

A_ID, B_ID, C_ID = resident_id("19500101", "002"), resident_id("19500101", "022"), resident_id("19480305", "013")
NOBODYS_ID = resident_id("19500101", "044")
ROLL_IDS = [A_ID, B_ID, C_ID, old_id("500101", "002"), "", "12345", A_ID.lower()]
# Few values, so that collisions (shared IDs, namesakes, homophones) are common.
EVIDENCE_IDS = [A_ID, B_ID, NOBODYS_ID, A_ID.translate(FULL_WIDTH), f" {C_ID} ", A_ID[:17] + "0", "", ""]
# (name, gender, birth date): 王丽 and 王莉 are homophones born the same day.
PEOPLE = [
    ("王丽", "女", "1950-01-01"),
    ("王莉", "女", "1950-01-01"),
    ("张伟", "男", "1948-03-05"),
    ("", "女", "1950-01-01"),
]
NEAR_MISSES = [("王丽", "男", "1950-01-01"), ("张伟", "男", ""), ("李娜", "女", "1950-01-01")]
DAYS = [AS_OF + timedelta(days=1), AS_OF, *(AS_OF - timedelta(days=d) for d in (1, 60, 364, 365, 366, 700))]

pensioners = st.tuples(st.sampled_from(ROLL_IDS), st.sampled_from(PEOPLE))
evidence_rows = st.builds(
    lambda kind, on, id_number, person: Evidence(kind, str(on), id_number, *person),
    st.sampled_from(["life", "death"]),
    st.sampled_from(DAYS),
    st.sampled_from(EVIDENCE_IDS),
    st.sampled_from(PEOPLE + NEAR_MISSES),
)


def _valid_id(raw: str) -> str | None:
    return normalise_id_number(raw) if raw.strip() and has_valid_check_digit(raw) else None


def _name_key(p: Pensioner | Evidence) -> tuple[str | None, str, str]:
    return name_key(p.name.strip() or None), p.birth_date.strip(), p.gender.strip()


def oracle(roll: Sequence[Pensioner], evidence: Sequence[Evidence]) -> dict[str, Verdict]:
    """The CONTRACT's matching rules in the plainest Python, feeding domain.decide."""
    events: dict[str, list[Event]] = {p.person_id: [] for p in roll}
    for row in evidence:
        event_id = _valid_id(row.id_number)
        if event_id is not None:
            owners = [p for p in roll if _valid_id(p.id_number) == event_id]
        elif _name_key(row)[0] is not None:
            owners = [p for p in roll if _name_key(p) == _name_key(row)]
        else:
            owners = []
        if len(owners) == 1:
            on = date.fromisoformat(row.event_date)
            events[owners[0].person_id].append(Event(EvidenceKind(row.kind), on, event_id is not None))
    return {person_id: decide(found, AS_OF) for person_id, found in events.items()}


def as_output(person_id: str, verdict: Verdict) -> dict[str, str]:
    return {
        "person_id": person_id,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "last_life_event": verdict.last_life_event.isoformat() if verdict.last_life_event else "",
        "death_event": verdict.death_event.isoformat() if verdict.death_event else "",
        "matched_by": verdict.matched_by.value if verdict.matched_by else "",
    }


@settings(max_examples=50, deadline=None)
@given(st.lists(pensioners, min_size=1, max_size=5), st.lists(evidence_rows, max_size=10))
def test_the_engine_agrees_with_the_domain_rules(
    people: list[tuple[str, tuple[str, str, str]]], evidence: list[Evidence]
) -> None:
    roll = [Pensioner(f"P{n}", id_number, *person) for n, (id_number, person) in enumerate(people)]
    with tempfile.TemporaryDirectory() as folder:
        rows = certify_rows(Path(folder), roll, evidence, AS_OF, SETTINGS)
    expected = oracle(roll, evidence)
    assert list(rows) == [p.person_id for p in roll]
    assert rows == {person_id: as_output(person_id, verdict) for person_id, verdict in expected.items()}


# Spark and DuckDB write the same bytes (slow: starting Spark's JVM alone takes ~10 s)


def rich_inputs(folder: Path) -> tuple[Path, Path]:
    """Every matching clause by hand, then seeded noise, in CSV and Parquet files."""
    a, b, c = resident_id("19500101", "002"), resident_id("19500101", "022"), resident_id("19480305", "013")
    with_x = id_ending_in_x()
    roll = [
        Pensioner("A", a),
        Pensioner("B", b, name="王莉"),
        Pensioner("C", old_id("480305", "013"), name="张伟", gender="男", birth_date="1948-03-05"),
        Pensioner("X", with_x.lower(), name="李娜"),
        Pensioner("D1", "", name="赵敏", birth_date="1949-09-09"),
        Pensioner("D2", "bad", name="赵敏", birth_date="1949-09-09"),
        Pensioner("S1", resident_id("19470101", "002")),
        Pensioner("S2", resident_id("19470101", "002"), name="孙丽"),
        Pensioner("N", "", name="", birth_date="1952-02-02"),
    ]
    evidence = [
        life("2025-10-30", id_number=f" {a.translate(FULL_WIDTH)} "),
        death("2025-03-02", id_number=c),
        life("2025-04-11", id_number=old_id("480305", "013")),
        life(AS_OF - timedelta(days=365), id_number=with_x),
        death(AS_OF + timedelta(days=1), id_number=a),
        life("2025-06-01", name="王丽", gender="女", birth_date="1950-01-01"),
        death("2025-05-05", name="赵敏", gender="女", birth_date="1949-09-09"),
        life("2025-05-05", id_number=resident_id("19470101", "002")),
        life("2025-05-05", name="", gender="女", birth_date="1952-02-02"),
    ]
    # Noise from other birth dates and IDs, so it cannot disturb the cases above.
    rng = random.Random(20251231)
    names = ["王丽", "王莉", "张伟", "张玮", "李娜", ""]
    births = ["1960-01-01", "1960-01-02", "1961-05-05"]
    pool = [resident_id(born.replace("-", ""), f"{n:03d}") for born in births for n in range(60)]

    def noisy_id() -> str:
        number = rng.choice(pool)
        return rng.choice([number, number.lower(), number[:17] + "0", "", number.translate(FULL_WIDTH)])

    roll += [
        Pensioner(f"R{n}", rng.choice(pool), rng.choice(names), rng.choice("男女"), rng.choice(births))
        for n in range(300)
    ]
    noisy = [
        Evidence(
            rng.choice(["life", "death", "life"]),
            str(AS_OF - timedelta(days=rng.randint(-5, 800))),
            noisy_id(),
            rng.choice(names),
            rng.choice("男女"),
            rng.choice([*births, ""]),
        )
        for _ in range(1500)
    ]
    write_evidence(folder / "ev", evidence, name="证据 1.csv")
    write_evidence(folder / "ev", noisy[:700], name="b.csv")
    write_evidence_parquet(folder / "ev", noisy[700:])
    return write_pensioners(folder / "pensioners.csv", roll), folder / "ev"


@pytest.mark.slow
def test_spark_and_duckdb_write_identical_files(tmp_path: Path) -> None:
    pensioners, evidence = rich_inputs(tmp_path)
    outputs = {}
    for engine in ("duckdb", "spark"):
        outputs[engine] = tmp_path / f"{engine}.csv"
        summary = certify(pensioners, evidence, AS_OF, outputs[engine], engine=engine, settings=SETTINGS)
        assert (summary.pensioners, summary.evidence_rows) == (309, 1509)
    duckdb_bytes = outputs["duckdb"].read_bytes()
    assert duckdb_bytes == outputs["spark"].read_bytes()
    lines = duckdb_bytes.decode("utf-8").splitlines()
    assert lines[1:10] == [
        "A,certified,2025-10-30 有生存记录,2025-10-30,,id",
        "B,manual,未找到任何生存记录，需人工核实,,,",
        "C,manual,死亡记录 2025-03-02 之后仍有生存记录（2025-04-11），需人工核实,2025-04-11,2025-03-02,id",
        "X,manual,近 365 天无生存记录（最近 2024-12-31），需人工核实,2024-12-31,,id",
        "D1,manual,未找到任何生存记录，需人工核实,,,",
        "D2,manual,未找到任何生存记录，需人工核实,,,",
        "S1,manual,未找到任何生存记录，需人工核实,,,",
        "S2,manual,未找到任何生存记录，需人工核实,,,",
        "N,manual,未找到任何生存记录，需人工核实,,,",
    ]


@pytest.mark.slow
def test_spark_reports_bad_evidence_rows(tmp_path: Path) -> None:
    pensioners = write_pensioners(tmp_path / "p.csv", [Pensioner("A", resident_id())])
    folder = tmp_path / "ev"
    write_evidence(folder, [life("2025-01-01")], name="a.csv")
    bad = write_evidence(folder, [life("2025-01-01"), Evidence("life", "2025-02-30")], name="证据 2.csv")
    with pytest.raises(CertifyInputError) as caught:
        certify(pensioners, folder, AS_OF, tmp_path / "out.csv", engine="spark", settings=SETTINGS)
    assert (caught.value.file, caught.value.row, caught.value.field) == (str(bad), 2, "event_date")
    assert not (tmp_path / "out.csv").exists()
