"""The ``tongban`` command. User mistakes end in one line on stderr and exit 1, never a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from tongban.config import Settings, get_settings
from tongban.errors import TongbanError

if TYPE_CHECKING:
    from tongban.requests.routing import Evaluation

app = typer.Typer(help="Tongban 通办: one platform for a city's public services.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
pack_app = typer.Typer(help="Service packs (服务包).", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
registries_app = typer.Typer(help="Shared registries (共享数据).", no_args_is_help=True)
cases_app = typer.Typer(help="Cases (办件).", no_args_is_help=True)
rules_app = typer.Typer(help="Eligibility rules (资格规则).", no_args_is_help=True)
lottery_app = typer.Typer(help="Lottery site selection (摇号选址).", no_args_is_help=True)
requests_app = typer.Typer(help="Citizen requests (诉求).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(pack_app, name="pack")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(registries_app, name="registries")
app.add_typer(cases_app, name="cases")
app.add_typer(rules_app, name="rules")
app.add_typer(lottery_app, name="lottery")
app.add_typer(requests_app, name="requests")

err = Console(stderr=True)
stdout = Console()


def fail(message: str) -> NoReturn:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except TongbanError as exc:
        fail(f"{exc.message_zh} / {exc.message_en}" + (f" [{exc.field}]" if exc.field else ""))


def _factory(settings: Settings) -> sessionmaker[Session]:
    from tongban.db import make_engine, make_session_factory

    return make_session_factory(make_engine(settings.resolved_database_url()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Applies migrations to TONGBAN_DATABASE_URL."""
    from tongban.db import make_engine
    from tongban.migrations import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.resolved_database_url()))
    say("数据库已是最新 / database is up to date")


@pack_app.command("check")
def pack_check(path: Annotated[list[Path], typer.Argument(help="pack folders")]) -> None:
    """Validates packs; every error names file, line and field."""
    from tongban.packs import service as packs

    errors = packs.check(path)
    for error in errors:
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)
    say(f"{len(path)} 个服务包校验通过 / {len(path)} pack(s) valid")


@pack_app.command("load")
def pack_load(path: Annotated[list[Path], typer.Argument(help="pack folders")]) -> None:
    """Loads packs in one transaction: all or nothing, and a reload changes nothing."""
    load_packs(get_settings(), path)


def load_packs(settings: Settings, paths: list[Path]) -> None:
    from tongban.auth.domain import SYSTEM
    from tongban.packs import service as packs

    with progress_bar() as advance:
        try:
            report = packs.load(_factory(settings), SYSTEM, paths, advance)
        except packs.PackInvalid as exc:
            for error in exc.errors:
                err.print(str(error), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from exc
    say(report.summary())


@contextmanager
def progress_bar(single: str | None = None) -> Iterator[Callable[[str, int, int], None]]:
    """A bar per stage, or with ``single`` one bar whose label names the stage under way."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        # Scripts and CI read stderr for the one-line reason; a bar belongs on a terminal only.
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            key = single or stage
            if key not in tasks:
                tasks[key] = bar.add_task(key, total=total)
            label = f"{single}: {stage}" if single else stage
            bar.update(tasks[key], completed=done, total=total, description=label)

        yield advance


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="citizen, window, reviewer, dispatcher, supervisor, admin")],
    jurisdiction: Annotated[str | None, typer.Option(help="行政区划代码")] = None,
    department: Annotated[str | None, typer.Option(help="department code")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
) -> None:
    """Adds a staff user and prints a one-time password."""
    from tongban.auth.domain import SYSTEM, Role
    from tongban.auth.service import NewUser, add_user
    from tongban.db import transaction

    if role not in Role.__members__:
        fail(f"角色 {role} 不存在 / unknown role {role}: {', '.join(Role.__members__)}")
    with user_errors(), transaction(_factory(get_settings())) as session:
        new = NewUser(username, Role(role), name or username, jurisdiction, department)
        _, password = add_user(session, SYSTEM, new)
    say(f"{username}: {password}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Checks the hash chain; exit 1 and the first broken entry if tampered."""
    from tongban.audit import service as audit

    with _factory(get_settings())() as session:
        checked, broken = audit.verify(session)
    if broken is not None:
        fail(f"审计日志第 {broken.seq} 条被篡改：{broken.reason_zh} / audit entry {broken.seq}: {broken.reason_en}")
    say(f"审计链完整，共 {checked} 条 / audit chain intact: {checked} entries")


@lottery_app.command("rerun")
def lottery_rerun(
    seed: Annotated[str, typer.Option(help="the seed published after the draw (64 hex digits)")],
    commitment: Annotated[str, typer.Option(help="the SHA-256 published before the draw")],
    households: Annotated[Path, typer.Option(help="the eligible households' ids, one per line")],
    plots: Annotated[Path, typer.Option(help="the plots in their published order, one per line")],
) -> None:
    """Re-runs a published draw from its seed and prints rank, household, ticket and plot, tab-separated."""
    from tongban.listings.domain import DrawError, draw, parse_seed, verify

    try:
        key = parse_seed(seed)
        verify(key, commitment)
        result = draw(key, _lines(households), _lines(plots))
    except DrawError as exc:
        fail(f"{exc.message_zh} / {exc.message_en}")
    for allocation in result:
        # Plain tab-separated lines (no Rich), so that anyone can diff them against the published result.
        typer.echo(f"{allocation.rank}\t{allocation.household}\t{allocation.ticket}\t{allocation.plot or '-'}")


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        fail(f"找不到文件 {path} / no file {path}")
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


@rules_app.command("eval")
def rules_eval(
    service: Annotated[str, typer.Option(help="the service's code")],
    input: Annotated[Path, typer.Option(help="CSV or Parquet: one row per subject, a column per fact")],
    out: Annotated[Path, typer.Option(help="CSV: first column, eligible, failed_rules")],
) -> None:
    """Evaluates a service's eligibility rules over every row of a file (CONTRACT: batch rule evaluation)."""
    import time

    from tongban.rules import service as rules

    started = time.perf_counter()
    with user_errors(), _factory(get_settings())() as session, progress_bar("evaluate") as advance:
        rows = rules.evaluate(session, service, input, out, advance)
    say(f"已评估 {rows} 行，用时 {time.perf_counter() - started:.1f} 秒 / evaluated {rows} rows → {out}")


@requests_app.command("routing-report")
def requests_routing_report(pack: Annotated[str, typer.Option(help="the pack's code")]) -> None:
    """How well the pack's department classifier routes examples it did not learn from (诉求分派)."""
    from tongban.requests import routing, routing_store

    with _factory(get_settings())() as session:
        examples = routing_store.examples_of(session, pack)
    try:
        result = routing.evaluate(examples)
    except routing.TooFewExamples as exc:
        fail(f"服务包 {pack}：{exc.message_zh} / pack {pack}: {exc.message_en}")
    _print_routing_report(pack, result)


def _print_routing_report(pack: str, result: Evaluation) -> None:
    from rich.table import Table

    table = Table("部门 department", "留出 held out", "精确率 precision", "召回率 recall", title=pack)
    for score in result.departments:
        table.add_row(score.department, str(score.held_out), f"{score.precision:.0%}", f"{score.recall:.0%}")
    stdout.print(table)
    n, held, accuracy = result.examples, result.held_out, f"{result.accuracy:.1%}"
    say(f"样例 {n} 条，留出 {held} 条，准确率 {accuracy} / {n} examples, {held} held out, accuracy {accuracy}")
    at, share, right = f"≥ {result.threshold}", f"{result.suggested:.0%}", f"{result.suggested_accuracy:.1%}"
    say(f"置信度 {at} 时建议 {share}，其中正确 {right} / confidence {at}: {share} suggested, {right} of them right")


@registries_app.command("load")
def registries_load(
    code: Annotated[str, typer.Argument(help="the registry's code, as its pack declares it")],
    file: Annotated[Path, typer.Argument(help="CSV or Parquet with id_number and a column per field")],
) -> None:
    """Replaces a registry's records with the owner's file; nothing is written if any row is wrong."""
    from tongban.auth.domain import SYSTEM
    from tongban.registries import service as registries

    with user_errors(), progress_bar("load") as advance:
        rows = registries.load_file(_factory(get_settings()), SYSTEM, code, file, advance)
    say(f"登记库 {code} 已载入 {rows} 条 / loaded {rows} records into {code}")


@cases_app.command("sweep")
def cases_sweep(
    today: Annotated[str | None, typer.Option(help="sweep as of this date (YYYY-MM-DD); default today")] = None,
) -> None:
    """Raises overdue warnings: each open step that turned yellow or red since the last sweep, once."""
    from tongban.cases.inbox import sweep

    day = _date_option("--today", today) if today else None
    with user_errors():
        report = sweep(_factory(get_settings()), day)
    counts = f"黄 yellow {report.yellow}，红 red {report.red}"
    say(f"已检查 {report.checked} 个环节 / checked {report.checked} open steps；新预警 / new warnings: {counts}")


@requests_app.command("sweep")
def requests_sweep(
    now: Annotated[str | None, typer.Option(help="sweep as of this time (ISO 8601 with offset); default now")] = None,
) -> None:
    """Warns supervision orders due by the next working day; closes answers left unrated by return visit."""
    from tongban.requests.sweeps import sweep

    moment = _datetime_option("--now", now) if now else None
    with user_errors():
        report = sweep(_factory(get_settings()), moment)
    say(f"督办预警 {report.warned_orders} 件 / supervision orders warned: {report.warned_orders}")
    closed = len(report.closed_unrated)
    say(f"回访办结 {closed} 件 / closed by return visit: {closed} {' '.join(report.closed_unrated)}".rstrip())


@app.command()
def certify(
    pensioners: Annotated[Path, typer.Option(help="pension roll CSV")],
    evidence: Annotated[Path, typer.Option(help="folder of evidence CSV/Parquet files")],
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD; evidence after it is ignored")],
    out: Annotated[Path, typer.Option(help="result CSV")],
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    into_platform: Annotated[
        bool, typer.Option("--import", help="then import the result into the platform (tongban registries import-run)")
    ] = False,
    department: Annotated[
        str | None, typer.Option(help="with --import: the department whose reviewers own the run")
    ] = None,
) -> None:
    """Silent certification (静默认证): certified, suspended or manual for every pensioner."""
    from tongban.registries.certification import certify as run_certification

    day = _date_option("--as-of", as_of)
    with user_errors(), progress_bar("静默认证 certify") as advance:
        summary = run_certification(pensioners, evidence, day, out, engine, advance)
    for line in summary.lines():
        say(line)
    if into_platform:
        _import_run(out, pensioners, day, department)


@registries_app.command("generate")
def registries_generate(
    out: Annotated[Path, typer.Option(help="folder to write pensioners.csv, evidence/ and truth.csv into")],
    pensioners: Annotated[int, typer.Option(help="how many pensioners", min=1)],
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    seed: int = 1,
    format: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
) -> None:
    """Writes a realistic pension roll, evidence with noise, and the ground truth, for tests and benchmarks."""
    from tongban.registries.generator import generate

    if format not in ("csv", "parquet"):
        fail(f"格式须为 csv 或 parquet / --format must be csv or parquet, not {format}")
    day = _date_option("--as-of", as_of)
    try:
        with progress_bar() as advance:
            made = generate(
                out, pensioners, day, seed=seed, fmt="csv" if format == "csv" else "parquet", progress=advance
            )
    except ValueError as exc:
        fail(f"无法生成数据 / cannot generate: {exc}")
    say(f"{made.pensioners:,} 名养老金领取人、{made.evidence_rows:,} 条证据 / pensioners and evidence rows")


@registries_app.command("import-run")
def registries_import_run(
    run_file: Annotated[Path, typer.Option(help="the result CSV of tongban certify (--out)")],
    pensioners: Annotated[Path, typer.Option(help="the pension roll CSV the run was made from")],
    as_of: Annotated[str, typer.Option(help="YYYY-MM-DD: the run's --as-of")],
    department: Annotated[str | None, typer.Option(help="the department whose reviewers own the run")] = None,
) -> None:
    """Imports a certification run: qualifications, follow-ups for manual ones, suspension notices, resumptions."""
    _import_run(run_file, pensioners, _date_option("--as-of", as_of), department)


def _import_run(run_file: Path, pensioners: Path, as_of: date, department: str | None) -> None:
    from tongban.auth.domain import SYSTEM
    from tongban.registries.certify_import import import_run

    with user_errors(), progress_bar("导入 import") as advance:
        done = import_run(_factory(get_settings()), SYSTEM, run_file, pensioners, as_of, department, progress=advance)
    if done.created:
        run = done.run_id
        say(f"已导入为认证批次 {run} / imported as certification run {run}: /certification/runs/{run}")
    else:
        say(f"该批次已导入（批次 {done.run_id}），未作改动 / already imported as run {done.run_id}; nothing changed")


def _date_option(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} 须为 YYYY-MM-DD 格式的日期 / {name} must be a date as YYYY-MM-DD, not {value!r}")


def _datetime_option(name: str, value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        fail(f"{name} 须为带时区的 ISO 8601 时间 / {name} must be an ISO 8601 time with an offset, not {value!r}")
    return moment


def say(text: str) -> None:
    stdout.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    demo: Annotated[bool, typer.Option(help="allow users with the demo password")] = False,
    sweep_minutes: Annotated[int, typer.Option(help="minutes between overdue sweeps; 0: none")] = 15,
) -> None:
    """Serves pages and API against TONGBAN_DATABASE_URL, and sweeps for overdue cases."""
    from tongban.auth.service import users_with_demo_password

    settings = get_settings()
    with _factory(settings)() as session:
        weak = users_with_demo_password(session)
    if weak and not demo:
        fail(f"以下用户仍使用演示密码，拒绝启动 / users still have the demo password: {', '.join(weak)}")
    _run(settings, host, port, workers, sweep_minutes)


def _run(settings: Settings, host: str, port: int, workers: int, sweep_minutes: int = 15) -> None:
    import uvicorn

    if sweep_minutes > 0:
        _start_sweeps(settings, sweep_minutes)
    os.environ["TONGBAN_DATABASE_URL"] = settings.resolved_database_url()
    os.environ["TONGBAN_DATA_DIR"] = str(settings.data_dir)
    uvicorn.run("tongban.web.main:app_from_env", factory=True, host=host, port=port, workers=workers)


def _start_sweeps(settings: Settings, minutes: int) -> None:
    """One sweeper per `serve`, in this process, whatever the number of workers.

    Several servers behind a load balancer should sweep from one of them only
    (`--sweep-minutes 0` on the others), or from cron with `tongban cases sweep` and `tongban requests sweep`.
    """
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    from tongban.cases.inbox import sweep as sweep_cases
    from tongban.requests.sweeps import sweep as sweep_requests

    scheduler = BackgroundScheduler(daemon=True)
    factory = _factory(settings)
    # Start at once so a restart does not wait a full interval; coalesce missed runs into one.
    for job in (sweep_cases, sweep_requests):
        trigger = IntervalTrigger(minutes=minutes)
        scheduler.add_job(job, trigger, args=[factory], coalesce=True, max_instances=1, next_run_time=_now())
    scheduler.start()


def _now() -> datetime:
    return datetime.now(UTC)


@app.command()
def demo(
    port: int = 8000,
    data_dir: Annotated[Path, typer.Option(help="where the SQLite database lives")] = Path(".tongban"),
) -> None:
    """Creates the SQLite demo: migrate, load every pack, add demo users, serve."""
    from tongban.auth.demo import DEMO_LOGINS, ensure_demo_users
    from tongban.auth.passwords import DEMO_PASSWORD
    from tongban.db import make_engine, transaction
    from tongban.migrations import upgrade

    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'tongban.db'}")
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.resolved_database_url()))
    packs = sorted(p for p in settings.packs_dir.iterdir() if (p / "pack.yaml").exists())
    load_packs(settings, packs)
    with transaction(_factory(settings)) as session:
        ensure_demo_users(session)
    discover_for_demo(settings)
    say(f"通办演示已启动 / Tongban demo: http://127.0.0.1:{port}")
    say(f"演示账号 / demo logins (password {DEMO_PASSWORD}): {DEMO_LOGINS}")
    _run(settings, "127.0.0.1", port, 1)


# 助联体 proactive discovery: its own group, so that its options stay together.
assistance_app = typer.Typer(help="Proactive discovery of households in need (助联体主动发现).", no_args_is_help=True)
app.add_typer(assistance_app, name="assistance")


@assistance_app.command("discover")
def assistance_discover(
    pack: Annotated[str, typer.Option(help="the pack whose assistance.yaml declares the program")],
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: the day of discovery; default today")] = None,
) -> None:
    """Flags households not yet assisted, matches their needs to resources, and opens tasks due in a month."""
    from tongban.auth.domain import SYSTEM
    from tongban.calendar.service import today
    from tongban.registries.discovery_service import discover

    day = _date_option("--as-of", as_of) if as_of else today()
    with user_errors(), progress_bar("助联体 discover") as advance:
        summary = discover(_factory(get_settings()), SYSTEM, pack, day, advance)
    for line in summary.lines():
        say(line)


def discover_for_demo(settings: Settings) -> None:
    """The demo opens with today's discovery run, so that assistance officers have tasks to work."""
    from tongban.auth.domain import SYSTEM
    from tongban.calendar.service import today
    from tongban.registries.discovery_service import discover, packs_with_programs

    factory = _factory(settings)
    with factory() as session:
        packs = packs_with_programs(session)
    for pack in packs:
        summary = discover(factory, SYSTEM, pack, today())
        say(f"{pack}: {summary.lines()[2]}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
