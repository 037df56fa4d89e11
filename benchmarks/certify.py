"""Benchmark: `tongban certify` against its floor and a pandas baseline, with accuracy.

    .venv/bin/python benchmarks/certify.py --pensioners 1000000 [--engines tongban,floor,pandas]
                                           [--data /tmp/certify-bench] [--as-of 2025-06-30] [--seed 1]

Generates the data once per size (`tongban registries generate`: about 12 evidence rows a
pensioner, with noise and ground truth), then runs each engine as its own process on the
same files, timing it and sampling its peak resident memory. Accuracy is measured against
the generator's ground truth: a living person suspended is the worst error, a death left
certified the second worst. The pandas baseline runs under a memory cap so that running
out is reported instead of taking the machine down.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import psutil

from tongban.registries.generator import generate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    engine: str
    pensioners: int
    evidence_rows: int
    seconds: float
    peak_rss_mb: float
    exit_code: int

    @property
    def rows_per_second(self) -> float:
        return (self.pensioners + self.evidence_rows) / self.seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pensioners", type=int, default=1_000_000)
    parser.add_argument("--engines", default="tongban,floor,pandas")
    parser.add_argument("--data", type=Path, default=Path("/tmp/certify-bench"))
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pandas-memory-gb", type=float, default=20.0)
    return parser.parse_args(argv)


def dataset(args: argparse.Namespace) -> tuple[Path, int]:
    folder = args.data / f"n{args.pensioners}-s{args.seed}"
    if not (folder / "truth.csv").exists():
        started = time.perf_counter()
        generate(folder, args.pensioners, args.as_of, seed=args.seed)
        print(f"generated {folder} in {time.perf_counter() - started:.1f} s")
    evidence = folder / "evidence"
    (count,) = duckdb.sql(f"SELECT count(*) FROM read_csv('{evidence}/*.csv', all_varchar=true)").fetchall()
    return folder, int(count[0])


def commands(folder: Path, as_of: date) -> dict[str, list[str]]:
    roll, evidence = str(folder / "pensioners.csv"), str(folder / "evidence")
    return {
        "tongban": [str(BIN / "tongban"), "certify", "--pensioners", roll, "--evidence", evidence,
                    "--as-of", as_of.isoformat(), "--out", str(folder / "out-tongban.csv")],
        "tongban-spark": [str(BIN / "tongban"), "certify", "--pensioners", roll, "--evidence", evidence,
                          "--as-of", as_of.isoformat(), "--out", str(folder / "out-spark.csv"), "--engine", "spark"],
        "floor": [sys.executable, str(HERE / "certify_floor.py"), roll, evidence],
        "pandas": [sys.executable, str(HERE / "certify_pandas.py"), roll, evidence, as_of.isoformat(),
                   str(folder / "out-pandas.csv")],
    }  # fmt: skip


def measure(engine: str, command: list[str], limit_gb: float | None) -> tuple[float, float, int]:
    """Wall time, peak RSS of the process and its children (sampled every 50 ms), exit code."""

    def cap() -> None:
        if limit_gb:
            size = int(limit_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=cap)
    watched, peak = psutil.Process(process.pid), 0
    while process.poll() is None:
        try:
            tree = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode:
        tail = (process.stderr.read() if process.stderr else b"").decode(errors="replace").strip().splitlines()[-1:]
        print(f"{engine} exited {process.returncode}: {tail}")
    return seconds, peak / 2**20, process.returncode


def accuracy(folder: Path, out: Path, as_of: date) -> dict[str, int]:
    """Counts against the ground truth; the first two must be 0 for the rules to be trusted.

    ``differs_from_truth`` compares with the status the true linkage gives (the rules cannot see
    through every typo); ``differs_from_contract`` with what the CONTRACT's rules give, which an
    engine must match exactly.
    """
    (row,) = duckdb.sql(
        f"""
        SELECT
          count(*) FILTER (WHERE o.status = 'suspended' AND t.alive = 'true'),
          count(*) FILTER (WHERE o.status = 'certified' AND t.alive = 'false'
                             AND CAST(t.death_date AS DATE) <= DATE '{as_of}'),
          count(*) FILTER (WHERE o.status <> t.expected_status),
          count(*) FILTER (WHERE o.status <> t.rule_status OR o.matched_by <> t.rule_matched_by),
          count(*) FILTER (WHERE o.status = 'certified'),
          count(*)
        FROM read_csv('{out}', all_varchar=true) o
        JOIN read_csv('{folder / "truth.csv"}', all_varchar=true) t USING (person_id)
        """
    ).fetchall()
    names = ("wrongful_suspensions", "missed_deaths", "differs_from_truth", "differs_from_contract", "certified",
             "pensioners")  # fmt: skip
    return dict(zip(names, row, strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folder, evidence_rows = dataset(args)
    runs: list[Run] = []
    checks: dict[str, dict[str, int]] = {}
    for engine in args.engines.split(","):
        limit = args.pandas_memory_gb if engine == "pandas" else None
        seconds, peak, code = measure(engine, commands(folder, args.as_of)[engine], limit)
        runs.append(Run(engine, args.pensioners, evidence_rows, seconds, peak, code))
        out = folder / f"out-{engine.replace('tongban-', '')}.csv"
        if code == 0 and out.exists():
            checks[engine] = accuracy(folder, out, args.as_of)
    report(args, runs, checks)
    return 0


def report(args: argparse.Namespace, runs: list[Run], checks: dict[str, dict[str, int]]) -> None:
    print(f"pensioners: {args.pensioners:,}, evidence rows: {runs[0].evidence_rows:,}, as of {args.as_of}")
    print(f"{'engine':<14} {'seconds':>9} {'peak MB':>9} {'rows/s':>12} {'exit':>5}")
    for run in runs:
        speed = f"{run.rows_per_second:>12,.0f}"
        print(f"{run.engine:<14} {run.seconds:>9.1f} {run.peak_rss_mb:>9.0f} {speed} {run.exit_code:>5}")
    for engine, found in checks.items():
        print(f"{engine}: " + ", ".join(f"{name} {value:,}" for name, value in found.items()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"certify-{args.pensioners}.json").write_text(
        json.dumps(
            {
                "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "cpu_count": psutil.cpu_count(),
                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                "runs": [asdict(run) | {"rows_per_second": run.rows_per_second} for run in runs],
                "accuracy": checks,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    raise SystemExit(main())
