"""One chunk of the generator: the roll's rows, their evidence, the tallies; then the truth file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tongban.registries.generator_evidence import (
    FILES,
    PROFILE_LABELS,
    SOURCE_DEATH,
    SOURCE_FILE,
    SOURCES,
    Profile,
    Rows,
    Written,
    add_noise,
    deaths,
    draw_profiles,
    other_events,
    pensioner_life,
)
from tongban.registries.generator_io import IdForm, TableSink, dates, id_numbers, numbered
from tongban.registries.generator_names import Array, NameTables, name_strings
from tongban.registries.generator_people import FuzzyIndex, People, id_digits, pension_start
from tongban.registries.generator_truth import (
    MATCHED_BY_LABELS,
    STATUS_LABELS,
    Tally,
    labels,
    noise_labels,
    rule_links,
    true_links,
)

if TYPE_CHECKING:
    from tongban.registries.generator import NoiseRates

STATUS_NAMES = tuple(STATUS_LABELS.to_pylist())


def _schema(header: str) -> pa.Schema:
    """Columns named in ``header``: dates and yes/no flags typed, everything else text."""
    dates_, flags = ("date", "pension_start", "event"), ("alive", "namesake")
    return pa.schema(
        [
            (c, pa.date32() if c.endswith(dates_) else pa.bool_() if c in flags else pa.string())
            for c in header.split(",")
        ]
    )


# The first two are the contract's headers (CONTRACT.md, "Silent certification files").
PENSIONER_SCHEMA = _schema("person_id,id_number,name,gender,birth_date,region_code,pension_start")
EVIDENCE_SCHEMA = _schema("id_number,name,gender,birth_date,event_date,source,kind")
TRUTH_SCHEMA = _schema(
    "person_id,alive,death_date,expected_status,expected_matched_by,expected_last_life_event,expected_death_event,"
    "rule_status,rule_matched_by,rule_last_life_event,rule_death_event,profile,roll_id,namesake,noise"
)
ROW_TRUTH_SCHEMA = _schema("person_id,noise,rule_person_id")
_GENDERS = pa.array(["女", "男"])
_SOURCE_NAMES = pa.array([s.name for s in SOURCES])
_KINDS = pa.array(["life", "death"])
_ROLL_ID_LABELS = pa.array(["valid", "old15", "fullwidth", "lower_x", "padded", "blank", "mistyped"])
_PROFILE_LABELS = pa.array(PROFILE_LABELS)


@dataclass(frozen=True)
class Paths:
    out_dir: Path
    pensioners: Path
    evidence_dir: Path
    evidence: list[Path]
    truth: Path
    row_truth: list[Path]

    @classmethod
    def create(cls, out_dir: Path, evidence_files: int, fmt: str, row_truth: bool) -> Paths:
        """Make the folders and remove files a previous run left under this generator's names."""
        evidence_dir, truth_dir = out_dir / "evidence", out_dir / "evidence_truth"
        for folder in (evidence_dir, truth_dir):
            for name in FILES:
                for suffix in (".csv", ".parquet"):
                    (folder / f"{name}{suffix}").unlink(missing_ok=True)
        evidence_dir.mkdir(parents=True, exist_ok=True)
        if row_truth:
            truth_dir.mkdir(exist_ok=True)
        return cls(
            out_dir=out_dir,
            pensioners=out_dir / "pensioners.csv",
            evidence_dir=evidence_dir,
            evidence=[evidence_dir / f"{name}.{fmt}" for name in FILES[:evidence_files]],
            truth=out_dir / "truth.csv",
            row_truth=[truth_dir / f"{name}.csv" for name in FILES[:evidence_files]] if row_truth else [],
        )


@dataclass
class Writers:
    roll: TableSink
    evidence: list[TableSink]
    row_truth: list[TableSink]

    @classmethod
    @contextmanager
    def open(cls, paths: Paths, evidence_files: int, fmt: str, row_truth: bool) -> Iterator[Writers]:
        sinks: list[TableSink] = []
        try:
            sinks.append(roll := TableSink(paths.pensioners, PENSIONER_SCHEMA, "csv"))
            evidence = [TableSink(path, EVIDENCE_SCHEMA, fmt) for path in paths.evidence]
            sinks += evidence
            truths = [TableSink(path, ROW_TRUTH_SCHEMA, "csv") for path in paths.row_truth]
            sinks += truths
            yield cls(roll, evidence, truths)
        finally:
            for sink in sinks:
                sink.close()


@dataclass
class State:
    """Everything kept across chunks: people, the fuzzy index, and per-pensioner outcomes."""

    people: People
    index: FuzzyIndex
    tables: NameTables
    as_of: int
    rates: NoiseRates
    roll_form: Array
    profile: Array
    death: Array
    noise: Array
    expected: Tally
    rule: Tally

    @classmethod
    def create(cls, people: People, index: FuzzyIndex, tables: NameTables, as_of: int, rates: NoiseRates) -> State:
        n = people.pensioners
        return cls(
            people=people,
            index=index,
            tables=tables,
            as_of=as_of,
            rates=rates,
            roll_form=np.zeros(n, np.uint8),
            profile=np.zeros(n, np.uint8),
            death=np.zeros(n, np.int32),
            noise=np.zeros(n, np.uint16),
            expected=Tally(n),
            rule=Tally(n),
        )


def _roll_forms(rng: np.random.Generator, n: int, rates: NoiseRates) -> Array:
    u = rng.random(n)
    form = np.full(n, IdForm.OK, np.uint8)
    form[u < rates.roll_old_id + rates.roll_fullwidth_id + rates.roll_blank_id] = IdForm.BLANK
    form[u < rates.roll_old_id + rates.roll_fullwidth_id] = IdForm.FULLWIDTH
    form[u < rates.roll_old_id] = IdForm.OLD15
    return form


def _roll_table(rng: np.random.Generator, state: State, span: range) -> pa.Table:
    p, t = state.people, state.tables
    index = np.arange(span.start, span.stop)
    digits, check = id_digits(p, index, t)
    columns = [
        numbered("P", index + 1),
        id_numbers(rng, digits, check, state.roll_form[index]),
        name_strings(p.surname[index], p.g1[index], p.g2[index], t),
        pc.take(_GENDERS, pa.array(p.male[index].astype(np.int8))),
        dates(p.birth[index]),
        pc.take(t.region_roll_codes, pa.array(p.region[index])),
        dates(pension_start(p.birth[index], p.retire_age[index])),
    ]
    return pa.Table.from_arrays(columns, schema=PENSIONER_SCHEMA)


def _events(rng: np.random.Generator, state: State, span: range, other: range, connected: int) -> Rows:
    """All rows of the chunk from connected files, ordered by file then event date."""
    profile, death = draw_profiles(rng, len(span), state.as_of, state.rates)
    state.profile[span.start : span.stop], state.death[span.start : span.stop] = profile, death
    dying = np.flatnonzero(profile >= Profile.DEAD)
    rows = Rows.concat(
        [
            pensioner_life(rng, span.start, profile, death, state.as_of, state.rates),
            deaths(rng, (dying + span.start).astype(np.int32), death[dying], state.rates),
            other_events(rng, other, state.as_of, state.rates),
        ]
    )
    file = SOURCE_FILE[rows.source]
    keep = np.flatnonzero(file < connected)
    return rows.take(keep[np.lexsort((rows.day[keep], file[keep]))])


def _evidence_table(
    rng: np.random.Generator, rows: Rows, written: Written, digits: Array, check: Array, tables: NameTables
) -> pa.Table:
    known = written.gender_known
    columns = [
        id_numbers(rng, digits, check, written.form),
        name_strings(written.surname, written.g1, written.g2, tables),
        pc.take(_GENDERS, pa.array(written.male.astype(np.int8), mask=~known)),
        dates(written.birth, written.birth_known),
        dates(rows.day),
        pc.take(_SOURCE_NAMES, pa.array(rows.source)),
        pc.take(_KINDS, pa.array(SOURCE_DEATH[rows.source].astype(np.int8))),
    ]
    return pa.Table.from_arrays(columns, schema=EVIDENCE_SCHEMA)


def _row_truth_table(rows: Rows, written: Written, rule: Array, pensioners: int) -> pa.Table:
    on_roll = rows.person < pensioners
    letters = np.where(on_roll, ord("P"), ord("N")).astype(np.uint8)
    number = np.where(on_roll, rows.person + 1, rows.person - pensioners + 1)
    columns = [numbered(letters, number), noise_labels(written.noise), numbered("P", rule + 1, valid=rule >= 0)]
    return pa.Table.from_arrays(columns, schema=ROW_TRUTH_SCHEMA)


def write_chunk(rng: np.random.Generator, state: State, span: range, other: range, writers: Writers) -> None:
    """Write the chunk's roll rows and evidence, and tally both linkages."""
    people, n = state.people, state.people.pensioners
    state.roll_form[span.start : span.stop] = _roll_forms(rng, len(span), state.rates)
    writers.roll.write(_roll_table(rng, state, span))
    rows = _events(rng, state, span, other, len(writers.evidence))
    # ID digits per person of the chunk, then looked up per row: ten times fewer dates to split.
    digits, check = id_digits(people, np.r_[span.start : span.stop, other.start : other.stop], state.tables)
    local = np.where(rows.person < n, rows.person - span.start, rows.person - other.start + len(span))
    check = check[local]
    written = add_noise(rng, rows, people, check, state.as_of, state.rates, state.tables)
    roll_blank = state.roll_form == IdForm.BLANK
    truth = true_links(rows, written, n, roll_blank)
    state.expected.add(truth, rows, state.as_of)
    mine = truth.pensioner >= 0
    np.bitwise_or.at(state.noise, truth.pensioner[mine], written.noise[mine])
    del truth, mine
    rule = rule_links(rows, written, n, roll_blank, state.index, state.tables)
    state.rule.add(rule, rows, state.as_of)
    # One file at a time, so that only one file's Arrow columns exist at once.
    bounds = np.searchsorted(SOURCE_FILE[rows.source], np.arange(len(writers.evidence) + 1))
    for k, sink in enumerate(writers.evidence):
        part = slice(bounds[k], bounds[k + 1])
        some, said = rows.take(part), written.take(part)
        sink.write(_evidence_table(rng, some, said, digits[local[part]], check[part], state.tables))
        if writers.row_truth:
            writers.row_truth[k].write(_row_truth_table(some, said, rule.pensioner[part], n))


def _truth_table(state: State, span: range) -> tuple[pa.Table, Array, Array]:
    part = slice(span.start, span.stop)
    expected, expected_by = state.expected.statuses(part, state.as_of)
    rule, rule_by = state.rule.statuses(part, state.as_of)
    e_life, e_has_life, e_death, e_has_death = state.expected.dates(part)
    r_life, r_has_life, r_death, r_has_death = state.rule.dates(part)
    death = state.death[part]
    columns = [
        numbered("P", np.arange(span.start, span.stop) + 1),
        pa.array(death > state.as_of),
        dates(death, death != np.iinfo(np.int32).max),
        labels(expected, STATUS_LABELS),
        labels(expected_by, MATCHED_BY_LABELS),
        dates(e_life, e_has_life),
        dates(e_death, e_has_death),
        labels(rule, STATUS_LABELS),
        labels(rule_by, MATCHED_BY_LABELS),
        dates(r_life, r_has_life),
        dates(r_death, r_has_death),
        labels(state.profile[part], _PROFILE_LABELS),
        labels(state.roll_form[part], _ROLL_ID_LABELS),
        pa.array(state.index.namesake[part]),
        noise_labels(state.noise[part]),
    ]
    return pa.Table.from_arrays(columns, schema=TRUTH_SCHEMA), expected, rule


def write_truth(
    path: Path, state: State, spans: list[range], report: Callable[[str, int, int], None]
) -> tuple[Array, Array]:
    """Write truth.csv; return every pensioner's expected and rule status codes."""
    expected, rule = [], []
    sink = TableSink(path, TRUTH_SCHEMA, "csv")
    try:
        for span in spans:
            table, e, r = _truth_table(state, span)
            sink.write(table)
            expected.append(e)
            rule.append(r)
            report("truth", span.stop, state.people.pensioners)
    finally:
        sink.close()
    empty = np.zeros(0, np.uint8)
    return np.concatenate(expected or [empty]), np.concatenate(rule or [empty])
