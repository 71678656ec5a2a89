"""Opening the database: migrations, and clear errors for every way it can be unusable."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, inspect, text

from terminal.persistence import PersistenceError, default_database_url, open_database
from terminal.persistence.database import SCHEMA_HEADS, alembic_config
from terminal.persistence.schema import Base

#: Opens the database named by argv[1] as the terminal's start does, then says whether Alembic
#: was imported on the way.
OPEN_AND_REPORT_ALEMBIC = """
import sys
from terminal.persistence import open_database
open_database(sys.argv[1]).close()
print("alembic imported" if "alembic" in sys.modules else "no alembic")
"""


def alembic_imported_by_opening(url: str) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_AND_REPORT_ALEMBIC, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip() == "alembic imported"


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` read-only, even for root (who ignores permission bits: use chattr +i)."""
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    as_root = os.geteuid() == 0
    if as_root:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def migrate_with_alembic(url: str, revision: str = "heads") -> None:
    """Build the schema of ``url`` by running the migration scripts up to ``revision``."""
    engine = create_engine(url)
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def drop_everything(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE alembic_version"))
        assert not inspect(engine).get_table_names()
    finally:
        engine.dispose()


def schema_shape(conn: Connection) -> dict[str, dict[str, object]]:
    """Every table as the database reports it: columns by name (type, nullability, default,
    autoincrement, in any order: the code names columns, never counts them), primary key,
    foreign keys, indexes, unique and check constraints."""
    found = inspect(conn)
    return {
        table: {
            "columns": {
                c["name"]: (str(c["type"]), c["nullable"], c.get("default"), c.get("autoincrement"))
                for c in found.get_columns(table)
            },
            "primary_key": found.get_pk_constraint(table),
            "foreign_keys": sorted(map(repr, found.get_foreign_keys(table))),
            "indexes": sorted(map(repr, found.get_indexes(table))),
            "unique": sorted(map(repr, found.get_unique_constraints(table))),
            "checks": sorted(map(repr, found.get_check_constraints(table))),
        }
        for table in sorted(found.get_table_names())
    }


def make_db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "terminal.db"
    url = f"sqlite:///{path}"
    open_database(url).close()
    return path, url


def test_hand_written_migration_matches_the_schema(db_url: str) -> None:
    migrate_with_alembic(db_url)
    db = open_database(db_url)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    db.close()
    assert diff == []


def test_the_head_revision_constant_names_the_migration_scripts_head() -> None:
    """Start-up skips Alembic when the database is at SCHEMA_HEADS: a new script must move it."""
    assert set(ScriptDirectory.from_config(alembic_config()).get_heads()) == SCHEMA_HEADS


def test_a_new_database_is_created_with_the_schema_the_migrations_build(db_url: str) -> None:
    """A new database is created from the schema and stamped (no migration runs): it must be
    the database the migration scripts build, table for table, and Alembic must see it at the
    head, so the next migration script applies to it as to any other."""
    migrate_with_alembic(db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        migrated = schema_shape(conn)
    drop_everything(db_url)
    open_database(db_url).close()
    with engine.connect() as conn:
        created = schema_shape(conn)
        heads = set(MigrationContext.configure(conn).get_current_heads())
    engine.dispose()
    assert "orders" in created and "alembic_version" in created
    assert created == migrated
    assert heads == SCHEMA_HEADS


def test_only_an_older_database_is_migrated_with_alembic(db_url: str) -> None:
    """Alembic is imported only to migrate: not for a new database (created at the head), not
    for one already at the head; a database at an older revision is migrated to the head."""
    assert not alembic_imported_by_opening(db_url)  # new: created and stamped
    assert not alembic_imported_by_opening(db_url)  # at the head: read, not migrated
    drop_everything(db_url)
    migrate_with_alembic(db_url, "0004_combo_orders")
    assert alembic_imported_by_opening(db_url)  # older: migrated
    db = open_database(db_url)
    with db.engine.connect() as conn:
        revisions = set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
        tables = set(inspect(conn).get_table_names())
    db.close()
    assert revisions == SCHEMA_HEADS
    assert "price_bars" in tables  # what 0005 adds


def test_a_database_a_newer_terminal_wrote_is_refused_by_name(db_url: str) -> None:
    open_database(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(PersistenceError, match="written by a newer version of the terminal"):
        open_database(db_url)


def test_a_fresh_sqlite_file_is_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "terminal.db"
    db = open_database(f"sqlite:///{path}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()
    assert path.is_file()


def test_default_url_is_a_file_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = default_database_url()
    assert url == f"sqlite:///{tmp_path}/trading-terminal/terminal.db"
    assert (tmp_path / "trading-terminal").is_dir()


def test_read_only_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path, url = make_db(tmp_path)
    with read_only(path), pytest.raises(PersistenceError, match="read-only") as info:
        open_database(url)
    assert str(path) in str(info.value)


def test_read_only_folder_is_refused_with_its_path(tmp_path: Path) -> None:
    _, url = make_db(tmp_path)
    with read_only(tmp_path), pytest.raises(PersistenceError, match="read-only") as info:
        open_database(url)
    assert str(tmp_path) in str(info.value)


def test_sqlite_opened_read_only_by_the_driver_is_refused(tmp_path: Path) -> None:
    path, _ = make_db(tmp_path)
    # The driver-level read-only path (e.g. a read-only mount), not our own permission check.
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("UPDATE alembic_version SET version_num = version_num")
    db.close()
    from terminal.persistence.database import explain

    assert "is read-only" in explain(
        str(path), sqlite3.OperationalError("attempt to write a readonly database")
    )


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my trading notes, not a database\n" * 100)
    with pytest.raises(PersistenceError, match="not a SQLite database") as info:
        open_database(f"sqlite:///{path}")
    assert str(path) in str(info.value)
    assert path.read_text().startswith("these are my trading notes")  # left untouched


def test_a_database_that_stays_locked_is_refused_then_opens_once_released(tmp_path: Path) -> None:
    path, url = make_db(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(PersistenceError, match="locked by another program") as info:
            open_database(url, busy_timeout=0.2)
        assert str(path) in str(info.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    open_database(url, busy_timeout=0.2).close()


def test_an_unreachable_server_is_refused_without_showing_the_password() -> None:
    url = "postgresql+psycopg://trader:s3cret@127.0.0.1:1/terminal"
    with pytest.raises(PersistenceError, match="unreachable") as info:
        open_database(url, busy_timeout=1)
    assert "127.0.0.1:1/terminal" in str(info.value)
    assert "s3cret" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "invalid database URL"),
        ("sqlite://", "not a file"),
        ("nosuchdb://x/y", "invalid database URL|no driver"),
    ],
)
def test_bad_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(PersistenceError, match=problem):
        open_database(url)
