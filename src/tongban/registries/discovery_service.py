"""``tongban assistance discover``: proactive discovery (主动发现) over the registries, in one batch.

The registries a program reads are copied into DuckDB, grouped into households and turned
into facts; the program's rules run over every household at once through the rules engine.
A household some rule flags and that is not on the assistance roll gets a task for its
town's assistance officer, due one calendar month later, with each need matched to a
resource that serves its place and has capacity left this year. A household with an open
task, or one closed within the program's quiet months, is not flagged again, so running
the job twice on the same day creates nothing the second time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tongban.audit import service as audit
from tongban.auth.domain import Actor
from tongban.calendar.domain import months_later
from tongban.db import transaction, utcnow
from tongban.errors import BadInput, NotFound
from tongban.registries import discovery_sql as sql
from tongban.registries.discovery import Hit, NeedStatus, Offer, TaskStatus, choose, needs_of, town_of
from tongban.registries.models import AssistanceNeed, AssistanceProgram, AssistanceTask, RegistryRecord
from tongban.registries.offers import offers_of
from tongban.rules.domain import Fact, FactType, Rule, RuleError, RuleSet, rule_set
from tongban.rules.engine import evaluate_relation

Progress = Callable[[str, int, int], None]
BATCH = 10_000
VILLAGE_DIGITS = 12


@dataclass
class Summary:
    """What a run found and did, for the command's last lines and the audit log."""

    program: str
    as_of: date
    households: int = 0
    flagged: int = 0
    on_roll: int = 0
    already_open: int = 0
    recently_closed: int = 0
    unplaced: int = 0
    created: int = 0
    needs: Counter[str] = field(default_factory=Counter)
    unmatched: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        needs = ", ".join(f"{code} {n}" for code, n in sorted(self.needs.items())) or "-"
        day, program = self.as_of.isoformat(), self.program
        return [
            f"项目 {program}，截至 {day}：{self.households} 户，规则命中 {self.flagged} 户"
            f" / program {program} as of {day}: {self.households} households, {self.flagged} flagged",
            f"已在册 {self.on_roll}，已有未办结任务 {self.already_open}，近期已办结 {self.recently_closed}，"
            f"无有效住址 {self.unplaced} / on the roll {self.on_roll}, task open {self.already_open}, "
            f"closed lately {self.recently_closed}, no valid place {self.unplaced}",
            f"新建任务 {self.created}，未匹配到资源的需求 {self.unmatched} / new tasks {self.created}, "
            f"needs without a resource {self.unmatched}",
            f"需求 / needs: {needs}",
            f"用时 {self.seconds:.1f} 秒 / took {self.seconds:.1f} s",
        ]

    def audited(self) -> dict[str, object]:
        values = {name: getattr(self, name) for name in ("households", "flagged", "on_roll", "created", "unmatched")}
        return {"as_of": self.as_of.isoformat(), **values, "needs": dict(self.needs)}


@dataclass(frozen=True)
class Plan:
    """A program's definition, read once: the household register, the roll, the facts and the checked rules."""

    program: AssistanceProgram
    households: sql.Households
    facts: list[sql.FactDef]
    rules: RuleSet

    @property
    def registries(self) -> list[str]:
        return list(sql.needed_fields(self.households, self.program.roll, self.facts))


def packs_with_programs(session: Session) -> list[str]:
    return sorted(session.scalars(select(AssistanceProgram.pack_code)))


def program_of_pack(session: Session, pack: str) -> str:
    """The code of the discovery program a pack declares (a pack declares at most one)."""
    code = session.scalar(select(AssistanceProgram.code).where(AssistanceProgram.pack_code == pack))
    if code is None:
        raise NotFound(
            f"服务包 {pack} 没有主动发现项目（未载入或无 assistance.yaml）",
            f"pack {pack} has no discovery program",
            "pack",
        )
    return code


def plan_of(session: Session, code: str) -> Plan:
    program = session.get(AssistanceProgram, code)
    if program is None:
        raise NotFound(f"主动发现项目 {code} 不存在", f"discovery program {code} not found", "program")
    facts = [sql.FactDef.of(name, spec) for name, spec in program.facts.items()]
    rules = [Rule(r["id"], r["expr"], r["message"], r.get("message_en")) for r in program.rules]
    try:
        checked = rule_set([Fact(f.name, f.type, "household", None) for f in facts], rules)
    except RuleError as exc:  # the pack check refuses these; a hand-edited database might not
        raise BadInput(exc.message_zh, exc.message_en, "rules") from None
    return Plan(program, sql.Households(**program.households), facts, checked)


def discover(
    factory: sessionmaker[Session], actor: Actor, pack: str, as_of: date, progress: Progress | None = None
) -> Summary:
    """Runs the pack's program over every household and records what is new, in one transaction."""
    report = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    with transaction(factory) as session:
        code = program_of_pack(session, pack)
        summary = Summary(code, as_of)
        plan = plan_of(session, code)
        found = _evaluate(session, actor, plan, summary, report)
        _record(session, actor, plan, found, summary, report)
        summary.seconds = time.perf_counter() - started
        audit.record(session, actor, "discover", "assistance_programs", code, after=summary.audited())
    return summary


def _evaluate(session: Session, actor: Actor, plan: Plan, summary: Summary, report: Progress) -> list[sql.Household]:
    tables = plan.registries
    wanted = sql.needed_fields(plan.households, plan.program.roll, plan.facts)
    with duckdb.connect() as db:
        for code in tables:
            _copy(session, actor, db, plan, code, wanted[code], report)
        source = f"({sql.facts_sql(plan.households, plan.program.roll, plan.facts, tables)})"
        db.execute(f"CREATE TEMP TABLE household_facts AS SELECT * FROM {source}")
        summary.households = int(db.execute("SELECT count(*) FROM household_facts").fetchone()[0])  # type: ignore[index]
        report("evaluate", 0, summary.households)
        keep = [*sql.KEPT, *(sql.VALUE + fact.name for fact in plan.facts)]
        rows = evaluate_relation(plan.rules, db, "household_facts", keep, any_held=True)
        found = list(sql.flagged(rows, plan.facts))
        report("evaluate", summary.households, summary.households)
    summary.flagged = len(found)
    return found


def _copy(
    session: Session,
    actor: Actor,
    db: duckdb.DuckDBPyConnection,
    plan: Plan,
    code: str,
    fields: dict[str, FactType],
    report: Progress,
) -> None:
    """One registry's records into DuckDB, in batches; the bulk read is audited once, with its purpose."""
    table = sql.table_of(code, plan.registries)
    sql.create_table(db, table, fields)
    where = RegistryRecord.registry_code == code
    total = session.scalar(select(func.count()).select_from(RegistryRecord).where(where)) or 0
    stage = f"read {code}"
    report(stage, 0, total)
    query = select(RegistryRecord.id_number, RegistryRecord.data).where(where).execution_options(yield_per=BATCH)
    done = 0
    for batch in session.execute(query).partitions():
        sql.insert_rows(db, table, fields, [(key, data) for key, data in batch])
        done += len(batch)
        report(stage, done, total)
    purpose = f"proactive discovery: {plan.program.code}"
    after = {"fields": list(fields), "rows": total, "purpose": purpose}
    audit.record(session, actor, "read", "registry_records", f"{code}/*", after=after)


def _record(
    session: Session, actor: Actor, plan: Plan, found: Sequence[sql.Household], summary: Summary, report: Progress
) -> None:
    program = plan.program
    open_now, closed_lately = _known_households(session, program, summary.as_of)
    offers = offers_of(session, program.code, summary.as_of)
    # In household order, so that when capacity runs short a rerun gives the places to the same households.
    for done, household in enumerate(sorted(found, key=lambda item: item.household_id), 1):
        if household.on_roll:
            summary.on_roll += 1
        elif household.household_id in open_now:
            summary.already_open += 1
        elif household.household_id in closed_lately:
            summary.recently_closed += 1
        elif len(household.place) != VILLAGE_DIGITS or not household.place.isdigit():
            summary.unplaced += 1
        else:
            offers = _open_task(session, actor, plan, household, offers, summary)
        report("record", done, len(found))


def _known_households(session: Session, program: AssistanceProgram, as_of: date) -> tuple[set[str], set[str]]:
    tasks = select(AssistanceTask.household_id, AssistanceTask.status, AssistanceTask.closed_on).where(
        AssistanceTask.program_code == program.code
    )
    since = months_later(as_of, -program.quiet_months)
    open_now: set[str] = set()
    closed_lately: set[str] = set()
    for household, status, closed_on in session.execute(tasks):
        if status == TaskStatus.open:
            open_now.add(household)
        elif closed_on is not None and closed_on > since:
            closed_lately.add(household)
    return open_now, closed_lately


def _open_task(
    session: Session, actor: Actor, plan: Plan, household: sql.Household, offers: list[Offer], summary: Summary
) -> list[Offer]:
    """The household's task and needs; returns the offers with the places these needs took."""
    program, rules = plan.program, plan.rules
    hits = [Hit(rules.rules[index].id, program.rules[index]["need"]) for index in household.held]
    task = AssistanceTask(
        program_code=program.code,
        household_id=household.household_id,
        village_code=household.place,
        town_code=town_of(household.place),
        discovered_on=summary.as_of,
        due_on=months_later(summary.as_of, program.deadline_months),
        status=TaskStatus.open.value,
        hits=[_hit(plan, index) for index in household.held],
        facts=household.facts,
        members=household.members,
        created_at=utcnow(),
    )
    session.add(task)
    session.flush()
    matched: dict[str, str | None] = {}
    for need, rule_ids in needs_of(hits).items():
        offer = choose(offers, need, household.place)
        if offer is not None:
            offers = [replace(item, remaining=item.remaining - 1) if item is offer else item for item in offers]
        session.add(_need(task.id, need, rule_ids, offer, summary.as_of))
        matched[need] = offer.code if offer else None
        summary.needs[need] += 1
        summary.unmatched += offer is None
    summary.created += 1
    after = {"household": household.household_id, "town": task.town_code, "due_on": task.due_on.isoformat()}
    audit.record(session, actor, "create", "assistance_tasks", str(task.id), after={**after, "needs": matched})
    return offers


def _need(task_id: int, need: str, rule_ids: list[str], offer: Offer | None, on: date) -> AssistanceNeed:
    return AssistanceNeed(
        task_id=task_id,
        category_code=need,
        rules=rule_ids,
        resource_code=offer.code if offer else None,
        matched_on=on if offer else None,
        status=(NeedStatus.matched if offer else NeedStatus.unmatched).value,
        history=[],
    )


def _hit(plan: Plan, index: int) -> dict[str, object]:
    """A rule that held, as the task keeps it: what the officer reads, and the facts it was checked against."""
    spec = plan.program.rules[index]
    keys = ("id", "name", "name_en", "need", "message", "message_en")
    return {**{key: spec.get(key) for key in keys}, "facts": plan.rules.facts_of(index)}
