"""The launcher's window shows without the chart (pyqtgraph), then builds it by itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from widgets.launcher import build_window
from widgets.link_groups import UNLINKED
from widgets.main_window import PANE_KINDS, LaterPane, MainWindow
from widgets.panes.chart import ChartPane
from widgets.panes.pending import PendingPane

from .conftest import Harness

#: Builds the launcher's window (offscreen) and shows it, then says which of the modules built
#: later (and pyqtgraph) that imported.
BUILD_AND_REPORT = """
import sys, tempfile
from pathlib import Path
from terminal.app import TradingApp
from terminal.broker.sim import SimBroker
from terminal.domain import WallClock
from terminal.settings import Settings
from widgets.launcher import build_window
clock = WallClock()
folder = tempfile.mkdtemp()
core = TradingApp.open(Settings(), f"sqlite:///{folder}/t.db", SimBroker(clock), clock)
window = build_window(core, core.settings, Path(folder) / "settings.toml")
window.show()
later = ("widgets.panes.chart", "widgets.panes.analytics", "widgets.panes.options")
print(sorted(m for m in ("pyqtgraph", *later) if m in sys.modules))
"""


def pending_window(harness: Harness) -> MainWindow:
    """A window that builds its later panes after show (closed with the test)."""
    window = MainWindow(harness.session, build_later=True)
    harness.qtbot.addWidget(window)
    harness.closers.append(window.close_now)
    return window


def launcher_window(harness: Harness, tmp_path: Path) -> MainWindow:
    """The launcher's window on the harness's core (closed with the test)."""
    window = build_window(harness.app, harness.app.settings, tmp_path / "settings.toml")
    harness.qtbot.addWidget(window)
    harness.closers.append(window.close_now)
    return window


def test_the_launchers_window_is_built_and_shown_without_importing_pyqtgraph(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BUILD_AND_REPORT],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_chart_stands_as_loading_until_the_window_is_shown_then_comes_up_with_its_bars(
    harness: Harness, tmp_path: Path
) -> None:
    window = launcher_window(harness, tmp_path)
    pending = window.panes["chart"]
    assert isinstance(pending, PendingPane)
    assert pending.label.text() == "Loading chart…"
    pending.set_link_group("red")  # a restored layout's group, given before the chart exists
    window.show()
    assert harness.report is not None
    window.on_started(harness.report)
    assert pending.label.isVisible()  # the trader sees the dock loading, not an empty hole

    harness.qtbot.waitUntil(lambda: isinstance(window.panes["chart"], ChartPane))  # no action
    chart = window.panes["chart"]
    assert isinstance(chart, ChartPane)
    assert window.docks["chart"].widget().content is chart  # type: ignore[attr-defined]
    assert chart.on_screen
    assert chart.link_group == "red" and window.docks["chart"].windowTitle() == "Chart [red]"
    window.session.set_active(harness.app.watchlist[1], "red")
    harness.until(lambda: chart.loads >= 1)
    assert chart.instrument is not None and chart.instrument.key == harness.app.watchlist[1].key
    assert len(chart.chart.series.history) > 0


def test_a_chart_asked_for_before_the_window_is_shown_is_built_at_once(
    harness: Harness,
) -> None:
    window = pending_window(harness)
    assert isinstance(window.panes["chart"], PendingPane)
    chart = window.pane("chart")
    assert isinstance(chart, ChartPane) and window.panes["chart"] is chart
    second = window.new_pane("chart")  # before the window is shown: stands in too
    assert isinstance(second, PendingPane) and second.pane_id == "chart-2"
    assert window.docks["chart-2"].windowTitle() == "Chart 2"
    built = {p.pane_id: p for p in window.build_pending()}
    assert "chart" not in built  # built already
    assert isinstance(built["chart-2"], ChartPane) and window.pane("chart-2") is built["chart-2"]
    assert isinstance(window.new_pane("chart"), ChartPane)  # once built, at once


def test_a_pane_built_later_is_named_and_titled_as_its_class_says() -> None:
    later = [kind for kind in PANE_KINDS if isinstance(kind, LaterPane)]
    assert {kind.pane_id for kind in later} >= {"chart", "options", "analytics", "tape"}
    for kind in later:
        pane_type = kind.load()
        assert (kind.pane_id, kind.title) == (pane_type.pane_id, pane_type.title)


def test_the_panes_tabbed_away_come_up_by_themselves_too(harness: Harness, tmp_path: Path) -> None:
    window = launcher_window(harness, tmp_path)
    later = [kind for kind in PANE_KINDS if isinstance(kind, LaterPane)]
    assert all(isinstance(window.panes[kind.pane_id], PendingPane) for kind in later)
    assert window.docks["tape"].windowTitle() == "Time and sales"
    window.show()
    harness.qtbot.waitUntil(
        lambda: not any(isinstance(p, PendingPane) for p in window.panes.values())
    )
    for kind in later:
        pane = window.panes[kind.pane_id]
        assert type(pane) is kind.load()
        assert window.docks[kind.pane_id].widget().content is pane  # type: ignore[attr-defined]


def test_an_unlinked_chart_restored_before_it_is_built_keeps_its_own_instrument(
    harness: Harness,
) -> None:
    window = pending_window(harness)
    own, main = harness.app.watchlist[1], harness.app.watchlist[0]
    harness.session.set_active(main)
    pending = window.new_pane("chart")
    assert isinstance(pending, PendingPane)
    pending.set_link_group(UNLINKED)  # as a workspace restores an unlinked chart
    pending.show_linked(own)
    chart = window.pane(pending.pane_id)
    assert isinstance(chart, ChartPane)
    assert chart.link_group == UNLINKED
    assert chart.instrument is not None and chart.instrument.key == own.key
    assert window.docks[chart.pane_id].windowTitle() == "Chart 2 [not linked]"


def test_the_chart_waits_for_the_session_to_start_before_it_is_built(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the chart (0.4 s of the GUI thread) must not hold back the session's start:
    a painted window keeps the stand-in until the core is up (or the fallback comes)."""
    import widgets.main_window as main_window

    monkeypatch.setattr(main_window, "PENDING_FALLBACK_MS", 600_000)  # out of this test's way
    window = launcher_window(harness, tmp_path)
    window.show()
    harness.qtbot.waitExposed(window)
    window.repaint()  # painted: it would have built the chart here before the start
    QApplication.processEvents()
    QApplication.processEvents()
    assert isinstance(window.panes["chart"], PendingPane)
    assert harness.report is not None
    window.on_started(harness.report)
    harness.qtbot.waitUntil(lambda: isinstance(window.panes["chart"], ChartPane))
