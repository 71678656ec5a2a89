"""The blotter on the real core and the simulated exchange: orders, fills, positions, account."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import Instrument, Order, OrderIntent, OrderSide, OrderStatus, OrderType
from terminal.domain.values import round_to_tick
from widgets import formatting as fmt
from widgets.dialogs.confirm import ConfirmDialog
from widgets.main_window import MainWindow
from widgets.panes.blotter import BlotterPane
from widgets.panes.blotter_columns import price_text
from widgets.table_model import FastTableView, RowModel

from .conftest import Harness

S = OrderStatus


# -- helpers (also used by the risk panel's tests) ----------------------------------------------
def instrument(harness: Harness, key: str) -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == key)


def fill_market(
    harness: Harness, key: str = "AAPL", quantity: int = 100, side: OrderSide = OrderSide.BUY
) -> Order:
    """Stage, approve and wait for the fill of a market order (the full order path)."""
    app = harness.app
    intent = OrderIntent(instrument(harness, key), side, Decimal(quantity), OrderType.MARKET)
    order = app.orders.stage(intent)
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.FILLED)
    return app.orders.get(order.id)


def rest_limit(harness: Harness, key: str = "MSFT", away: str = "0.025") -> Order:
    """A buy limit ``away`` below the bid: it rests at the broker without filling."""
    app = harness.app
    inst = instrument(harness, key)
    quote = app.market.last_quote(key)
    assert quote is not None
    price = round_to_tick(Decimal(str(quote.bid)) * (1 - Decimal(away)), inst.tick_size)
    order = app.orders.stage(OrderIntent(inst, OrderSide.BUY, Decimal(10), OrderType.LIMIT, price))
    harness.run(app.orders.approve(order.id, override_reason="test"))
    harness.until(lambda: app.orders.get(order.id).status is S.ACCEPTED)
    return app.orders.get(order.id)


def cell(view: FastTableView, key: str, column: str) -> str:
    """The text shown for row ``key`` in ``column``."""
    model: RowModel[object] = view.source_model
    position = model.position(key)
    assert position is not None, f"no row {key}"
    titles = [c.title for c in model.columns]
    return str(model.index(position, titles.index(column)).data())


def view_index(view: FastTableView, key: str) -> QModelIndex:
    view.select_key(key)
    return view.selectionModel().selectedRows()[0]


def blotter_of(harness: Harness) -> BlotterPane:
    pane = BlotterPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(1000, 360)
    pane.show()
    assert harness.report is not None
    harness.session.started.emit(harness.report)
    harness.qtbot.waitUntil(lambda: pane.fills.loaded)
    harness.step()
    return pane


# -- the full path in the real window -------------------------------------------------------------
def test_an_approved_market_order_shows_its_fill_with_commission_and_the_position(
    window: MainWindow, harness: Harness
) -> None:
    blotter = window.pane("blotter")
    assert isinstance(blotter, BlotterPane)
    order = fill_market(harness, "AAPL", 100)
    harness.step()

    fill = next(f for f in blotter.fills_model.rows() if f.order_id == order.id)
    assert fill.commission > 0
    view = blotter.fills.view
    assert cell(view, fill.exec_id, "Commission") == fmt.money(fill.commission)
    assert cell(view, fill.exec_id, "Qty") == "100"
    assert cell(view, fill.exec_id, "Side") == "BUY"
    assert cell(view, fill.exec_id, "Price") == price_text(fill.instrument, fill.price)
    position = harness.app.portfolio.position("AAPL")
    assert position is not None
    positions = blotter.positions.view
    assert cell(positions, "AAPL", "Qty") == "100"
    assert cell(positions, "AAPL", "Avg cost") == price_text(position.instrument, position.avg_cost)
    assert blotter.tabs.tabText(1) == "Fills (1)"
    assert blotter.tabs.tabText(2) == "Positions (1)"
    # a filled order is not working: the Orders tab does not list it
    assert order.id not in blotter.orders_model


def test_position_pnl_is_repainted_on_the_refresh_not_per_quote(harness: Harness) -> None:
    blotter = blotter_of(harness)
    fill_market(harness, "AAPL", 100)
    harness.step()
    app, model = harness.app, blotter.positions_model
    emitted: list[int] = []
    model.dataChanged.connect(lambda *_: emitted.append(1))
    start = app.portfolio.mark("AAPL")
    for _ in range(60):  # quotes arrive, no refresh: nothing is emitted
        harness.clock.advance(0.5)
        harness.broker.step()
        QApplication.processEvents()
        if app.portfolio.mark("AAPL") != start:
            break
    mark = app.portfolio.mark("AAPL")
    assert mark is not None and mark != start
    assert emitted == []
    assert model.dirty_count == 0  # only a flag is set until the refresh

    harness.session.refresh.flush_now()
    assert len(emitted) == 1
    position = app.portfolio.position("AAPL")
    assert position is not None
    view = blotter.positions.view
    assert cell(view, "AAPL", "Last") == price_text(position.instrument, mark)
    assert cell(view, "AAPL", "Unrealized P&L") == fmt.signed(position.unrealized_pnl(mark))
    assert cell(view, "AAPL", "Market value") == fmt.money(position.market_value(mark))
    unrealized_column = [c.title for c in model.columns].index("Unrealized P&L")
    colour = model.index(model.position("AAPL") or 0, unrealized_column).data(
        Qt.ItemDataRole.ForegroundRole
    )
    pnl = position.unrealized_pnl(mark)
    if pnl:
        palette = harness.session.palette
        assert colour.color() == (palette.up if pnl > 0 else palette.down)


# -- working orders -------------------------------------------------------------------------------
def test_a_resting_limit_order_is_listed_and_the_cancel_button_cancels_it(
    harness: Harness,
) -> None:
    blotter = blotter_of(harness)
    order = rest_limit(harness)
    harness.step()
    view = blotter.orders.view
    assert order.id in blotter.orders_model
    assert cell(view, order.id, "Limit") == price_text(order.instrument, order.intent.limit_price)
    assert cell(view, order.id, "Status") == "accepted"
    assert cell(view, order.id, "TIF") == "DAY"
    assert not blotter.orders.cancel_button.isEnabled()  # nothing selected yet

    view.select_key(order.id)
    assert blotter.orders.cancel_button.isEnabled()
    harness.qtbot.mouseClick(blotter.orders.cancel_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: harness.app.orders.get(order.id).status is S.CANCELLED)
    assert order.id not in blotter.orders_model
    assert blotter.tabs.tabText(0) == "Orders (0)"


def header_title(view: FastTableView, column: int) -> str:
    return str(view.model().headerData(column, Qt.Orientation.Horizontal))


def order_ids_shown(view: FastTableView) -> list[str]:
    return [view.row_at(r).id for r in range(view.model().rowCount())]


def test_the_orders_sort_arrow_tells_the_truth_as_orders_arrive(harness: Harness) -> None:
    """Issue 12 item 10: the header showed "Time ▲" over rows running newest first, and new
    orders were appended at the bottom whatever the header said."""
    blotter = blotter_of(harness)
    view = blotter.orders.view
    assert header_title(view, 0) == "Time ▼"  # newest first
    assert "descending" in view.model().headerData(
        0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    placed = []
    for key in ("MSFT", "AAPL", "SPY"):
        placed.append(rest_limit(harness, key).id)
        harness.step(2)
        assert order_ids_shown(view) == placed[::-1]
    header = view.horizontalHeader()
    centre = QPoint(
        header.sectionViewportPosition(0) + header.sectionSize(0) // 2, header.height() // 2
    )
    harness.qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert header_title(view, 0) == "Time ▲"
    assert order_ids_shown(view) == placed
    placed.append(rest_limit(harness, "MSFT", away="0.03").id)
    harness.step(2)
    assert order_ids_shown(view) == placed  # the newest at the bottom, as ▲ says
    assert header_title(view, 1) == "Id"


def test_delete_cancels_the_selected_working_order(harness: Harness) -> None:
    blotter = blotter_of(harness)
    keep, cancel = rest_limit(harness, "MSFT"), rest_limit(harness, "SPY")
    harness.step()
    view = blotter.orders.view
    view.setFocus()
    view.select_key(cancel.id)
    harness.qtbot.keyClick(view, Qt.Key.Key_Delete)
    harness.until(lambda: harness.app.orders.get(cancel.id).status is S.CANCELLED)
    assert harness.app.orders.get(keep.id).status is S.ACCEPTED
    assert list(blotter.orders_model.rows()) == [harness.app.orders.get(keep.id)]


def test_modify_dialog_moves_the_limit_price_at_the_broker(harness: Harness) -> None:
    blotter = blotter_of(harness)
    order = rest_limit(harness)
    harness.step()
    blotter.orders.view.select_key(order.id)
    harness.qtbot.mouseClick(blotter.orders.modify_button, Qt.MouseButton.LeftButton)
    dialog = blotter.orders.modify_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.limit_edit is not None and dialog.stop_edit is None
    old = order.intent.limit_price
    assert old is not None
    new = old - order.instrument.tick_size * 5
    dialog.limit_edit.selectAll()
    harness.qtbot.keyClicks(dialog.limit_edit, str(new))
    dialog.quantity_edit.setText("20")
    harness.qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    engine = harness.broker.exchange.engine
    harness.until(lambda: engine.by_client[order.id].order.intent.limit_price == new)
    assert engine.by_client[order.id].quantity == 20
    assert harness.app.orders.get(order.id).intent.limit_price == new
    assert cell(blotter.orders.view, order.id, "Limit") == price_text(order.instrument, new)
    assert cell(blotter.orders.view, order.id, "Qty") == "20"


def test_modify_dialog_shows_bad_input_at_the_field_and_sends_nothing(harness: Harness) -> None:
    blotter = blotter_of(harness)
    order = rest_limit(harness)
    harness.step()
    blotter.orders.view.select_key(order.id)
    dialog = blotter.orders.open_modify()
    assert dialog is not None and dialog.limit_edit is not None
    ok = dialog.buttons.buttons()[0]

    dialog.limit_edit.setText("abc")
    harness.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.limit_edit.property("invalid") is True
    assert dialog.errors[dialog.limit_edit].isVisibleTo(dialog)
    assert dialog.errors[dialog.limit_edit].text()

    dialog.limit_edit.setText("100.005")  # off the 0.01 tick
    assert "tick" in dialog.errors[dialog.limit_edit].text()
    dialog.limit_edit.setText(str(order.intent.limit_price))
    assert dialog.limit_edit.property("invalid") is False
    dialog.quantity_edit.setText("0")
    assert dialog.quantity_edit.property("invalid") is True
    harness.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()

    dialog.quantity_edit.setText(str(order.intent.quantity))  # valid, but nothing changed
    harness.qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Nothing changed" in dialog.form_error.text()
    dialog.reject()
    harness.step(3)
    assert harness.app.orders.get(order.id).intent == order.intent
    assert harness.broker.exchange.engine.by_client[order.id].order.intent == order.intent


def test_cancel_all_cancels_every_working_order(harness: Harness) -> None:
    blotter = blotter_of(harness)
    orders = [rest_limit(harness, key) for key in ("AAPL", "MSFT", "SPY")]
    harness.step()
    assert len(blotter.orders_model) == 3
    assert blotter.tabs.tabText(0) == "Orders (3)"
    harness.qtbot.mouseClick(blotter.orders.cancel_all_button, Qt.MouseButton.LeftButton)
    dialog = blotter.window().findChild(ConfirmDialog, "confirm_cancel_all")
    assert (
        dialog is not None and dialog.isVisible()
    )  # it asks first (tests/widgets/test_confirmations.py)
    harness.qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    harness.until(lambda: all(harness.app.orders.get(o.id).status is S.CANCELLED for o in orders))
    assert len(blotter.orders_model) == 0
    assert not blotter.orders.cancel_all_button.isEnabled()


def test_show_all_lists_todays_finished_orders_too(harness: Harness) -> None:
    blotter = blotter_of(harness)
    filled = fill_market(harness, "AAPL", 10)
    working = rest_limit(harness)
    harness.step()
    assert [o.id for o in blotter.orders_model.rows()] == [working.id]
    blotter.orders.show_all.setChecked(True)
    harness.qtbot.waitUntil(lambda: filled.id in blotter.orders_model)
    harness.step()
    assert cell(blotter.orders.view, filled.id, "Status") == "filled"
    assert cell(blotter.orders.view, filled.id, "Filled") == "10"
    blotter.orders.show_all.setChecked(False)
    assert [o.id for o in blotter.orders_model.rows()] == [working.id]


# -- positions ------------------------------------------------------------------------------------
def test_double_click_on_a_position_stages_a_closing_sell_that_is_not_sent(
    harness: Harness,
) -> None:
    blotter = blotter_of(harness)
    fill_market(harness, "AAPL", 100)
    harness.step()
    blotter.tabs.setCurrentWidget(blotter.positions)
    view = blotter.positions.view
    rect = view.visualRect(view_index(view, "AAPL"))
    with harness.qtbot.waitSignal(harness.session.message) as message:
        # QTest's double click is only the second click's event: press once first, as a hand does
        harness.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        harness.qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    pending = harness.app.orders.pending_approvals()
    assert len(pending) == 1
    close = pending[0]
    assert close.intent.side is OrderSide.SELL
    assert close.intent.quantity == 100
    assert close.intent.order_type is OrderType.MARKET
    assert close.status is S.PENDING_APPROVAL
    harness.step(3)
    assert close.id not in harness.broker.exchange.engine.by_client  # staged, never sent
    assert harness.app.portfolio.position("AAPL").quantity == 100  # type: ignore[union-attr]
    assert "approval" in str(message.args[0]) and "SELL 100 AAPL" in str(message.args[0])


def test_closing_a_short_position_stages_a_buy(harness: Harness) -> None:
    blotter = blotter_of(harness)
    fill_market(harness, "MSFT", 30, OrderSide.SELL)
    harness.step()
    assert cell(blotter.positions.view, "MSFT", "Qty") == "-30"
    blotter.positions.view.select_key("MSFT")
    harness.qtbot.mouseClick(blotter.positions.close_button, Qt.MouseButton.LeftButton)
    (close,) = harness.app.orders.pending_approvals()
    assert (close.intent.side, close.intent.quantity) == (OrderSide.BUY, Decimal(30))


# -- fills from the store, account --------------------------------------------------------------
def test_todays_earlier_fills_are_read_from_the_database_at_start(harness: Harness) -> None:
    order = fill_market(harness, "SPY", 5)
    assert harness.app.writer.flush(5.0)
    blotter = blotter_of(harness)  # a window opened after the fill (e.g. after a restart)
    exec_ids = [f.exec_id for f in blotter.fills_model.rows() if f.order_id == order.id]
    assert exec_ids
    assert cell(blotter.fills.view, exec_ids[0], "Symbol") == "SPY"
    assert "fills today" in blotter.fills.summary.text()


def test_a_commission_the_broker_corrects_later_repaints_the_fill_and_the_total(
    harness: Harness,
) -> None:
    blotter = blotter_of(harness)
    order = fill_market(harness, "AAPL", 100)
    harness.step()
    fill = next(f for f in blotter.fills_model.rows() if f.order_id == order.id)
    corrected = fill.commission + Decimal("2.50")
    summary = blotter.fills.summary
    assert f"commission {fmt.money(fill.commission)}" in summary.text()

    harness.app.broker.commission_corrected.emit(fill.exec_id, corrected)
    harness.step()

    assert cell(blotter.fills.view, fill.exec_id, "Commission") == fmt.money(corrected)
    assert f"commission {fmt.money(corrected)}" in summary.text()


def test_account_tab_shows_portfolio_and_broker_values(harness: Harness) -> None:
    blotter = blotter_of(harness)
    harness.qtbot.waitUntil(lambda: blotter.broker_account is not None)
    fill_market(harness, "AAPL", 100)
    harness.step()
    snapshot = harness.app.portfolio.snapshot()
    view = blotter.account.view
    assert cell(view, "equity", "Value") == fmt.money(snapshot.equity)
    assert cell(view, "cash", "Value") == fmt.money(snapshot.cash)
    assert cell(view, "gross_exposure", "Value") == fmt.money(snapshot.gross_exposure)
    assert cell(view, "day_pnl", "Value") == fmt.signed(snapshot.day_pnl)
    assert cell(view, "account", "Value").startswith("SIM")
    assert cell(view, "buying_power", "Value") != ""
