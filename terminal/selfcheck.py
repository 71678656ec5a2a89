"""Check that everything the terminal loads by name at run time is present.

A frozen build (PyInstaller) only contains what static analysis saw. SQLAlchemy picks its dialect
and driver from the URL string, Alembic reads the migration scripts as files, the IB adapter is
imported only for ``--broker ib``, the market time zone comes from a tz database, and icons and
themes are data files. Each of those fails only when a trader first needs it, so the smoke test
calls :func:`bundle_selfcheck` to fail the build instead.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine

from terminal.settings import RiskLimits

#: Files the window cannot do without (the rest of ``resources/`` is icons for buttons).
REQUIRED_RESOURCES = ("icons/app.svg", "themes/dark.qss", "themes/light.qss")

#: What ``--broker ib`` imports (terminal.startup.make_broker), and the libraries they load.
IB_ADAPTER_MODULES = ("terminal.broker.ib.broker", "terminal.broker.ib.config")
IB_LIBRARIES = ("ib_async", "eventkit")


def default_resources_dir() -> Path:
    """``resources/`` in the frozen bundle, else next to the package in a checkout (the same
    rule as ``widgets.resources.resources_dir``, which the window uses)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def check_sqlite() -> str:
    """Load the SQLite dialect and its DBAPI module (no database is opened)."""
    engine = create_engine("sqlite://")
    try:
        dbapi = engine.dialect.dbapi
        version = getattr(dbapi, "sqlite_version", "?")
        return f"{engine.dialect.name}+{engine.dialect.driver} (SQLite {version})"
    finally:
        engine.dispose()


def check_postgresql() -> str:
    """Load the PostgreSQL dialect and psycopg with its libpq wrapper (nothing connects)."""
    engine = create_engine("postgresql+psycopg://selfcheck@127.0.0.1:1/selfcheck")
    try:
        psycopg: Any = engine.dialect.dbapi  # the psycopg module (untyped through SQLAlchemy)
        pq = psycopg.pq
        return (
            f"{engine.dialect.name}+{engine.dialect.driver} (psycopg {psycopg.__version__}, "
            f"{pq.__impl__} libpq {pq.version()})"
        )
    finally:
        engine.dispose()


def check_migrations() -> str:
    """Find the Alembic scripts, load every revision file, and check that ``SCHEMA_HEADS`` names
    their head."""
    from alembic.script import ScriptDirectory

    from terminal.persistence.database import SCHEMA_HEADS, alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    if not (Path(script.dir) / "env.py").is_file():
        raise FileNotFoundError(f"env.py is not in {script.dir}")
    revisions = list(script.walk_revisions())
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected one head revision, found {heads or 'none'}")
    if set(heads) != SCHEMA_HEADS:
        # Start-up trusts SCHEMA_HEADS to skip Alembic on an up-to-date database.
        raise RuntimeError(f"the scripts' head is {heads[0]}, SCHEMA_HEADS says {SCHEMA_HEADS}")
    return f"head {heads[0]}, {len(revisions)} revision(s) in {script.dir}"


def check_ib_adapter() -> str:
    """Import the IB adapter the way ``--broker ib`` does; it brings ib_async and eventkit.

    By module name, so that only the adapter itself imports ib_async.
    """
    for name in IB_ADAPTER_MODULES:
        importlib.import_module(name)
    versions = []
    for name in IB_LIBRARIES:
        module = sys.modules.get(name)
        if module is None:
            raise ImportError(f"the IB adapter did not load {name}")
        versions.append(f"{name} {getattr(module, '__version__', '?')}")
    return f"terminal.broker.ib ({', '.join(versions)})"


def check_timezone() -> str:
    """Resolve the default market time zone (a frozen Windows build has no system tz database)."""
    name = RiskLimits().market_timezone
    zone = ZoneInfo.no_cache(name)  # read the database now, not an object cached earlier
    return str(zone.key)


def check_sim_universe() -> str:
    text = resources.files("terminal.broker.sim").joinpath("universe.toml").read_text("utf-8")
    return f"universe.toml ({text.count('[[instrument]]')} instruments)"


def check_resources(folder: Path) -> str:
    missing = [name for name in REQUIRED_RESOURCES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} not in {folder}")
    icons = len(list((folder / "icons").glob("*.svg")))
    return f"{icons} icons, themes in {folder}"


def bundle_selfcheck(resources_dir: Path | None = None) -> dict[str, str]:
    """Import and exercise each dynamically loaded piece; say what was found.

    Args:
        resources_dir: Where the window reads icons and themes from (the window passes its own
            ``widgets.resources.resources_dir()``); defaults to :func:`default_resources_dir`.

    Returns:
        One line per piece: ``sqlite``, ``postgresql``, ``migrations``, ``ib``, ``timezone``,
        ``sim_universe``, ``resources``.

    Raises:
        RuntimeError: one or more pieces are missing; the message names each one and why.
    """
    folder = resources_dir if resources_dir is not None else default_resources_dir()
    checks: dict[str, Callable[[], str]] = {
        "sqlite": check_sqlite,
        "postgresql": check_postgresql,
        "migrations": check_migrations,
        "ib": check_ib_adapter,
        "timezone": check_timezone,
        "sim_universe": check_sim_universe,
        "resources": lambda: check_resources(folder),
    }
    found: dict[str, str] = {}
    problems: list[str] = []
    for name, check in checks.items():
        try:
            found[name] = check()
        except Exception as exc:  # each missing piece is named in the one error below
            problems.append(f"{name} ({type(exc).__name__}: {exc})")
    if problems:
        raise RuntimeError("this build is missing: " + "; ".join(problems))
    return found
