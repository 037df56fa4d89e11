"""Realistic test data for silent pension certification (静默认证), at any size.

``generate`` writes the files ``tongban certify`` reads (CONTRACT.md, "Silent certification
files") and a ``truth.csv`` saying what the answer should be:

- ``pensioners.csv`` — the roll: ``person_id,id_number,name,gender,birth_date,region_code,pension_start``;
- ``evidence/<file>.csv|.parquet`` — one file per connected data provider (see ``FILES``),
  columns ``id_number,name,gender,birth_date,event_date,source,kind``;
- ``truth.csv`` — one row per pensioner, in roll order: ``expected_*`` are the contract's
  status rules over the true linkage (what the generator made for each person), ``rule_*``
  the same rules over the contract's own matching (what a perfect engine answers), plus the
  person's profile, roll ID form, namesake flag and the noise on their rows;
- with ``row_truth=True``, ``evidence_truth/<file>.csv`` — for every evidence row, in the same
  order, whose it is (``P…`` pensioner, ``N…`` someone not on the roll), its noise tags and
  the pensioner the contract's rules match it to.

``expected_matched_by`` is ``id`` when one of the person's rows (dated by ``as_of``) has the
roll's ID after normalisation, ``fuzzy`` when none does, blank without rows. No life event is
dated exactly ``as_of`` − 365, so either reading of "the 365 days up to --as-of" gives the same
truth. ``namesake`` marks pensioners whose name (toneless pinyin), birth date and gender are
shared on the roll: the planted pairs (``NoiseRates.namesakes``) and the chance ones, which grow
with the roll as they do in life (about 2% at a million pensioners, 5% at five million).

People are drawn first as compact arrays (about 60 bytes a pensioner in all), then evidence
is made and written chunk by chunk with vectorised NumPy draws, so memory does not grow with
the number of evidence rows. The same arguments and seed give byte-identical files.

People not on the roll never have a death record without a valid ID number: death
certificates, cremations and household deregistrations are issued against a checked ID, and
a blank-ID death sharing a pensioner's name, birth date and gender would otherwise suspend a
living pensioner through the fuzzy rule — the worst error the contract names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np

from tongban.registries import generator_chunk as chunk
from tongban.registries.generator_evidence import FILES
from tongban.registries.generator_names import name_tables
from tongban.registries.generator_people import FuzzyIndex, People, assign_sequences, days, draw_others, draw_pensioners

__all__ = ["FILES", "GeneratedData", "NoiseRates", "generate"]

Progress = Callable[[str, int, int], None]
DEFAULT_CHUNK = 200_000


@dataclass(frozen=True)
class NoiseRates:
    """Rates of everything that makes the data realistic. Shares are of pensioners unless said.

    The defaults give about 65% certified from data (the 浦江 figure), 1.5% suspended and
    the rest manual, with about 12 evidence rows per pensioner.
    """

    # Profiles of pensioners (the rest are active: several life events in the last year).
    dead: float = 0.015  # died in the 365 days before as_of
    dead_after_as_of: float = 0.003  # die in the 60 days after as_of: must not count
    conflict: float = 0.05  # share of the dead with a misattributed bank withdrawal after death
    silent: float = 0.10  # alive, no life evidence at all (housebound, abroad with family)
    lapsed: float = 0.23  # alive, last life evidence 1–3 years ago (no connected source sees them now)
    namesakes: float = 0.005  # pensioners made namesakes (same name, birth date, gender) of another

    # Evidence volume (Poisson means).
    recent_events: float = 9.0  # active: life events in the last year, beyond the first
    older_events: float = 6.0  # active: life events 1–3 years ago
    lapsed_events: float = 3.0  # lapsed: life events 1–3 years ago, beyond the first
    dead_events: float = 8.0  # dead: life events in the three years before death
    after_as_of: float = 0.20  # share of active pensioners with life evidence after as_of

    # Death records: chance each source has one (at least one always does).
    death_certificate: float = 0.95  # 死亡医学证明, in hospital.csv
    cremation: float = 0.85  # 火化, civil_affairs_deaths
    deregistration: float = 0.75  # 户籍注销, household_registration

    # People not on the roll, per pensioner.
    non_pensioners: float = 0.10
    non_pensioner_namesakes: float = 0.30  # share of them sharing a pensioner's name, birth date, gender
    non_pensioner_deaths: float = 0.02  # share of them who die (always with a valid ID)
    non_pensioner_events: float = 3.0  # life events beyond the first

    # The roll's ID numbers.
    roll_old_id: float = 0.02  # 15-digit pre-1999 number
    roll_fullwidth_id: float = 0.005
    roll_blank_id: float = 0.003

    # Evidence rows (share of rows).
    old_id: float = 0.02
    fullwidth_id: float = 0.01
    lower_x: float = 0.5  # share of IDs ending in X typed with x
    padded_id: float = 0.02
    blank_id: float = 0.01
    transit_blank_id: float = 0.30  # transit cards are often not registered to an ID
    mistyped_id: float = 0.005
    homophone: float = 0.01
    wrong_birth: float = 0.003  # off by 1–30 days; life events only
    blank_birth: float = 0.005
    wrong_gender: float = 0.001
    blank_gender: float = 0.005

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not value >= 0 or (not f.name.endswith("events") and f.name != "non_pensioners" and value > 1):
                raise ValueError(f"NoiseRates.{f.name} must be a share between 0 and 1 (events: >= 0), got {value}")
        bands = {
            "dead + dead_after_as_of + silent + lapsed": self.dead + self.dead_after_as_of + self.silent + self.lapsed,
            "roll_*_id": self.roll_old_id + self.roll_fullwidth_id + self.roll_blank_id,
            "ID noise of a transit row": self.transit_blank_id + self.mistyped_id + self.old_id
            + self.fullwidth_id + self.padded_id,
            "ID noise of a row": self.blank_id + self.mistyped_id + self.old_id + self.fullwidth_id + self.padded_id,
            "wrong_birth + blank_birth": self.wrong_birth + self.blank_birth,
            "wrong_gender + blank_gender": self.wrong_gender + self.blank_gender,
        }  # fmt: skip
        for name, total in bands.items():
            if total > 1:
                raise ValueError(f"NoiseRates: {name} add up to {total:.3f}, more than 1")


@dataclass(frozen=True)
class GeneratedData:
    """Where the files are and what they hold; status counts are over all pensioners."""

    out_dir: Path
    pensioners_path: Path
    evidence_dir: Path
    evidence_paths: tuple[Path, ...]
    truth_path: Path
    pensioners: int
    non_pensioners: int
    evidence_rows: int
    rows_by_file: Mapping[str, int]
    expected_status_counts: Mapping[str, int]
    rule_status_counts: Mapping[str, int]


def generate(
    out_dir: Path,
    pensioners: int,
    as_of: date,
    seed: int = 1,
    evidence_files: int = 4,
    fmt: Literal["csv", "parquet"] = "csv",
    progress: Progress | None = None,
    *,
    rates: NoiseRates | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    row_truth: bool = False,
) -> GeneratedData:
    """Write a roll of ``pensioners``, evidence from ``evidence_files`` providers and the truth.

    ``evidence_files`` connects the first that many of ``FILES`` (1–6; the default four are
    hospital — which also issues death certificates —, medical insurance, transit and bank).
    ``progress(stage, done, total)`` is called after each chunk of each stage (``people``,
    ``evidence``, ``truth``), counting pensioners. Output depends on the seed and on every
    argument, ``chunk_size`` included.
    """
    rates = rates or NoiseRates()
    _check_arguments(pensioners, evidence_files, fmt, chunk_size)
    report = progress or (lambda stage, done, total: None)
    tables = name_tables()
    spans = [range(a, min(a + chunk_size, pensioners)) for a in range(0, pensioners, chunk_size)]
    others = _other_spans(spans, pensioners, rates)
    people = People.allocate(pensioners, others[-1].stop - pensioners if others else 0)
    for c, (span, other) in enumerate(zip(spans, others, strict=True)):
        rng = np.random.default_rng([seed, 1, c])
        draw_pensioners(rng, people, span, as_of, rates, tables)
        draw_others(rng, people, other, span, as_of, rates, tables)
        report("people", span.stop, pensioners)
    assign_sequences(people)
    paths = chunk.Paths.create(Path(out_dir), evidence_files, fmt, row_truth)
    state = chunk.State.create(people, FuzzyIndex.build(people, tables), tables, days(as_of), rates)
    with chunk.Writers.open(paths, evidence_files, fmt, row_truth) as writers:
        for c, (span, other) in enumerate(zip(spans, others, strict=True)):
            chunk.write_chunk(np.random.default_rng([seed, 2, c]), state, span, other, writers)
            report("evidence", span.stop, pensioners)
        rows_by_file = {path.name: sink.rows for path, sink in zip(paths.evidence, writers.evidence, strict=True)}
    expected, rule = chunk.write_truth(paths.truth, state, spans, report)
    return GeneratedData(
        out_dir=paths.out_dir,
        pensioners_path=paths.pensioners,
        evidence_dir=paths.evidence_dir,
        evidence_paths=tuple(paths.evidence),
        truth_path=paths.truth,
        pensioners=pensioners,
        non_pensioners=len(people.birth) - pensioners,
        evidence_rows=sum(rows_by_file.values()),
        rows_by_file=rows_by_file,
        expected_status_counts=_counts(expected),
        rule_status_counts=_counts(rule),
    )


def _check_arguments(pensioners: int, evidence_files: int, fmt: str, chunk_size: int) -> None:
    if pensioners < 0:
        raise ValueError(f"pensioners must be 0 or more, got {pensioners}")
    if not 1 <= evidence_files <= len(FILES):
        raise ValueError(f"evidence_files must be between 1 and {len(FILES)}, got {evidence_files}")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be csv or parquet, got {fmt!r}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")


def _other_spans(spans: list[range], pensioners: int, rates: NoiseRates) -> list[range]:
    """People not on the roll, numbered after the pensioners, a share of each chunk's size."""
    result, start = [], pensioners
    for span in spans:
        count = round(len(span) * rates.non_pensioners)
        result.append(range(start, start + count))
        start += count
    return result


def _counts(codes: np.ndarray) -> dict[str, int]:
    names = chunk.STATUS_NAMES
    return {name: int(n) for name, n in zip(names, np.bincount(codes, minlength=len(names)), strict=True)}
