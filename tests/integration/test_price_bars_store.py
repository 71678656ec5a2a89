"""Recorded price bars in the store: merged per minute, forgotten after the retention period,
read back per traded span (SQLite file and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from terminal.analytics.cli import run_report
from terminal.analytics.source import load_bars
from terminal.domain import Bar, ManualClock
from terminal.persistence import Store, open_database
from terminal.persistence.database import MIGRATIONS
from terminal.settings import AnalyticsSettings
from tests.integration.app_setup import SETTINGS, new_app

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def read(store: Store, key: str, first: dt.datetime, last: dt.datetime) -> list[Bar]:
    with store.engine.connect() as conn:
        found = load_bars(conn, {key: (first, last)})
    return list(found[key].bars) if key in found else []


def test_two_parts_of_one_minute_are_stored_as_one_bar(store: Store) -> None:
    # Written when the position went flat at 14:30:20, then the instrument traded again.
    store.save_bars(60, [("AAPL", Bar(T0, 10.0, 10.5, 9.9, 10.2, 300.0))])
    store.save_bars(
        60,
        [
            ("AAPL", Bar(T0, 10.3, 10.4, 9.7, 10.1, 500.0)),
            ("AAPL", Bar(T0 + MINUTE, 10.1, 10.1, 10.0, 10.0, 50.0)),
        ],
    )
    assert store.writer.flush(10.0) and not store.writer.failed
    assert read(store, "AAPL", T0, T0 + 2 * MINUTE) == [
        Bar(T0, 10.0, 10.5, 9.7, 10.1, 500.0),  # first open, wider range, last close
        Bar(T0 + MINUTE, 10.1, 10.1, 10.0, 10.0, 50.0),
    ]


def test_a_span_reads_the_bar_holding_its_first_instant_and_nothing_outside(store: Store) -> None:
    bars = [Bar(T0 + i * MINUTE, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1.0) for i in range(5)]
    store.save_bars(60, [("AAPL", b) for b in bars])
    store.save_bars(60, [("MSFT", bars[2])])
    store.save_bars(300, [("AAPL", dataclasses.replace(bars[0], high=99.0))])  # other length
    assert store.writer.flush(10.0) and not store.writer.failed
    # From 14:31:30 to 14:33:00: the 14:31 bar holds the start; 14:33 starts at the end.
    got = read(store, "AAPL", T0 + 1.5 * MINUTE, T0 + 3 * MINUTE)
    assert got == bars[1:3]
    assert all(b.start.tzinfo is dt.UTC for b in got)
    assert read(store, "IBM", T0, T0 + 5 * MINUTE) == []


def test_bars_older_than_the_retention_period_are_forgotten_at_start(db_url: str) -> None:
    now = dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC)
    app = new_app(db_url, clock=ManualClock(now))
    old, kept = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    app.store.save_bars(60, [("AAPL", Bar(old, 1, 1, 1, 1, 1)), ("AAPL", Bar(kept, 2, 2, 2, 2, 2))])
    app.settings = dataclasses.replace(SETTINGS, analytics=AnalyticsSettings(30))
    app._forget_old_bars()
    assert app.writer.flush(10.0) and not app.writer.failed
    assert [b.start for b in read(app.store, "AAPL", old, now)] == [kept]
    app.close_threads()


def test_a_database_an_older_version_left_is_named_and_read_once_upgraded(db_url: str) -> None:
    """``report`` never migrates: on a schema this version has not upgraded yet (here as
    version 0003 left it: no combo columns, no price bars) it says what to do instead of
    failing on a missing column, and reads the same database once the terminal has started."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    engine.dispose()
    out, err = io.StringIO(), io.StringIO()
    assert run_report(db_url, T0.date(), T0.date(), "json", None, out, err) == 2
    assert "schema is at 0003" in err.getvalue(), err.getvalue()
    assert "Start the terminal on it once" in err.getvalue() and not out.getvalue()
    open_database(db_url).close()  # what the terminal's start does
    out, err = io.StringIO(), io.StringIO()
    assert run_report(db_url, T0.date(), T0.date(), "json", None, out, err) == 0, err.getvalue()
