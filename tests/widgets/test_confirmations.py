"""Cancel-all and quitting ask first, naming the protective orders cancel-all would remove; a
"don't ask again" turns the question off (applied, audited, saved); the kill switch never asks.
Every question is a window-modal dialog opened without a nested event loop."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import Order, OrderIntent, OrderRole, OrderSide, OrderStatus, OrderType
from terminal.domain.values import round_to_tick
from terminal.risk.state import TradingState
from terminal.settings import load_settings
from widgets.dialogs.confirm import ConfirmDialog
from widgets.main_window import MainWindow
from widgets.panes.blotter import BlotterPane

from .conftest import Harness
from .test_blotter import fill_market, instrument, rest_limit

S = OrderStatus
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def bracket_on(harness: Harness, key: str = "AAPL") -> list[Order]:
    """A filled bracket entry: the position is open, its stop-loss and take-profit work."""
    app = harness.app
    inst = instrument(harness, key)
    quote = app.market.last_quote(key)
    assert quote is not None
    mid = Decimal(str(quote.mid))
    tick = inst.tick_size
    entry = OrderIntent(inst, OrderSide.BUY, Decimal(100), OrderType.MARKET)
    take = OrderIntent(
        inst,
        OrderSide.SELL,
        Decimal(100),
        OrderType.LIMIT,
        limit_price=round_to_tick(mid * Decimal("1.05"), tick),
    )
    stop = OrderIntent(
        inst,
        OrderSide.SELL,
        Decimal(100),
        OrderType.STOP,
        stop_price=round_to_tick(mid * Decimal("0.95"), tick),
    )
    parent = app.orders.stage_bracket(entry, take, stop)
    harness.run(app.orders.approve(parent.id, override_reason="test"))
    assert parent.group_id is not None
    group = parent.group_id
    harness.until(
        lambda: all(
            o.status is S.FILLED if o.role is OrderRole.PARENT else o.status is S.ACCEPTED
            for o in app.orders.group_members(group)
        )
    )
    return [o for o in app.orders.group_members(group) if o.role is not OrderRole.PARENT]


def open_dialog(window: MainWindow, name: str) -> ConfirmDialog | None:
    """The question shown now (a closed one may linger until its deferred delete)."""
    shown = [d for d in window.findChildren(ConfirmDialog, name) if d.isVisible()]
    assert len(shown) <= 1
    return shown[0] if shown else None


def press(harness: Harness, window: MainWindow, key: Qt.Key, modifiers: Any = CTRL_SHIFT) -> None:
    if QApplication.activeWindow() is not window:  # a dialog just closed (offscreen: no WM)
        window.activateWindow()
        harness.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    harness.qtbot.keyClick(window, key, modifiers)


def test_cancel_all_names_the_protective_orders_and_waits_for_the_trader(
    window: MainWindow, harness: Harness
) -> None:
    exits = bracket_on(harness)
    single = rest_limit(harness, "MSFT")
    working = {o.id for o in harness.app.orders.working_orders()}
    assert working == {single.id, *(o.id for o in exits)}

    press(harness, window, Qt.Key.Key_X)  # Ctrl+Shift+X
    dialog = open_dialog(window, "confirm_cancel_all")
    assert dialog is not None
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    assert "Cancel 3 working orders?" in dialog.question.text()
    assert "2 protective orders while 1 position stays open" in dialog.warning.text()
    details = dialog.details.text()
    stop_loss = next(o for o in exits if o.role is OrderRole.STOP_LOSS)
    take_profit = next(o for o in exits if o.role is OrderRole.TAKE_PROFIT)
    assert "bracket stop-loss: SELL 100 AAPL STP" in details and stop_loss.id in details
    assert "bracket take-profit: SELL 100 AAPL LMT" in details and take_profit.id in details
    assert single.id not in details  # not protective: counted, not listed
    harness.step(3)
    assert {o.id for o in harness.app.orders.working_orders()} == working  # nothing yet

    harness.qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)  # keep them
    harness.step(3)
    assert {o.id for o in harness.app.orders.working_orders()} == working

    press(harness, window, Qt.Key.Key_X)
    dialog = open_dialog(window, "confirm_cancel_all")
    assert dialog is not None
    harness.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: not harness.app.orders.working_orders())
    assert harness.app.settings.ui.confirm_cancel_all  # still asks next time


def test_the_blotters_cancel_all_button_asks_the_same_question(
    window: MainWindow, harness: Harness
) -> None:
    rest_limit(harness, "MSFT")
    harness.step()
    blotter = window.panes["blotter"]
    assert isinstance(blotter, BlotterPane)
    blotter.orders.cancel_all()
    dialog = open_dialog(window, "confirm_cancel_all")
    assert dialog is not None
    assert "Cancel 1 working order?" in dialog.question.text()
    assert not dialog.warning.isVisible() and not dialog.details.isVisible()


def test_dont_ask_again_turns_the_question_off_audited_and_saved(
    window: MainWindow, harness: Harness, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    harness.session.settings_path = path
    records: list[Any] = []
    harness.app.audit.recorded += records.append
    orders = [rest_limit(harness, key) for key in ("MSFT", "SPY")]
    press(harness, window, Qt.Key.Key_X)
    dialog = open_dialog(window, "confirm_cancel_all")
    assert dialog is not None
    dialog.dont_ask.setChecked(True)
    harness.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: all(harness.app.orders.get(o.id).status is S.CANCELLED for o in orders))
    assert harness.app.settings.ui.confirm_cancel_all is False
    assert harness.app.settings.ui.confirm_quit is True
    harness.commit()  # the audit record is delivered after its commit
    assert "settings_changed" in [r.action for r in records]
    harness.qtbot.waitUntil(path.exists)
    assert load_settings(path).ui.confirm_cancel_all is False

    again = rest_limit(harness, "AAPL")
    press(harness, window, Qt.Key.Key_X)  # no question this time
    assert open_dialog(window, "confirm_cancel_all") is None
    harness.until(lambda: harness.app.orders.get(again.id).status is S.CANCELLED)


def test_quitting_with_an_open_position_asks_and_stay_keeps_the_window(
    window: MainWindow, harness: Harness
) -> None:
    fill_market(harness)
    rest_limit(harness, "MSFT")
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    press(harness, window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Q
    dialog = open_dialog(window, "confirm_quit")
    assert dialog is not None
    assert "Quit with 1 open position and 1 working order?" in dialog.question.text()
    assert "position AAPL 100" in dialog.details.text()
    assert "BUY 10 MSFT LMT" in dialog.details.text()
    harness.qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert window.isVisible() and not closed

    window.close()  # the window's close button asks too
    dialog = open_dialog(window, "confirm_quit")
    assert dialog is not None
    harness.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    harness.qtbot.waitUntil(lambda: bool(closed))
    assert not window.isVisible()


def test_quitting_flat_with_nothing_working_does_not_ask(
    window: MainWindow, harness: Harness
) -> None:
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.close()
    assert closed and open_dialog(window, "confirm_quit") is None


def test_the_kill_switch_never_asks(window: MainWindow, harness: Harness) -> None:
    bracket_on(harness)
    press(harness, window, Qt.Key.Key_K)  # Ctrl+Shift+K
    harness.qtbot.waitUntil(lambda: harness.app.trading_state.state is TradingState.HALTED)
    assert window.findChildren(ConfirmDialog) == []
    harness.until(lambda: not harness.app.orders.working_orders())


def test_file_reset_asks_always_then_starts_the_simulated_account_anew_audited(
    window: MainWindow, harness: Harness
) -> None:
    app = harness.app
    fill_market(harness, "AAPL", 10)
    single = rest_limit(harness, "MSFT")
    assert any(not p.is_flat for p in app.portfolio.positions())
    records: list[Any] = []
    app.audit.recorded += records.append

    reset = window.named_actions["reset_sim"]
    reset.trigger()
    dialog = open_dialog(window, "confirm_sim_reset")
    assert dialog is not None
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    assert "Start simulated account" in dialog.question.text()
    assert "position AAPL 10 goes flat" in dialog.details.text()
    assert single.id in dialog.details.text()
    assert not dialog.dont_ask.isVisible()  # a reset always asks
    harness.qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    harness.step(2)
    assert any(not p.is_flat for p in app.portfolio.positions())  # kept
    assert single.id in {o.id for o in app.orders.working_orders()}

    reset.trigger()
    dialog = open_dialog(window, "confirm_sim_reset")
    assert dialog is not None
    harness.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: all(p.is_flat for p in app.portfolio.positions()))
    harness.until(lambda: not app.orders.working_orders())
    harness.commit()
    assert [r.action for r in records].count("sim_account_reset") == 1
    assert any("reset by" in a.message for a in app.alerts.active())
