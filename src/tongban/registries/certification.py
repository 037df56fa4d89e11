"""Silent certification (静默认证): decide, without asking anyone, which pensioners are alive.

``certify`` cross-matches a pensioner roll with evidence from other registries (hospital
visits, medical-insurance settlements, transit taps, cremations, death certificates…) and
writes one verdict per pensioner, in the formats of the CONTRACT. The per-pensioner rules
are in :mod:`tongban.registries.domain`; the job that applies them to millions of rows is
SQL (:mod:`tongban.registries.certify_sql`), run by DuckDB or Spark
(:mod:`tongban.registries.engines`).

Stages, reported through ``progress(stage, done, total)`` as each one starts:

1. ``read``: check both inputs' columns; load, check and number the pensioner roll;
2. ``normalise``: one pass over the evidence (checks, ID normalisation, grouping by match
   key), the roll's IDs, and the toneless pinyin of every distinct name that may match;
3. ``match``: ID owners and fuzzy-key owners (keys held twice identify nobody), matched
   evidence per pensioner;
4. ``decide``: status and reason per pensioner (always DuckDB, so engines agree byte for byte);
5. ``write``: the CSV, written to a temporary file and renamed only when complete.

Life evidence is recent when ``event_date > as_of - 365 days``: the 365 days ending on,
and including, ``as_of``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from tongban.errors import BadInput
from tongban.registries.certify_input import (
    CertifyInputError,
    EvidenceFile,
    engine_read_error,
    evidence_error,
    find_evidence,
    load_pensioners,
    quote,
)
from tongban.registries.certify_sql import EVIDENCE_SUMMARY, decision_sql, job
from tongban.registries.domain import MatchedBy, Status
from tongban.registries.engines import ENGINES, Engine, EngineSettings, duckdb_connection, open_engine

__all__ = ["STAGES", "CertifyInputError", "CertifySummary", "certify"]

STAGES = ("read", "normalise", "match", "decide", "write")
OUTPUT_COLUMNS = ("person_id", "status", "reason", "last_life_event", "death_event", "matched_by")
NOT_MATCHED = "none"

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CertifySummary:
    """What a run read and decided; ``lines()`` is the short table the command prints."""

    engine: str
    pensioners: int
    evidence_rows: int
    by_status: dict[str, int]  # every Status value
    by_match: dict[str, int]  # "id", "fuzzy" and "none"
    elapsed_seconds: float

    def lines(self) -> list[str]:
        rows = [
            ("养老金领取人 Pensioners", f"{self.pensioners:,}"),
            ("证据记录 Evidence rows", f"{self.evidence_rows:,}"),
            ("认证通过 Certified", f"{self.by_status[Status.CERTIFIED]:,}"),
            ("暂停发放 Suspended", f"{self.by_status[Status.SUSPENDED]:,}"),
            ("人工核实 Manual review", f"{self.by_status[Status.MANUAL]:,}"),
            ("身份证号匹配 Matched by ID", f"{self.by_match[MatchedBy.ID]:,}"),
            ("姓名拼音匹配 Matched by name", f"{self.by_match[MatchedBy.FUZZY]:,}"),
            ("未匹配 Not matched", f"{self.by_match[NOT_MATCHED]:,}"),
            ("引擎 Engine", self.engine),
            ("用时 Elapsed", f"{self.elapsed_seconds:.1f} s"),
        ]
        label_width = max(_display_width(label) for label, _ in rows)
        value_width = max(len(value) for _, value in rows)
        return [
            label + " " * (label_width - _display_width(label) + 2) + value.rjust(value_width) for label, value in rows
        ]


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def certify(
    pensioners: Path,
    evidence: Path,
    as_of: date,
    out: Path,
    engine: str = "duckdb",
    progress: Progress | None = None,
    work_dir: Path | None = None,
    *,
    settings: EngineSettings | None = None,
) -> CertifySummary:
    """Certify every pensioner in ``pensioners`` against the evidence folder, writing ``out``.

    Raises :class:`CertifyInputError` (a ``BadInput``) naming the file and row of the first
    problem; ``out`` then is neither created nor changed. ``work_dir`` (default: next to
    ``out``) holds spilled data and intermediate Parquet, and is cleaned up afterwards.
    """
    started = time.monotonic()
    if engine not in ENGINES:
        raise BadInput(
            f"未知的引擎 {engine}，可选 {'、'.join(ENGINES)}",
            f"unknown engine {engine}; use one of {', '.join(ENGINES)}",
            field="engine",
        )
    if not out.parent.is_dir():
        raise CertifyInputError("输出文件所在的文件夹不存在", "the output file's folder does not exist", file=out)
    report = _reporter(progress)
    settings = settings or EngineSettings.from_env()
    with _scratch(work_dir or out.parent) as scratch, duckdb_connection(settings, scratch) as con:
        report("read")
        files = find_evidence(con, evidence)
        roll_size = load_pensioners(con, pensioners, scratch / "pensioners.parquet")
        evidence_rows, per_pensioner = _match(con, engine, settings, scratch, files, as_of, report)
        report("decide")
        con.execute(f"CREATE TABLE verdicts AS {decision_sql(per_pensioner, as_of)}")
        by_status, by_match = _counts(con)
        report("write")
        _write_atomically(con, out)
    report("done")
    return CertifySummary(engine, roll_size, evidence_rows, by_status, by_match, time.monotonic() - started)


def _match(
    con: duckdb.DuckDBPyConnection,
    engine_name: str,
    settings: EngineSettings,
    scratch: Path,
    files: list[EvidenceFile],
    as_of: date,
    report: Callable[[str], None],
) -> tuple[int, str]:
    """Run the job on the chosen engine; return the evidence rows read and the per-pensioner relation."""
    engine = open_engine(engine_name, con, settings, scratch)
    try:
        engine.load_sources(scratch / "pensioners.parquet", files)
        # The first step reads all evidence once; its result says whether any row is unusable.
        first, *rest = job(as_of)
        report(first.stage)
        try:
            engine.create(first)
        except Exception as error:
            if engine.is_input_error(error):
                raise engine_read_error(files[0].path.parent, error) from error
            raise
        evidence_rows = _check_evidence(con, engine, files)
        for step in rest:
            report(step.stage)
            engine.create(step)
        return evidence_rows, engine.export(rest[-1].name)
    finally:
        engine.close()


def _check_evidence(con: duckdb.DuckDBPyConnection, engine: Engine, files: list[EvidenceFile]) -> int:
    """Stop at the first unusable evidence row, which the grouped evidence marks by file."""
    [(rows_read, bad_file)] = engine.rows(EVIDENCE_SUMMARY)
    if bad_file is not None:
        raise evidence_error(con, files, hint=engine.file_name(bad_file))
    return int(rows_read)


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, int]]:
    by_status = {status.value: 0 for status in Status}
    by_match = {MatchedBy.ID.value: 0, MatchedBy.FUZZY.value: 0, NOT_MATCHED: 0}
    for status, matched_by, count in con.execute(
        "SELECT status, matched_by, count(*) FROM verdicts GROUP BY status, matched_by"
    ).fetchall():
        by_status[status] += count
        by_match[matched_by or NOT_MATCHED] += count
    return by_status, by_match


def _write_atomically(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Write next to ``out`` and rename, so a reader never sees half a file and a failure leaves none."""
    partial = out.with_name(f".{out.name}.{uuid.uuid4().hex}.partial")
    columns = "person_id, status, reason, strftime(life, '%Y-%m-%d') AS last_life_event"
    columns += ", strftime(death, '%Y-%m-%d') AS death_event, matched_by"
    try:
        con.execute(
            f"COPY (SELECT {columns} FROM verdicts ORDER BY rn) TO {quote(str(partial))} (FORMAT csv, HEADER true)"
        )
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _reporter(progress: Progress | None) -> Callable[[str], None]:
    """Calls ``progress(stage, stages done, total)`` once per stage, as it starts."""
    seen: list[str] = []

    def report(stage: str) -> None:
        if stage in seen:
            return
        seen.append(stage)
        if progress is not None:
            done = len(STAGES) if stage == "done" else STAGES.index(stage)
            progress(stage, done, len(STAGES))

    return report


@contextmanager
def _scratch(parent: Path) -> Iterator[Path]:
    """A private working folder, removed afterwards whatever happens."""
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".tongban-certify-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
