from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests import factories
from tongban.auth.demo import ensure_demo_users
from tongban.auth.domain import Role
from tongban.cli import app
from tongban.config import get_settings
from tongban.db import transaction

runner = CliRunner()


@pytest.fixture
def cli_db(
    db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    """The CLI pointed at the test database through the environment, as an operator would."""
    url = db.kw["bind"].url.render_as_string(hide_password=False)
    monkeypatch.setenv("TONGBAN_DATABASE_URL", url)
    monkeypatch.setenv("TONGBAN_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_user_add_prints_a_one_time_password(cli_db: sessionmaker[Session]) -> None:
    with transaction(cli_db) as session:
        factories.jurisdictions(session)
    result = runner.invoke(app, ["user", "add", "wang", "--role", "window", "--jurisdiction", "320211100"])
    assert result.exit_code == 0, result.output
    username, password = result.stdout.strip().split(": ")
    assert username == "wang" and len(password) >= 12


def test_user_add_with_an_unknown_role_is_one_line_and_exit_1(cli_db: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["user", "add", "wang", "--role", "emperor"])
    assert result.exit_code == 1
    assert "unknown role emperor" in result.stderr
    assert "Traceback" not in result.output


def test_user_add_with_an_unknown_jurisdiction_names_it(cli_db: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["user", "add", "wang", "--role", "window", "--jurisdiction", "999999"])
    assert result.exit_code == 1
    assert "999999" in result.stderr


def test_serve_refuses_while_a_demo_password_remains(cli_db: sessionmaker[Session]) -> None:
    with transaction(cli_db) as session:
        ensure_demo_users(session)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1
    assert "admin" in result.stderr


def test_audit_verify_passes_then_fails_after_tampering(cli_db: sessionmaker[Session]) -> None:
    factories.user(cli_db, "wang", Role.window)
    factories.user(cli_db, "li", Role.window)
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    with cli_db() as session:
        _tamper(session)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "1" in result.stderr and "tampered" in result.stderr


def _tamper(session: Session) -> None:
    factories.bypass_append_only(session)
    session.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1"))
    session.commit()


def test_certify_with_a_bad_row_says_where_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    roll = tmp_path / "pensioners.csv"
    roll.write_text(
        "person_id,id_number,name,gender,birth_date,region_code,pension_start\n"
        "P1,,张三,男,1950-01-01,330726,2010-01-01\n"
        "P2,,李四,男,1950-13-01,330726,2010-01-01\n",
        encoding="utf-8",
    )
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "hospital.csv").write_text(
        "id_number,name,gender,birth_date,event_date,source,kind\n,张三,男,1950-01-01,2025-01-01,hospital,life\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    args = ["--pensioners", str(roll), "--evidence", str(tmp_path / "evidence"), "--as-of", "2025-06-30"]
    result = runner.invoke(app, ["certify", *args, "--out", str(out)])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "data row 2" in result.stderr and "pensioners.csv" in result.stderr
    assert not out.exists()


def test_certify_prints_its_summary(tmp_path: Path) -> None:
    made = tmp_path / "roll"
    assert runner.invoke(app, ["registries", "generate", "--out", str(made), "--pensioners", "300",
                               "--as-of", "2025-06-30"]).exit_code == 0  # fmt: skip
    out = tmp_path / "out.csv"
    args = ["--pensioners", str(made / "pensioners.csv"), "--evidence", str(made / "evidence")]
    result = runner.invoke(app, ["certify", *args, "--as-of", "2025-06-30", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Certified" in result.stdout
    assert out.read_text(encoding="utf-8").count("\n") == 301


TINY = Path(__file__).parent / "packs" / "fixtures" / "tiny-pack"


def test_rules_eval_writes_one_row_per_input_row_and_names_a_missing_column(
    cli_db: sessionmaker[Session], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["pack", "load", str(TINY)]).exit_code == 0
    (tmp_path / "in.csv").write_text("person,age,insured\nA,40,false\nB,12,true\nC,,false\n", encoding="utf-8")
    args = [
        "rules",
        "eval",
        "--service",
        "TP-001",
        "--input",
        str(tmp_path / "in.csv"),
        "--out",
        str(tmp_path / "o.csv"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o.csv").read_text(encoding="utf-8").splitlines() == [
        "person,eligible,failed_rules",
        "A,true,",
        "B,false,R1;R2",
        "C,false,R1",
    ]
    (tmp_path / "in.csv").write_text("person,age\nA,40\n", encoding="utf-8")
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "insured" in result.stderr and "Traceback" not in result.output


def test_registries_load_refuses_a_bad_row_and_keeps_what_was_there(
    cli_db: sessionmaker[Session], tmp_path: Path
) -> None:
    assert runner.invoke(app, ["pack", "load", str(TINY)]).exit_code == 0
    good = (TINY / "registries" / "population.csv").read_text(encoding="utf-8")
    (tmp_path / "bad.csv").write_text(good.replace(",35,", ",old,"), encoding="utf-8")
    result = runner.invoke(app, ["registries", "load", "population", str(tmp_path / "bad.csv")])
    assert result.exit_code == 1 and "第 2 行 age" in result.stderr
    with cli_db() as session:
        assert session.scalar(text("SELECT count(*) FROM registry_records")) == 2
    (tmp_path / "good.csv").write_text(good.splitlines()[0] + "\n" + good.splitlines()[1] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["registries", "load", "population", str(tmp_path / "good.csv")])
    assert result.exit_code == 0, result.output
    with cli_db() as session:
        assert session.scalar(text("SELECT count(*) FROM registry_records")) == 1


def test_lottery_rerun_reproduces_a_published_draw_and_refuses_a_wrong_seed(tmp_path: Path) -> None:
    from tongban.listings.domain import commitment, draw

    seed = bytes(range(32))
    (tmp_path / "households.txt").write_text("H3\nH1\nH2\n", encoding="utf-8")
    (tmp_path / "plots.txt").write_text("P1\nP2\n", encoding="utf-8")
    args = ["--households", str(tmp_path / "households.txt"), "--plots", str(tmp_path / "plots.txt")]
    result = runner.invoke(app, ["lottery", "rerun", "--seed", seed.hex(), "--commitment", commitment(seed), *args])
    assert result.exit_code == 0, result.output
    expected = [
        f"{a.rank}\t{a.household}\t{a.ticket}\t{a.plot or '-'}" for a in draw(seed, ["H3", "H1", "H2"], ["P1", "P2"])
    ]
    assert result.stdout.splitlines() == expected
    wrong = runner.invoke(app, ["lottery", "rerun", "--seed", "11" * 32, "--commitment", commitment(seed), *args])
    assert wrong.exit_code == 1 and "commitment" in wrong.stderr


def test_requests_sweep_reports_what_it_did_and_refuses_a_time_without_offset(cli_db: sessionmaker[Session]) -> None:
    result = runner.invoke(app, ["requests", "sweep", "--now", "2026-12-07T09:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "supervision orders warned: 0" in result.output
    bad = runner.invoke(app, ["requests", "sweep", "--now", "2026-12-07 09:00"])
    assert bad.exit_code == 1
    assert "--now 须为带时区的 ISO 8601 时间" in bad.output


def test_certify_with_import_brings_the_run_into_the_platform_once(
    cli_db: sessionmaker[Session], tmp_path: Path
) -> None:
    made = tmp_path / "roll"
    assert runner.invoke(app, ["registries", "generate", "--out", str(made), "--pensioners", "200",
                               "--as-of", "2025-06-30"]).exit_code == 0  # fmt: skip
    out = tmp_path / "out.csv"
    args = ["--pensioners", str(made / "pensioners.csv"), "--as-of", "2025-06-30"]
    result = runner.invoke(app, ["certify", *args, "--evidence", str(made / "evidence"), "--out", str(out), "--import"])
    assert result.exit_code == 0, result.output
    assert "imported as certification run 1" in result.stdout
    again = runner.invoke(app, ["registries", "import-run", "--run-file", str(out), *args])
    assert again.exit_code == 0 and "already imported as run 1" in again.stdout
    unknown = runner.invoke(app, ["registries", "import-run", "--run-file", str(out), *args, "--department", "nope"])
    assert unknown.exit_code == 1 and len(unknown.stderr.strip().splitlines()) == 1 and "nope" in unknown.stderr


def test_assistance_discover_opens_tasks_once_and_says_what_it_found(cli_db: sessionmaker[Session]) -> None:
    from tests.registries.assistance_data import MINI

    assert runner.invoke(app, ["pack", "load", str(MINI)]).exit_code == 0
    args = ["assistance", "discover", "--pack", "mini-assistance", "--as-of", "2025-01-31"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "12 households, 6 flagged" in first.stdout and "new tasks 5" in first.stdout
    again = runner.invoke(app, args)
    assert "new tasks 0" in again.stdout and "task open 5" in again.stdout
    wrong = runner.invoke(app, ["assistance", "discover", "--pack", "no-such-pack"])
    assert wrong.exit_code == 1 and "no-such-pack" in wrong.stderr and "Traceback" not in wrong.output
    bad_day = runner.invoke(app, [*args[:-1], "31/01/2025"])
    assert bad_day.exit_code == 1 and "--as-of" in bad_day.stderr
