"""Checking and loading service packs (``tongban pack check`` / ``tongban pack load``).

Loading validates every file of every pack first and writes nothing when anything is
wrong; otherwise it writes everything in one transaction, each record upserted by its
code through the audit log, so a second load of the same packs changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth.domain import Actor
from tongban.auth.models import Department, Jurisdiction
from tongban.calendar.domain import CalendarOverride, merge, override_from_mapping
from tongban.catalog.models import Alliance, Bundle
from tongban.catalog.models import Service as ServiceRow
from tongban.db import transaction
from tongban.packs.domain import (
    Known,
    Located,
    PackError,
    PackInvalid,
    ParsedPack,
    sorted_errors,
)
from tongban.packs.models import LoadedPack
from tongban.packs.reader import read_calendar, read_pack
from tongban.packs.references import cross_check
from tongban.packs.writer import LoadReport, Progress, write
from tongban.points.models import Point, Poster
from tongban.registries import service as registries
from tongban.registries.models import AssistanceProgram, AssistanceResource
from tongban.requests.models import Provider, RequestType


def check(paths: Sequence[Path], session: Session | None = None) -> list[PackError]:
    """Every error in the packs, taken together; with a session, codes in the database count too."""
    return _errors([read_pack(Path(path)) for path in paths], session)


def load(
    factory: sessionmaker[Session],
    actor: Actor,
    paths: Sequence[Path],
    progress: Progress | None = None,
) -> LoadReport:
    """Validates the packs, then writes them all in one transaction.

    Raises ``PackInvalid`` with every error, having written nothing, when anything is wrong.
    """
    packs = [read_pack(Path(path)) for path in paths]
    try:
        with transaction(factory) as session:
            errors = _errors(packs, session)
            if errors:
                raise PackInvalid(errors)
            return write(session, actor, packs, progress or _quiet)
    except (IntegrityError, DataError) as exc:
        raise PackInvalid([_refused(packs, exc)]) from exc


def _refused(packs: Sequence[ParsedPack], exc: IntegrityError | DataError) -> PackError:
    # Validation should catch everything; this is the database's word, e.g. after a
    # concurrent change. The transaction was rolled back, so nothing was written.
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return PackError(
        ", ".join(pack.folder.name for pack in packs),
        None,
        "",
        f"数据库拒绝写入，未做任何更改：{detail}",
        f"the database refused the write, nothing was changed: {detail}",
    )


def calendar_override(paths: Sequence[Path]) -> CalendarOverride | None:
    """The working-day override of the packs' ``calendar.yaml`` files together; None when none has one."""
    packs = [ParsedPack(Path(path)) for path in paths]
    found = [
        located
        for pack in packs
        if (pack.folder / "calendar.yaml").is_file() and (located := read_calendar(pack)) is not None
    ]
    errors = [error for pack in packs for error in pack.errors] + _calendar_conflicts(found)
    if errors:
        raise PackInvalid(errors)
    if not found:
        return None
    return merge(located.record for located in found)


def loaded_calendars(session: Session) -> list[CalendarOverride]:
    """The calendar overrides of the packs in the database."""
    rows = session.execute(select(LoadedPack.code, LoadedPack.calendar).where(LoadedPack.calendar.is_not(None)))
    # A pack without a calendar stores JSON null, which SQL's IS NOT NULL does not filter out.
    return [override_from_mapping(data, f"{code}/calendar.yaml") for code, data in rows if data is not None]


def rectification_days(session: Session, pack_code: str) -> int | None:
    """好差评: the working days the pack gives a department to rectify a bad rating; None for an unknown pack."""
    return session.scalar(select(LoadedPack.rectification_days).where(LoadedPack.code == pack_code))


def request_indexes(session: Session) -> dict[str, dict[str, Any]]:
    """信访生态指数 schemes by pack code, of the packs whose requests.yaml declares one."""
    # A pack without one may hold JSON null rather than SQL NULL: both are left out here.
    rows = session.execute(select(LoadedPack.code, LoadedPack.request_index))
    return {code: declared for code, declared in rows if declared}


def house_code_rules(session: Session) -> dict[str, dict[str, Any]]:
    """农宅码: the services whose approval issues a house code, each with its declared ``house_code``."""
    rows = session.execute(select(ServiceRow.code, ServiceRow.house_code).where(ServiceRow.house_code.is_not(None)))
    return {code: declared for code, declared in rows if declared}


def _quiet(stage: str, done: int, total: int) -> None:
    pass


def _errors(packs: Sequence[ParsedPack], session: Session | None) -> list[PackError]:
    errors = [error for pack in packs for error in pack.errors]
    errors += cross_check(packs, _known(session) if session is not None else Known())
    errors += _calendar_conflicts([pack.calendar for pack in packs if pack.calendar is not None])
    return sorted_errors(errors)


def _known(session: Session) -> Known:
    def owners(model: Any) -> dict[str, str | None]:
        return {code: owner for code, owner in session.execute(select(model.code, model.pack_code))}

    return Known(
        jurisdictions=owners(Jurisdiction),
        departments=owners(Department),
        services=owners(ServiceRow),
        bundles=owners(Bundle),
        alliances=owners(Alliance),
        registries=registries.field_types(session),
        points=owners(Point),
        posters=owners(Poster),
        request_types=owners(RequestType),
        providers=owners(Provider),
        assistance_programs=owners(AssistanceProgram),
        assistance_resources=owners(AssistanceResource),
        department_places={
            code: place for code, place in session.execute(select(Department.code, Department.jurisdiction_code))
        },
    )


def _calendar_conflicts(calendars: Sequence[Located[CalendarOverride]]) -> list[PackError]:
    """Two packs loaded together may not both declare the same year."""
    errors: list[PackError] = []
    first: dict[int, Located[CalendarOverride]] = {}
    for located in calendars:
        for year in sorted(located.record.years):
            if year in first:
                other = first[year].file
                zh, en = f"{year} 年已在 {other} 中声明", f"{year} is already declared in {other}"
                line = located.line_of(("years", year))
                errors.append(PackError(located.file, line, f"years.{year}", zh, en))
            first.setdefault(year, located)
    return errors
