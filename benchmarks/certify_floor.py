"""The floor for the certify benchmark: DuckDB reading the same files and joining on the raw ID.

    .venv/bin/python benchmarks/certify_floor.py PENSIONERS EVIDENCE_DIR

No normalisation, no fuzzy matching, no decisions: what reading and one exact join cost.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def main(argv: list[str]) -> int:
    pensioners, evidence = argv
    folder = Path(evidence)
    sources = [f"read_csv('{folder}/*.csv', all_varchar=true)"] if any(folder.glob("*.csv")) else []
    sources += [f"read_parquet('{folder}/*.parquet')"] if any(folder.glob("*.parquet")) else []
    events = " UNION ALL ".join(f"SELECT id_number FROM {source}" for source in sources)
    ((matched,),) = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{pensioners}', all_varchar=true) p JOIN ({events}) e USING (id_number)"
    ).fetchall()
    print(f"matched rows: {matched}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
