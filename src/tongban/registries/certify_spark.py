"""The Spark engine: the same job, transpiled from DuckDB SQL by sqlglot.

A local session (``local[N]``, bound to 127.0.0.1, no UI, quiet logs) is created for one
run and stopped after it. Every step is written to Parquet in the work directory and read
back, which keeps query plans short and runs the pinyin UDF once per distinct name.
"""

from __future__ import annotations

import os
import sys
import urllib.parse
import warnings
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tongban.registries.certify_input import EVIDENCE_READ, EvidenceFile, quote
from tongban.registries.certify_sql import Step, to_spark
from tongban.registries.engines import EngineSettings, pinyin_batch

# Root at WARN, not ERROR: a PySpark driver prints "Setting default log level" whenever the
# root level differs from WARN. The session then lowers it to ERROR.
_LOG4J = """\
rootLogger.level = warn
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
logger.conf.name = org.apache.spark.SparkConf
logger.conf.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _session(settings: EngineSettings, work_dir: Path) -> SparkSession:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers must see the same packages (pypinyin) as this process.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    log4j = work_dir / "log4j2.properties"
    log4j.write_text(_LOG4J, encoding="utf-8")
    builder = (
        SparkSession.builder.master(f"local[{settings.threads}]")
        .appName("tongban-certify")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", settings.spark_driver_memory)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log4j}")
        .config("spark.local.dir", str(work_dir / "spark-local"))
        .config("spark.sql.shuffle.partitions", str(settings.spark_shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        # Typos like 0201-05-01 are valid dates; do not refuse to write them.
        .config("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED")
        .config("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _pinyin(names: pa.Array) -> pa.Array:
    return pa.array(pinyin_batch(names.to_pylist()), type=pa.string())


class SparkEngine:
    def __init__(self, settings: EngineSettings, work_dir: Path) -> None:
        self.work_dir = work_dir / "spark"
        with warnings.catch_warnings():
            # pyspark warns about pandas 3 (the job uses Arrow, not pandas) and prefers type
            # hints to an explicit UDF type (which the type checker needs).
            warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
            warnings.filterwarnings("ignore", message="It is preferred to specify type hints for arrow UDF")
            self.session = _session(settings, work_dir)
            self.session.udf.register("pinyin", F.arrow_udf(_pinyin, "string", F.ArrowUDFType.SCALAR))

    def _evidence_group(self, files: list[EvidenceFile]) -> DataFrame:
        """Files with one layout, read together; every needed column as text, plus the file name."""
        paths = [str(file.path) for file in files]
        if files[0].format == "csv":
            reader = self.session.read.options(header=True, sep=",", quote='"', escape='"', mode="FAILFAST")
            frame = reader.csv(paths)
            # A byte-order mark from Excel sticks to the first column's name.
            frame = frame.toDF(*(name.lstrip("\ufeff") for name in frame.columns))
        else:
            frame = self.session.read.parquet(*paths)
        columns = [F.col(f"`{column}`").cast("string").alias(column) for column in EVIDENCE_READ]
        return frame.select(*columns, F.col("_metadata.file_name").alias("file"))

    def load_sources(self, pensioners: Path, evidence: Sequence[EvidenceFile]) -> None:
        self.session.read.parquet(str(pensioners)).createOrReplaceTempView("pensioners_src")

        def layout(file: EvidenceFile) -> tuple[str, tuple[tuple[str, str], ...]]:
            return file.format, file.layout

        frames = [self._evidence_group(list(group)) for _key, group in groupby(sorted(evidence, key=layout), layout)]
        union = frames[0]
        for frame in frames[1:]:
            union = union.unionByName(frame)
        union.createOrReplaceTempView("evidence_src")

    def create(self, step: Step) -> None:
        target = str(self.work_dir / step.name)
        self.session.sql(to_spark(step.sql)).write.mode("overwrite").parquet(target)
        self.session.read.parquet(target).createOrReplaceTempView(step.name)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.session.sql(to_spark(sql)).collect()]

    def export(self, table: str) -> str:
        return f"read_parquet({quote(str(self.work_dir / table / '*.parquet'))})"

    def file_name(self, raw: str) -> str:
        # Spark reports file names URL-encoded (a space as %20).
        return urllib.parse.unquote(raw)

    def is_input_error(self, error: Exception) -> bool:
        # FAILFAST parsing reports an unparseable record this way. Unlike DuckDB, Spark's CSV
        # reader drops extra fields and pads missing ones without calling the row malformed.
        return "MALFORMED_RECORD_IN_PARSING" in str(error)

    def close(self) -> None:
        self.session.stop()
