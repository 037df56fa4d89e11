"""Silent certification end to end on DuckDB: every clause of the CONTRACT, on small files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.registries.fixtures.certify_data import (
    EVIDENCE_HEADER,
    FULL_WIDTH,
    Evidence,
    Pensioner,
    certify_rows,
    death,
    id_ending_in_x,
    life,
    old_id,
    read_rows,
    resident_id,
    write_csv,
    write_evidence,
    write_evidence_parquet,
    write_pensioners,
)
from tongban.errors import BadInput
from tongban.registries.certification import CertifyInputError, CertifySummary, certify
from tongban.registries.engines import EngineSettings

AS_OF = date(2025, 12, 31)
RECENT = date(2025, 10, 30)
SETTINGS = EngineSettings(memory_limit="1GB", threads=2)
HEADER = "person_id,status,reason,last_life_event,death_event,matched_by"


def run(
    tmp_path: Path, pensioners: Sequence[Pensioner], evidence: Sequence[Evidence], as_of: date = AS_OF
) -> dict[str, dict[str, str]]:
    return certify_rows(tmp_path, pensioners, evidence, as_of, SETTINGS)


def one(tmp_path: Path, pensioner: Pensioner, evidence: Sequence[Evidence], as_of: date = AS_OF) -> dict[str, str]:
    return run(tmp_path, [pensioner], evidence, as_of)[pensioner.person_id]


ID = resident_id("19500101", "002")


# Matching on the ID number


def test_an_evidence_row_matches_the_pensioner_with_the_same_id_number(tmp_path: Path) -> None:
    row = one(tmp_path, Pensioner("P1", ID), [life(RECENT, id_number=ID)])
    assert row["status"] == "certified"
    assert row["last_life_event"] == "2025-10-30"
    assert row["matched_by"] == "id"


@pytest.mark.parametrize(("roll", "seen"), [(ID, old_id("500101", "002")), (old_id("500101", "002"), ID)])
def test_an_old_15_digit_number_matches_its_18_digit_form(tmp_path: Path, roll: str, seen: str) -> None:
    assert one(tmp_path, Pensioner("P1", roll), [life(RECENT, id_number=seen)])["matched_by"] == "id"


def test_full_width_digits_and_x_match(tmp_path: Path) -> None:
    with_x = id_ending_in_x()
    row = one(tmp_path, Pensioner("P1", with_x), [life(RECENT, id_number=with_x.translate(FULL_WIDTH))])
    assert row["matched_by"] == "id"


def test_a_lower_case_x_matches(tmp_path: Path) -> None:
    with_x = id_ending_in_x()
    assert one(tmp_path, Pensioner("P1", with_x.lower()), [life(RECENT, id_number=with_x)])["matched_by"] == "id"


def test_padding_spaces_around_the_id_are_ignored(tmp_path: Path) -> None:
    evidence = [life(RECENT, id_number=f"  {ID}\u3000")]
    assert one(tmp_path, Pensioner("P1", f" {ID} "), evidence)["matched_by"] == "id"


def test_an_id_held_by_two_pensioners_matches_neither(tmp_path: Path) -> None:
    rows = run(tmp_path, [Pensioner("P1", ID), Pensioner("P2", ID, name="张伟")], [life(RECENT, id_number=ID)])
    assert [rows["P1"]["matched_by"], rows["P2"]["matched_by"]] == ["", ""]


def test_a_valid_id_of_nobody_matches_none_even_when_name_and_birth_agree(tmp_path: Path) -> None:
    stranger = resident_id("19500101", "004")
    evidence = [death("2025-03-02", id_number=stranger, name="王丽", gender="女", birth_date="1950-01-01")]
    row = one(tmp_path, Pensioner("P1", ID), evidence)
    assert (row["status"], row["matched_by"]) == ("manual", "")


# Matching on name, birth date and gender


def test_a_blank_id_matches_on_name_birth_date_and_gender(tmp_path: Path) -> None:
    row = one(tmp_path, Pensioner("P1", ID), [life(RECENT, name="王丽", gender="女", birth_date="1950-01-01")])
    assert (row["status"], row["matched_by"]) == ("certified", "fuzzy")


def test_an_id_with_a_wrong_check_digit_falls_back_to_name_matching(tmp_path: Path) -> None:
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    row = one(
        tmp_path,
        Pensioner("P1", ID),
        [life(RECENT, id_number=wrong, name="王丽", gender="女", birth_date="1950-01-01")],
    )
    assert row["matched_by"] == "fuzzy"


def test_a_pensioner_with_an_invalid_id_is_matched_by_name(tmp_path: Path) -> None:
    evidence = [life(RECENT, id_number="12345", name="王丽", gender="女", birth_date="1950-01-01")]
    assert one(tmp_path, Pensioner("P1", "12345"), evidence)["matched_by"] == "fuzzy"


def test_homophone_names_match(tmp_path: Path) -> None:
    # 王丽 and 王莉 are both "wang li" without tones: registries often type the other one.
    row = one(
        tmp_path, Pensioner("P1", ID, name="王丽"), [life(RECENT, name="王莉", gender="女", birth_date="1950-01-01")]
    )
    assert row["matched_by"] == "fuzzy"


@pytest.mark.parametrize(("gender", "birth_date"), [("男", "1950-01-01"), ("女", "1950-01-02"), ("女", "1950/01/01")])
def test_name_matching_needs_gender_and_birth_date_to_agree(tmp_path: Path, gender: str, birth_date: str) -> None:
    row = one(tmp_path, Pensioner("P1", ID), [life(RECENT, name="王丽", gender=gender, birth_date=birth_date)])
    assert row["matched_by"] == ""


def test_namesakes_born_the_same_day_match_no_name_evidence(tmp_path: Path) -> None:
    roll = [Pensioner("P1", ID, name="王丽"), Pensioner("P2", resident_id("19500101", "022"), name="王莉")]
    evidence = [death("2025-03-02", name="王丽", gender="女", birth_date="1950-01-01")]
    rows = run(tmp_path, roll, evidence)
    assert [rows["P1"]["status"], rows["P2"]["status"]] == ["manual", "manual"]
    assert [rows["P1"]["matched_by"], rows["P2"]["matched_by"]] == ["", ""]


def test_a_blank_name_never_matches(tmp_path: Path) -> None:
    evidence = [life(RECENT, name=" ", gender="女", birth_date="1950-01-01")]
    assert one(tmp_path, Pensioner("P1", ID, name=""), evidence)["matched_by"] == ""


# Status


def test_a_death_without_later_life_evidence_suspends(tmp_path: Path) -> None:
    row = one(tmp_path, Pensioner("P1", ID), [life("2025-03-02", id_number=ID), death("2025-03-02", id_number=ID)])
    assert row == {
        "person_id": "P1",
        "status": "suspended",
        "reason": "2025-03-02 死亡记录，其后无生存记录",
        "last_life_event": "2025-03-02",
        "death_event": "2025-03-02",
        "matched_by": "id",
    }


def test_life_evidence_after_a_death_goes_to_manual_review(tmp_path: Path) -> None:
    evidence = [death("2025-03-02", id_number=ID), life("2025-04-11", id_number=ID), death("2025-05-01", id_number=ID)]
    row = one(tmp_path, Pensioner("P1", ID), evidence)
    assert (row["status"], row["death_event"], row["last_life_event"]) == ("manual", "2025-03-02", "2025-04-11")
    assert row["reason"] == "死亡记录 2025-03-02 之后仍有生存记录（2025-04-11），需人工核实"


def test_evidence_after_the_as_of_date_is_ignored(tmp_path: Path) -> None:
    evidence = [life(RECENT, id_number=ID), death(AS_OF + timedelta(days=1), id_number=ID)]
    row = one(tmp_path, Pensioner("P1", ID), evidence)
    assert (row["status"], row["death_event"]) == ("certified", "")


def test_evidence_only_after_the_as_of_date_matches_nothing(tmp_path: Path) -> None:
    row = one(tmp_path, Pensioner("P1", ID), [life(AS_OF + timedelta(days=1), id_number=ID)])
    assert (row["status"], row["matched_by"], row["reason"]) == ("manual", "", "未找到任何生存记录，需人工核实")


@pytest.mark.parametrize(
    ("days_before", "status"), [(0, "certified"), (364, "certified"), (365, "manual"), (366, "manual")]
)
def test_life_evidence_counts_for_the_365_days_ending_on_the_as_of_date(
    tmp_path: Path, days_before: int, status: str
) -> None:
    seen = AS_OF - timedelta(days=days_before)
    row = one(tmp_path, Pensioner("P1", ID), [life(seen, id_number=ID)])
    assert row["status"] == status
    if status == "manual":
        assert row["reason"] == f"近 365 天无生存记录（最近 {seen}），需人工核实"


def test_matched_by_is_id_when_any_row_matched_on_the_id(tmp_path: Path) -> None:
    evidence = [life("2025-01-02", name="王丽", gender="女", birth_date="1950-01-01"), life("2024-01-02", id_number=ID)]
    row = one(tmp_path, Pensioner("P1", ID), evidence)
    assert (row["matched_by"], row["last_life_event"]) == ("id", "2025-01-02")


def test_output_has_the_contract_header_and_one_row_per_pensioner_in_input_order(tmp_path: Path) -> None:
    roll = [Pensioner(f"P{n}", resident_id("19500101", f"{n:03d}")) for n in (5, 3, 9, 1, 7, 2)]
    out = tmp_path / "out.csv"
    certify(
        write_pensioners(tmp_path / "p.csv", roll),
        write_evidence(tmp_path / "ev", [life(RECENT, id_number=roll[2].id_number)]).parent,
        AS_OF,
        out,
        settings=SETTINGS,
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert [line.split(",")[0] for line in lines[1:]] == ["P5", "P3", "P9", "P1", "P7", "P2"]
    assert lines[3] == "P9,certified,2025-10-30 有生存记录,2025-10-30,,id"


def test_parquet_and_csv_evidence_are_read_together(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_evidence(folder, [life("2024-01-02", id_number=ID)])
    write_evidence_parquet(folder, [life(RECENT, name="王莉", gender="女", birth_date="1950-01-01")])
    out = tmp_path / "out.csv"
    summary = certify(
        write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)]), folder, AS_OF, out, settings=SETTINGS
    )
    assert read_rows(out)[0]["last_life_event"] == "2025-10-30"
    assert summary.evidence_rows == 2


def test_excel_style_files_with_a_byte_order_mark_and_crlf_are_read(tmp_path: Path) -> None:
    roll = write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)])
    roll.write_bytes(b"\xef\xbb\xbf" + roll.read_bytes().replace(b"\n", b"\r\n"))
    folder = tmp_path / "ev"
    evidence = write_evidence(folder, [life(RECENT, id_number=ID)])
    evidence.write_bytes(b"\xef\xbb\xbf" + evidence.read_bytes().replace(b"\n", b"\r\n"))
    out = tmp_path / "out.csv"
    certify(roll, folder, AS_OF, out, settings=SETTINGS)
    assert read_rows(out)[0]["status"] == "certified"


def test_evidence_files_may_order_their_columns_differently_and_add_columns(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_evidence(folder, [death("2025-01-01", id_number=ID)], name="a.csv")
    header = ["kind", "event_date", "note", "source", "birth_date", "gender", "name", "id_number"]
    write_csv(folder / "b.csv", header, [["life", "2025-10-30", "备注", "公交", "", "", "", ID]])
    row = one_in(tmp_path, folder)
    assert (row["status"], row["death_event"], row["last_life_event"]) == ("manual", "2025-01-01", "2025-10-30")


def one_in(tmp_path: Path, folder: Path) -> dict[str, str]:
    out = tmp_path / "out.csv"
    certify(write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)]), folder, AS_OF, out, settings=SETTINGS)
    return read_rows(out)[0]


def test_the_summary_counts_statuses_and_matches_and_progress_reports_each_stage(tmp_path: Path) -> None:
    roll = [Pensioner("P1", ID), Pensioner("P2", name="张伟", gender="男"), Pensioner("P3", name="李娜")]
    evidence = [life(RECENT, id_number=ID), death("2025-01-01", name="张伟", gender="男", birth_date="1950-01-01")]
    seen: list[tuple[str, int, int]] = []
    summary = certify(
        write_pensioners(tmp_path / "p.csv", roll),
        write_evidence(tmp_path / "ev", [*evidence, life(AS_OF + timedelta(days=3), id_number=ID)]).parent,
        AS_OF,
        tmp_path / "out.csv",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
        settings=SETTINGS,
    )
    assert isinstance(summary, CertifySummary)
    assert (summary.pensioners, summary.evidence_rows) == (3, 3)
    assert summary.by_status == {"certified": 1, "suspended": 1, "manual": 1}
    assert summary.by_match == {"id": 1, "fuzzy": 1, "none": 1}
    assert [stage for stage, _, _ in seen] == ["read", "normalise", "match", "decide", "write", "done"]
    assert seen[-1] == ("done", 5, 5)
    lines = summary.lines()
    assert any("暂停发放 Suspended" in line and line.endswith(" 1") for line in lines)


def test_the_work_dir_is_cleaned_up(tmp_path: Path) -> None:
    work = tmp_path / "work"
    certify(
        write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)]),
        write_evidence(tmp_path / "ev", [life(RECENT, id_number=ID)]).parent,
        AS_OF,
        tmp_path / "out.csv",
        work_dir=work,
        settings=SETTINGS,
    )
    assert list(work.iterdir()) == []


# Bad input: an error naming file and row, and no output


def certify_fails(tmp_path: Path, pensioners: Path, evidence: Path) -> CertifyInputError:
    out = tmp_path / "out.csv"
    with pytest.raises(CertifyInputError) as caught:
        certify(pensioners, evidence, AS_OF, out, settings=SETTINGS)
    assert isinstance(caught.value, BadInput)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    return caught.value


def good_evidence(tmp_path: Path) -> Path:
    return write_evidence(tmp_path / "ev", [life(RECENT, id_number=ID)]).parent


def good_roll(tmp_path: Path) -> Path:
    return write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)])


def test_a_missing_pensioner_column_is_named(tmp_path: Path) -> None:
    roll = write_csv(tmp_path / "p.csv", ["person_id", "id_number", "name", "gender", "birth_date"], [])
    error = certify_fails(tmp_path, roll, good_evidence(tmp_path))
    assert "region_code" in error.message_en and "p.csv" in error.message_en
    assert error.file == str(roll)


def test_a_missing_evidence_column_is_named_with_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_evidence(folder, [life(RECENT, id_number=ID)], name="a.csv")
    write_csv(folder / "b.csv", ["id_number", "name", "gender", "birth_date", "event_date", "source"], [])
    error = certify_fails(tmp_path, good_roll(tmp_path), folder)
    assert error.file == str(folder / "b.csv")
    assert "kind" in error.message_en and "kind" in error.message_zh


def test_a_missing_pensioner_file_is_reported(tmp_path: Path) -> None:
    error = certify_fails(tmp_path, tmp_path / "nope.csv", good_evidence(tmp_path))
    assert error.file == str(tmp_path / "nope.csv")


@pytest.mark.parametrize("make_folder", [False, True])
def test_a_missing_or_empty_evidence_folder_is_reported(tmp_path: Path, make_folder: bool) -> None:
    folder = tmp_path / "ev"
    if make_folder:
        folder.mkdir()
        (folder / "readme.txt").write_text("not evidence", encoding="utf-8")
    error = certify_fails(tmp_path, good_roll(tmp_path), folder)
    assert error.file == str(folder)


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (Pensioner("P3", ID, birth_date="1950-02-30"), "birth_date"),
        (Pensioner("P3", ID, pension_start="2010-1-1"), "pension_start"),
        (Pensioner("P3", ID, gender="M"), "gender"),
        (Pensioner(" ", ID), "person_id"),
        (Pensioner("P1", ID), "person_id"),
    ],
)
def test_a_bad_pensioner_row_is_reported_with_file_and_row(tmp_path: Path, bad: Pensioner, field: str) -> None:
    roll = [Pensioner("P1", ID), Pensioner("P2", ID), bad, Pensioner("P4", ID, birth_date="oops")]
    path = write_pensioners(tmp_path / "p.csv", roll)
    error = certify_fails(tmp_path, path, good_evidence(tmp_path))
    assert (error.file, error.row, error.field) == (str(path), 3, field)
    assert error.message_en.startswith(f"{path} data row 3 (after the header): ")
    assert error.message_zh.startswith(f"{path} 第 3 条记录（表头不计）：")


@pytest.mark.parametrize(
    ("bad", "field"),
    [(Evidence("alive", "2025-01-01", ID), "kind"), (Evidence("life", "", ID), "event_date")],
)
def test_a_bad_evidence_row_is_reported_with_file_and_row(tmp_path: Path, bad: Evidence, field: str) -> None:
    folder = tmp_path / "ev"
    write_evidence(folder, [life(RECENT, id_number=ID)], name="a.csv")
    path = write_evidence(
        folder, [life(RECENT), life(AS_OF + timedelta(days=9)), bad, Evidence("x", "y")], name="b.csv"
    )
    error = certify_fails(tmp_path, good_roll(tmp_path), folder)
    assert (error.file, error.row, error.field) == (str(path), 3, field)


def test_a_bad_date_in_parquet_evidence_is_reported_with_its_row(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "ev"
    folder.mkdir()
    rows = {c: [ID, ID] for c in ("id_number",)} | {"event_date": ["2025-01-01", "2025-13-01"], "kind": ["life"] * 2}
    rows |= {c: [None, None] for c in ("name", "gender", "birth_date", "source")}
    pq.write_table(pa.table(rows), folder / "e.parquet")
    error = certify_fails(tmp_path, good_roll(tmp_path), folder)
    assert (error.file, error.row, error.field) == (str(folder / "e.parquet"), 2, "event_date")
    assert "2025-13-01" in error.message_en


def test_a_malformed_evidence_row_is_reported_with_its_file(tmp_path: Path) -> None:
    folder = tmp_path / "ev"
    write_evidence(folder, [life(RECENT, id_number=ID)], name="a.csv")
    bad = write_csv(folder / "b.csv", EVIDENCE_HEADER, [["", "", "", "", "2025-01-01", "s", "life", "extra"]])
    error = certify_fails(tmp_path, good_roll(tmp_path), folder)
    assert error.file == str(bad)


def test_a_malformed_pensioner_row_is_reported_with_its_file(tmp_path: Path) -> None:
    roll = write_pensioners(tmp_path / "p.csv", [Pensioner("P1", ID)])
    with roll.open("a", encoding="utf-8") as handle:
        handle.write('P2,"unclosed\n')
    error = certify_fails(tmp_path, roll, good_evidence(tmp_path))
    assert error.file == str(roll)


def test_an_existing_output_is_left_untouched_on_error(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("previous run\n", encoding="utf-8")
    with pytest.raises(CertifyInputError):
        certify(tmp_path / "missing.csv", good_evidence(tmp_path), AS_OF, out, settings=SETTINGS)
    assert out.read_text(encoding="utf-8") == "previous run\n"


def test_an_unknown_engine_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        certify(good_roll(tmp_path), good_evidence(tmp_path), AS_OF, tmp_path / "o.csv", engine="hive")
