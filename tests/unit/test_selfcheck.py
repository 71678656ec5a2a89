"""The bundle self-check: finds every dynamically loaded piece, and names each one that is missing
(what a frozen build without a hidden import or a data folder would show)."""

from __future__ import annotations

import re
import shutil
import sys
import zoneinfo
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

import terminal.persistence.database as database
from terminal.selfcheck import REQUIRED_RESOURCES, bundle_selfcheck, default_resources_dir

CHECKOUT_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def _head_revision(versions: Path) -> str:
    """The revision no other revision names as its parent, read from the files themselves."""
    revisions: dict[str, str | None] = {}
    for path in versions.glob("*.py"):
        text = path.read_text("utf-8")
        rev = re.search(r'^revision[^=]*=\s*"([^"]+)"', text, re.MULTILINE)
        down = re.search(r'^down_revision[^=]*=\s*"([^"]+)"', text, re.MULTILINE)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    parents = {p for p in revisions.values() if p}
    (head,) = (r for r in revisions if r not in parents)
    return head


def _copy_resources(target: Path) -> Path:
    for name in REQUIRED_RESOURCES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CHECKOUT_RESOURCES / name, target / name)
    return target


@pytest.fixture
def no_tz_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No system tz folders and no tzdata package: a frozen Windows build without tzdata."""
    # Blocking "tzdata" alone is not enough once an earlier test read a zone from the package:
    # importlib.resources then finds "tzdata.zoneinfo..." already in sys.modules.
    for name in [n for n in sys.modules if n == "tzdata" or n.startswith("tzdata.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "tzdata", None)
    zoneinfo.reset_tzpath(to=[])
    try:
        yield
    finally:
        zoneinfo.reset_tzpath()


def test_checkout_has_every_piece_the_app_loads_by_name() -> None:
    found = bundle_selfcheck(CHECKOUT_RESOURCES)

    assert found["sqlite"].startswith("sqlite+pysqlite (SQLite 3.")
    assert found["postgresql"].startswith(f"postgresql+psycopg (psycopg {version('psycopg')}")
    assert found["migrations"].startswith(
        f"head {_head_revision(database.MIGRATIONS / 'versions')},"
    )
    assert found["ib"] == (
        f"terminal.broker.ib (ib_async {version('ib_async')}, eventkit {version('aeventkit')})"
    )
    assert found["timezone"] == "America/New_York"
    assert found["resources"].endswith(f"themes in {CHECKOUT_RESOURCES}")


def test_checkout_resources_are_found_without_being_told() -> None:
    assert default_resources_dir() == CHECKOUT_RESOURCES
    assert bundle_selfcheck()["resources"].endswith(f"in {CHECKOUT_RESOURCES}")


def test_frozen_app_looks_for_resources_inside_its_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(RuntimeError, match=re.escape(f"not in {tmp_path / 'resources'}")):
        bundle_selfcheck()

    _copy_resources(tmp_path / "resources")
    assert bundle_selfcheck()["resources"].endswith(f"in {tmp_path / 'resources'}")


def test_missing_theme_is_named_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    folder = _copy_resources(tmp_path)
    (folder / "themes" / "light.qss").unlink()

    with pytest.raises(RuntimeError) as error:
        bundle_selfcheck(folder)

    message = str(error.value)
    assert "resources (FileNotFoundError: themes/light.qss not in" in message
    assert "dark.qss" not in message
    assert "sqlite" not in message and "migrations" not in message


def test_missing_postgresql_driver_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)

    with pytest.raises(RuntimeError, match=r"missing: postgresql \((ImportError|ModuleNotFound)"):
        bundle_selfcheck(CHECKOUT_RESOURCES)


@pytest.fixture
def ib_adapter_not_imported() -> Iterator[None]:
    """The IB adapter as in a fresh process (not imported yet); sys.modules restored after."""
    saved = {
        k: m for k, m in sys.modules.items() if k.startswith(("terminal.broker.ib", "ib_async"))
    }
    for key in saved:
        del sys.modules[key]
    try:
        yield
    finally:
        for key in [k for k in sys.modules if k.startswith(("terminal.broker.ib", "ib_async"))]:
            del sys.modules[key]
        sys.modules.update(saved)


@pytest.mark.usefixtures("ib_adapter_not_imported")
def test_missing_ib_library_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ib_async", None)

    with pytest.raises(RuntimeError, match=r"missing: ib \(ModuleNotFoundError: .*ib_async"):
        bundle_selfcheck(CHECKOUT_RESOURCES)


def test_migrations_left_out_of_the_bundle_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "MIGRATIONS", tmp_path / "migrations")

    with pytest.raises(RuntimeError, match=r"missing: migrations \("):
        bundle_selfcheck(CHECKOUT_RESOURCES)


@pytest.mark.usefixtures("no_tz_database")
def test_missing_time_zone_database_is_named() -> None:
    with pytest.raises(RuntimeError, match=r"missing: timezone \(ZoneInfoNotFoundError"):
        bundle_selfcheck(CHECKOUT_RESOURCES)
