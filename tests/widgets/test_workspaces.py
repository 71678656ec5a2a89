"""Workspaces: more than one chart / ladder / tape / chain, link groups (TWS Mosaic's colours),
named workspaces saved in the database, floating panes put back on a screen that exists."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication

from terminal.domain import Instrument
from widgets.link_groups import MAIN, UNLINKED
from widgets.main_window import MainWindow
from widgets.panes.chart import ChartPane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.tape import TimeAndSalesPane
from widgets.panes.watchlist import WatchlistPane
from widgets.refresh import RefreshClock
from widgets.session import ChartMarks, Session
from widgets.theme import DARK
from widgets.workspace import fit_on_screen

from .conftest import Harness


def chart(window: MainWindow, pane_id: str) -> ChartPane:
    pane = window.pane(pane_id)
    assert isinstance(pane, ChartPane)
    return pane


def ladder(window: MainWindow, pane_id: str) -> DepthLadderPane:
    pane = window.pane(pane_id)
    assert isinstance(pane, DepthLadderPane)
    return pane


def key(instrument: Instrument | None) -> str | None:
    return None if instrument is None else instrument.key


def shows(window: MainWindow) -> Callable[[str], str | None]:
    """What each pane of ``window`` shows, by pane id."""

    def of(pane_id: str) -> str | None:
        pane = window.pane(pane_id)
        if isinstance(pane, ChartPane):
            return key(pane.instrument)
        if isinstance(pane, DepthLadderPane | TimeAndSalesPane):
            return key(pane.instrument)
        return key(pane.linked_instrument)

    return of


def instrument(harness: Harness, symbol: str) -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == symbol)


def test_a_second_chart_shows_another_instrument_than_the_first(
    window: MainWindow, harness: Harness
) -> None:
    second = window.new_pane("chart")
    assert second.pane_id == "chart-2" and window.pane("chart-2") is second
    assert window.docks["chart-2"].windowTitle() == "Chart 2"
    assert window.pane("chart") is not second  # the first keeps its id (tests, smoke test)
    assert chart(window, "chart-2").instrument is not None  # the main group's, to start with

    second.set_link_group(UNLINKED)
    second.select_instrument(instrument(harness, "MSFT"))
    harness.until(lambda: not chart(window, "chart-2").loading)
    assert key(chart(window, "chart-2").instrument) == "MSFT"
    assert key(chart(window, "chart").instrument) == "AAPL"
    assert window.docks["chart-2"].windowTitle() == "Chart 2 [not linked]"
    assert window.new_pane("chart").pane_id == "chart-3"


def test_closing_an_extra_ladder_and_chart_gives_back_their_market_data(
    window: MainWindow, harness: Harness
) -> None:
    market = harness.app.market
    msft = instrument(harness, "MSFT")
    depth2 = window.new_pane("depth")
    chart2 = window.new_pane("chart")
    for pane in (depth2, chart2):
        window.docks[pane.pane_id].setFloating(True)  # on screen, whatever the tabs do
        pane.set_link_group("green")
    harness.session.set_active(msft, "green")
    assert isinstance(depth2, DepthLadderPane) and isinstance(chart2, ChartPane)
    bars = ("MSFT", chart2.timeframe)
    harness.until(
        lambda: market._depth_subs.count("MSFT") == 1 and market._bar_subs.count(bars) == 1
    )
    assert "MSFT" in harness.broker.feed.depth

    window.docks["depth-2"].close()  # the dock's close button closes an extra pane for good
    window.docks["chart-2"].close()
    harness.until(
        lambda: market._depth_subs.count("MSFT") == 0 and market._bar_subs.count(bars) == 0
    )
    assert "MSFT" not in harness.broker.feed.depth
    assert "depth-2" not in window.panes and "chart-2" not in window.docks
    assert not depth2.alive  # its handlers and flush are released
    # The first ladder only hides: the View menu brings it back.
    window.docks["depth"].close()
    assert "depth" in window.panes


def test_two_link_groups_switch_independently_and_unlinked_panes_keep_theirs(
    window: MainWindow, harness: Harness
) -> None:
    session = harness.session
    aapl, msft, spy = (instrument(harness, s) for s in ("AAPL", "MSFT", "SPY"))
    window.new_pane("chart")
    window.new_pane("depth")
    for pane_id, group in (
        ("chart", "red"),
        ("depth", "red"),
        ("chart-2", "blue"),
        ("depth-2", "blue"),
        ("tape", UNLINKED),
    ):
        window.pane(pane_id).set_link_group(group)
    of = shows(window)

    window.pane("chart").select_instrument(msft)  # chosen in a red pane: red follows
    assert [of(p) for p in ("chart", "depth", "chart-2", "depth-2")] == [
        "MSFT",
        "MSFT",
        "AAPL",
        "AAPL",
    ]
    session.set_active(spy, "blue")
    assert [of(p) for p in ("chart", "depth", "chart-2", "depth-2")] == [
        "MSFT",
        "MSFT",
        "SPY",
        "SPY",
    ]
    # The watchlist in the blue group: its selection moves blue only.
    watchlist = window.pane("watchlist")
    assert isinstance(watchlist, WatchlistPane)
    watchlist.set_link_group("blue")
    watchlist.select_instrument(aapl)
    assert of("chart-2") == "AAPL" and of("depth-2") == "AAPL" and of("chart") == "MSFT"
    # The main group (the session's active instrument) reaches none of them, nor the tape.
    session.set_active(msft)
    assert of("chart-2") == "AAPL" and of("chart") == "MSFT" and of("tape") == "AAPL"
    session.set_active(spy)
    assert of("tape") == "AAPL" and of("options") == "SPY"
    # Joining a group shows its instrument at once.
    window.pane("tape").set_link_group("red")
    assert of("tape") == "MSFT"
    assert window.pane("chart").link_group == "red" and window.pane("options").link_group == MAIN


def test_a_workspace_with_two_linked_groups_comes_back_in_a_new_window(
    window: MainWindow, harness: Harness
) -> None:
    msft, spy = instrument(harness, "MSFT"), instrument(harness, "SPY")
    window.new_pane("chart")
    window.new_pane("depth")
    window.new_pane("tape")
    groups = {"chart": "red", "depth": "red", "chart-2": "blue", "depth-2": "blue"}
    for pane_id, group in groups.items():
        window.pane(pane_id).set_link_group(group)
    window.pane("tape-2").set_link_group(UNLINKED)
    window.pane("tape-2").select_instrument(msft)
    harness.session.set_active(msft, "red")
    harness.session.set_active(spy, "blue")
    assert window.save_workspace("  two groups ")
    assert window.workspace == "two groups"
    window.close_now()  # also saves the window's layout: the last workspace opens at start
    assert harness.app.writer.flush(5.0)

    store = harness.app.store
    assert store.layout_names("workspace:tester:") == ["workspace:tester:two groups"]
    session2 = Session(harness.app, RefreshClock(), DARK)
    window2 = MainWindow(session2)

    def close_second() -> None:
        window2.close_now()
        for qobject in (window2, session2):  # now, on this thread (not by the collector)
            shiboken6.delete(qobject)

    harness.closers.append(close_second)
    window2.show()
    assert "chart-2" not in window2.panes  # a new window has one pane of each kind
    blob = MainWindow.load_layout_for(store, "tester", harness.app.workstation)
    assert window2.restore_layout(blob)  # as the launcher does, before the core started

    assert window2.workspace == "two groups"
    assert set(window2.extra_panes()) == {"chart-2", "depth-2", "tape-2"}
    assert {p: window2.pane(p).link_group for p in groups} == groups
    assert window2.pane("tape-2").link_group == UNLINKED
    assert chart(window2, "chart-2").instrument is None  # loaded once the core is up
    assert harness.report is not None
    window2.on_started(harness.report)
    of = shows(window2)
    assert [of(p) for p in ("chart", "depth", "chart-2", "depth-2", "tape-2")] == [
        "MSFT",
        "MSFT",
        "SPY",
        "SPY",
        "MSFT",
    ]
    assert window2.docks["chart-2"].windowTitle() == "Chart 2 [blue]"
    # The chart of the blue group loads its bars once shown.
    window2.bring_forward("chart-2")
    harness.until(lambda: chart(window2, "chart-2").loads >= 1)
    assert key(chart(window2, "chart-2").instrument) == "SPY"


def test_switching_and_deleting_named_workspaces(window: MainWindow, harness: Harness) -> None:
    spy = instrument(harness, "SPY")
    harness.run(window.refresh_workspaces())
    assert window.workspace_names == []
    window.save_workspace("plain")
    window.new_pane("chart").set_link_group("yellow")
    harness.session.set_active(spy, "yellow")
    window.save_workspace("two charts")
    assert window.workspace_names == ["plain", "two charts"]
    menu = [a.text() for a in window.workspaces_menu.actions()]
    assert "plain" in menu and "two charts" in menu

    harness.run(window.open_workspace("plain"))
    assert window.workspace == "plain" and "chart-2" not in window.panes
    harness.run(window.open_workspace("two charts"))
    assert window.pane("chart-2").link_group == "yellow"
    assert key(chart(window, "chart-2").instrument) == "SPY"

    window.delete_workspace("plain")
    assert harness.app.writer.flush(5.0)
    harness.run(window.refresh_workspaces())
    assert window.workspace_names == ["two charts"]
    harness.run(window.open_workspace("plain"))  # gone: said so, nothing changes
    assert window.workspace == "two charts"
    assert not window.save_workspace("   ")  # a name is needed
    window.reset_layout()  # View › Reset layout: one pane of each kind again
    assert "chart-2" not in window.panes and not window.extra_panes()


def test_a_floating_pane_whose_screen_is_gone_opens_fully_on_the_primary_screen(
    window: MainWindow,
) -> None:
    primary = QGuiApplication.primaryScreen()
    assert primary is not None
    window.new_pane("depth")
    dock = window.docks["depth-2"]
    dock.setFloating(True)
    dock.setGeometry(QRect(40, 50, 400, 300))
    data = json.loads(window.layout_blob())
    saved = data["workspace"]["floating"]["dock_depth-2"]
    assert saved["screen"] == primary.name() and saved["rect"] == [40, 50, 400, 300]

    # Its screen is here: back where it was.
    dock.setGeometry(QRect(0, 0, 200, 200))
    assert window.restore_layout(json.dumps(data).encode())
    assert dock.isFloating() and dock.geometry() == QRect(40, 50, 400, 300)

    # Saved on a second monitor, right of this one, that is not connected now.
    saved.update(screen="HDMI-2 (gone)", rect=[5000, 4000, 400, 300])
    assert window.restore_layout(json.dumps(data).encode())
    available = primary.availableGeometry()
    assert dock.isFloating() and available.contains(dock.geometry())
    assert dock.geometry().size() == QRect(0, 0, 400, 300).size()


def test_fit_on_screen_moves_and_shrinks_a_frame_onto_the_screen() -> None:
    screen = QRect(0, 0, 1920, 1080)
    assert fit_on_screen(QRect(100, 100, 300, 200), screen) == QRect(100, 100, 300, 200)
    assert fit_on_screen(QRect(3000, 500, 300, 200), screen) == QRect(1620, 500, 300, 200)
    assert fit_on_screen(QRect(-900, -50, 300, 200), screen) == QRect(0, 0, 300, 200)
    assert fit_on_screen(QRect(10, 10, 2500, 1500), screen) == QRect(0, 0, 1920, 1080)


def test_marked_fills_go_to_the_main_groups_chart_not_to_another_groups(
    window: MainWindow, harness: Harness
) -> None:
    spy, msft = instrument(harness, "SPY"), instrument(harness, "MSFT")
    window.new_pane("chart").set_link_group("blue")
    harness.session.set_active(spy, "blue")
    now = harness.app.clock.now()
    harness.session.request_chart_marks(
        ChartMarks(msft, "MSFT LONG 100", now - dt.timedelta(hours=1), now, ())
    )
    assert key(chart(window, "chart").instrument) == "MSFT"
    assert chart(window, "chart").marks is not None
    assert key(chart(window, "chart-2").instrument) == "SPY"
    assert chart(window, "chart-2").marks is None


def test_keys_open_another_chart_and_cycle_the_focused_panes_link_group(
    window: MainWindow, harness: Harness
) -> None:
    window.activateWindow()
    alt_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    harness.qtbot.keyClick(window, Qt.Key.Key_C, alt_ctrl)  # Window › New chart
    second = chart(window, "chart-2")
    second.chart.setFocus()
    assert second.chart.hasFocus()
    harness.qtbot.keyClick(second.chart, Qt.Key.Key_L, alt_ctrl)
    assert second.link_group == "red"  # main → red, the next in the menu's order
    assert window.pane("chart").link_group == MAIN
    harness.qtbot.keyClick(second.chart, Qt.Key.Key_L, alt_ctrl)
    assert second.link_group == "green"
    assert window.docks["chart-2"].windowTitle() == "Chart 2 [green]"
