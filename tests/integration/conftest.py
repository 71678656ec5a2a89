"""Database fixtures: every persistence test runs on a SQLite file and on PostgreSQL.

The PostgreSQL server comes from ``TT_TEST_POSTGRES_URL`` (``scripts/with-postgres.sh``, used by
``make test``); each test gets a fresh database, dropped afterwards. Without the variable the
PostgreSQL tests fail: they are never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from terminal.persistence import Database, DatabaseWriter, Store, open_database
from tests.integration.app_setup import close_left_open

POSTGRES_ENV = "TT_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: run the tests with `make test` or "
            "`sh scripts/with-postgres.sh .venv/bin/pytest ...` so a PostgreSQL server is started"
        )
    return base


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh, empty database (a SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'terminal.db'}"
        close_left_open()
        return
    base = make_url(_postgres_url())
    name = f"tt_{uuid.uuid4().hex}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        close_left_open()  # before the drop: a failed test's app must not write on into the void
        with admin.connect() as conn:
            # FORCE: a test that failed half-way may leave a connection behind.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = open_database(db_url)
    yield db
    db.close()


@pytest.fixture
def writer(database: Database) -> Iterator[DatabaseWriter]:
    w = DatabaseWriter(database.engine, backoff=(0.0, 0.01, 0.02))
    yield w
    w.close()


@pytest.fixture
def store(database: Database, writer: DatabaseWriter) -> Store:
    return Store(database, writer)
