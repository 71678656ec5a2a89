"""Order presets in the window: a preset chosen in the ticket or the ladder stages its order with
its bracket into the approval queue; a preset that would BLOCK is refused when chosen (and
audited); the keys use the ticket's preset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from terminal.domain import Order, OrderRole, OrderSide, OrderStatus, OrderType, TimeInForce
from terminal.presets.model import OrderPreset, preset_from_table
from terminal.settings import load_settings
from widgets.dialogs.settings import SettingsDialog
from widgets.main_window import MainWindow
from widgets.panes.approvals import ApprovalQueuePane
from widgets.panes.depth import DepthLadderPane
from widgets.panes.depth_columns import LadderColumn
from widgets.panes.ticket import OrderTicketPane
from widgets.session import TicketRequest

from .conftest import Harness

TICK = Decimal("0.01")


def make(**fields: Any) -> OrderPreset:
    table: dict[str, Any] = {"name": "AAPL scalp", "instrument": "AAPL", "quantity": "300"}
    return preset_from_table(table | fields)


SCALP = make(take_profit="10 ticks", stop_loss="5 ticks", tif="GTC", default=True)
WIDE = make(name="AAPL wide", quantity="200", take_profit="1 %", stop_loss="at 100.00")
HUGE = make(name="AAPL huge", quantity="20000")  # over max_order_quantity: BLOCK
STOCKS = make(name="Stocks MKT", instrument="", asset_class="STK", order_type="MKT")


def use_presets(harness: Harness, *presets: OrderPreset) -> None:
    settings = harness.app.settings
    harness.app.apply_settings(replace(settings, presets=presets))
    harness.session.settings_applied.emit(harness.app.settings)


@pytest.fixture
def queue(harness: Harness) -> ApprovalQueuePane:
    pane = ApprovalQueuePane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(800, 330)
    pane.show()
    harness.qtbot.waitExposed(pane)
    return pane


@pytest.fixture
def ticket(harness: Harness) -> OrderTicketPane:
    use_presets(harness, SCALP, WIDE, HUGE, STOCKS)
    pane = OrderTicketPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(430, 520)
    pane.show()
    harness.qtbot.waitExposed(pane)
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    harness.session.set_active(aapl)
    harness.step()
    return pane


def legs(harness: Harness, parent: Order) -> dict[OrderRole, Order]:
    assert parent.group_id is not None
    return {o.role: o for o in harness.app.orders.group_members(parent.group_id)}


def queued_prices(harness: Harness, queue: ApprovalQueuePane, order: Order) -> str:
    """The approval queue's Price(s) cell of ``order`` (the entry, then its exits)."""
    harness.until(lambda: queue.contains(order.id))
    model = queue.model
    column = [c.title for c in model.columns].index("Price(s)")
    position = model.position(order.id)
    assert position is not None
    return str(model.index(position, column).data(Qt.ItemDataRole.DisplayRole))


def bid(harness: Harness) -> Decimal:
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    return Decimal(repr(quote.bid)).quantize(TICK)


def audited(harness: Harness) -> list[Any]:
    records: list[Any] = []
    harness.app.audit.recorded += records.append
    return records


# -- the ticket --------------------------------------------------------------------------------
def test_the_instrument_default_fills_the_ticket_and_stages_its_bracket_for_approval(
    harness: Harness, ticket: OrderTicketPane, queue: ApprovalQueuePane
) -> None:
    combo = ticket.presets.combo
    assert combo.currentData() == "AAPL scalp"  # the default, chosen with the instrument
    assert [combo.itemData(i) for i in range(combo.count())] == [
        "",
        "AAPL scalp",
        "AAPL wide",
        "AAPL huge",
        "Stocks MKT",  # the asset class's presets after the instrument's own
    ]
    ticket.choose_preset("AAPL scalp")  # re-price at the touch now
    entry = bid(harness)
    assert ticket.quantity.text() == "300"
    assert ticket.tif.currentText() == "GTC"
    assert ticket.limit_price.text() == f"{entry:.2f}"
    assert ticket.bracket.isChecked()
    assert (ticket.take_profit.text(), ticket.stop_loss.text()) == ("0.10", "0.05")
    parent = ticket.stage()
    assert parent is not None
    harness.step()
    by_role = legs(harness, parent)
    assert parent.intent.limit_price == entry and parent.intent.quantity == 300
    tp, sl = by_role[OrderRole.TAKE_PROFIT].intent, by_role[OrderRole.STOP_LOSS].intent
    assert tp.limit_price == entry + 10 * TICK and tp.side is OrderSide.SELL
    assert sl.stop_price == entry - 5 * TICK and sl.quantity == 300
    assert tp.tif is TimeInForce.GTC
    assert queued_prices(harness, queue, parent) == (
        f"{entry:.2f} · TP {entry + 10 * TICK:.2f} · SL {entry - 5 * TICK:.2f}"
    )
    assert harness.run(harness.broker.open_orders()) == []  # nothing sent before approval


def test_choosing_a_preset_for_a_sell_prices_it_from_the_ask(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    ticket.sell.click()  # the default preset is re-priced for the other side
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    ask = Decimal(repr(quote.ask)).quantize(TICK)
    assert ticket.limit_price.text() == f"{ask:.2f}"
    parent = ticket.stage()
    assert parent is not None
    by_role = legs(harness, parent)
    assert by_role[OrderRole.TAKE_PROFIT].intent.limit_price == ask - 10 * TICK
    assert by_role[OrderRole.STOP_LOSS].intent.stop_price == ask + 5 * TICK


def test_a_percent_and_absolute_preset_fills_the_ticket_offsets(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    assert ticket.choose_preset("AAPL wide")
    entry = bid(harness)
    parent = ticket.stage()
    assert parent is not None
    by_role = legs(harness, parent)
    tp = by_role[OrderRole.TAKE_PROFIT].intent.limit_price
    assert tp == entry + (entry / 100).quantize(TICK)
    assert by_role[OrderRole.STOP_LOSS].intent.stop_price == Decimal("100.00")
    assert parent.intent.quantity == 200


def test_a_preset_that_would_block_is_refused_when_chosen_and_audited(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    records = audited(harness)
    assert not ticket.choose_preset("AAPL huge")
    assert ticket.presets.combo.currentData() == "AAPL scalp"  # the choice stays
    assert ticket.quantity.text() == "300"  # the fields too
    note = ticket.presets.note
    assert note.isVisibleTo(ticket) and "refused" in note.text() and "BLOCK" in note.text()
    assert note.property("tone") == "critical"
    harness.commit()
    [record] = [r for r in records if r.action == "preset_refused"]
    assert record.subject == "AAPL" and record.details["preset"] == "AAPL huge"
    assert record.details["by"] == "ticket"


def test_choosing_in_the_combo_box_fills_the_ticket(
    harness: Harness, ticket: OrderTicketPane, qtbot: QtBot
) -> None:
    combo = ticket.presets.combo
    combo.setFocus()
    index = combo.findData("Stocks MKT")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)  # what a pick from the list sends
    assert ticket.order_type.currentText() == OrderType.MARKET.value
    assert not ticket.bracket.isChecked()
    assert "Stocks MKT" in ticket.presets.note.text()


def test_a_preset_deleted_in_settings_leaves_the_combo(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    use_presets(harness, WIDE)
    combo = ticket.presets.combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["", "AAPL wide"]
    assert combo.currentData() == "" and ticket.presets.current is None


# -- the ladder --------------------------------------------------------------------------------
@pytest.fixture
def ladder(harness: Harness, qtbot: QtBot) -> Iterator[DepthLadderPane]:
    use_presets(harness, SCALP, HUGE)
    pane = DepthLadderPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(460, 640)
    pane.show()
    qtbot.waitExposed(pane)
    harness.session.set_active(harness.app.watchlist[0])  # AAPL
    harness.until(lambda: pane.subscribed is not None and pane.model.best_bid is not None)
    yield pane


def click(qtbot: QtBot, pane: DepthLadderPane, row: int, column: LadderColumn) -> None:
    pane.view.scrollTo(pane.model.index(row, column))
    rect = pane.view.visualRect(pane.model.index(row, column))
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_ladder_click_stages_the_presets_quantity_and_bracket(
    harness: Harness, ladder: DepthLadderPane, qtbot: QtBot, queue: ApprovalQueuePane
) -> None:
    assert ladder.presets.combo.currentData() == "AAPL scalp"  # the instrument's default
    assert ladder.quantity.value() == 300
    model = ladder.model
    assert model.best_bid is not None
    row = model.row_of_tick(model.best_bid - 2)
    assert row is not None
    price = model.price_of_row(row)
    click(qtbot, ladder, row, LadderColumn.BID)
    [parent] = [o for o in harness.app.orders.pending_approvals() if o.parent_id is None]
    assert parent.intent.limit_price == price and parent.intent.source == "ladder"
    by_role = legs(harness, parent)
    assert by_role[OrderRole.TAKE_PROFIT].intent.limit_price == price + 10 * TICK
    assert by_role[OrderRole.STOP_LOSS].intent.stop_price == price - 5 * TICK
    assert {o.intent.quantity for o in by_role.values()} == {Decimal(300)}
    assert queued_prices(harness, queue, parent) == (
        f"{price:.2f} · TP {price + 10 * TICK:.2f} · SL {price - 5 * TICK:.2f}"
    )


def test_no_preset_in_the_ladder_stages_a_plain_limit(
    harness: Harness, ladder: DepthLadderPane, qtbot: QtBot
) -> None:
    assert ladder.choose_preset("")
    model = ladder.model
    assert model.best_bid is not None
    row = model.row_of_tick(model.best_bid - 2)
    assert row is not None
    click(qtbot, ladder, row, LadderColumn.BID)
    [order] = harness.app.orders.pending_approvals()
    assert order.group_id is None


def test_a_blocking_preset_is_refused_in_the_ladder(
    harness: Harness, ladder: DepthLadderPane
) -> None:
    records = audited(harness)
    assert not ladder.choose_preset("AAPL huge")
    assert ladder.presets.combo.currentData() == "AAPL scalp"
    assert ladder.quantity.value() == 300
    assert "refused" in ladder.presets.note.text()
    harness.commit()
    assert [r.details["by"] for r in records if r.action == "preset_refused"] == ["ladder"]


# -- the trading keys --------------------------------------------------------------------------
def test_the_trading_keys_stage_with_the_tickets_preset_and_its_bracket(
    harness: Harness, window: MainWindow
) -> None:
    ticket = window.panes["ticket"]
    assert isinstance(ticket, OrderTicketPane)
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    harness.session.set_active(aapl)
    use_presets(harness, SCALP)  # a new default: the ticket chooses it
    assert ticket.presets.current == SCALP
    harness.qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # size 200
    entry = bid(harness)
    harness.qtbot.keyClick(window, Qt.Key.Key_F5)  # buy at the bid
    [parent] = [o for o in harness.app.orders.pending_approvals() if o.parent_id is None]
    assert parent.intent.limit_price == entry and parent.intent.quantity == 200
    assert parent.intent.tif is TimeInForce.GTC and parent.intent.source == "hotkey"
    by_role = legs(harness, parent)
    assert by_role[OrderRole.TAKE_PROFIT].intent.limit_price == entry + 10 * TICK
    assert by_role[OrderRole.STOP_LOSS].intent.stop_price == entry - 5 * TICK
    assert harness.run(harness.broker.open_orders()) == []  # staged, not sent


def test_with_no_preset_chosen_the_keys_stage_a_plain_order(
    harness: Harness, window: MainWindow
) -> None:
    ticket = window.panes["ticket"]
    assert isinstance(ticket, OrderTicketPane)
    use_presets(harness, SCALP)
    assert ticket.choose_preset("")
    harness.qtbot.keyClick(window, Qt.Key.Key_F7)  # buy market
    [order] = harness.app.orders.pending_approvals()
    assert order.group_id is None and order.intent.order_type is OrderType.MARKET


# -- Settings › Presets ------------------------------------------------------------------------
def type_into(harness: Harness, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    harness.qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    harness.qtbot.keyClicks(edit, text)


def test_a_preset_added_in_settings_is_refused_at_its_field_then_survives_a_restart(
    harness: Harness, ticket: OrderTicketPane, tmp_path: Path
) -> None:
    use_presets(harness)  # none yet
    path = tmp_path / "config" / "settings.toml"
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentIndex(dialog.tab_index("presets"))
    page = dialog.presets_page
    harness.qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    type_into(harness, page.edits["name"], "AAPL fast")
    type_into(harness, page.edits["instrument"], "aapl")
    assert page.asset_class.currentData() == ""  # an instrument preset now
    type_into(harness, page.edits["quantity"], "50")
    type_into(harness, page.edits["take_profit"], "ten ticks")
    assert page.edits["take_profit"].property("invalid") is True  # at the field, as typed
    assert "10 ticks" in page.boxes["take_profit"].error_text()
    assert not dialog.apply()  # refused: nothing applied or saved
    assert dialog.tabs.tabText(dialog.tab_index("presets")) == "Presets ⚠"
    assert "AAPL fast" in dialog.error_label.text()
    assert harness.app.settings.presets == ()
    type_into(harness, page.edits["take_profit"], "8 ticks")
    type_into(harness, page.edits["stop_loss"], "4 ticks")
    page.default.setChecked(True)
    assert not page.edits["take_profit"].property("invalid")
    with harness.qtbot.waitSignal(dialog.saved, timeout=5_000):
        harness.qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    expected = make(
        name="AAPL fast", quantity="50", take_profit="8 ticks", stop_loss="4 ticks", default=True
    )
    assert harness.app.settings.presets == (expected,)
    assert ticket.presets.current == expected  # the new default, chosen at once
    assert ticket.quantity.text() == "50"
    dialog.close()

    saved = load_settings(path)
    assert saved.presets == (expected,)
    harness.app.settings = saved  # a restart reads the file
    again = OrderTicketPane(harness.session)
    harness.qtbot.addWidget(again)
    assert again.presets.current == expected
    assert again.bracket.isChecked() and again.take_profit.text() == "0.08"
    reopened = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(reopened)
    assert reopened.presets_page.list.count() == 1
    assert reopened.presets_page.edits["take_profit"].text() == "8 ticks"


def test_a_second_default_for_one_instrument_and_a_deleted_preset(
    harness: Harness, ticket: OrderTicketPane, tmp_path: Path
) -> None:
    path = tmp_path / "settings.toml"
    dialog = SettingsDialog(harness.session, path)
    harness.qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.presets_page
    page.select(1)  # AAPL wide
    page.default.setChecked(True)  # AAPL scalp is the default already
    assert "already the default for AAPL" in page.boxes["default"].error_text()
    assert not dialog.apply()
    page.default.setChecked(False)
    page.select(2)  # AAPL huge
    harness.qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    with harness.qtbot.waitSignal(dialog.saved, timeout=5_000):
        assert dialog.apply()
    assert [p.name for p in load_settings(path).presets] == [
        "AAPL scalp",
        "AAPL wide",
        "Stocks MKT",
    ]
    combo = ticket.presets.combo
    assert "AAPL huge" not in [combo.itemData(i) for i in range(combo.count())]


def test_a_preset_blocked_on_one_side_only_is_refused_for_that_side_in_the_ticket(
    harness: Harness, ticket: OrderTicketPane, ladder: DepthLadderPane
) -> None:
    """Long 300 with a position limit of 400: the preset's buy of 300 would BLOCK, its sell
    would not. The ticket drops the preset when turned to Buy; the ladder (either side) keeps
    it."""
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    orders = harness.app.orders
    bought = orders.stage_input(
        aapl, side=OrderSide.BUY, quantity=Decimal(300), order_type=OrderType.MARKET
    )
    harness.run(orders.approve(bought.id))
    harness.until(lambda: orders.get(bought.id).status is OrderStatus.FILLED)
    settings = harness.app.settings
    harness.app.apply_settings(
        replace(settings, risk=replace(settings.risk, max_position_quantity=Decimal(400)))
    )
    ticket.sell.click()  # re-checked for a sell: back to flat, allowed
    assert ticket.presets.current == SCALP
    ticket.buy.click()  # re-checked for a buy: 600 > 400, BLOCKED
    assert ticket.presets.current is None and ticket.presets.combo.currentData() == ""
    assert "position" in ticket.presets.note.text()
    assert ladder.choose_preset("AAPL scalp")  # the ladder can still sell with it
    assert ladder.presets.current == SCALP


def test_an_order_opened_from_the_chart_takes_the_tickets_preset_at_the_charts_price(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    """The chart's right-click opens the ticket (a TicketRequest): the preset's quantity, TIF
    and bracket, the chart's side and price."""
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    price = bid(harness) + Decimal("0.50")
    harness.session.ticket_requested.emit(
        TicketRequest(aapl, side=OrderSide.SELL, order_type=OrderType.LIMIT, limit_price=price)
    )
    assert ticket.presets.current == SCALP
    parent = ticket.stage()
    assert parent is not None
    assert (parent.intent.side, parent.intent.limit_price) == (OrderSide.SELL, price)
    assert parent.intent.quantity == 300 and parent.intent.tif is TimeInForce.GTC
    by_role = legs(harness, parent)
    assert by_role[OrderRole.TAKE_PROFIT].intent.limit_price == price - 10 * TICK
    assert by_role[OrderRole.STOP_LOSS].intent.stop_price == price + 5 * TICK


def test_alt_p_puts_the_keyboard_on_the_tickets_preset(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    ticket.quantity.setFocus()
    harness.qtbot.keyClick(ticket.quantity, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)
    harness.qtbot.waitUntil(lambda: ticket.presets.combo.hasFocus())
