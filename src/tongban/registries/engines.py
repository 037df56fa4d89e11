"""Where the silent-certification job runs: DuckDB on one machine, Spark when data outgrows it.

Both engines take the same :func:`tongban.registries.certify_sql.job` and differ only in
how they read files, register the pinyin function and materialise a step. Spark is
imported only when asked for, so the command line stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import duckdb.func
import pyarrow as pa

from tongban.registries.certify_input import EVIDENCE_READ, EvidenceFile, csv_source, parquet_source, quote
from tongban.registries.certify_sql import Step
from tongban.registries.domain import name_key

ENGINES = ("duckdb", "spark")


def _physical_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None


@dataclass(frozen=True)
class EngineSettings:
    """Resources for one run; :meth:`from_env` reads the ``TONGBAN_CERTIFY_*`` overrides."""

    memory_limit: str = field(default_factory=lambda: f"{int(_physical_memory() * 0.6) // 2**20}MB")
    threads: int = field(default_factory=lambda: os.cpu_count() or 1)
    spark_shuffle_partitions: int = 8
    spark_driver_memory: str = field(default_factory=lambda: f"{int(_physical_memory() * 0.5) // 2**20}m")

    @classmethod
    def from_env(cls) -> EngineSettings:
        overrides: dict[str, Any] = {
            "memory_limit": os.environ.get("TONGBAN_CERTIFY_MEMORY_LIMIT"),
            "threads": _env_int("TONGBAN_CERTIFY_THREADS"),
            "spark_shuffle_partitions": _env_int("TONGBAN_CERTIFY_SHUFFLE_PARTITIONS"),
            "spark_driver_memory": os.environ.get("TONGBAN_CERTIFY_SPARK_DRIVER_MEMORY"),
        }
        return cls(**{key: value for key, value in overrides.items() if value is not None})


@contextmanager
def duckdb_connection(settings: EngineSettings, work_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database file in ``work_dir``, so that tables and spilled operators can leave memory."""
    con = duckdb.connect(str(work_dir / "certify.duckdb"))
    try:
        con.execute(f"SET memory_limit = {quote(settings.memory_limit)}")
        con.execute(f"SET threads = {int(settings.threads)}")
        con.execute(f"SET temp_directory = {quote(str(work_dir / 'duckdb-spill'))}")
        # Order is restored from row numbers where it matters; not keeping it saves memory.
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        yield con
    finally:
        con.close()


def pinyin_batch(names: Sequence[str | None]) -> list[str | None]:
    return [name_key(name) for name in names]


class Engine(Protocol):
    """One run of the job on one engine."""

    def load_sources(self, pensioners: Path, evidence: Sequence[EvidenceFile]) -> None:
        """Register the views ``pensioners_src`` and ``evidence_src`` (see ``certify_sql``)."""

    def create(self, step: Step) -> None:
        """Materialise a step as a table the following steps can read by its name."""

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """A small query's result (DuckDB SQL)."""

    def export(self, table: str) -> str:
        """A DuckDB relation (``read_parquet(...)``) over a materialised table, for the decision step."""

    def file_name(self, raw: str) -> str:
        """The evidence file's base name from the engine's ``file`` column."""

    def is_input_error(self, error: Exception) -> bool:
        """Whether ``error``, raised while reading evidence, is about the files (not a bug)."""

    def close(self) -> None: ...


def _pinyin_arrow(names: pa.Array) -> pa.Array:
    return pa.array(pinyin_batch(names.to_pylist()), type=pa.string())


class DuckDBEngine:
    """Runs the job in the run's DuckDB connection; tables live in its database file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, work_dir: Path) -> None:
        self.con = con
        self.work_dir = work_dir
        con.create_function(
            "pinyin", _pinyin_arrow, ["VARCHAR"], "VARCHAR", type=duckdb.func.PythonUDFType.ARROW, side_effects=False
        )

    def load_sources(self, pensioners: Path, evidence: Sequence[EvidenceFile]) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW pensioners_src AS SELECT * FROM {parquet_source(pensioners)}")
        columns = ", ".join(f"CAST({column} AS VARCHAR) AS {column}" for column in EVIDENCE_READ)
        # CSV files are read together when they share a header; Parquet files always are.
        # The virtual `filename` column costs nothing until a bad row asks for it.
        sources = [csv_source([file.path for file in group], group[0].columns) for group in _csv_groups(evidence)]
        parquets = [file.path for file in evidence if file.format == "parquet"]
        if parquets:
            sources.append(parquet_source(parquets, union=True))
        selects = [f"SELECT {columns}, parse_filename(filename) AS file FROM {source}" for source in sources]
        self.con.execute("CREATE OR REPLACE VIEW evidence_src AS " + " UNION ALL ".join(selects))

    def create(self, step: Step) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {step.name} AS {step.sql}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def export(self, table: str) -> str:
        target = self.work_dir / f"{table}.parquet"
        self.con.execute(f"COPY {table} TO {quote(str(target))} (FORMAT parquet)")
        return parquet_source(target)

    def file_name(self, raw: str) -> str:
        return raw

    def is_input_error(self, error: Exception) -> bool:
        return isinstance(error, (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException))

    def close(self) -> None:
        for view in ("evidence_src", "pensioners_src"):
            self.con.execute(f"DROP VIEW IF EXISTS {view}")


def _csv_groups(evidence: Sequence[EvidenceFile]) -> list[list[EvidenceFile]]:
    groups: dict[tuple[str, ...], list[EvidenceFile]] = {}
    for file in evidence:
        if file.format == "csv":
            groups.setdefault(file.columns, []).append(file)
    return list(groups.values())


def open_engine(name: str, con: duckdb.DuckDBPyConnection, settings: EngineSettings, work_dir: Path) -> Engine:
    if name == "spark":
        from tongban.registries.certify_spark import SparkEngine  # pyspark is slow to import

        return SparkEngine(settings, work_dir)
    return DuckDBEngine(con, work_dir)
