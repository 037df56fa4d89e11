from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tongban.audit import service as audit
from tongban.auth.domain import SYSTEM
from tongban.auth.models import Jurisdiction
from tongban.db import transaction


def _write_three(db: sessionmaker[Session]) -> None:
    with transaction(db) as session:
        for code in ("320000", "320200", "320211"):
            audit.upsert(session, SYSTEM, Jurisdiction, {"code": code, "name": code, "level": "city"})


def test_an_untouched_chain_verifies(db: sessionmaker[Session]) -> None:
    _write_three(db)
    with db() as session:
        assert audit.verify(session) == (3, None)


def test_writing_the_same_row_twice_logs_once(db: sessionmaker[Session]) -> None:
    _write_three(db)
    _write_three(db)
    with db() as session:
        assert audit.verify(session)[0] == 3


def test_an_update_records_before_and_after(db: sessionmaker[Session]) -> None:
    _write_three(db)
    with transaction(db) as session:
        outcome = audit.upsert(session, SYSTEM, Jurisdiction, {"code": "320211", "name": "滨湖区", "level": "county"})
    assert outcome == "updated"
    with db() as session:
        last = audit.history(session, "jurisdictions", "320211")[-1]
    assert '"name":"320211"' in (last.before or "")
    assert '"name":"滨湖区"' in (last.after or "")


def test_the_database_refuses_to_change_an_entry(db: sessionmaker[Session]) -> None:
    _write_three(db)
    with db() as session:
        try:
            session.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 2"))
            session.commit()
        except Exception:
            session.rollback()
        else:
            raise AssertionError("the update went through")


def test_a_tampered_entry_is_found_even_past_the_triggers(db: sessionmaker[Session]) -> None:
    _write_three(db)
    with db() as session:
        factories.bypass_append_only(session)
        session.execute(text('UPDATE audit_entries SET after = \'{"name":"x"}\' WHERE seq = 2'))
        session.commit()
        checked, found = audit.verify(session)
    assert (checked, found and found.seq) == (1, 2)


def test_a_deleted_tail_is_found(db: sessionmaker[Session]) -> None:
    _write_three(db)
    with db() as session:
        factories.bypass_append_only(session)
        session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
        session.commit()
        _, found = audit.verify(session)
    assert found is not None and found.seq == 3
