"""The issue's done criterion in the real window on the simulator: a trader builds an iron condor
in the options chain's builder, stages it, approves it in the queue, sees it filled as one
strategy line in the blotter, closes the strategy, approves the close, and is flat again, with
the mouse and the keyboard only (no core call drives the trade)."""

from __future__ import annotations

import math
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import Order, OrderSide, OrderStatus, OrderType
from widgets.main_window import MainWindow
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.blotter import BlotterPane
from widgets.panes.options import OptionsChainPane

from .conftest import Harness

CTRL = Qt.KeyboardModifier.ControlModifier
S = OrderStatus


def approve_newest(harness: Harness, window: MainWindow) -> Order:
    """Bring the queue forward and approve what was just staged with Ctrl+Enter."""
    queue = window.pane("approvals")
    assert isinstance(queue, ApprovalQueuePane)
    [pending] = harness.app.orders.pending_approvals()
    harness.step()
    assert queue.contains(pending.id) and queue.selected_order_id() == pending.id
    window.activateWindow()  # back from the closing dialog
    harness.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.bring_forward("approvals")
    focus = QApplication.focusWidget()
    assert focus is not None and queue.isAncestorOf(focus)
    harness.qtbot.keyClick(focus, Qt.Key.Key_Return, CTRL)
    harness.until(lambda: harness.app.orders.get(pending.id).status is S.FILLED)
    return harness.app.orders.get(pending.id)


def test_an_iron_condor_is_built_approved_filled_and_closed_flat_in_the_window(
    window: MainWindow, harness: Harness
) -> None:
    qtbot, app = harness.qtbot, harness.app
    window.activateWindow()
    chain = window.pane("options")
    assert isinstance(chain, OptionsChainPane)
    window.bring_forward("options")
    spy = next(i for i in app.watchlist if i.key == "SPY")
    harness.session.set_active(spy)  # what a click on SPY in the watchlist does
    harness.until(
        lambda: chain.subscribed is not None and not chain.loading and len(chain.model) > 0
    )

    # Build: open the builder, pick the iron condor, fill its legs around the money.
    qtbot.mouseClick(chain.builder_button, Qt.MouseButton.LeftButton)
    builder = chain.builder
    # The window lays the dock out again (it grows to fit the builder) before the trader clicks.
    qtbot.waitUntil(
        lambda: (
            builder.height() >= builder.minimumSizeHint().height()
            and not builder.fill_button.visibleRegion().isEmpty()
        )
    )
    builder.strategy.setCurrentText("Iron Condor")
    qtbot.mouseClick(builder.fill_button, Qt.MouseButton.LeftButton)
    harness.until(
        lambda: (
            builder.value is not None
            and math.isfinite(builder.value.net.ask)
            and all(app.market.last_quote(leg.instrument.key) for leg in builder.draft.legs)
        )
    )
    builder.refresh()
    combo, _ = builder.draft.combo()
    assert combo.strategy == "iron condor" and len(combo.legs) == 4
    # The trader types a marketable net limit (the net ask, a few cents through) and presses
    # Enter in the field: staged, not sent.
    assert builder.value is not None
    limit = combo.round_price(builder.value.net.ask) + Decimal("0.05")
    builder.limit.setFocus()
    builder.limit.selectAll()
    qtbot.keyClicks(builder.limit, f"{limit:.2f}")
    qtbot.keyClick(builder.limit, Qt.Key.Key_Return)
    [opening] = app.orders.pending_approvals()
    assert opening.intent.combo == combo and opening.intent.limit_price == limit
    assert opening.id not in harness.broker.exchange.engine.by_client

    # Approve in the queue: one order, four legs filled.
    opened = approve_newest(harness, window)
    assert (opened.intent.side, opened.filled_quantity) == (OrderSide.BUY, 1)
    held = {p.key: p.quantity for p in app.portfolio.positions() if not p.is_flat}
    assert held == {leg.instrument.key: leg.sign for leg in combo.legs}

    # The blotter's Positions tab: one strategy line, no single leg rows.
    blotter = window.pane("blotter")
    assert isinstance(blotter, BlotterPane)
    window.bring_forward("blotter")
    tab_bar = blotter.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(2).center())
    assert blotter.tabs.currentWidget() is blotter.positions
    harness.step(2)
    positions = blotter.positions
    tree = positions.strategies
    assert tree.topLevelItemCount() == 1 and tree.isVisible()
    line = tree.topLevelItem(0)
    assert line.text(0) == f"{combo.description} (4 legs)" and line.text(1) == "1"
    assert [p.key for p in positions.model.rows()] == []

    # Close strategy: the dialog opens at the net mid; the trader takes the natural price
    # (the net bid the close sells at now) and stages it with Enter.
    tree.setCurrentItem(line)
    qtbot.mouseClick(positions.close_strategy_button, Qt.MouseButton.LeftButton)
    dialog = positions.close_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.quote.tradable, dialog.quote.refusal()
    assert dialog.limit_edit.text() == f"{dialog.quote.mid}"
    qtbot.mouseClick(dialog.natural_button, Qt.MouseButton.LeftButton)
    natural = dialog.quote.natural
    assert natural is not None and dialog.limit_edit.text() == f"{natural}"
    dialog.limit_edit.setFocus()
    qtbot.keyClick(dialog.limit_edit, Qt.Key.Key_Return)
    QApplication.processEvents()
    [closing] = app.orders.pending_approvals()
    assert closing.intent.combo == combo
    assert (closing.intent.side, closing.intent.quantity) == (OrderSide.SELL, 1)
    assert closing.intent.order_type is OrderType.LIMIT and closing.intent.limit_price == natural

    # Approve the close: filled, every leg flat, the strategy line gone.
    closed = approve_newest(harness, window)
    assert closed.filled_quantity == 1
    assert all(p.is_flat for p in app.portfolio.positions())
    harness.step(2)
    assert tree.topLevelItemCount() == 0 and not tree.isVisible()
    assert [o.id for o in app.orders.orders()] == [opening.id, closing.id]
