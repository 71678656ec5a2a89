"""The keymap and the trading keys: a key rebound in Settings › Keys works at once and after a
restart, a key in use is refused at the field, a broken file entry falls back to the default
and says so; the trading keys stage the ticket's instrument and quantity at the right price for
approval (never sending), F12 approves through the queue, and the keyboard-only scalp (a
bracket staged at the bid, approved, its stop moved on the ladder, flattened) works on the
simulator."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QKeySequenceEdit, QWidget

from terminal.domain import Order, OrderRole, OrderSide, OrderStatus, OrderType, VerdictLevel
from terminal.domain.values import round_to_tick
from terminal.presets.model import preset_from_table
from terminal.settings import load_settings
from widgets.dialogs.settings import SettingsDialog
from widgets.main_window import MainWindow
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.ticket import OrderTicketPane

from .conftest import Harness

Key = Qt.Key
Mod = Qt.KeyboardModifier
TICK = Decimal("0.01")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


@pytest.fixture
def messages(harness: Harness) -> list[str]:
    said: list[str] = []
    harness.session.message.connect(said.append)
    return said


def ticket_of(window: MainWindow) -> OrderTicketPane:
    ticket = window.panes["ticket"]
    assert isinstance(ticket, OrderTicketPane)
    return ticket


def press(harness: Harness, target: QWidget, key: Key, modifiers: Any = Mod.NoModifier) -> None:
    """Press ``key`` on ``target`` (the window, or the widget with the focus), as the trader at
    the desk: the window has the keyboard."""
    window = target.window()
    if QApplication.activeWindow() is not window:  # a dialog was in front
        window.activateWindow()
        harness.qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    harness.qtbot.keyClick(target, key, modifiers)


def new_orders(harness: Harness, before: set[str]) -> list[Order]:
    return [o for o in harness.app.orders.orders() if o.id not in before]


def ids(harness: Harness) -> set[str]:
    return {o.id for o in harness.app.orders.orders()}


def record_key(harness: Harness, edit: QKeySequenceEdit, key: Key, modifiers: Any) -> None:
    edit.setFocus()
    harness.qtbot.keyClick(edit, key, modifiers)


# -- the trading keys ---------------------------------------------------------------------------
STAGING_KEYS = (
    (Key.Key_F5, Mod.NoModifier, OrderSide.BUY, "bid"),
    (Key.Key_F6, Mod.NoModifier, OrderSide.BUY, "ask"),
    (Key.Key_F7, Mod.NoModifier, OrderSide.BUY, "market"),
    (Key.Key_F5, Mod.ShiftModifier, OrderSide.SELL, "bid"),
    (Key.Key_F6, Mod.ShiftModifier, OrderSide.SELL, "ask"),
    (Key.Key_F7, Mod.ShiftModifier, OrderSide.SELL, "market"),
)


def test_each_trading_key_stages_the_ticket_quantity_at_its_price_and_sends_nothing(
    window: MainWindow, harness: Harness
) -> None:
    ticket = ticket_of(window)
    assert ticket.instrument is not None
    instrument = ticket.instrument
    ticket.quantity.setText("37")
    quote = harness.app.market.last_quote(instrument.key)
    assert quote is not None
    for key, modifiers, side, source in STAGING_KEYS:
        before = ids(harness)
        press(harness, window, key, modifiers)
        (order,) = new_orders(harness, before)
        intent = order.intent
        assert (intent.instrument.key, intent.side, intent.quantity) == (
            instrument.key,
            side,
            Decimal(37),
        ), source
        if source == "market":
            assert intent.order_type is OrderType.MARKET
            assert intent.limit_price is None
        else:
            touch = quote.bid if source == "bid" else quote.ask
            assert intent.order_type is OrderType.LIMIT
            assert intent.limit_price == round_to_tick(
                Decimal(repr(touch)), instrument.tick_size
            ), source
        assert order.status is OrderStatus.PENDING_APPROVAL
    harness.step(3)
    # Nothing reached the broker: every order still waits for a human in the queue.
    assert all(o.status is OrderStatus.PENDING_APPROVAL for o in harness.app.orders.orders())
    assert all(o.broker_order_id is None for o in harness.app.orders.orders())
    assert len(harness.app.orders.pending_approvals()) == len(STAGING_KEYS)


def test_at_the_bid_without_a_quote_is_refused_with_a_reason_and_audited(
    window: MainWindow, harness: Harness, messages: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = ticket_of(window)
    assert ticket.instrument is not None
    key = ticket.instrument.key
    market = harness.app.market
    real = market.last_quote
    monkeypatch.setattr(market, "last_quote", lambda k: None if k == key else real(k))
    records: list[Any] = []
    harness.app.audit.recorded += records.append
    press(harness, window, Key.Key_F5)
    assert harness.app.orders.orders() == []
    assert any(f"buy at the bid {key}: not staged: no bid quote" in m for m in messages)
    harness.commit()
    assert [(r.action, r.subject) for r in records] == [("stage_refused", key)]
    assert records[0].details["reason"] == "no bid quote"


def test_flatten_and_reverse_say_so_when_there_is_no_position(
    window: MainWindow, harness: Harness, messages: list[str]
) -> None:
    key = ticket_of(window).instrument.key  # type: ignore[union-attr]
    press(harness, window, Key.Key_F8)
    press(harness, window, Key.Key_F8, Mod.ShiftModifier)
    press(harness, window, Key.Key_F9)
    press(harness, window, Key.Key_F12)
    assert harness.app.orders.orders() == []
    assert f"flatten {key}: no position to close" in messages
    assert f"reverse {key}: no position to reverse" in messages
    assert f"cancel orders: no open order in {key}" in messages
    assert "approve: no order staged in this session yet" in messages


def test_the_keyboard_only_scalp_bracket_at_bid_approve_move_the_stop_flatten(
    window: MainWindow, harness: Harness
) -> None:
    """Issue 17's scalp, keys only: a default preset with a bracket for AAPL, F5 stages it at
    the bid, F12 approves, the parent fills on the simulator, the stop is selected on the
    ladder and moved up two ticks (one modify, at the broker), F8 stages the flatten, F12
    approves it: flat, and the bracket's exits cancelled. No mouse event anywhere."""
    app, orders, portfolio = harness.app, harness.app.orders, harness.app.portfolio
    aapl = next(i for i in app.watchlist if i.key == "AAPL")
    harness.session.set_active(aapl)
    scalp = preset_from_table(
        {
            "name": "AAPL scalp",
            "instrument": "AAPL",
            "quantity": "10",
            "take_profit": "50 ticks",
            "stop_loss": "5 ticks",
            "default": True,
        }
    )
    app.apply_settings(dataclasses.replace(app.settings, presets=(scalp,)))
    harness.session.settings_applied.emit(app.settings)
    assert ticket_of(window).presets.current == scalp
    ladder = window.panes["depth"]
    assert isinstance(ladder, DepthLadderPane)
    harness.until(lambda: ladder.subscribed is not None and ladder.model.best_bid is not None)

    # Focus the ladder by keyboard (Ctrl+n brings the n-th pane of the View menu forward).
    number = list(window.docks).index("depth") + 1
    press(harness, window, getattr(Key, f"Key_{number}"), Mod.ControlModifier)
    harness.qtbot.waitUntil(ladder.view.hasFocus)

    press(harness, ladder.view, Key.Key_F5)  # buy at the bid, with the preset's bracket
    [parent] = [o for o in orders.pending_approvals() if o.parent_id is None]
    assert parent.group_id is not None
    legs = {o.role: o for o in orders.group_members(parent.group_id)}
    entry = parent.intent.limit_price
    assert entry is not None and parent.intent.quantity == 10
    assert set(legs) == {OrderRole.PARENT, OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS}
    assert all(o.status is OrderStatus.PENDING_APPROVAL for o in legs.values())
    # The queue holds the bracket as one row: the entry with its two exits.
    queue = window.panes["approvals"]
    assert isinstance(queue, ApprovalQueuePane)
    harness.until(lambda: queue.contains(parent.id))
    column = [c.title for c in queue.model.columns].index("Price(s)")
    row = queue.model.position(parent.id)
    assert row is not None
    shown = str(queue.model.index(row, column).data(Qt.ItemDataRole.DisplayRole))
    assert shown == f"{entry:.2f} · TP {entry + 50 * TICK:.2f} · SL {entry - 5 * TICK:.2f}"
    stop_loss = legs[OrderRole.STOP_LOSS]
    take_profit = legs[OrderRole.TAKE_PROFIT]
    assert stop_loss.intent.stop_price == entry - 5 * TICK
    assert take_profit.intent.limit_price == entry + 50 * TICK
    assert harness.run(harness.broker.open_orders()) == []  # staged, nothing sent

    press(harness, ladder.view, Key.Key_F12)  # approve the order just staged
    harness.until(lambda: orders.get(parent.id).status.is_working)
    # The market has left the bid (the seeded simulator drifts up): chase it with the keys, as
    # a scalper would. Ctrl+Right selects the working orders top to bottom: the take-profit
    # (held until the entry fills), then the entry. Ctrl+Up moves it tick by tick to just through the ask, Enter sends one modify; the
    # simulator fills it against the offer.
    harness.step()
    press(harness, ladder.view, Key.Key_Right, Mod.ControlModifier)
    assert ladder.order_keys.selected == take_profit.id
    press(harness, ladder.view, Key.Key_Right, Mod.ControlModifier)
    assert ladder.order_keys.selected == parent.id
    model = ladder.model
    assert model.best_ask is not None
    limit = orders.get(parent.id).intent.limit_price
    assert limit is not None
    ticks = model.best_ask - model.to_tick(limit) + 3
    for _ in range(ticks):
        press(harness, ladder.view, Key.Key_Up, Mod.ControlModifier)
    press(harness, ladder.view, Key.Key_Return)
    harness.until(lambda: orders.get(parent.id).status is OrderStatus.FILLED)
    harness.until(lambda: orders.get(stop_loss.id).broker_order_id is not None)
    assert orders.get(take_profit.id).status.is_working  # both exits work at the broker
    position = portfolio.position("AAPL")
    assert position is not None and position.quantity == 10

    # Select the stop on the ladder by keyboard: the take-profit is above it, so it is second.
    harness.step()
    press(harness, ladder.view, Key.Key_Right, Mod.ControlModifier)
    press(harness, ladder.view, Key.Key_Right, Mod.ControlModifier)
    assert ladder.order_keys.selected == stop_loss.id
    assert ladder.selection_label.text().startswith(f"Selected {stop_loss.id}: SELL 10 STP")
    old = orders.get(stop_loss.id).intent.stop_price
    assert old is not None
    press(harness, ladder.view, Key.Key_Up, Mod.ControlModifier)
    press(harness, ladder.view, Key.Key_Up, Mod.ControlModifier)
    press(harness, ladder.view, Key.Key_Return)  # one modify, to the final price
    moved = old + 2 * TICK
    engine = harness.broker.exchange.engine
    harness.until(lambda: engine.by_client[stop_loss.id].order.intent.stop_price == moved)
    assert orders.get(stop_loss.id).intent.stop_price == moved

    before = ids(harness)
    press(harness, ladder.view, Key.Key_F8)  # flatten: a closing market order, staged
    (flatten,) = new_orders(harness, before)
    assert (flatten.intent.side, flatten.intent.quantity) == (OrderSide.SELL, Decimal(10))
    assert flatten.status is OrderStatus.PENDING_APPROVAL
    harness.step(2)  # while the flatten waits for approval the position keeps its stop
    assert orders.get(stop_loss.id).status.is_working
    press(harness, ladder.view, Key.Key_F12)
    harness.until(lambda: orders.get(flatten.id).status is OrderStatus.FILLED)
    assert portfolio.position("AAPL").is_flat  # type: ignore[union-attr]
    harness.until(
        lambda: all(
            orders.get(o.id).status is OrderStatus.CANCELLED for o in (stop_loss, take_profit)
        )
    )
    assert not [o for o in harness.run(harness.broker.open_orders()) if o.key == "AAPL"]


def test_the_trading_keys_stage_at_bid_approve_reverse_cancel_flatten(
    window: MainWindow, harness: Harness
) -> None:
    ticket = ticket_of(window)
    assert ticket.instrument is not None
    key = ticket.instrument.key
    orders, portfolio = harness.app.orders, harness.app.portfolio
    ticket.quantity.setText("10")

    before = ids(harness)
    press(harness, window, Key.Key_F5)  # buy at the bid: rests
    (bid_order,) = new_orders(harness, before)
    assert bid_order.status is OrderStatus.PENDING_APPROVAL
    press(harness, window, Key.Key_F12)  # approve the order just staged
    harness.until(lambda: orders.get(bid_order.id).status.is_working)
    assert orders.get(bid_order.id).approved_by == "tester"

    before = ids(harness)
    press(harness, window, Key.Key_F7)  # buy market, approved: a position of 10
    (market_order,) = new_orders(harness, before)
    press(harness, window, Key.Key_F12)
    harness.until(lambda: orders.get(market_order.id).status is OrderStatus.FILLED)
    position = portfolio.position(key)
    assert position is not None
    held = position.quantity
    assert held >= 10

    before = ids(harness)
    press(harness, window, Key.Key_F8, Mod.ShiftModifier)  # reverse: twice the position, sell
    (reverse,) = new_orders(harness, before)
    assert (reverse.intent.side, reverse.intent.quantity, reverse.intent.order_type) == (
        OrderSide.SELL,
        2 * held,
        OrderType.MARKET,
    )
    assert reverse.status is OrderStatus.PENDING_APPROVAL

    press(harness, window, Key.Key_F9)  # cancel the instrument's orders: staged and working
    harness.until(lambda: not [o for o in orders.open_orders() if o.instrument.key == key])
    assert orders.get(reverse.id).status is not OrderStatus.FILLED
    assert orders.get(bid_order.id).status is OrderStatus.CANCELLED or (
        orders.get(bid_order.id).status is OrderStatus.FILLED  # the bid traded meanwhile
    )
    position = portfolio.position(key)
    assert position is not None
    held = position.quantity

    before = ids(harness)
    press(harness, window, Key.Key_F8)  # flatten: a closing market order, staged
    (flatten,) = new_orders(harness, before)
    assert (flatten.intent.side, flatten.intent.quantity) == (OrderSide.SELL, held)
    assert flatten.status is OrderStatus.PENDING_APPROVAL
    harness.step(2)
    assert portfolio.position(key).quantity == held  # type: ignore[union-attr]  # not sent
    press(harness, window, Key.Key_F12)
    harness.until(lambda: orders.get(flatten.id).status is OrderStatus.FILLED)
    assert portfolio.position(key).is_flat  # type: ignore[union-attr]


def test_approve_just_staged_goes_through_the_queue_checks(
    window: MainWindow, harness: Harness, messages: list[str]
) -> None:
    ticket = ticket_of(window)
    assert ticket.instrument is not None
    ticket.quantity.setText("10")
    quote = harness.app.market.last_quote(ticket.instrument.key)
    assert quote is not None
    # Ten shares come to two thirds of the order limit: above the warn fraction (one half).
    limit = Decimal(round(15 * quote.ask))
    risk = dataclasses.replace(harness.app.settings.risk, max_order_notional=limit)
    harness.app.apply_settings(dataclasses.replace(harness.app.settings, risk=risk))
    before = ids(harness)
    press(harness, window, Key.Key_F7)
    (order,) = new_orders(harness, before)
    assert order.verdict is not None
    assert order.verdict.level is VerdictLevel.WARN
    press(harness, window, Key.Key_F12)
    harness.step(2)
    assert harness.app.orders.get(order.id).status is OrderStatus.PENDING_APPROVAL
    assert any(f"{order.id} needs an override" in m for m in messages)


def test_size_preset_keys_set_the_ticket_quantity_from_the_settings(
    window: MainWindow, harness: Harness
) -> None:
    ticket = ticket_of(window)
    press(harness, window, Key.Key_3, Mod.AltModifier)
    assert ticket.quantity.text() == "500"
    harness.app.apply_settings(
        dataclasses.replace(
            harness.app.settings,
            ui=dataclasses.replace(harness.app.settings.ui, size_presets=(Decimal(7), Decimal(70))),
        )
    )
    press(harness, window, Key.Key_2, Mod.AltModifier)
    assert ticket.quantity.text() == "70"
    before = ids(harness)
    press(harness, window, Key.Key_F7)
    (order,) = new_orders(harness, before)
    assert order.intent.quantity == Decimal(70)


# -- rebinding ----------------------------------------------------------------------------------
def test_a_rebound_key_works_at_once_and_after_a_restart(
    window: MainWindow, harness: Harness, path: Path
) -> None:
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(dialog.tab_index("keys"))
    page = dialog.keymap_page
    record_key(harness, page.edits["buy_at_bid"], Key.Key_B, Mod.ControlModifier)
    assert page.keymap.keys("buy_at_bid") == "Ctrl+B"
    with harness.qtbot.waitSignal(dialog.saved, timeout=5_000):
        harness.qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert window.named_actions["buy_at_bid"].shortcut().toString() == "Ctrl+B"
    dialog.close()

    before = ids(harness)
    press(harness, window, Key.Key_F5)  # the old key does nothing now
    assert new_orders(harness, before) == []
    press(harness, window, Key.Key_B, Mod.ControlModifier)
    (order,) = new_orders(harness, before)
    assert (order.intent.side, order.intent.order_type) == (OrderSide.BUY, OrderType.LIMIT)

    saved = load_settings(path)
    assert saved.keymap == (("buy_at_bid", "Ctrl+B"),)
    harness.app.settings = saved  # a restart reads the file
    again = MainWindow(harness.session)
    harness.qtbot.addWidget(again)
    harness.closers.append(again.close_now)
    assert again.named_actions["buy_at_bid"].shortcut().toString() == "Ctrl+B"
    reopened = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(reopened)
    assert reopened.keymap_page.edits["buy_at_bid"].keySequence().toString() == "Ctrl+B"
    assert reopened.keymap_page.reset_buttons["buy_at_bid"].isEnabled()


def test_a_key_in_use_is_refused_at_the_field_naming_the_other_action(
    harness: Harness, path: Path
) -> None:
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(dialog.tab_index("keys"))
    page = dialog.keymap_page
    edit = page.edits["buy_at_bid"]
    record_key(harness, edit, Key.Key_K, Mod.ControlModifier | Mod.ShiftModifier)
    assert page.keymap.keys("buy_at_bid") == "F5"
    assert edit.keySequence().toString() == "F5"  # the field keeps its key
    assert edit.property("invalid") is True
    assert "Ctrl+Shift+K is already “KILL SWITCH" in page.message.text()
    # A pane's own key counts too: Delete would steal it from the approval queue.
    record_key(harness, edit, Key.Key_Delete, Mod.NoModifier)
    assert page.keymap.keys("buy_at_bid") == "F5"
    assert "Del is already “Reject the selected order” (approval queue)" in page.message.text()
    # Moving buy-at-bid away, then taking its default for sell-at-bid: the reset is refused.
    record_key(harness, edit, Key.Key_B, Mod.ControlModifier)
    assert edit.property("invalid") is False
    record_key(harness, page.edits["sell_at_bid"], Key.Key_F5, Mod.NoModifier)
    assert page.keymap.keys("sell_at_bid") == "F5"
    harness.qtbot.mouseClick(page.reset_buttons["buy_at_bid"], Qt.MouseButton.LeftButton)
    assert page.keymap.keys("buy_at_bid") == "Ctrl+B"
    assert "F5 is already “Stage a sell limit at the bid" in page.message.text()
    harness.qtbot.mouseClick(page.reset_buttons["sell_at_bid"], Qt.MouseButton.LeftButton)
    harness.qtbot.mouseClick(page.reset_buttons["buy_at_bid"], Qt.MouseButton.LeftButton)
    assert page.keymap.pairs() == ()
    assert dialog.collect() is not None
    assert dialog.collect().keymap == ()  # type: ignore[union-attr]


def test_a_broken_keymap_entry_falls_back_to_the_default_and_says_so(
    harness: Harness, path: Path
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(
        '[keymap]\nbuy_at_bid = "Shft+F5"\nbuy_everything = "F2"\nsell_at_bid = "F6"\n'
        'flatten_instrument = "Ctrl+Alt+F"\n',
        encoding="utf-8",
    )
    harness.app.settings = load_settings(path)  # the file loads: nothing stops the start
    alerts: list[Any] = []
    harness.app.alerts.alert_raised += alerts.append
    window = MainWindow(harness.session)
    harness.qtbot.addWidget(window)
    harness.closers.append(window.close_now)
    actions = window.named_actions
    assert actions["buy_at_bid"].shortcut().toString() == "F5"
    assert actions["sell_at_bid"].shortcut().toString() == "Shift+F5"  # F6 is buy at the ask
    assert actions["buy_at_ask"].shortcut().toString() == "F6"
    assert actions["flatten_instrument"].shortcut().toString() == "Ctrl+Alt+F"  # valid: kept
    shown = window.status.currentMessage()
    assert "'Shft+F5' is not a key; the default F5 is used" in shown
    assert "'buy_everything' is not an action" in shown
    assert "sell_at_bid: F6 is already" in shown
    assert any("keymap" in a.message for a in alerts)
