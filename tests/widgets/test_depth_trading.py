"""Depth ladder trading: own orders cancelled with ×, dragged to modify, volume and P/L columns.

On the simulator: the orders are approved by hand (every new order goes through the approval
queue) and then commanded from the ladder; what the broker holds is checked, not just the view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QShortcut
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal.broker.sim.orders import SimOrder
from terminal.domain import (
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    Trade,
)
from terminal.marketdata.tape import Aggressor, Print
from widgets.cell_paint import CELL_ROLES
from widgets.panes.depth import DepthLadderPane
from widgets.panes.depth_columns import LadderColumn, pnl_text, size_text

from .conftest import Harness

C = LadderColumn
S = OrderStatus


@pytest.fixture
def ladder(harness: Harness, qtbot: QtBot) -> Iterator[DepthLadderPane]:
    pane = DepthLadderPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(760, 640)
    pane.show()
    qtbot.waitExposed(pane)
    harness.session.set_active(harness.app.watchlist[0])  # AAPL
    harness.until(lambda: pane.subscribed is not None and pane.model.best_bid is not None)
    yield pane


def cell(pane: DepthLadderPane, price: Decimal, column: LadderColumn) -> str:
    index = pane.price_index(price, column)
    assert index.isValid(), f"{price} is not on the ladder"
    return str(pane.model.data(index))


def rest(
    harness: Harness,
    price: Decimal,
    side: OrderSide = OrderSide.BUY,
    order_type: OrderType = OrderType.LIMIT,
    quantity: int = 100,
) -> Order:
    """An order approved by hand and resting at the simulator."""
    app = harness.app
    instrument = harness.app.watchlist[0]
    stop = order_type is OrderType.STOP
    intent = OrderIntent(
        instrument,
        side,
        Decimal(quantity),
        order_type,
        limit_price=None if stop else price,
        stop_price=price if stop else None,
    )
    order = app.orders.stage(intent)
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.ACCEPTED)
    return app.orders.get(order.id)


def at_broker(harness: Harness, order_id: str) -> SimOrder:
    return next(
        so for so in harness.broker.exchange.engine.orders.values() if so.order.id == order_id
    )


def centre_of(pane: DepthLadderPane, price: Decimal, column: LadderColumn) -> QPoint:
    index = pane.price_index(price, column)
    assert index.isValid()
    pane.view.scrollTo(index)
    rect = pane.view.visualRect(index)
    assert pane.view.viewport().rect().contains(rect.center())
    return rect.center()


def mouse(pane: DepthLadderPane, kind: QEvent.Type, pos: QPoint, held: bool) -> None:
    """A mouse event on the ladder's viewport (QTest's moves carry no held buttons)."""
    viewport = pane.view.viewport()
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind is QEvent.Type.MouseMove else left
    buttons = left if held else Qt.MouseButton.NoButton
    point = QPointF(pos)
    event = QMouseEvent(
        kind, point, viewport.mapToGlobal(point), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(viewport, event)


def drag(pane: DepthLadderPane, start: QPoint, end: QPoint, *, drop: bool = True) -> None:
    mouse(pane, QEvent.Type.MouseButtonPress, start, held=True)
    for i in range(1, 5):
        mouse(pane, QEvent.Type.MouseMove, start + (end - start) * (i / 4), held=True)
    if drop:
        mouse(pane, QEvent.Type.MouseButtonRelease, end, held=False)


def touch(pane: DepthLadderPane) -> tuple[int, int]:
    bid, ask = pane.model.best_bid, pane.model.best_ask
    assert bid is not None and ask is not None
    return bid, ask


# -- 1. own orders and the cancel column ------------------------------------------------------
def test_orders_show_with_their_count_and_a_click_on_x_cancels_them_at_the_broker(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, ask = touch(ladder)
    price = model.price_of_tick(bid - 30)  # far enough that the market does not reach them
    other = model.price_of_tick(ask + 30)
    first = rest(harness, price, quantity=100)
    second = rest(harness, price, quantity=250)
    keep = rest(harness, other, OrderSide.SELL, quantity=40)
    harness.step()
    assert cell(ladder, price, C.MY_BUYS) == "350 (2)"
    assert cell(ladder, other, C.MY_SELLS) == "40"
    assert cell(ladder, price, C.CANCEL) == "×"
    assert cell(ladder, other, C.CANCEL) == "×"
    assert cell(ladder, model.price_of_tick(bid - 29), C.CANCEL) == ""
    with qtbot.waitSignal(harness.session.message) as message:
        qtbot.mouseClick(
            ladder.view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=centre_of(ladder, price, C.CANCEL),
        )
    assert message.args[0].startswith(f"Cancel requested for 2 at {price:,.2f}")
    orders = harness.app.orders
    harness.until(
        lambda: (
            orders.get(first.id).status is S.CANCELLED
            and orders.get(second.id).status is S.CANCELLED
        )
    )
    engine = harness.broker.exchange.engine
    working_at_broker = {so.order.id for so in engine.orders.values() if so.is_working}
    assert first.id not in working_at_broker and second.id not in working_at_broker
    assert keep.id in working_at_broker  # the other price's order stays
    harness.step()
    assert cell(ladder, price, C.MY_BUYS) == ""
    assert cell(ladder, price, C.CANCEL) == ""
    assert cell(ladder, other, C.MY_SELLS) == "40"
    assert not harness.app.orders.pending_approvals()  # a cancel stages nothing


def test_x_where_no_order_works_says_so_and_cancels_nothing(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    bid, _ = touch(ladder)
    order = rest(harness, ladder.model.price_of_tick(bid - 5))
    empty = ladder.model.price_of_tick(bid - 6)
    with qtbot.waitSignal(harness.session.message) as message:
        assert ladder.cancel_at(empty) == []
    assert message.args == [f"No working orders at {empty:,.2f} to cancel"]
    harness.step(2)
    assert harness.app.orders.get(order.id).status is S.ACCEPTED


# -- 2. drag to modify --------------------------------------------------------------------------
def test_dragging_an_order_modifies_it_at_the_broker_to_the_rows_price(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    old = model.price_of_tick(bid - 10)
    new = model.price_of_tick(bid - 4)
    order = rest(harness, old)
    harness.step()
    ladder.lock_button.setChecked(True)  # the rows stay where they are while the test drags
    start, end = centre_of(ladder, old, C.MY_BUYS), centre_of(ladder, new, C.MY_BUYS)
    drag(ladder, start, end, drop=False)
    assert ladder.view.dragging
    assert cell(ladder, new, C.MY_BUYS) == "→ 100"  # where it would go
    with qtbot.waitSignal(harness.session.message) as message:
        mouse(ladder, QEvent.Type.MouseButtonRelease, end, held=False)
    assert message.args == [f"Modify sent for {order.id}: limit {old:,.2f} → {new:,.2f}"]
    assert not ladder.view.dragging
    harness.until(lambda: at_broker(harness, order.id).order.intent.limit_price == new)
    assert harness.app.orders.get(order.id).intent.limit_price == new
    assert harness.app.orders.get(order.id).status.is_working
    assert harness.app.orders.pending_approvals() == []  # a modify is not a new order
    harness.step()
    assert cell(ladder, new, C.MY_BUYS) == "100"
    assert cell(ladder, old, C.MY_BUYS) == ""


def test_a_click_on_an_order_without_moving_stages_as_before(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    price = model.price_of_tick(bid - 10)
    order = rest(harness, price)
    harness.step()
    ladder.lock_button.setChecked(True)
    point = centre_of(ladder, price, C.MY_BUYS)
    qtbot.mouseClick(ladder.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    [staged] = harness.app.orders.pending_approvals()  # a new order, for approval
    assert (staged.intent.side, staged.intent.limit_price) == (OrderSide.BUY, price)
    assert harness.app.orders.get(order.id).intent.limit_price == price
    assert not ladder.view.dragging


def test_a_stop_dragged_to_the_wrong_side_of_the_market_is_refused(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, ask = touch(ladder)
    stop = model.price_of_tick(bid - 10)
    order = rest(harness, stop, OrderSide.SELL, OrderType.STOP)
    harness.step()
    ladder.lock_button.setChecked(True)
    bid, ask = touch(ladder)
    above = model.price_of_tick(ask + 3)  # a sell stop above the market would trigger at once
    recorded: list[tuple[str, str]] = []
    harness.app.audit.recorded.connect(lambda r: recorded.append((r.action, r.subject)))
    with qtbot.waitSignal(harness.session.message) as message:
        drag(ladder, centre_of(ladder, stop, C.MY_SELLS), centre_of(ladder, above, C.MY_SELLS))
    assert message.args[0].startswith(f"ladder modify {order.id}: a SELL stop at {above:,.2f}")
    assert "would trigger at once" in message.args[0]
    harness.commit()
    assert ("modify_refused", order.id) in recorded
    harness.step(2)
    assert at_broker(harness, order.id).order.intent.stop_price == stop
    assert harness.app.orders.get(order.id).intent.stop_price == stop
    # Below the market the same stop moves.
    lower = model.price_of_tick(bid - 4)
    assert ladder.move_orders(stop, lower, OrderSide.SELL)
    harness.until(lambda: at_broker(harness, order.id).order.intent.stop_price == lower)


def test_escape_cancels_the_drag_and_nothing_is_modified(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    old, new = model.price_of_tick(bid - 10), model.price_of_tick(bid - 3)
    order = rest(harness, old)
    harness.step()
    ladder.lock_button.setChecked(True)
    end = centre_of(ladder, new, C.MY_BUYS)
    drag(ladder, centre_of(ladder, old, C.MY_BUYS), end, drop=False)
    assert cell(ladder, new, C.MY_BUYS) == "→ 100"
    qtbot.keyClick(ladder.view, Qt.Key.Key_Escape)
    assert not ladder.view.dragging
    assert cell(ladder, new, C.MY_BUYS) == ""
    mouse(ladder, QEvent.Type.MouseButtonRelease, end, held=False)
    harness.step(2)
    assert harness.app.orders.get(order.id).intent.limit_price == old
    assert at_broker(harness, order.id).order.intent.limit_price == old
    assert harness.app.orders.pending_approvals() == []  # the release staged nothing either


def test_an_order_being_cancelled_is_not_dragged(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    old, new = model.price_of_tick(bid - 10), model.price_of_tick(bid - 3)
    order = rest(harness, old)
    harness.step()
    ladder.lock_button.setChecked(True)
    # The cancel is requested; the simulator confirms it after its latency (virtual time).
    harness.run(harness.app.orders.cancel(order.id))
    assert harness.app.orders.get(order.id).status is S.CANCEL_REQUESTED
    harness.session.refresh.flush_now()
    assert cell(ladder, old, C.MY_BUYS) == "100"  # still working...
    assert cell(ladder, old, C.CANCEL) == ""  # ...but no × (asked already)
    muted = model.data(ladder.price_index(old, C.MY_BUYS), Qt.ItemDataRole.ForegroundRole)
    assert muted.color().rgb() == harness.session.palette.muted.rgb()
    with qtbot.waitSignal(harness.session.message) as message:
        drag(ladder, centre_of(ladder, old, C.MY_BUYS), centre_of(ladder, new, C.MY_BUYS))
    assert message.args == [f"Your BUY order at {old:,.2f} is being cancelled: it cannot move"]
    assert not ladder.view.dragging
    assert ladder.move_orders(old, new, OrderSide.BUY) == []
    assert harness.app.orders.pending_approvals() == []  # the press staged nothing
    harness.until(lambda: harness.app.orders.get(order.id).status is S.CANCELLED)
    assert harness.app.orders.get(order.id).intent.limit_price == old


# -- 3. volume at price today -------------------------------------------------------------------
def test_volume_today_adds_up_the_simulators_prints_at_each_price(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    shown = {
        t: model.volume(t) or 0.0
        for t in range(model.tick_of_row(model.rowCount() - 1), model.tick_of_row(0) + 1)
    }
    printed: list[Trade] = []
    harness.broker.trades_received.connect(
        lambda trades: printed.extend(t for t in trades if t.key == "AAPL")
    )
    harness.step(8)
    assert len(printed) >= 3, "the simulator printed too little for the test to mean anything"
    expected = dict(shown)
    for trade in printed:
        tick = model.to_tick(trade.price)
        expected[tick] = expected.get(tick, 0.0) + trade.size
    for tick, size in expected.items():
        assert model.volume(tick) == pytest.approx(size or None)
        row = model.row_of_tick(tick)
        if row is not None:
            text = model.data(model.index(row, C.VOLUME))
            assert text == (size_text(size) if size else "")


def test_volume_today_includes_the_prints_the_tape_held_before_the_ladder_came(
    harness: Harness, qtbot: QtBot
) -> None:
    instrument = harness.app.watchlist[0]
    harness.run(harness.app.market.subscribe_tape(instrument))  # as a time & sales pane does
    printed: list[Trade] = []
    harness.broker.trades_received.connect(
        lambda trades: printed.extend(t for t in trades if t.key == "AAPL")
    )
    harness.step(6)
    earlier = len(printed)
    assert earlier >= 2
    pane = DepthLadderPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(760, 640)
    pane.show()
    qtbot.waitExposed(pane)
    harness.session.set_active(instrument)
    harness.until(lambda: pane.subscribed is not None and pane.model.best_bid is not None)
    model = pane.model
    expected: dict[int, float] = {}
    for trade in printed:  # the earlier ones and those since the ladder subscribed
        tick = model.to_tick(trade.price)
        expected[tick] = expected.get(tick, 0.0) + trade.size
    for tick, size in expected.items():
        assert model.volume(tick) == pytest.approx(size)


def test_volume_today_starts_again_when_the_day_rolls(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    harness.step(6)
    model = ladder.model
    traded = [
        t
        for t in range(model.tick_of_row(model.rowCount() - 1), model.tick_of_row(0) + 1)
        if model.volume(t)
    ]
    assert traded
    tz = ZoneInfo(harness.app.settings.risk.market_timezone)
    local = harness.clock.now().astimezone(tz)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tz)
    harness.clock.advance((midnight - harness.clock.now()).total_seconds() + 1)
    harness.session.refresh.flush_now()
    assert all(model.volume(t) is None for t in traded)
    assert cell(ladder, model.price_of_tick(traded[0]), C.VOLUME) == ""


def test_a_print_repaints_only_its_row(ladder: DepthLadderPane, harness: Harness) -> None:
    model = ladder.model
    harness.session.refresh.flush_now()
    bid, _ = touch(ladder)
    price = model.price_of_tick(bid - 12)
    before = model.volume(bid - 12) or 0.0
    emitted: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: emitted.append((a.row(), b.row(), a.column(), b.column()))
    )
    entry = Print("AAPL", float(price), 300.0, harness.clock.now(), Aggressor.SELL, False)
    harness.app.market.prints_updated.emit([entry])
    ladder.flush()
    row = model.row_of_tick(bid - 12)
    assert emitted == [(row, row, 0, len(C) - 1)]
    assert model.volume(bid - 12) == before + 300.0


# -- 4. P/L of the open position at each price ------------------------------------------------
def buy_at_market(harness: Harness, quantity: int, side: OrderSide = OrderSide.BUY) -> None:
    app = harness.app
    before = app.portfolio.position("AAPL")
    was = before.quantity if before is not None else Decimal(0)
    order = app.orders.stage(
        OrderIntent(harness.app.watchlist[0], side, Decimal(quantity), OrderType.MARKET)
    )
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.FILLED)
    harness.until(lambda: (p := app.portfolio.position("AAPL")) is not None and p.quantity != was)


def test_pnl_column_shows_the_positions_pnl_at_each_price_and_blank_when_flat(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    assert cell(ladder, model.price_of_tick(model.market_tick or 0), C.PNL) == ""  # flat
    buy_at_market(harness, 200)
    harness.step()
    position = harness.app.portfolio.position("AAPL")
    assert position is not None and position.quantity == 200
    avg = position.avg_cost
    assert harness.app.watchlist[0].multiplier == 1
    # By hand: 200 shares, each cent above the average cost is +2.00.
    for ticks in (-7, -1, 3, 25):
        price = model.price_of_tick(model.to_tick(avg) + ticks)
        expected = (price - avg) * 200
        text = cell(ladder, price, C.PNL)
        assert Decimal(text.replace(",", "")) == expected.quantize(Decimal("0.01"))
    above = model.price_of_tick(model.to_tick(avg) + 50)
    below = model.price_of_tick(model.to_tick(avg) - 50)
    assert (above - avg) * 200 > 0 and cell(ladder, above, C.PNL).startswith("+")
    assert cell(ladder, below, C.PNL).startswith("-")
    palette = harness.session.palette
    gain = model.data(ladder.price_index(above, C.PNL), Qt.ItemDataRole.ForegroundRole)
    loss = model.data(ladder.price_index(below, C.PNL), Qt.ItemDataRole.ForegroundRole)
    assert gain.color().rgb() == palette.up.rgb() and loss.color().rgb() == palette.down.rgb()
    buy_at_market(harness, 200, OrderSide.SELL)  # flat again
    harness.step()
    assert cell(ladder, above, C.PNL) == "" and cell(ladder, below, C.PNL) == ""


def test_pnl_column_of_a_short_position_gains_below_the_average(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    buy_at_market(harness, 50, OrderSide.SELL)
    harness.step()
    position = harness.app.portfolio.position("AAPL")
    assert position is not None and position.quantity == -50
    avg = position.avg_cost
    price = model.price_of_tick(model.to_tick(avg) - 10)  # ten cents lower
    assert Decimal(cell(ladder, price, C.PNL).replace(",", "")) == ((price - avg) * -50).quantize(
        Decimal("0.01")
    )
    assert cell(ladder, price, C.PNL).startswith("+")


def test_a_position_change_repaints_the_pnl_column_only(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    harness.session.refresh.flush_now()
    emitted: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, *_: emitted.append((a.row(), b.row(), a.column(), b.column()))
    )
    model.set_position(None)  # flat, as shown: nothing to repaint
    model.flush()
    assert emitted == []
    position = replace(
        Position(harness.app.watchlist[0]), quantity=Decimal(10), avg_cost=Decimal("100.00")
    )
    model.set_position(position)
    model.flush()
    assert emitted == [(0, model.rowCount() - 1, C.PNL, C.PNL)]
    assert model.pnl(model.to_tick(Decimal("101.50"))) == Decimal("15.00")


def test_pnl_texts_stay_narrow() -> None:
    assert pnl_text(Decimal("-999.99")) == "-999.99"
    assert pnl_text(Decimal("25")) == "+25.00"
    assert pnl_text(Decimal("1234.4")) == "+1,234"
    assert pnl_text(Decimal("-99999")) == "-99,999"
    assert pnl_text(Decimal("123456")) == "+123.5K"
    assert pnl_text(Decimal("0")) == "0.00"


# -- keyboard: select an order and move it by ticks ---------------------------------------------
Key, Ctrl = Qt.Key, Qt.KeyboardModifier.ControlModifier


def focus(ladder: DepthLadderPane, qtbot: QtBot) -> None:
    ladder.activateWindow()
    ladder.view.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(lambda: ladder.view.hasFocus())


def count_modifies(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Every modify the order manager is asked for (to check that presses are not each one)."""
    calls: list[dict[str, object]] = []
    real = harness.app.orders.modify

    def spy(order_id: str, **changes: object) -> object:
        calls.append({"id": order_id, **changes})
        return real(order_id, **changes)

    monkeypatch.setattr(harness.app.orders, "modify", spy)
    return calls


def test_keys_select_an_order_and_several_moves_are_one_modify_on_enter(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    high, low = model.price_of_tick(bid - 6), model.price_of_tick(bid - 12)
    upper, lower = rest(harness, high), rest(harness, low)
    harness.step()
    ladder.lock_button.setChecked(True)
    calls = count_modifies(harness, monkeypatch)
    focus(ladder, qtbot)
    qtbot.keyClick(ladder.view, Key.Key_Right, Ctrl)  # the top one first
    assert ladder.order_keys.selected == upper.id
    qtbot.keyClick(ladder.view, Key.Key_Right, Ctrl)
    assert ladder.order_keys.selected == lower.id
    assert cell(ladder, low, C.MY_BUYS) == "▶ 100"
    assert ladder.selection_label.text().startswith(f"Selected {lower.id}: BUY 100 LMT")
    for _ in range(3):
        qtbot.keyClick(ladder.view, Key.Key_Up, Ctrl)
    qtbot.keyClick(ladder.view, Key.Key_Down, Ctrl)
    target = model.price_of_tick(bid - 10)
    assert cell(ladder, target, C.MY_BUYS) == "→ 100"  # where it would go
    assert f"→ {target:,.2f} (+2 ticks" in ladder.selection_label.text()
    assert calls == []  # nothing sent while the keys move it
    qtbot.keyClick(ladder.view, Key.Key_Return)
    assert calls == [{"id": lower.id, "limit_price": target}]  # one modify, the final price
    harness.until(lambda: at_broker(harness, lower.id).order.intent.limit_price == target)
    assert at_broker(harness, upper.id).order.intent.limit_price == high
    harness.step()
    assert cell(ladder, target, C.MY_BUYS) == "▶ 100"  # still selected, at its new price
    qtbot.keyClick(ladder.view, Key.Key_PageDown, Ctrl)
    qtbot.keyClick(ladder.view, Key.Key_Escape)  # drops the move: nothing is sent
    assert calls == [{"id": lower.id, "limit_price": target}]
    harness.step(3)
    assert at_broker(harness, lower.id).order.intent.limit_price == target
    qtbot.keyClick(ladder.view, Key.Key_Escape)  # a second Escape drops the selection
    assert ladder.order_keys.selected is None and not ladder.selection_label.isVisible()


def test_keyboard_moves_are_sent_as_one_once_the_keys_rest_on_the_app_clock(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    order = rest(harness, model.price_of_tick(bid - 20))
    harness.step()
    ladder.lock_button.setChecked(True)
    calls = count_modifies(harness, monkeypatch)
    focus(ladder, qtbot)
    qtbot.keyClick(ladder.view, Key.Key_Right, Ctrl)
    qtbot.keyClick(ladder.view, Key.Key_PageUp, Ctrl)  # ten up
    qtbot.keyClick(ladder.view, Key.Key_Up, Ctrl)
    harness.step(seconds=0.5)  # a refresh before the idle is over: nothing yet
    assert calls == []
    harness.step(seconds=0.5)  # 1 s after the last press: sent, once
    target = model.price_of_tick(bid - 9)
    assert calls == [{"id": order.id, "limit_price": target}]
    harness.until(lambda: at_broker(harness, order.id).order.intent.limit_price == target)
    harness.step(3)
    assert len(calls) == 1


def test_a_stop_moved_by_keys_through_the_market_is_refused_and_audited(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    bid, _ = touch(ladder)
    stop = model.price_of_tick(bid - 3)
    order = rest(harness, stop, OrderSide.SELL, OrderType.STOP)
    harness.step()
    ladder.lock_button.setChecked(True)
    recorded: list[tuple[str, str]] = []
    harness.app.audit.recorded.connect(lambda r: recorded.append((r.action, r.subject)))
    focus(ladder, qtbot)
    qtbot.keyClick(ladder.view, Key.Key_Right, Ctrl)
    assert ladder.order_keys.selected == order.id
    qtbot.keyClick(ladder.view, Key.Key_PageUp, Ctrl)  # ten up: above the bid
    with qtbot.waitSignal(harness.session.message) as message:
        qtbot.keyClick(ladder.view, Key.Key_Enter)
    assert message.args[0].startswith(f"ladder modify {order.id}: a SELL stop at ")
    assert "would trigger at once" in message.args[0]
    harness.commit()
    assert ("modify_refused", order.id) in recorded
    harness.step(2)
    assert at_broker(harness, order.id).order.intent.stop_price == stop
    assert ladder.order_keys.pending == 0  # the refused move is not kept


def test_the_ladder_keys_follow_the_keymap(ladder: DepthLadderPane, harness: Harness) -> None:
    app = harness.app
    app.apply_settings(replace(app.settings, keymap=(("ladder_order_up", "Alt+Up"),)))
    harness.session.settings_applied.emit(app.settings)
    keys = ladder.findChild(QShortcut, "depth_key_ladder_order_up")
    assert keys is not None and keys.key().toString() == "Alt+Up"


def test_every_painted_cell_is_what_data_says_through_a_trading_session(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    """The ladder paints a published row from the look its flush computed; whatever happens
    (books, prints, own orders resting and cancelled, a position, a drag, a selection, the
    feed going stale, a theme switch, re-centring) the painted cell must stay what data()
    computes afresh."""
    from widgets.panes.depth_model import DragPreview
    from widgets.theme import LIGHT

    model = ladder.model
    roles = CELL_ROLES

    def assert_painted_is_fresh(when: str) -> None:
        for row in range(model.rowCount()):
            for column in range(model.columnCount()):
                fresh = tuple(model.role_data(row, column, role) for role in roles)
                assert model.cell(row, column) == fresh, (when, row, C(column))

    def steps(n: int, when: str) -> None:
        for i in range(n):
            harness.step()
            model.flush()
            assert_painted_is_fresh(f"{when} {i}")

    steps(5, "book")
    assert model.best_bid is not None
    bid = model.price_of_tick(model.best_bid)
    price = bid - Decimal("0.05")
    resting = rest(harness, price)
    steps(3, "resting")
    tick = model.to_tick(price)
    working = harness.app.orders.working_orders()
    model.set_orders([])
    model.flush()
    model.set_orders(working)
    model.flush()
    assert tick in model._published  # painted from its published look from here on
    model.set_selected((tick, OrderSide.BUY))
    assert_painted_is_fresh("selected")
    model.set_drag(DragPreview(tick, tick - 3, OrderSide.BUY))
    assert_painted_is_fresh("dragged")
    model.set_drag(None)
    model.set_selected(None)
    assert_painted_is_fresh("dropped")
    harness.run(harness.app.orders.cancel(resting.id))
    steps(3, "cancelled")
    buy_at_market(harness, 30)
    steps(3, "position")
    model.set_stale(True)
    assert_painted_is_fresh("stale")
    model.set_stale(False)
    model.set_palette(LIGHT)
    assert_painted_is_fresh("light")
    model.centre_on(model.best_bid + 7)
    assert_painted_is_fresh("re-centred")
    steps(3, "after")
