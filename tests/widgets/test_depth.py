"""Depth ladder: centred on the simulated book, click-trading into the approval queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from terminal.domain import DepthBook, DepthLevel, OrderSide, OrderStatus, OrderType
from terminal.risk.state import TradingState
from widgets.panes.depth import DepthLadderPane
from widgets.panes.depth_columns import LadderColumn, size_text
from widgets.panes.depth_model import HALF_ROWS

from .conftest import Harness

C = LadderColumn


@pytest.fixture
def ladder(harness: Harness, qtbot: QtBot) -> Iterator[DepthLadderPane]:
    pane = DepthLadderPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(pane.view.total_width() + 40, 640)  # every column shown
    pane.show()
    qtbot.waitExposed(pane)
    harness.session.set_active(harness.app.watchlist[0])  # AAPL
    harness.until(lambda: pane.subscribed is not None and pane.model.best_bid is not None)
    qtbot.waitUntil(lambda: not pane.view.isColumnHidden(C.CUM_ASK))
    yield pane


def book_of(harness: Harness, key: str = "AAPL") -> DepthBook:
    book = harness.app.market.last_depth(key)
    assert book is not None
    return book


def cell(pane: DepthLadderPane, price: float | Decimal, column: LadderColumn) -> str:
    index = pane.price_index(price, column)
    assert index.isValid(), f"{price} is not on the ladder"
    return str(pane.model.data(index))


def click(
    qtbot: QtBot,
    pane: DepthLadderPane,
    row: int,
    column: LadderColumn,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    pane.view.scrollTo(pane.model.index(row, column))
    rect = pane.view.visualRect(pane.model.index(row, column))
    assert pane.view.viewport().rect().contains(rect.center())
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_ladder_is_centred_on_the_market_with_the_books_sizes(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    mid_row = model.row_of_tick(model.market_tick or 0)
    visible = ladder.view.visible_rows()
    assert visible is not None and mid_row is not None
    assert visible[0] < mid_row < visible[1]
    assert abs(sum(visible) / 2 - HALF_ROWS) <= 2  # centred on the market when it first came
    assert abs(HALF_ROWS - mid_row) <= 2
    harness.step(3)
    book = book_of(harness)
    best_bid, best_ask = book.bids[0], book.asks[0]
    assert model.best_bid == model.to_tick(best_bid.price)
    assert model.best_ask == model.to_tick(best_ask.price)
    for level in book.bids:
        assert cell(ladder, level.price, C.BID) == size_text(level.size)
        assert cell(ladder, level.price, C.ASK) == ""
    for level in book.asks:
        assert cell(ladder, level.price, C.ASK) == size_text(level.size)
        assert cell(ladder, level.price, C.BID) == ""
    assert cell(ladder, best_bid.price, C.PRICE) == f"{best_bid.price:,.2f}"
    # Both sides of the touch stay on screen as the market moves.
    visible = ladder.view.visible_rows()
    assert visible is not None
    first, last = visible
    bid_row = model.row_of_price(best_bid.price)
    ask_row = model.row_of_price(best_ask.price)
    assert bid_row is not None and ask_row is not None
    assert first <= ask_row < bid_row <= last
    # Best bid/ask are highlighted more strongly than the rest of their side.
    bid_brush = model.data(
        ladder.price_index(best_bid.price, C.BID), Qt.ItemDataRole.BackgroundRole
    )
    deeper = model.data(
        ladder.price_index(book.bids[3].price, C.BID), Qt.ItemDataRole.BackgroundRole
    )
    ask_brush = model.data(
        ladder.price_index(book.asks[3].price, C.ASK), Qt.ItemDataRole.BackgroundRole
    )
    assert bid_brush.color().alpha() > deeper.color().alpha()
    assert deeper.color().rgb() == harness.session.palette.bid.rgb()
    assert ask_brush.color().rgb() == harness.session.palette.ask.rgb()


def test_cumulative_sizes_add_up_from_the_touch(ladder: DepthLadderPane, harness: Harness) -> None:
    harness.step()
    book = book_of(harness)
    for side, column in ((book.bids, C.CUM_BID), (book.asks, C.CUM_ASK)):
        running = 0.0
        for level in side:
            running += level.size
            assert cell(ladder, level.price, column) == size_text(running)
    deepest_bid = book.bids[-1].price
    model = ladder.model
    assert model.cum_bid(model.to_tick(deepest_bid)) == pytest.approx(
        sum(lv.size for lv in book.bids)
    )


def test_last_trade_is_marked_on_the_price_column(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    harness.until(lambda: ladder.model.last is not None)
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    model = ladder.model
    assert model.last == model.to_tick(quote.last)
    index = ladder.price_index(quote.last, C.PRICE)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(index, Qt.ItemDataRole.FontRole).bold()
    assert "Last" in ladder.market_label.text()


def test_space_recentres_after_the_market_moves(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    start = ladder.model.centre
    # The market drifts but stays in view: the ladder holds still under the mouse.
    harness.until(lambda: ladder.model.market_tick != start)
    assert ladder.model.centre == start
    qtbot.keyClick(ladder.view, Qt.Key.Key_Space)
    model = ladder.model
    assert model.centre == model.market_tick != start
    visible = ladder.view.visible_rows()
    assert visible is not None
    assert abs(sum(visible) / 2 - HALF_ROWS) <= 2


def shifted(book: DepthBook, ticks: int, tick: float = 0.01) -> DepthBook:
    """``book`` moved ``ticks`` ticks up (down when negative): the market walked."""
    move = ticks * tick

    def levels(side: tuple[DepthLevel, ...]) -> tuple[DepthLevel, ...]:
        return tuple(replace(level, price=round(level.price + move, 2)) for level in side)

    return replace(book, bids=levels(book.bids), asks=levels(book.asks))


def publish(harness: Harness, book: DepthBook) -> None:
    """Hand the ladder ``book`` as the core would, and let the refresh clock publish it."""
    harness.app.market.depth_updated.emit(book)
    harness.session.refresh.flush_now()


def market_row(ladder: DepthLadderPane) -> int:
    tick = ladder.model.market_tick
    assert tick is not None
    row = ladder.model.row_of_tick(tick)
    assert row is not None
    return row


def test_the_ladder_auto_centres_by_default_when_the_market_leaves_the_middle(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    assert not ladder.locked and not ladder.lock_button.isChecked()
    visible = ladder.view.visible_rows()
    assert visible is not None
    first, last = visible
    margin = (last - first + 1) // 4
    centre = ladder.model.centre
    book = book_of(harness)
    # A tick or two of drift holds the prices still under the mouse...
    publish(harness, shifted(book, 1))
    assert ladder.model.centre == centre
    # ...but a market walking toward the edge is brought back to the middle, although it is
    # still in view.
    walk = margin + 2
    assert first <= market_row(ladder) - walk <= last
    publish(harness, shifted(book, walk))
    assert ladder.model.centre != centre
    assert ladder.model.centre == ladder.model.market_tick
    visible = ladder.view.visible_rows()
    assert visible is not None
    assert visible[0] + margin <= market_row(ladder) <= visible[1] - margin


def test_a_locked_ladder_holds_its_prices_until_re_centred_by_hand(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    qtbot.mouseClick(ladder.lock_button, Qt.MouseButton.LeftButton)
    assert ladder.locked
    centre = ladder.model.centre
    book = book_of(harness)
    publish(harness, shifted(book, 60))  # the market leaves the view altogether
    assert ladder.model.centre == centre
    visible = ladder.view.visible_rows()
    assert visible is not None and ladder.model.best_bid is not None
    assert ladder.model.row_of_tick(ladder.model.best_bid) < visible[0]
    qtbot.keyClick(ladder.view, Qt.Key.Key_Space)  # by hand: re-centred, and still locked
    assert ladder.model.centre == ladder.model.market_tick
    assert ladder.locked
    publish(harness, shifted(book, 10))
    held = ladder.model.centre
    assert held != ladder.model.market_tick
    qtbot.mouseClick(ladder.lock_button, Qt.MouseButton.LeftButton)  # unlocked: follows at once
    assert not ladder.locked
    assert ladder.model.centre == ladder.model.market_tick


def test_clicking_the_bid_side_stages_a_buy_limit_at_that_price(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    assert model.best_bid is not None
    row = model.row_of_tick(model.best_bid - 2)
    assert row is not None
    price = model.price_of_row(row)
    with qtbot.waitSignal(harness.session.message) as message:
        click(qtbot, ladder, row, C.BID)
    assert message.args == [f"Staged BUY 100 LMT {price:,.2f} — awaiting approval"]
    [order] = harness.app.orders.pending_approvals()
    assert order.intent.side is OrderSide.BUY
    assert order.intent.order_type is OrderType.LIMIT
    assert order.intent.limit_price == price
    assert order.intent.quantity == Decimal(100)
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert order.broker_order_id is None  # staged, not sent
    assert harness.run(harness.broker.open_orders()) == []


def test_shift_click_stages_a_stop_and_the_spin_box_sets_the_quantity(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    assert ladder.quantity.value() == int(harness.app.settings.ui.default_stock_quantity)
    ladder.quantity.setFocus()
    ladder.quantity.selectAll()
    qtbot.keyClicks(ladder.quantity, "250")
    qtbot.keyClick(ladder.quantity, Qt.Key.Key_Return)
    assert ladder.quantity.value() == 250
    assert ladder.view.hasFocus()  # Enter hands the keyboard back to the ladder
    assert model.best_ask is not None
    row = model.row_of_tick(model.best_ask + 5)  # a buy stop above the market
    assert row is not None
    click(qtbot, ladder, row, C.MY_BUYS, Qt.KeyboardModifier.ShiftModifier)
    [order] = harness.app.orders.pending_approvals()
    assert order.intent.side is OrderSide.BUY
    assert order.intent.order_type is OrderType.STOP
    assert order.intent.stop_price == model.price_of_row(row)
    assert order.intent.limit_price is None
    assert order.intent.quantity == Decimal(250)


def test_shift_click_on_the_ask_side_above_the_market_stages_a_buy_stop(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    # The asks sit above the market: a stop there protects a short or enters a breakout, and
    # only a BUY stop rests there (a SELL stop above the bid triggers at once).
    model = ladder.model
    assert model.best_ask is not None
    row = model.row_of_tick(model.best_ask + 2)
    assert row is not None
    for column in (C.ASK, C.CUM_ASK, C.MY_SELLS, C.BID):
        click(qtbot, ladder, row, column, Qt.KeyboardModifier.ShiftModifier)
    orders = harness.app.orders.pending_approvals()
    assert len(orders) == 4
    for order in orders:
        assert (order.intent.side, order.intent.order_type) == (OrderSide.BUY, OrderType.STOP)
        assert order.intent.stop_price == model.price_of_row(row)
    tip = model.data(model.index(row, C.ASK), Qt.ItemDataRole.ToolTipRole)
    assert f"Shift+Click: stage BUY STOP {model.price_of_row(row):.2f}" in tip


def test_shift_click_on_the_bid_side_below_the_market_stages_a_sell_stop(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    assert model.best_bid is not None
    row = model.row_of_tick(model.best_bid - 3)
    assert row is not None
    click(qtbot, ladder, row, C.BID, Qt.KeyboardModifier.ShiftModifier)
    [order] = harness.app.orders.pending_approvals()
    assert (order.intent.side, order.intent.order_type) == (OrderSide.SELL, OrderType.STOP)
    assert order.intent.stop_price == model.price_of_row(row)
    assert "below it: sell stop" in ladder.hint.text()
    assert "above the market: buy stop" in ladder.hint.text()


def test_shift_click_at_the_market_stages_no_stop_and_says_why(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    records: list[Any] = []
    harness.app.audit.recorded += records.append
    model = ladder.model
    assert model.best_bid is not None and model.best_ask is not None
    for tick, column in ((model.best_bid, C.BID), (model.best_ask, C.ASK)):
        row = model.row_of_tick(tick)
        assert row is not None
        with qtbot.waitSignal(harness.session.message) as message:
            click(qtbot, ladder, row, column, Qt.KeyboardModifier.ShiftModifier)
        assert "would trigger at once" in message.args[0]
    assert harness.app.orders.pending_approvals() == []
    harness.commit()
    assert [r.action for r in records] == ["stage_refused", "stage_refused"]


def test_clicking_the_ask_side_stages_a_sell_limit(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    assert model.best_ask is not None
    row = model.row_of_tick(model.best_ask + 3)
    assert row is not None
    click(qtbot, ladder, row, C.ASK)
    [order] = harness.app.orders.pending_approvals()
    assert order.intent.side is OrderSide.SELL
    assert order.intent.order_type is OrderType.LIMIT
    assert order.intent.limit_price == model.price_of_row(row)


def test_a_double_click_stages_one_order(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    model = ladder.model
    assert model.best_bid is not None
    row = model.row_of_tick(model.best_bid - 1)
    assert row is not None
    rect = ladder.view.visualRect(model.index(row, C.BID))
    # What the window system delivers for a double click: press, release, double-click, release.
    viewport = ladder.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(harness.app.orders.pending_approvals()) == 1


def test_clicking_the_price_column_stages_nothing(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    assert ladder.model.best_bid is not None
    row = ladder.model.row_of_tick(ladder.model.best_bid)
    assert row is not None
    click(qtbot, ladder, row, C.PRICE)
    assert harness.app.orders.pending_approvals() == []


def test_a_refused_click_shows_why_and_stages_nothing(
    ladder: DepthLadderPane, harness: Harness, qtbot: QtBot
) -> None:
    harness.run(harness.app.kill_switch.trip("test", by="tester"))
    assert harness.app.trading_state.state is TradingState.HALTED
    assert ladder.model.best_bid is not None
    row = ladder.model.row_of_tick(ladder.model.best_bid)
    assert row is not None
    with qtbot.waitSignal(harness.session.message) as message:
        click(qtbot, ladder, row, C.BID)
    assert "halted" in message.args[0]
    assert message.args[0].startswith("ladder BUY LMT AAPL")
    assert harness.app.orders.pending_approvals() == []


def test_working_orders_show_at_their_prices_until_cancelled(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    model = ladder.model
    assert model.best_bid is not None and model.best_ask is not None
    buy_price = model.price_of_tick(model.best_bid - 6)
    sell_price = model.price_of_tick(model.best_ask + 6)
    orders = harness.app.orders
    instrument = harness.app.watchlist[0]
    buy = orders.stage_input(
        instrument, side=OrderSide.BUY, quantity=Decimal(300), limit_price=buy_price
    )
    sell = orders.stage_input(
        instrument, side=OrderSide.SELL, quantity=Decimal(40), limit_price=sell_price
    )
    harness.step()
    assert cell(ladder, buy_price, C.MY_BUYS) == ""  # pending approval is not working yet
    for order in (buy, sell):
        harness.run(orders.approve(order.id, override_reason="test"))
    harness.until(
        lambda: orders.get(buy.id).status.is_working and orders.get(sell.id).status.is_working
    )
    harness.step()
    assert cell(ladder, buy_price, C.MY_BUYS) == "300"
    assert cell(ladder, sell_price, C.MY_SELLS) == "40"
    assert cell(ladder, sell_price, C.MY_BUYS) == ""
    own = model.data(ladder.price_index(buy_price, C.MY_BUYS), Qt.ItemDataRole.ForegroundRole)
    assert own.color().rgb() == harness.session.palette.own_order.rgb()
    harness.run(orders.cancel(buy.id))
    harness.until(lambda: orders.get(buy.id).status is OrderStatus.CANCELLED)
    harness.step()
    assert cell(ladder, buy_price, C.MY_BUYS) == ""
    assert cell(ladder, sell_price, C.MY_SELLS) == "40"


def test_switching_the_active_instrument_moves_the_depth_subscription(
    ladder: DepthLadderPane, harness: Harness
) -> None:
    assert harness.broker.feed.depth == {"AAPL"}
    msft = harness.app.watchlist[1]
    harness.session.set_active(msft)
    harness.until(lambda: ladder.subscribed is not None and ladder.subscribed.key == "MSFT")
    assert harness.broker.feed.depth == {"MSFT"}  # AAPL's book was unsubscribed at the broker
    assert harness.app.market.last_depth("AAPL") is None
    assert ladder.symbol_label.text() == "MSFT"
    harness.step()
    book = book_of(harness, "MSFT")
    assert ladder.model.best_bid == ladder.model.to_tick(book.bids[0].price)
    assert cell(ladder, book.bids[0].price, C.BID) == size_text(book.bids[0].size)


def test_updates_wait_for_the_refresh_clock(ladder: DepthLadderPane, harness: Harness) -> None:
    model = ladder.model
    emitted: list[object] = []
    model.dataChanged.connect(lambda *args: emitted.append(args))
    for _ in range(5):  # five books arrive between two refreshes
        harness.clock.advance(0.5)
        harness.broker.step()
    assert emitted == [] and model.has_pending
    harness.session.refresh.flush_now()
    assert len(emitted) == 1  # one ranged signal for all of them
    assert model.best_bid == model.to_tick(book_of(harness).bids[0].price)


def test_a_narrow_ladder_drops_the_cumulative_columns_first(
    ladder: DepthLadderPane, qtbot: QtBot
) -> None:
    view = ladder.view
    ladder.resize(view.total_width() + 40, 600)
    qtbot.waitUntil(lambda: not view.isColumnHidden(C.CUM_BID))
    assert not view.isColumnHidden(C.CUM_ASK)
    ladder.resize(view.total_width() - 60, 600)
    qtbot.waitUntil(lambda: view.isColumnHidden(C.CUM_BID) and view.isColumnHidden(C.CUM_ASK))
    shown = [c for c in C if not view.isColumnHidden(c)]
    assert shown == [C.CANCEL, C.MY_BUYS, C.BID, C.PRICE, C.ASK, C.MY_SELLS, C.VOLUME, C.PNL]
    assert view.horizontalScrollBar().maximum() == 0  # no sideways scrolling
    # Narrower still: the volume goes next, then the P/L; the book and the orders stay.
    core = [C.CANCEL, C.MY_BUYS, C.BID, C.PRICE, C.ASK, C.MY_SELLS]
    ladder.resize(view.total_width([*core, C.PNL]) + 36, 600)
    qtbot.waitUntil(lambda: view.isColumnHidden(C.VOLUME))
    assert not view.isColumnHidden(C.PNL)
    assert view.horizontalScrollBar().maximum() == 0
    ladder.resize(view.total_width(core) + 36, 600)
    qtbot.waitUntil(lambda: view.isColumnHidden(C.PNL))
    assert [c for c in C if not view.isColumnHidden(c)] == core
    assert view.horizontalScrollBar().maximum() == 0
    ladder.resize(view.total_width() + 40, 600)  # wide again: every column comes back
    qtbot.waitUntil(lambda: not any(view.isColumnHidden(c) for c in C))
