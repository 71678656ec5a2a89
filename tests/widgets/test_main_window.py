"""The main window: every pane docked, status bar, shortcuts, layout saved and restored."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QDockWidget

from terminal.risk.state import TradingState
from widgets.main_window import MainWindow, pane_types
from widgets.panes.chart import ChartPane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.options import OptionsChainPane
from widgets.panes.ticket import OrderTicketPane
from widgets.session import Mode, TicketRequest

from .conftest import Harness


def test_every_pane_is_in_a_dock_and_the_first_watchlist_instrument_is_active(
    window: MainWindow, harness: Harness
) -> None:
    assert set(window.docks) == {p.pane_id for p in pane_types()}
    assert all(
        dock.widget().content is window.panes[pid]  # type: ignore[attr-defined]
        for pid, dock in window.docks.items()
    )
    assert harness.session.active is not None
    assert harness.session.active.key == harness.app.watchlist[0].key
    assert window.windowTitle() == "SIM"  # Qt adds " — Trading Terminal" in the title bar
    assert not window.live_banner.isVisible()


def test_status_bar_shows_broker_mode_state_equity_and_alerts(
    window: MainWindow, harness: Harness
) -> None:
    window.status.refresh()
    assert window.status.broker.text() == "SIM: connected"
    assert window.status.mode.text().strip() == "SIM"
    assert window.status.trading.text() == "ACTIVE"
    assert window.status.equity.text().startswith("Equity 1,000,000")
    harness.app.alerts.raise_alert(
        __import__("terminal.domain", fromlist=["Severity"]).Severity.WARNING, "test", "hello"
    )
    window.status.refresh()
    assert window.status.alerts.text() == f"Alerts {harness.app.alerts.unacknowledged_count()}"
    assert window.status.alerts.property("tone") == "critical"


def test_status_bar_says_when_order_entry_is_frozen_and_when_the_connection_is_back(
    window: MainWindow, harness: Harness
) -> None:
    harness.broker.drop_connection()
    window.status.refresh()
    assert window.status.broker.text() == "SIM: DISCONNECTED: order entry frozen"
    assert window.status.broker.property("tone") == "critical"
    harness.broker.restore_connection(data_lost=True)
    window.status.refresh()
    assert window.status.broker.text() == "SIM: connected, data renewed"
    assert window.status.broker.property("tone") == "ok"


def test_live_mode_shows_the_red_banner_and_title(window: MainWindow, harness: Harness) -> None:
    harness.session.mode = Mode.IB_LIVE
    window.update_mode("U1234567")
    assert window.live_banner.isVisible()
    assert "IB LIVE" in window.windowTitle() and "U1234567" in window.windowTitle()
    assert window.status.mode.property("tone") == "live"


def test_kill_switch_shortcut_halts_trading(window: MainWindow, harness: Harness) -> None:
    window.activateWindow()
    harness.qtbot.keyClick(
        window,
        Qt.Key.Key_K,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    harness.qtbot.waitUntil(lambda: harness.app.trading_state.state is TradingState.HALTED)
    harness.qtbot.waitUntil(lambda: harness.app.kill_switch.is_tripped)


def test_f4_re_centres_the_ladder_from_anywhere_without_ticking_a_checkbox(
    window: MainWindow, harness: Harness
) -> None:
    ladder = window.panes["depth"]
    assert isinstance(ladder, DepthLadderPane)
    harness.until(lambda: ladder.model.market_tick is not None)
    ladder.model.centre_on((ladder.model.market_tick or 0) + 30)  # scrolled away from the market
    ticket = window.panes["ticket"]
    assert isinstance(ticket, OrderTicketPane)
    window.activateWindow()
    ticket.outside_rth.setFocus()
    assert ticket.outside_rth.hasFocus() and not ticket.outside_rth.isChecked()
    harness.qtbot.keyClick(ticket.outside_rth, Qt.Key.Key_F4)
    assert ladder.model.centre == ladder.model.market_tick
    assert not ticket.outside_rth.isChecked()
    assert ticket.outside_rth.hasFocus()  # the trader keeps typing where they were


def dock_geometry(window: MainWindow) -> dict[str, tuple[int, int, int, int]]:
    return {
        pane_id: (dock.x(), dock.y(), dock.width(), dock.height())
        for pane_id, dock in window.docks.items()
        if dock.isVisible()
    }


def settled(window: MainWindow) -> bool:
    chart, chain = window.panes["chart"], window.panes["options"]
    assert isinstance(chart, ChartPane) and isinstance(chain, OptionsChainPane)
    return (
        not chart.loading
        and not chain.loading
        and bool(len(chain.model) or chain.status_label.text())
    )


def test_dock_widths_stay_put_when_the_selected_symbol_changes(
    window: MainWindow, harness: Harness
) -> None:
    window.resize(1600, 980)
    window.bring_forward("options")  # a chain behind its tab subscribes nothing
    harness.until(lambda: settled(window))
    before = dock_geometry(window)
    brk = harness.run(harness.app.add_to_watchlist("BRK.B"))  # a longer symbol, higher prices
    for instrument in (brk, *harness.app.watchlist[:3]):
        harness.session.set_active(instrument)
        harness.until(
            lambda instrument=instrument: (
                settled(window) and window.panes["chart"].instrument == instrument
            )
        )
        assert dock_geometry(window) == before, instrument.key
    chain = window.panes["options"]
    assert isinstance(chain, OptionsChainPane)
    contract = chain.model.row(len(chain.model) // 2).put
    assert contract is not None
    harness.session.request_ticket(TicketRequest(contract))
    harness.step()
    assert dock_geometry(window) == before, contract.key


def test_the_options_chain_shows_its_greeks_and_volume_at_the_default_layout(
    window: MainWindow, harness: Harness
) -> None:
    window.resize(1600, 980)
    window.reset_layout()
    window.bring_forward("options")
    chain = window.panes["options"]
    assert isinstance(chain, OptionsChainPane)
    harness.until(lambda: settled(window))
    assert chain.view.hidden_fields() == [
        name for name in chain.view.hidden_fields() if name in ("last", "open_interest")
    ]
    shown = {
        str(chain.model.headerData(c, Qt.Orientation.Horizontal))
        for c in range(chain.model.columnCount())
        if not chain.view.isColumnHidden(c)
    }
    assert {"Bid", "Ask", "IV", "Delta", "Gamma", "Theta", "Vega", "Volume"} <= shown


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_dock_shows_a_close_button_that_can_be_seen(
    window: MainWindow, harness: Harness, theme: str
) -> None:
    window.set_theme(theme)
    harness.step()
    for pane_id, dock in window.docks.items():
        if dock.visibleRegion().isEmpty():
            continue
        button = dock.findChild(QAbstractButton, "qt_dockwidget_closebutton")
        assert button is not None and button.isVisible(), pane_id
        # The title bar paints the button: grab the dock and look where the button sits.
        image = dock.grab().toImage().copy(button.geometry())
        background = QColor(image.pixel(0, 0)).lightness()
        contrast = sum(
            1
            for x in range(image.width())
            for y in range(image.height())
            if abs(QColor(image.pixel(x, y)).lightness() - background) > 80
        )
        assert contrast >= 6, f"{pane_id}: the close button's cross cannot be seen ({theme})"
    window.set_theme("dark")


def test_layout_is_saved_per_user_and_workstation_and_restored(
    window: MainWindow, harness: Harness
) -> None:
    dock = window.docks["depth"]
    dock.setFloating(True)
    window.docks["audit"].hide()
    window.save_layout()
    assert harness.app.writer.flush(5.0)
    window.reset_layout()
    assert not dock.isFloating() and window.docks["audit"].isVisible()
    assert window.restore_layout()  # read back from the database
    assert dock.isFloating()
    assert not window.docks["audit"].isVisible()
    assert window.layout_name == f"window:tester@{harness.app.workstation}"


def test_another_workstation_keeps_its_own_layout_and_falls_back_to_the_users_old_one(
    window: MainWindow, harness: Harness
) -> None:
    store = harness.app.store
    store.save_layout("window:tester", b"old per-user layout")
    store.save_layout("window:tester@desk-9", b"desk-9's layout")
    assert harness.app.writer.flush(5.0)
    assert MainWindow.load_layout_for(store, "tester", "desk-9") == b"desk-9's layout"
    assert MainWindow.load_layout_for(store, "tester", "desk-1") == b"old per-user layout"
    window.save_layout()
    assert harness.app.writer.flush(5.0)
    assert MainWindow.load_layout_for(store, "tester", "desk-9") == b"desk-9's layout"


def test_an_unreadable_saved_layout_falls_back_to_the_default(window: MainWindow) -> None:
    assert not window.restore_layout(b"not json")
    assert not window.restore_layout(b'{"geometry": "", "state": "AAAA"}')


def test_reset_layout_docks_every_pane_again(window: MainWindow) -> None:
    window.docks["chart"].setFloating(True)
    window.docks["risk"].close()
    window.reset_layout()
    docks: list[QDockWidget] = list(window.docks.values())
    assert not any(d.isFloating() for d in docks)
    assert all(not d.isHidden() for d in docks)
    assert QApplication.instance() is not None


def test_shortcuts_dialog_lists_every_shortcut(window: MainWindow) -> None:
    from widgets import shortcuts
    from widgets.dialogs.shortcuts import ShortcutsDialog

    dialog = ShortcutsDialog(window)
    assert dialog.table.rowCount() == len(shortcuts.ALL)
    keys = {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    assert shortcuts.KILL_SWITCH.keys in keys
    assert window.named_actions["kill_switch"].shortcut().toString() == shortcuts.KILL_SWITCH.keys


class StyleChanges(QObject):
    """Records the panes that receive a style change (a re-polish of all they hold)."""

    def __init__(self) -> None:
        super().__init__()
        self.panes: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.StyleChange and isinstance(watched, pane_types()):
            self.panes.append(watched.pane_id)
        return False


def test_building_the_window_polishes_no_pane_twice(harness: Harness) -> None:
    """A pane built outside its dock and then moved in is polished again, whole, under the
    application's style sheet: that was 0.15 s of every start."""
    app = QApplication.instance()
    assert app is not None
    changes = StyleChanges()
    app.installEventFilter(changes)
    try:
        window = MainWindow(harness.session)
        window.new_pane("chart")  # Window › New chart builds its pane the same way
    finally:
        app.removeEventFilter(changes)
    harness.qtbot.addWidget(window)
    harness.closers.append(window.close_now)
    assert changes.panes == []
