"""Shared fixtures: a migrated database on SQLite and, when reachable, on PostgreSQL.

Tests that take ``db`` run once per database. With ``TONGBAN_REQUIRE_POSTGRES=1`` (CI)
an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from tongban.auth import service as auth_service
from tongban.config import Settings
from tongban.db import make_engine, make_session_factory
from tongban.migrations import upgrade
from tongban.models import Base
from tongban.web.app import create_app

POSTGRES_URL = os.environ.get("TONGBAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("TONGBAN_REQUIRE_POSTGRES") == "1"
REPO = Path(__file__).resolve().parent.parent


@contextmanager
def _postgres_engine() -> Iterator[Engine]:
    """A database of its own per test session, so concurrent runs never reset each other's tables."""
    admin = make_engine(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable at {POSTGRES_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    name = f"tongban_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def one_hash_per_password() -> Iterator[None]:
    """Argon2 is slow on purpose; the tests hash each distinct password once and reuse it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_service, "hash_password", functools.cache(auth_service.hash_password))
        yield


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "tongban.db"
        sqlite = make_engine(f"sqlite:///{path}")
        upgrade(sqlite)
        yield sqlite
        sqlite.dispose()
        return
    with _postgres_engine() as postgres:
        upgrade(postgres)
        yield postgres


def _empty_tables(engine: Engine) -> None:
    """Empties every table and restores the audit log's append-only triggers a test may have dropped."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
            return
        for verb in ("update", "delete"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS audit_entries_no_{verb}"))
        for table in tables:
            conn.execute(table.delete())
        for verb in ("UPDATE", "DELETE"):
            conn.execute(
                text(
                    f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                    "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
                )
            )


@pytest.fixture
def db(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on an empty, migrated database."""
    _empty_tables(engine)
    yield make_session_factory(engine)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="test-secret-key", base_url="http://testserver")


@pytest.fixture
def client(db: sessionmaker[Session], settings: Settings) -> Iterator[TestClient]:
    """The whole application over the test database, as a browser or API client sees it."""
    app = create_app(settings, db.kw["bind"])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def token_for(client: TestClient, username: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
