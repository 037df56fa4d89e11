"""The silent-certification test-data generator: files, reproducibility, realism and the truth it claims."""

from __future__ import annotations

import csv
import re
import tracemalloc
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from tongban.identity.domain import check_digit, is_valid_id_number, normalise_id_number
from tongban.registries.generator import FILES, GeneratedData, NoiseRates, generate
from tongban.registries.generator_names import FEMALE_GIVEN, HOMOPHONES, MALE_GIVEN, SURNAMES, name_tables

AS_OF = date(2025, 10, 31)
PENSIONER_HEADER = "person_id,id_number,name,gender,birth_date,region_code,pension_start"
EVIDENCE_HEADER = "id_number,name,gender,birth_date,event_date,source,kind"
_VALID18 = re.compile(r"[0-9]{17}[0-9X]")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass
class Run:
    data: GeneratedData
    roll: list[dict[str, str]]
    truth: dict[str, dict[str, str]]
    evidence: list[dict[str, str]]  # every evidence row, with its row-truth columns merged in


def make_run(out: Path, pensioners: int, seed: int, chunk_size: int) -> Run:
    data = generate(out, pensioners, AS_OF, seed=seed, chunk_size=chunk_size, row_truth=True)
    evidence = []
    for path in data.evidence_paths:
        truths = read(out / "evidence_truth" / f"{path.stem}.csv")
        rows = read(path)
        assert len(rows) == len(truths)
        evidence += [
            row | {"owner": t["person_id"], "noise": t["noise"], "rule": t["rule_person_id"]}
            for row, t in zip(rows, truths, strict=True)
        ]
    truth = {row["person_id"]: row for row in read(data.truth_path)}
    return Run(data, read(data.pensioners_path), truth, evidence)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return make_run(tmp_path_factory.mktemp("gen"), 6000, seed=7, chunk_size=2500)


def files_of(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def is_valid18(normalised: str) -> bool:
    return bool(_VALID18.fullmatch(normalised)) and check_digit(normalised[:17]) == normalised[17]


@cache
def reading(name: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(name))


def certify_by_the_contract(roll: list[dict[str, str]], evidence: list[dict[str, str]]) -> dict[str, tuple[str, str]]:
    """A plain, row-by-row reading of CONTRACT.md's matching and status rules."""
    by_id = {normalise_id_number(p["id_number"]): p["person_id"] for p in roll if p["id_number"].strip()}
    by_fuzzy: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for p in roll:
        by_fuzzy[(reading(p["name"]), p["birth_date"], p["gender"])].append(p["person_id"])
    life: dict[str, str] = {}
    death: dict[str, str] = {}
    matched: dict[str, str] = {}
    for e in evidence:
        if e["event_date"] > AS_OF.isoformat():
            continue
        number = normalise_id_number(e["id_number"]) if e["id_number"].strip() else ""
        if is_valid18(number):
            who, how = by_id.get(number), "id"
        else:
            candidates = by_fuzzy.get((reading(e["name"]), e["birth_date"], e["gender"]), [])
            who, how = (candidates[0] if len(candidates) == 1 else None), "fuzzy"
        if who is None:
            continue
        matched[who] = "id" if how == "id" or matched.get(who) == "id" else "fuzzy"
        if e["kind"] == "death":
            death[who] = min(death.get(who, "9999"), e["event_date"])
        else:
            life[who] = max(life.get(who, ""), e["event_date"])
    return {
        p["person_id"]: (status(life.get(p["person_id"]), death.get(p["person_id"])), matched.get(p["person_id"], ""))
        for p in roll
    }


def status(last_life: str | None, death: str | None) -> str:
    if death:
        return "manual" if last_life and last_life > death else "suspended"
    window_start = (AS_OF - timedelta(days=364)).isoformat()
    return "certified" if last_life and last_life >= window_start else "manual"


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        generate(tmp_path / name, 1500, AS_OF, seed=3, chunk_size=600, row_truth=True)
    generate(tmp_path / "c", 1500, AS_OF, seed=4, chunk_size=600, row_truth=True)
    a, b, c = (files_of(tmp_path / name) for name in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_headers_are_exactly_the_contracts(run: Run) -> None:
    assert run.data.pensioners_path.read_text(encoding="utf-8").splitlines()[0] == PENSIONER_HEADER
    for path in run.data.evidence_paths:
        assert path.read_text(encoding="utf-8").splitlines()[0] == EVIDENCE_HEADER
    truth_header = run.data.truth_path.read_text(encoding="utf-8").splitlines()[0]
    assert truth_header.startswith("person_id,alive,death_date,expected_status,expected_matched_by,")


def test_counts_match_the_files(run: Run) -> None:
    assert len(run.roll) == len(run.truth) == run.data.pensioners == 6000
    assert [p.name for p in run.data.evidence_paths] == [f"{name}.csv" for name in FILES[:4]]
    assert len(run.evidence) == run.data.evidence_rows == sum(run.data.rows_by_file.values())
    assert sum(run.data.expected_status_counts.values()) == 6000
    assert list(run.truth) == [p["person_id"] for p in run.roll]


def test_six_files_connect_every_source(tmp_path: Path) -> None:
    data = generate(tmp_path, 500, AS_OF, evidence_files=6)
    assert [p.name for p in data.evidence_paths] == [f"{name}.csv" for name in FILES]
    kinds = {(row["source"], row["kind"]) for path in data.evidence_paths for row in read(path)}
    assert {("cremation", "death"), ("household_deregistration", "death"), ("death_certificate", "death")} <= kinds


def test_parquet_holds_the_same_rows_as_csv(tmp_path: Path) -> None:
    as_csv = generate(tmp_path / "csv", 800, AS_OF, seed=5)
    as_parquet = generate(tmp_path / "parquet", 800, AS_OF, seed=5, fmt="parquet")
    for csv_path, parquet_path in zip(as_csv.evidence_paths, as_parquet.evidence_paths, strict=True):
        table = pq.read_table(parquet_path)
        assert table.column_names == EVIDENCE_HEADER.split(",")
        rows = [{k: "" if v is None else str(v) for k, v in row.items()} for row in table.to_pylist()]
        assert rows == read(csv_path)
    assert (tmp_path / "csv" / "truth.csv").read_bytes() == (tmp_path / "parquet" / "truth.csv").read_bytes()
    again = generate(tmp_path / "again", 800, AS_OF, seed=5, fmt="parquet")
    assert [p.read_bytes() for p in again.evidence_paths] == [p.read_bytes() for p in as_parquet.evidence_paths]


def test_roll_ids_are_valid_in_the_form_the_truth_names(run: Run) -> None:
    forms: Counter[str] = Counter()
    for person in run.roll:
        raw, form = person["id_number"], run.truth[person["person_id"]]["roll_id"]
        forms[form] += 1
        if form == "valid":
            assert len(raw) == 18 and is_valid_id_number(raw)
        elif form == "old15":
            assert raw.isdigit() and len(raw) == 15 and is_valid_id_number(raw)
        elif form == "fullwidth":
            assert not raw.isascii() and is_valid_id_number(raw)
        else:
            assert form == "blank" and raw == ""
    numbers = [normalise_id_number(p["id_number"]) for p in run.roll if p["id_number"]]
    assert len(set(numbers)) == len(numbers)
    assert forms["valid"] > 5700 and forms["old15"] > 50 and forms["fullwidth"] > 5 and forms["blank"] >= 1


def test_pensioners_were_born_1930_to_1965_and_retired_by_the_as_of_date(run: Run) -> None:
    assert all("1930-01-01" <= p["birth_date"] <= "1965-12-31" for p in run.roll)
    assert all(p["pension_start"] <= AS_OF.isoformat() for p in run.roll)
    ages = Counter(int(p["pension_start"][:4]) - int(p["birth_date"][:4]) for p in run.roll)
    assert set(ages) == {50, 51, 55, 56, 60, 61}  # December birthdays start in January


def test_an_id_number_encodes_the_birth_date_and_gender_on_the_roll(run: Run) -> None:
    for person in run.roll[:500]:
        number = normalise_id_number(person["id_number"]) if person["id_number"] else ""
        if number:
            assert number[6:14] == person["birth_date"].replace("-", "")
            assert int(number[16]) % 2 == (person["gender"] == "男")


def test_valid_ids_are_unique_to_one_person_across_everyone(run: Run) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for e in run.evidence:
        number = normalise_id_number(e["id_number"]) if e["id_number"].strip() else ""
        if is_valid18(number):
            owners[number].add(e["owner"])
    assert all(len(people) == 1 for people in owners.values())


def test_homophone_names_read_the_same_in_pinyin(run: Run) -> None:
    names = {p["person_id"]: p["name"] for p in run.roll}
    homophones = [e for e in run.evidence if "homophone" in e["noise"] and e["owner"] in names]
    assert len(homophones) > 100
    for e in homophones:
        assert e["name"] != names[e["owner"]]
        assert lazy_pinyin(e["name"]) == lazy_pinyin(names[e["owner"]])


def test_every_name_the_tables_can_make_reads_as_its_characters() -> None:
    """Per-character readings may be used as the name's reading only if no pypinyin phrase
    made of name characters reads differently in context."""
    tables = name_tables()
    surnames, given = set(tables.surnames.to_pylist()), set(tables.given.to_pylist()) - {""}
    for phrase in PHRASES_DICT:
        chars = list(phrase)
        fits = (
            (len(chars) in (2, 3) and chars[0] in surnames and all(c in given for c in chars[1:]))
            or (len(chars) == 2 and all(c in given for c in chars))
        )  # fmt: skip
        if fits:
            assert lazy_pinyin(phrase) == [lazy_pinyin(c)[0] for c in chars], phrase
    for char, alternatives in HOMOPHONES.items():
        assert all(lazy_pinyin(a) == lazy_pinyin(char) for a in alternatives)
    assert {s for s, _ in SURNAMES} <= surnames and set(MALE_GIVEN + FEMALE_GIVEN) <= given


def test_namesake_pairs_are_on_the_roll_with_different_ids(run: Run) -> None:
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for p in run.roll:
        groups[(p["name"], p["birth_date"], p["gender"])].append(p)
    pairs = [g for g in groups.values() if len(g) > 1]
    assert len(pairs) >= 10
    for group in pairs:
        assert all(run.truth[p["person_id"]]["namesake"] == "true" for p in group)
        numbers = [p["id_number"] for p in group if p["id_number"]]
        assert len({normalise_id_number(n) for n in numbers}) == len(numbers)


def test_people_not_on_the_roll_leave_evidence_and_some_share_a_pensioners_name(run: Run) -> None:
    roll_keys = {(p["name"], p["birth_date"], p["gender"]) for p in run.roll}
    others = [e for e in run.evidence if e["owner"].startswith("N")]
    assert len(others) > 1000
    assert sum((e["name"], e["birth_date"], e["gender"]) in roll_keys for e in others) > 100


def test_deaths_of_people_not_on_the_roll_carry_valid_ids(run: Run) -> None:
    roll_ids = {normalise_id_number(p["id_number"]) for p in run.roll if p["id_number"]}
    other_deaths = [e for e in run.evidence if e["owner"].startswith("N") and e["kind"] == "death"]
    assert len(other_deaths) > 5
    for e in other_deaths:
        assert is_valid_id_number(e["id_number"])
        assert normalise_id_number(e["id_number"]) not in roll_ids
        assert e["rule"] == ""


def test_rule_columns_are_what_the_contract_gives(run: Run) -> None:
    answers = certify_by_the_contract(run.roll, run.evidence)
    for person_id, (want_status, want_by) in answers.items():
        row = run.truth[person_id]
        assert (row["rule_status"], row["rule_matched_by"]) == (want_status, want_by), person_id


def test_expected_columns_are_the_contract_over_the_true_linkage(run: Run) -> None:
    ids = {p["person_id"]: normalise_id_number(p["id_number"]) if p["id_number"] else "" for p in run.roll}
    life: dict[str, str] = {}
    death: dict[str, str] = {}
    by: dict[str, str] = {}
    for e in run.evidence:
        who = e["owner"]
        if who not in ids or e["event_date"] > AS_OF.isoformat():
            continue
        number = normalise_id_number(e["id_number"]) if e["id_number"].strip() else ""
        by[who] = "id" if (ids[who] and number == ids[who]) or by.get(who) == "id" else "fuzzy"
        if e["kind"] == "death":
            death[who] = min(death.get(who, "9999"), e["event_date"])
        else:
            life[who] = max(life.get(who, ""), e["event_date"])
    for person_id, row in run.truth.items():
        assert row["expected_status"] == status(life.get(person_id), death.get(person_id)), person_id
        assert row["expected_matched_by"] == by.get(person_id, "")
        assert row["expected_last_life_event"] == life.get(person_id, "")


def test_hand_checked_profiles_get_the_statuses_the_rules_give(run: Run) -> None:
    by_profile: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in run.truth.values():
        by_profile[row["profile"]].append(row)
    for row in by_profile["silent"]:
        assert (row["alive"], row["expected_status"], row["expected_last_life_event"]) == ("true", "manual", "")
    for row in by_profile["lapsed"]:
        assert row["expected_status"] == "manual" and row["expected_last_life_event"] < "2024-11-01"
    for row in by_profile["dead_after_as_of"]:
        assert row["alive"] == "true" and row["death_date"] > AS_OF.isoformat() and row["expected_death_event"] == ""
    dead = [r for r in by_profile["dead"] if r["expected_death_event"] and r["roll_id"] != "blank"]
    assert dead and all(r["expected_status"] == "suspended" and r["expected_matched_by"] == "id" for r in dead)
    assert all(r["expected_death_event"] >= r["death_date"] for r in dead)
    conflicts = [r for r in by_profile["dead_conflict"] if r["expected_status"] == "manual"]
    assert conflicts and all(r["expected_last_life_event"] > r["expected_death_event"] for r in conflicts)
    assert all("misattributed" in r["noise"] for r in conflicts)


def test_no_life_event_falls_on_the_contested_edge_of_the_window(run: Run) -> None:
    edge = (AS_OF - timedelta(days=365)).isoformat()
    assert not [e for e in run.evidence if e["kind"] == "life" and e["event_date"] == edge]


def test_some_evidence_is_dated_after_the_as_of_date(run: Run) -> None:
    late = [e for e in run.evidence if e["event_date"] > AS_OF.isoformat()]
    assert len(late) > 200
    assert all("after_as_of" in e["noise"] for e in late)


def test_evidence_carries_every_kind_of_noise(run: Run) -> None:
    tags = Counter(tag for e in run.evidence for tag in e["noise"].split(";") if tag)
    expected = {"old_id", "fullwidth_id", "lower_x", "padded_id", "blank_id", "mistyped_id", "homophone"}
    expected |= {"wrong_birth", "blank_birth", "wrong_gender", "blank_gender", "after_as_of", "misattributed"}
    assert expected <= set(tags)
    transit = [e for e in run.evidence if e["source"] == "transit"]
    assert sum(e["id_number"] == "" for e in transit) / len(transit) > 0.2
    for e in run.evidence:
        if "mistyped_id" in e["noise"]:
            assert not is_valid_id_number(e["id_number"])
        if "padded_id" in e["noise"]:
            assert e["id_number"] != e["id_number"].strip() and len(e["id_number"]) == 20


def test_default_rates_give_the_pujiang_shares_in_bounded_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    data = generate(tmp_path, 50_000, AS_OF, chunk_size=10_000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    shares = {k: v / data.pensioners for k, v in data.expected_status_counts.items()}
    assert 0.62 < shares["certified"] < 0.68 and 0.010 < shares["suspended"] < 0.020
    assert 0.60 < data.rule_status_counts["certified"] / data.pensioners < 0.68
    assert 11 < data.evidence_rows / data.pensioners < 13.5
    size = sum(p.stat().st_size for p in data.evidence_paths)
    assert size / data.evidence_rows < 80
    # A chunk of 10,000 pensioners makes ~120,000 rows; all 600,000 would need far more.
    assert peak < 60 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_progress_is_reported_after_every_chunk(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(tmp_path, 250, AS_OF, chunk_size=100, progress=lambda *a: calls.append(a))
    assert [c for c in calls if c[0] == "evidence"] == [
        ("evidence", 100, 250),
        ("evidence", 200, 250),
        ("evidence", 250, 250),
    ]
    assert {c[0] for c in calls} == {"people", "evidence", "truth"}


def test_an_empty_roll_still_writes_the_headers(tmp_path: Path) -> None:
    data = generate(tmp_path, 0, AS_OF)
    assert data.pensioners_path.read_text(encoding="utf-8") == PENSIONER_HEADER + "\n"
    assert data.evidence_rows == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda out: generate(out, 10, AS_OF, evidence_files=0), "evidence_files"),
        (lambda out: generate(out, 10, AS_OF, evidence_files=7), "evidence_files"),
        (lambda out: generate(out, 10, AS_OF, fmt="xlsx"), "fmt"),  # type: ignore[arg-type]
        (lambda out: generate(out, -1, AS_OF), "pensioners"),
        (lambda out: NoiseRates(silent=0.9, lapsed=0.3), "add up"),
        (lambda out: NoiseRates(homophone=-0.1), "homophone"),
    ],
    ids=["no-files", "too-many-files", "format", "negative-roll", "profiles-over-1", "negative-rate"],
)
def test_bad_arguments_are_refused(tmp_path: Path, call: Callable[[Path], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(tmp_path)


def test_an_as_of_date_before_anyone_retired_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too early"):
        generate(tmp_path, 10, date(1975, 1, 1))
