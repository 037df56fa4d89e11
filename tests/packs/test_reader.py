from __future__ import annotations

from pathlib import Path

import pytest

from tongban.packs.domain import PackError, PackInvalid
from tongban.packs.reader import checksum, read_csv, read_pack, read_yaml
from tongban.packs.service import check

COLUMNS = ("code", "name", "note")


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def _only_error(exc: pytest.ExceptionInfo[PackInvalid]) -> PackError:
    assert len(exc.value.errors) == 1, exc.value.errors
    return exc.value.errors[0]


def test_every_key_and_item_keeps_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.yaml",
        "# a comment\ncode: A\nmaterials:\n  - code: m1\n    copies: 1\n  - code: m2\n\n    copies: 2\n",
    )
    doc = read_yaml(path, "p/s.yaml")
    assert doc.data == {"code": "A", "materials": [{"code": "m1", "copies": 1}, {"code": "m2", "copies": 2}]}
    assert doc.lines[("code",)] == 2
    assert doc.lines[("materials", 1)] == 6
    assert doc.lines[("materials", 1, "copies")] == 8


def test_a_year_key_keeps_its_yaml_type_in_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", "years:\n  2027:\n    holidays: [2027-01-01]\n")
    assert read_yaml(path, "p/c.yaml").lines[("years", 2027, "holidays", 0)] == 3


def test_malformed_yaml_names_the_line_of_the_problem(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.yaml", "code: A\nname: [unclosed\nother: 1\n")
    with pytest.raises(PackInvalid) as exc:
        read_yaml(path, "p/s.yaml")
    error = _only_error(exc)
    assert (error.file, error.line) == ("p/s.yaml", 3)
    assert "YAML 语法错误" in error.message_zh and "YAML syntax error" in error.message_en


def test_a_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.yaml", "code: A\nname: x\ncode: B\n")
    with pytest.raises(PackInvalid) as exc:
        read_yaml(path, "p/s.yaml")
    error = _only_error(exc)
    assert (error.line, error.field) == (3, "code")
    assert "键重复" in error.message_zh and "duplicate key" in error.message_en


def test_merge_keys_are_not_taken_for_duplicates(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.yaml", "base: &b {unit: 工作日, value: 1}\nlimit:\n  <<: *b\n  value: 2\n")
    assert read_yaml(path, "p/s.yaml").data["limit"] == {"unit": "工作日", "value": 2}


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.yaml", "code: A\nname: 社保\n".encode("gbk"))
    with pytest.raises(PackInvalid) as exc:
        read_yaml(path, "p/s.yaml")
    error = _only_error(exc)
    assert (error.file, error.line) == ("p/s.yaml", 2)
    assert "UTF-8" in error.message_zh and "not UTF-8" in error.message_en


def test_csv_rows_keep_their_physical_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", 'code,name,note\na,A,"two\nlines"\n\nb,B,\n')
    table = read_csv(path, "p/t.csv", COLUMNS)
    assert [(row.line, row.values["code"]) for row in table.rows] == [(2, "a"), (5, "b")]
    assert table.rows[0].values["note"] == "two\nlines"
    assert table.errors == []


def test_a_byte_order_mark_does_not_spoil_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "\ufeffcode,name,note\na,A,\n")
    assert read_csv(path, "p/t.csv", COLUMNS).rows[0].values == {"code": "a", "name": "A", "note": ""}


def test_a_header_names_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "code,nmae,note\na,A,\n")
    with pytest.raises(PackInvalid) as exc:
        read_csv(path, "p/t.csv", COLUMNS)
    found = {(error.line, error.field, error.message_en) for error in exc.value.errors}
    assert found == {
        (1, "name", "missing column name"),
        (1, "nmae", "unknown column nmae (misspelt?)"),
    }
    assert {error.message_zh for error in exc.value.errors} == {"缺少列 name", "未知列 nmae（是否拼错？）"}


def test_columns_in_another_order_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "name,code,note\nA,a,\n")
    with pytest.raises(PackInvalid) as exc:
        read_csv(path, "p/t.csv", COLUMNS)
    assert _only_error(exc).message_en == "the header must be code,name,note"


def test_a_row_with_the_wrong_number_of_cells_is_an_error_on_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "code,name,note\na,A,\nb,B\nc,C,\n")
    table = read_csv(path, "p/t.csv", COLUMNS)
    assert [row.values["code"] for row in table.rows] == ["a", "c"]
    assert [(error.line, error.message_en) for error in table.errors] == [(3, "the row has 2 cells, the header 3")]


def test_a_folder_without_pack_yaml_is_not_a_pack(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    errors = read_pack(tmp_path / "empty").errors
    assert [str(error) for error in errors] == [
        "empty/pack.yaml: 找不到 pack.yaml，这不是服务包 / no pack.yaml: not a pack"
    ]


def test_the_tiny_pack_reads_whole(tiny: Path) -> None:
    pack = read_pack(tiny)
    assert pack.errors == []
    assert (len(pack.jurisdictions), len(pack.departments), len(pack.services)) == (3, 2, 2)
    assert (len(pack.points), len(pack.posters)) == (3, 1)
    assert pack.services[0].file == "tiny-pack/services/tp-001.yaml"


def test_the_checksum_follows_content_and_names_but_not_hidden_files(tiny: Path) -> None:
    before = checksum(tiny)
    (tiny / ".DS_Store").write_bytes(b"junk")
    assert checksum(tiny) == before
    (tiny / "services" / "tp-002.yaml").rename(tiny / "services" / "tp-003.yaml")
    renamed = checksum(tiny)
    assert renamed != before
    with (tiny / "posters.csv").open("a", encoding="utf-8") as file:
        file.write("\n")
    assert checksum(tiny) not in (before, renamed)


def test_a_pack_file_that_is_not_utf8_is_named_by_check(tiny: Path) -> None:
    points = tiny / "points.csv"
    points.write_bytes(points.read_text(encoding="utf-8").encode("gbk"))
    [error] = check([tiny])
    assert (error.file, error.line) == ("tiny-pack/points.csv", 2)
    assert str(error).startswith("tiny-pack/points.csv:2: 文件不是 UTF-8 编码")


def test_a_pack_file_with_broken_yaml_is_named_by_check(tiny: Path) -> None:
    path = tiny / "services" / "tp-002.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("fees:\n", "fees: [\n"), encoding="utf-8")
    errors = [(error.file, error.message_en) for error in check([tiny])]
    assert any(file == "tiny-pack/services/tp-002.yaml" and "YAML syntax error" in en for file, en in errors)
