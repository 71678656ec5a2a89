"""The health view on the real app and simulator: every figure with its limit and state, a problem
(a feed gone quiet, a database write that failed, a stalled GUI loop) turns its row red or amber
and the status bar names it, and both clear when the session is healthy again. The status bar's
summary opens the view when clicked."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from pytestqt.qtbot import QtBot

from terminal.health import Level
from widgets.loop_lag import LoopLagProbe
from widgets.main_window import MainWindow
from widgets.panes.health import EVERY_NTH_FLUSH, HealthPane
from widgets.status_bar import EVERY_NTH_FLUSH as STATUS_EVERY_NTH_FLUSH
from widgets.theme import DARK, LIGHT

from .conftest import Harness

FIGURES = [
    ("connection", "Broker connection"),
    ("round trip", "Broker round trip"),
    ("message rate", "Outgoing messages"),
    ("queued", "Queue depth"),
    ("feeds", "Feeds"),
    ("loop lag", "GUI loop lag"),
    ("database", "Database writer"),
]


def health_pane(window: MainWindow) -> HealthPane:
    pane = window.panes["health"]
    assert isinstance(pane, HealthPane)
    return pane


def flush_until_both_refresh(harness: Harness) -> None:
    """Flush the refresh clock until the health view and the status bar have both refreshed
    (each does so on its own beat, not on every flush)."""
    refresh = harness.session.refresh
    refresh.flush_now()
    while refresh.flush_count % (EVERY_NTH_FLUSH * STATUS_EVERY_NTH_FLUSH):
        refresh.flush_now()


def cell(pane: HealthPane, key: str, column: str, role: int = 0) -> Any:
    position = pane.model.position(key)
    assert position is not None, f"no row {key!r}"
    titles = [c.title for c in pane.model.columns]
    return pane.model.index(position, titles.index(column)).data(role)


def row_colours(pane: HealthPane, key: str) -> tuple[QColor | None, QColor | None]:
    fg = cell(pane, key, "State", Qt.ItemDataRole.ForegroundRole)
    bg = cell(pane, key, "Figure", Qt.ItemDataRole.BackgroundRole)
    return (
        fg.color() if isinstance(fg, QBrush) else None,
        bg.color() if isinstance(bg, QBrush) else None,
    )


def same_rgb(a: QColor | None, b: QColor) -> bool:
    return a is not None and a.rgb() == b.rgb()


def healthy(harness: Harness, window: MainWindow) -> None:
    """Measure the round trip (the app does every 5 s) and show the view."""
    harness.run(harness.app.health.probe())
    window.bring_forward("health")
    flush_until_both_refresh(harness)


def test_the_view_shows_every_figure_with_its_limit_and_the_status_bar_says_ok(
    window: MainWindow, harness: Harness
) -> None:
    pane = health_pane(window)
    healthy(harness, window)
    assert [(r.key, r.figure) for r in pane.model.rows()] == FIGURES
    assert cell(pane, "connection", "Value") == "connected"
    assert cell(pane, "round trip", "Value") == "0 ms"
    assert cell(pane, "round trip", "Limit") == "warn 500 ms, red 2,000 ms"
    # The simulator has no wire: no message rate, pacing limit or queue to report.
    for key in ("message rate", "queued"):
        assert (cell(pane, key, "Value"), cell(pane, key, "Limit")) == ("n/a", "n/a")
    assert cell(pane, "feeds", "Value") == "all updating"
    assert cell(pane, "database", "Value") == "0 pending, 0 failed"
    assert cell(pane, "database", "Limit") == "pending: warn 1,000, red 10,000; failed: 0"
    assert all(cell(pane, key, "State") == "OK" for key, _ in FIGURES)
    assert all(row_colours(pane, key) == (None, None) for key, _ in FIGURES)
    assert pane.summary.text() == "Health OK" and pane.summary.property("tone") == "ok"
    status = window.status.health
    assert status.text() == "Health OK" and status.property("tone") == "ok"
    assert not pane.retry_button.isEnabled()


def test_a_quiet_feed_is_listed_amber_by_name_and_clears_when_it_updates(
    window: MainWindow, harness: Harness
) -> None:
    pane = health_pane(window)
    healthy(harness, window)
    harness.clock.advance(60)  # the market says nothing for a minute
    harness.app.market.feeds.check(harness.clock.now())
    harness.run(harness.app.health.probe())  # the app measures the round trip every 5 s
    flush_until_both_refresh(harness)

    assert cell(pane, "feeds", "Value").endswith("stale")
    assert "AAPL quotes" in cell(pane, "feeds", "State")
    assert same_rgb(row_colours(pane, "feeds")[0], DARK.warning)
    feed_rows = [r for r in pane.model.rows() if r.key.startswith("feed:")]
    assert "feed:AAPL quotes" in [r.key for r in feed_rows]
    keys = [r.key for r in pane.model.rows()]
    assert keys.index("feeds") < keys.index("feed:AAPL quotes") < keys.index("loop lag")
    assert cell(pane, "feed:AAPL quotes", "Value") == "stale 60 s"
    status = window.status.health
    assert status.text().startswith("Health: 1 problem — Feeds: ")
    assert "AAPL quotes" in status.toolTip()
    assert status.property("tone") == "warning"

    harness.until(lambda: pane.report is not None and pane.report.level is Level.OK)
    flush_until_both_refresh(harness)
    assert not [r for r in pane.model.rows() if r.key.startswith("feed:")]
    assert row_colours(pane, "feeds") == (None, None)
    assert status.text() == "Health OK"


def test_a_failed_database_write_turns_its_row_red_until_retried(
    window: MainWindow, harness: Harness, qtbot: QtBot, logged_errors: list[logging.LogRecord]
) -> None:
    pane = health_pane(window)
    healthy(harness, window)
    disk = {"full": True}

    def write(_session: object) -> None:  # the disk at the edge: full, then freed
        if disk["full"]:
            raise OSError("database or disk is full")

    writer = harness.app.writer
    writer.submit(write, "test: a write the full disk refuses")

    def failed_and_alerted() -> bool:
        # The failure raises a critical alert, and saving that alert is a write of its own:
        # wait until it is written too, or the view may show it pending.
        alerted = any(a.source == "database" for a in harness.app.alerts.active())
        return bool(writer.failed) and alerted and writer.pending == 0

    qtbot.waitUntil(failed_and_alerted, timeout=10_000)
    with qtbot.waitSignal(pane.model.dataChanged, timeout=1000):  # the table repaints the row
        flush_until_both_refresh(harness)

    assert cell(pane, "database", "Value") == "0 pending, 1 failed"
    assert cell(pane, "database", "State") == "RED — 1 write failed (kept until retried)"
    assert row_colours(pane, "database") == (
        DARK.critical,
        QColor(DARK.critical.red(), DARK.critical.green(), DARK.critical.blue(), 60),
    )
    assert pane.summary.property("tone") == "critical"
    status = window.status.health
    assert status.text() == (
        "Health: 1 problem — Database writer: 1 write failed (kept until retried)"
    )
    assert status.property("tone") == "critical"
    assert pane.retry_button.isEnabled()
    assert any("failed for good" in r.getMessage() for r in logged_errors)

    window.set_theme("light")  # the same problem, in the light theme's red
    assert same_rgb(row_colours(pane, "database")[0], LIGHT.critical)

    disk["full"] = False
    qtbot.mouseClick(pane.retry_button, Qt.MouseButton.LeftButton)
    harness.commit()
    flush_until_both_refresh(harness)
    assert harness.app.writer.failed == []
    assert cell(pane, "database", "State") == "OK"
    assert row_colours(pane, "database") == (None, None)
    assert status.text() == "Health OK" and status.property("tone") == "ok"
    assert not pane.retry_button.isEnabled()


def test_a_stalled_gui_loop_is_red_then_clears(window: MainWindow, harness: Harness) -> None:
    pane = health_pane(window)
    healthy(harness, window)
    now = [0.0]
    probe = LoopLagProbe(now=lambda: now[0], parent=harness.session.refresh)
    harness.session.refresh.loop_lag = probe  # the window's probe, on a clock the test drives
    # Ticked by hand, not by its timer: the last tick came 450 ms late, a stall.
    for when in (0.0, 0.1, 0.2, 0.75):
        now[0] = when
        probe.tick()
    flush_until_both_refresh(harness)
    assert cell(pane, "loop lag", "Value") == "450 ms"
    assert cell(pane, "loop lag", "State") == "RED — 450 ms: the window stalls"
    assert same_rgb(row_colours(pane, "loop lag")[0], DARK.critical)
    assert window.status.health.text() == (
        "Health: 1 problem — GUI loop lag: 450 ms: the window stalls"
    )

    for _ in range(40):  # four seconds of ticks on time: the stall leaves the window
        now[0] += 0.1
        probe.tick()
    flush_until_both_refresh(harness)
    assert cell(pane, "loop lag", "State") == "OK"
    assert window.status.health.text() == "Health OK"


def test_clicking_the_status_bar_summary_opens_the_view(
    window: MainWindow, harness: Harness, qtbot: QtBot
) -> None:
    pane = health_pane(window)
    window.bring_forward("audit")  # the health view's tab is behind the audit trail's
    assert not pane.on_screen
    qtbot.mouseClick(window.status.health, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.on_screen)
    window.bring_forward("audit")
    assert not pane.on_screen
    window.named_actions["health"].trigger()  # Ctrl+Shift+H
    qtbot.waitUntil(lambda: pane.on_screen)
