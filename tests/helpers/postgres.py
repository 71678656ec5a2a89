"""A fresh PostgreSQL database on the server ``scripts/with-postgres.sh`` started."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "TT_TEST_POSTGRES_URL"


def server_url() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.fail(
            f"{POSTGRES_ENV} is not set: run the tests with `make test` or "
            "`sh scripts/with-postgres.sh .venv/bin/pytest ...` so a PostgreSQL server is started"
        )
    return base


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database, yield its URL, drop it (with any connection left behind)."""
    base = make_url(server_url())
    name = f"tt_{uuid.uuid4().hex}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
