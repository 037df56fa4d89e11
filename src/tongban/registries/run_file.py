"""Reading a certification run's out file with its pensioner roll, for the import into the platform.

Both files are read and checked by DuckDB (never row by row in Python), then the run's rows
come back joined to the roll, in the run file's order, a batch at a time. Every problem is a
:class:`CertifyInputError` naming the file and the data row, as ``tongban certify`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType

import duckdb

from tongban.registries.certify_input import PENSIONER_COLUMNS, CertifyInputError, csv_header, csv_source
from tongban.registries.certify_sql import clean_text, iso_date, with_normalised_id
from tongban.registries.domain import MatchedBy, Status

RUN_COLUMNS = ("person_id", "status", "reason", "last_life_event", "death_event", "matched_by")
# The platform's columns: longer values would not fit (PostgreSQL refuses rather than cuts).
LIMITS = {"person_id": 64, "name": 100, "region_code": 12}
STATUSES = ", ".join(f"'{status.value}'" for status in Status)
MATCHES = ", ".join(f"'{kind.value}'" for kind in MatchedBy)


@dataclass(frozen=True)
class RunRow:
    """One pensioner's verdict with what the roll says about them."""

    person_id: str
    status: Status
    reason: str
    last_life_event: date | None
    death_event: date | None
    matched_by: str | None
    id_number: str | None  # normalised, None unless a valid number
    name: str
    birth_date: date | None
    region_code: str


@dataclass(frozen=True)
class RunCounts:
    pensioners: int
    by_status: dict[Status, int]
    matched_by_id: int
    matched_fuzzy: int
    unmatched: int


# (field, condition on a row, message in Chinese, in English); the first broken rule is reported.
RUN_RULES = (
    ("person_id", "person_id IS NULL", "person_id 为空", "person_id is blank"),
    ("person_id", "dup", "person_id 与前面的行重复", "person_id repeats an earlier row"),
    ("person_id", f"length(person_id) > {LIMITS['person_id']}", "person_id 过长", "person_id is too long"),
    ("status", f"status IS NULL OR status NOT IN ({STATUSES})", "status 无效", "status is not a known status"),
    ("reason", "reason IS NULL", "reason 为空", "reason is blank"),
    ("last_life_event", "life_text IS NOT NULL AND life IS NULL", "日期格式错误", "not a YYYY-MM-DD date"),
    ("death_event", "death_text IS NOT NULL AND death IS NULL", "日期格式错误", "not a YYYY-MM-DD date"),
    ("matched_by", f"matched_by IS NOT NULL AND matched_by NOT IN ({MATCHES})", "matched_by 无效", "unknown"),
    ("person_id", "NOT on_roll", "名册中没有此人", "this person is not on the pensioner roll"),
)
ROLL_RULES = (
    ("person_id", "person_id IS NULL", "person_id 为空", "person_id is blank"),
    ("person_id", "dup", "person_id 与前面的行重复", "person_id repeats an earlier row"),
    ("name", f"length(name) > {LIMITS['name']}", "姓名过长", "name is too long"),
    # Follow-ups go to the community of region_code: without one, nobody could ever work them.
    ("region_code", "region_code = ''", "region_code 为空，无法派给社区核实",
     "region_code is blank: no community to check"),
    ("region_code", f"NOT regexp_matches(region_code, '^[0-9]{{1,{LIMITS['region_code']}}}$')",
     "region_code 应为行政区划代码", "region_code must be a division code"),
)  # fmt: skip


class RunFile:
    """The run file and the roll, checked and joined; a context manager owning a DuckDB connection."""

    def __init__(self, run_file: Path, roll: Path) -> None:
        self.run_file, self.roll = run_file, roll
        self._con = duckdb.connect()

    def __enter__(self) -> RunFile:
        try:
            self._load()
        except BaseException:
            self._con.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._con.close()

    def counts(self) -> RunCounts:
        by_status = {status: 0 for status in Status}
        matched = {MatchedBy.ID.value: 0, MatchedBy.FUZZY.value: 0, None: 0}
        grouped = "SELECT status, matched_by, count(*) FROM run GROUP BY ALL"
        for status, matched_by, count in self._con.execute(grouped).fetchall():
            by_status[Status(status)] += count
            matched[matched_by] += count
        total = sum(by_status.values())
        return RunCounts(total, by_status, matched[MatchedBy.ID.value], matched[MatchedBy.FUZZY.value], matched[None])

    def batches(self, size: int) -> Iterator[list[RunRow]]:
        # The ID as the job normalises it (CONTRACT), NULL unless valid: a resident finds their record by it.
        result = self._con.execute(
            "SELECT r.person_id, r.status, r.reason, r.life, r.death, r.matched_by,"
            " p.nid, coalesce(p.name, ''), p.birth_date, p.region_code"
            f" FROM run AS r JOIN ({with_normalised_id('roll')}) AS p USING (person_id) ORDER BY r.rn"
        )
        while rows := result.fetchmany(size):
            yield [RunRow(row[0], Status(row[1]), *row[2:]) for row in rows]

    def _load(self) -> None:
        header = csv_header(self.run_file)
        if header != RUN_COLUMNS:
            expected = ",".join(RUN_COLUMNS)
            raise CertifyInputError(f"表头应为 {expected}", f"the header must be {expected}", file=self.run_file)
        roll_header = csv_header(self.roll)
        for column in PENSIONER_COLUMNS:
            if column not in roll_header:
                raise CertifyInputError(f"缺少列 {column}", f"missing column {column}", file=self.roll, field=column)
        self._create(self.roll, "roll", _roll_select(csv_source(self.roll, roll_header)))
        self._check(self.roll, "roll", ROLL_RULES)
        self._create(self.run_file, "run", _run_select(csv_source(self.run_file, header)))
        self._check(self.run_file, "run", RUN_RULES)
        run_rows, roll_rows = (self._rows(table) for table in ("run", "roll"))
        if run_rows != roll_rows:
            raise CertifyInputError(
                f"名册有 {roll_rows} 人而结果有 {run_rows} 行，应一人一行",
                f"the roll has {roll_rows} people but the run {run_rows} rows: one row per pensioner is expected",
                file=self.run_file,
            )

    def _rows(self, table: str) -> int:
        (count,) = self._con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
        return int(count)

    def _create(self, path: Path, table: str, select: str) -> None:
        # A fresh connection keeps insertion order, so rowid + 1 is the data row in the file.
        try:
            self._con.execute(f"CREATE TEMP TABLE read_{table} AS {select}")
            self._con.execute(f"CREATE TEMP TABLE {table} AS SELECT rowid + 1 AS rn, * FROM read_{table}")
            self._con.execute(f"DROP TABLE read_{table}")
        except duckdb.Error as error:
            detail = str(error).strip().splitlines()[0]
            raise CertifyInputError(
                f"无法读取文件（{detail}）", f"cannot read the file ({detail})", file=path
            ) from None

    def _check(self, path: Path, table: str, rules: tuple[tuple[str, str, str, str], ...]) -> None:
        broken = "CASE " + " ".join(f"WHEN {rule[1]} THEN {i}" for i, rule in enumerate(rules)) + " END"
        numbered = f"SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY rn) > 1 AS dup FROM {table}"
        found = self._con.execute(
            f"SELECT rn, broken FROM (SELECT rn, {broken} AS broken FROM ({numbered})) WHERE broken IS NOT NULL"
            " ORDER BY rn LIMIT 1"
        ).fetchone()
        if found is not None:
            field, _, zh, en = rules[found[1]]
            raise CertifyInputError(f"{field}：{zh}", f"{field}: {en}", file=path, row=int(found[0]), field=field)


def _run_select(source: str) -> str:
    person = clean_text("person_id")
    return (
        f"SELECT {person} AS person_id, {clean_text('status')} AS status,"
        f" {clean_text('reason')} AS reason, {clean_text('last_life_event')} AS life_text,"
        f" {iso_date('last_life_event')} AS life, {clean_text('death_event')} AS death_text,"
        f" {iso_date('death_event')} AS death, {clean_text('matched_by')} AS matched_by,"
        f" {person} IN (SELECT person_id FROM roll) AS on_roll FROM {source}"
    )


def _roll_select(source: str) -> str:
    return (
        f"SELECT {clean_text('person_id')} AS person_id, {clean_text('id_number')} AS id_number,"
        f" {clean_text('name')} AS name, {iso_date('birth_date')} AS birth_date,"
        f" coalesce({clean_text('region_code')}, '') AS region_code FROM {source}"
    )
