"""Open the database: create the engine, tune SQLite, apply migrations, check it is writable.

SQLite (the default, one file per user) runs in WAL mode so that readers never wait for the
writer; PostgreSQL (``postgresql+psycopg://...``) serves desks that share one database.

Alembic is imported only when a database needs migrating: a database already at
:data:`SCHEMA_HEADS` (every start but the first after an upgrade) is recognised by reading its
``alembic_version`` table with plain SQLAlchemy, which saves importing and running Alembic's
migration machinery (about a quarter of a second) on every start.

A new, empty database is not migrated either: its tables are created from the schema
(:mod:`terminal.persistence.schema`) and it is stamped at :data:`SCHEMA_HEADS`, as Alembic's
cookbook recommends for new databases ("create_all, then stamp head"); that saves the first start
Alembic and every migration (0.3-0.4 s). An integration test checks that the schema so created is
the one the migrations build.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from terminal.persistence.errors import PersistenceError
from terminal.persistence.writer import IMMEDIATE

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: The head revision(s) of the migration scripts in :data:`MIGRATIONS`. A new migration script
#: changes this too (a unit test compares it with the scripts, and ``--self-check`` does).
SCHEMA_HEADS = frozenset({"0005_price_bars"})
#: The PostgreSQL advisory lock held while a terminal migrates the schema ("ttmigr").
MIGRATE_LOCK = 0x74746D69677200
APP_NAME = "trading-terminal"


def default_database_url() -> str:
    """Return the URL of the per-user SQLite database, creating its folder."""
    folder = Path(platformdirs.user_data_dir(APP_NAME))
    folder.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite", database=str(folder / "terminal.db")).render_as_string()


class MigrationError(Exception):
    """Alembic refused to migrate (its ``CommandError``, which is imported only to migrate)."""


class Database:
    """An open, migrated database.

    Attributes:
        engine: The SQLAlchemy engine; safe to share between the writer thread and readers.
        url: The URL with any password hidden, for messages.
    """

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str, *, busy_timeout: float = 5.0, migrate: bool = True) -> Database:
    """Open the database at ``url``, apply pending migrations and check that it takes writes.

    Args:
        url: A SQLAlchemy URL: ``sqlite:///path/terminal.db`` or ``postgresql+psycopg://...``.
        busy_timeout: Seconds to wait for another program's lock (SQLite) or for the server to
            answer the connection (PostgreSQL) before giving up.
        migrate: Apply migrations and probe for writability. ``False`` opens an existing
            database for reading only (audit verification of a read-only copy).

    Raises:
        PersistenceError: the URL is invalid, the file or folder is read-only, the file is not a
            database, the database stays locked, the server is unreachable, or the schema is
            newer than this program.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise PersistenceError(f"invalid database URL {url!r}: {exc}") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        where = _check_sqlite_path(parsed, must_exist=not migrate)
        engine = _sqlite_engine(parsed, busy_timeout, tune=migrate)
    else:
        where = shown
        engine = _server_engine(parsed, shown, busy_timeout)
    try:
        # Terminals of a desk may start together on a fresh database: one migrates at a time
        # (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), the next finds it done.
        with engine.execution_options(**{IMMEDIATE: migrate}).begin() as conn:
            if migrate:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
                revisions = schema_revisions(conn)
                if not revisions and not inspect(conn).get_table_names():
                    create_schema(conn)
                elif revisions != SCHEMA_HEADS:
                    _upgrade(conn)
                _probe_write(conn)
            else:
                conn.execute(text("SELECT count(*) FROM audit_log"))
    except PersistenceError:
        engine.dispose()
        raise
    except (SQLAlchemyError, MigrationError, sqlite3.Error, OSError) as exc:
        engine.dispose()
        raise PersistenceError(explain(where, exc, busy_timeout)) from exc
    return Database(engine, shown)


def explain(where: str, exc: BaseException, busy_timeout: float = 5.0) -> str:
    """Turn a driver error into one sentence naming the database and the problem."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    low = detail.lower()
    if "not a database" in low or "file is encrypted" in low or "malformed" in low:
        problem = "is not a SQLite database (or it is damaged)"
    elif "readonly" in low or "read-only" in low:
        problem = "is read-only; the terminal needs to write to it"
    elif "database is locked" in low or "database table is locked" in low:
        problem = f"is locked by another program and stayed locked for {busy_timeout:g} s"
    elif "unable to open database file" in low:
        problem = "cannot be opened (missing folder or no permission)"
    elif isinstance(exc, MigrationError) and "can't locate revision" in low:
        problem = "was written by a newer version of the terminal; upgrade the terminal"
    elif (isinstance(exc, DBAPIError) and exc.connection_invalidated) or _unreachable(low):
        problem = f"is unreachable ({detail})"
    elif "no such table" in low or "does not exist" in low:
        problem = f"has no terminal schema ({detail})"
    else:
        problem = f"cannot be used ({detail})"
    return f"database {where} {problem}"


def _unreachable(low: str) -> bool:
    return any(
        s in low
        for s in ("connection refused", "could not connect", "timeout", "timed out", "resolve")
    )


def _check_sqlite_path(url: URL, *, must_exist: bool) -> str:
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        raise PersistenceError(
            f"database {url} is not a file; the terminal needs a SQLite file (sqlite:///path)"
        )
    path = Path(name).expanduser().absolute()
    folder = path.parent
    if must_exist and not path.is_file():
        raise PersistenceError(f"database {path} does not exist")
    if not must_exist:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PersistenceError(f"database folder {folder} cannot be created: {exc}") from None
        if path.is_dir():
            raise PersistenceError(f"database {path} is a folder, not a file")
        # WAL mode creates -wal and -shm files next to the database, so the folder must be
        # writable as well as the file itself.
        if path.exists() and not os.access(path, os.W_OK):
            raise PersistenceError(
                f"database {path} is read-only; the terminal needs to write to it"
            )
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PersistenceError(
                f"database folder {folder} is read-only; SQLite needs to create its journal there"
            )
    return str(path)


def _sqlite_engine(url: URL, busy_timeout: float, *, tune: bool) -> Engine:
    path = str(Path(url.database or "").expanduser().absolute())
    engine = create_engine(url.set(database=path), connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (it would otherwise begin lazily
        # before DML only), so SELECTs and DDL run inside our transactions too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if tune:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # The writer's transactions take the write lock first (see writer.IMMEDIATE): a job
        # that reads before it writes (the audit head) must not race another process.
        immediate = conn.get_execution_options().get(IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _server_engine(url: URL, shown: str, timeout: float) -> Engine:
    try:
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": max(1, round(timeout))},
        )
    except (NoSuchModuleError, ImportError) as exc:
        raise PersistenceError(
            f"database {shown}: no driver for this URL ({exc}); "
            "PostgreSQL needs postgresql+psycopg:// and the psycopg package"
        ) from None


def pending_upgrade(db: Database) -> tuple[str, str] | None:
    """The database's schema revision and this program's, when the database is older.

    A database opened with ``migrate=False`` (a read-only report or audit check) may not have
    been upgraded by this version yet; a reader that needs the newest tables asks this first
    and tells the trader to start the terminal on it once, rather than failing on a missing
    column. ``None`` when the schema is current.
    """
    with db.engine.connect() as conn:
        current = schema_revisions(conn)
    if current >= SCHEMA_HEADS:
        return None
    return ", ".join(sorted(current)) or "none", ", ".join(sorted(SCHEMA_HEADS))


def schema_revisions(conn: Connection) -> frozenset[str]:
    """The revisions recorded in the database's ``alembic_version`` table (none when the
    database is new), read without Alembic."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def alembic_config() -> Config:
    """Alembic's configuration for the scripts in :data:`MIGRATIONS` (imports Alembic)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def create_schema(conn: Connection) -> None:
    """Create every table of a new, empty database and stamp it at :data:`SCHEMA_HEADS`,
    without Alembic: the ``alembic_version`` table as Alembic makes it, one row per head."""
    from terminal.persistence.schema import Base

    Base.metadata.create_all(conn)
    version = Table(
        "alembic_version",
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    version.create(conn)
    conn.execute(version.insert(), [{"version_num": head} for head in sorted(SCHEMA_HEADS)])


def _upgrade(conn: Connection) -> None:
    # Imported here: only a new or older database needs Alembic (see the module docstring).
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    config.attributes["connection"] = conn
    # Every head: work merged from two branches may each add a revision after the same parent
    # (e.g. 0002 and 0003 both after 0001) until a merge revision joins them.
    try:
        command.upgrade(config, "heads")
    except CommandError as exc:
        raise MigrationError(str(exc)) from exc


def _probe_write(conn: Connection) -> None:
    """Write a no-op, so read-only files and held locks show up now, not at the first save."""
    conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
