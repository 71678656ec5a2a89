"""The order ticket: bad input shown at the field, live estimate and verdict, staging for approval."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from terminal.domain import (
    Instrument,
    OptionRight,
    OrderRole,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from widgets.main_window import MainWindow
from widgets.panes.options import OptionsChainPane
from widgets.panes.options_model import COLUMN_ROLES
from widgets.panes.ticket import OrderTicketPane
from widgets.panes.watchlist import WatchlistPane
from widgets.session import TicketRequest

from .conftest import Harness


@pytest.fixture
def ticket(harness: Harness) -> OrderTicketPane:
    pane = OrderTicketPane(harness.session)
    harness.qtbot.addWidget(pane)
    pane.resize(430, 420)
    pane.show()
    harness.qtbot.waitExposed(pane)
    pane.activateWindow()
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    harness.session.set_active(aapl)
    harness.step()
    return pane


def type_into(harness: Harness, edit: object, text: str) -> None:
    """Replace a line edit's text by typing, as the trader would."""
    from PySide6.QtWidgets import QLineEdit

    assert isinstance(edit, QLineEdit)
    edit.setFocus()
    edit.selectAll()
    harness.qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    if text:
        harness.qtbot.keyClicks(edit, text)


def choose_type(ticket: OrderTicketPane, order_type: OrderType) -> None:
    ticket.order_type.setCurrentText(order_type.value)


def pending(harness: Harness) -> list[str]:
    return [o.id for o in harness.app.orders.pending_approvals()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", "quantity must be a number"),
        ("0", "quantity must be positive"),
        ("-5", "quantity must be positive"),
        ("", "enter a quantity"),
        ("1.5", "fractional shares"),
        ("1e3", "no scientific notation"),
    ],
)
def test_a_bad_quantity_is_shown_at_the_field_and_nothing_is_staged(
    harness: Harness, ticket: OrderTicketPane, text: str, expected: str
) -> None:
    type_into(harness, ticket.quantity, text)
    assert ticket.stage() is None
    assert expected in ticket.error_text()
    assert ticket.quantity.property("invalid") is True
    assert ticket.boxes["quantity"].error.isVisible()
    assert expected in ticket.boxes["quantity"].error.text()
    assert pending(harness) == []
    assert ticket.preview.verdict_level() == ""  # no verdict for an order that does not exist


def test_a_price_in_scientific_notation_is_refused_at_the_limit_field(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "2.285e2")
    assert ticket.stage() is None
    assert ticket.limit_price.property("invalid") is True
    assert "no scientific notation" in ticket.error_text()
    assert pending(harness) == []


def test_a_refused_ticket_leaves_an_audit_record(harness: Harness, ticket: OrderTicketPane) -> None:
    records: list[Any] = []
    harness.app.audit.recorded += records.append
    type_into(harness, ticket.quantity, "abc")
    assert ticket.stage() is None
    harness.commit()
    assert [(r.action, r.subject) for r in records] == [("stage_refused", "AAPL")]
    assert "quantity must be a number" in records[0].details["reason"]


def test_a_limit_order_without_a_price_is_refused_at_the_limit_field(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "")
    assert not ticket.limit_price.property("invalid")  # not red while the trader is typing
    assert ticket.stage() is None
    assert ticket.limit_price.property("invalid") is True
    assert ticket.error_text() == "enter a limit price"
    assert not ticket.quantity.property("invalid")
    assert QApplication.focusWidget() is ticket.limit_price
    assert pending(harness) == []


def test_an_off_tick_price_is_shown_while_typing_and_refused(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "228.505")
    assert ticket.limit_price.property("invalid") is True
    assert "not on the tick size 0.01" in ticket.error_text()
    assert ticket.stage() is None
    type_into(harness, ticket.limit_price, "228.50")
    assert ticket.error_text() == ""
    assert not ticket.limit_price.property("invalid")


def test_only_the_price_fields_of_the_order_type_are_shown(ticket: OrderTicketPane) -> None:
    def shown() -> set[str]:
        return {n for n, b in ticket.boxes.items() if b.isVisible()} - {"quantity", "tif"}

    expected = {
        OrderType.MARKET: set(),
        OrderType.LIMIT: {"limit_price"},
        OrderType.STOP: {"stop_price"},
        OrderType.STOP_LIMIT: {"limit_price", "stop_price"},
        OrderType.TRAIL: {"trail"},
        OrderType.TRAIL_LIMIT: {"trail", "limit_offset"},
    }
    assert [ticket.order_type.itemText(i) for i in range(ticket.order_type.count())] == [
        t.value for t in OrderType
    ]
    assert [ticket.tif.itemText(i) for i in range(ticket.tif.count())] == [
        t.value for t in TimeInForce
    ]
    for order_type, fields in expected.items():
        choose_type(ticket, order_type)
        assert shown() == fields, order_type
    ticket.bracket.setChecked(True)
    assert {"take_profit", "stop_loss"} <= shown()


def test_enter_stages_a_market_order_and_the_ticket_stays_filled(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.MARKET)
    type_into(harness, ticket.quantity, "25")
    harness.qtbot.keyClick(ticket.quantity, Qt.Key.Key_Return)
    orders = harness.app.orders.pending_approvals()
    assert len(orders) == 1
    order = orders[0]
    assert order.intent.quantity == Decimal(25)
    assert order.intent.order_type is OrderType.MARKET
    assert order.intent.side is OrderSide.BUY
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert ticket.status.text() == f"Staged {order.id} — awaiting approval"
    assert ticket.quantity.text() == "25"  # ready for the next one
    assert order.broker_order_id is None  # nothing reaches the broker before approval


def test_the_stage_button_stages_a_sell_limit(harness: Harness, ticket: OrderTicketPane) -> None:
    ticket.sell.click()
    assert ticket.sell.isChecked() and not ticket.buy.isChecked()
    choose_type(ticket, OrderType.LIMIT)
    assert ticket.limit_price.text()  # starts at the near touch (the ask for a sell)
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    assert Decimal(ticket.limit_price.text()) == Decimal(repr(quote.ask)).quantize(Decimal("0.01"))
    ticket.tif.setCurrentText("GTC")
    harness.qtbot.mouseClick(ticket.stage_button, Qt.MouseButton.LeftButton)
    (order,) = harness.app.orders.pending_approvals()
    assert order.intent.side is OrderSide.SELL
    assert order.intent.tif is TimeInForce.GTC
    assert order.intent.limit_price == Decimal(ticket.limit_price.text())


def test_the_live_verdict_follows_the_quantity_across_the_risk_limits(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.MARKET)
    type_into(harness, ticket.quantity, "10")
    assert ticket.preview.verdict_level() == "PASS"
    assert ticket.preview.verdict.property("tone") == "ok"
    assert "Notional 2," in ticket.preview.estimate.text()  # ~10 x 228
    assert "Commission 1.00" in ticket.preview.estimate.text()
    type_into(harness, ticket.quantity, "500")  # > 10% of equity in one name
    assert ticket.preview.verdict_level() == "WARN"
    assert ticket.preview.verdict.property("tone") == "warning"
    assert "of equity" in ticket.preview.reasons.text()
    type_into(harness, ticket.quantity, "20000")  # beyond the 10,000 order limit
    assert ticket.preview.verdict_level() == "BLOCK"
    assert ticket.preview.verdict.property("tone") == "critical"
    assert "exceeds the order limit of 10,000" in ticket.preview.reasons.text()


def test_a_block_verdict_still_stages_so_the_queue_can_show_it(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.MARKET)
    type_into(harness, ticket.quantity, "20000")
    order = ticket.stage()
    assert order is not None
    assert order.verdict is not None and order.verdict.level.name == "BLOCK"
    assert order.id in pending(harness)
    assert "BLOCKED" in ticket.status.text()
    assert ticket.status.property("tone") == "critical"


def test_the_estimate_follows_the_market_only_while_visible(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.MARKET)
    type_into(harness, ticket.quantity, "1000")

    def estimate() -> str:
        return ticket.preview.estimate.text()

    before = estimate()
    quote = harness.app.market.last_quote("AAPL")
    for _ in range(20):  # market batches alone change nothing: the work waits for a flush
        harness.clock.advance(0.5)
        harness.broker.step()
    QApplication.processEvents()
    assert harness.app.market.last_quote("AAPL") != quote
    assert estimate() == before
    harness.until(lambda: estimate() != before)  # the ask moved; shown within a few flushes
    ticket.hide()
    hidden = estimate()
    quote_before = harness.app.market.last_quote("AAPL")
    harness.until(lambda: harness.app.market.last_quote("AAPL") != quote_before)
    for _ in range(6):
        harness.session.refresh.flush_now()
    assert estimate() == hidden  # nothing recomputed for a hidden ticket
    ticket.show()
    quote = harness.app.market.last_quote("AAPL")
    assert quote is not None
    assert f"at ask {quote.ask:,.2f}" in estimate()


def test_a_ticket_request_prefills_the_form_and_focuses_the_quantity(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    msft = next(i for i in harness.app.watchlist if i.key == "MSFT")
    harness.session.request_ticket(
        TicketRequest(
            msft,
            side=OrderSide.SELL,
            order_type=OrderType.STOP_LIMIT,
            limit_price=Decimal("420.00"),
            stop_price=Decimal("420.50"),
            quantity=Decimal(7),
        )
    )
    assert ticket.instrument is not None and ticket.instrument.key == "MSFT"
    assert ticket.symbol.text() == "MSFT"
    assert ticket.description.text() == msft.description
    assert ticket.sell.isChecked()
    assert ticket.order_type.currentText() == "STP LMT"
    assert ticket.limit_price.text() == "420.00"
    assert ticket.stop_price.text() == "420.50"
    assert ticket.quantity.text() == "7"
    assert QApplication.focusWidget() is ticket.quantity
    assert ticket.quantity.selectedText() == "7"  # typing replaces it


def test_an_option_from_the_chain_gets_the_option_default_size(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    option = Instrument.option("AAPL", dt.date(2026, 3, 20), 230, "C")
    ticket.load(TicketRequest(option, side=OrderSide.BUY, limit_price=Decimal("5.10")))
    assert ticket.kind.text().strip() == "OPTION"
    assert ticket.symbol.text() == "AAPL 230 CALL 20 Mar 26"
    assert ticket.symbol.toolTip() == option.key
    assert ticket.description.text().startswith("Option on AAPL · expires Fri 20 Mar 2026 (")
    assert ticket.description.text().endswith("100 shares per contract")
    assert ticket.quantity.text() == "1"  # settings.ui.default_option_quantity
    assert ticket.order_type.currentText() == "LMT"
    order = ticket.stage()
    assert order is not None
    assert order.intent.instrument.key == option.key
    assert order.intent.limit_price == Decimal("5.10")


def test_the_last_quantity_is_remembered_per_instrument(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    aapl, msft = (next(i for i in harness.app.watchlist if i.key == k) for k in ("AAPL", "MSFT"))
    assert ticket.quantity.text() == "100"  # settings.ui.default_stock_quantity
    choose_type(ticket, OrderType.MARKET)
    type_into(harness, ticket.quantity, "37")
    assert ticket.stage() is not None
    harness.session.set_active(msft)
    assert ticket.symbol.text() == "MSFT"
    assert ticket.quantity.text() == "100"
    harness.session.set_active(aapl)
    assert ticket.quantity.text() == "37"


def test_changing_instrument_clears_the_prices(harness: Harness, ticket: OrderTicketPane) -> None:
    choose_type(ticket, OrderType.STOP)
    type_into(harness, ticket.stop_price, "200.00")
    msft = next(i for i in harness.app.watchlist if i.key == "MSFT")
    harness.session.set_active(msft)
    assert ticket.stop_price.text() == ""  # an AAPL price must never become an MSFT order


def test_up_and_down_step_the_quantity_by_the_default_size_and_prices_by_a_tick(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    type_into(harness, ticket.quantity, "100")
    harness.qtbot.keyClick(ticket.quantity, Qt.Key.Key_Up)
    assert ticket.quantity.text() == "200"
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "228.50")
    harness.qtbot.keyClick(ticket.limit_price, Qt.Key.Key_Down)
    assert ticket.limit_price.text() == "228.49"
    assert "200" in ticket.stage_button.text() and "228.49" in ticket.stage_button.text()


def test_a_bracket_stages_parent_take_profit_and_stop_loss_as_one_group(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "228.00")
    type_into(harness, ticket.quantity, "10")
    ticket.bracket.setChecked(True)
    assert ticket.stage() is None  # a bracket needs at least one exit
    assert ticket.take_profit.property("invalid") is True
    type_into(harness, ticket.take_profit, "2.50")
    type_into(harness, ticket.stop_loss, "1.25")
    assert "take-profit 230.50" in ticket.preview.exits.text()
    assert "stop-loss 226.75" in ticket.preview.exits.text()
    parent = ticket.stage()
    assert parent is not None
    assert parent.group_id is not None
    members = {o.role: o for o in harness.app.orders.group_members(parent.group_id)}
    assert set(members) == {OrderRole.PARENT, OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS}
    take_profit, stop_loss = members[OrderRole.TAKE_PROFIT], members[OrderRole.STOP_LOSS]
    assert take_profit.intent.side is OrderSide.SELL
    assert take_profit.intent.limit_price == Decimal("230.50")
    assert stop_loss.intent.order_type is OrderType.STOP
    assert stop_loss.intent.stop_price == Decimal("226.75")
    assert take_profit.intent.quantity == stop_loss.intent.quantity == Decimal(10)
    assert pending(harness) == [parent.id]  # the exits ride with their parent
    assert "bracket of 3" in ticket.status.text()


def test_a_halted_session_refuses_to_stage_with_a_message(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.MARKET)
    assert ticket.preview.verdict_level() == "PASS"
    harness.run(harness.app.kill_switch.trip("test", by="tester"))
    harness.until(lambda: ticket.preview.verdict_level() == "BLOCK")
    assert "trading halted" in ticket.preview.reasons.text()
    assert ticket.stage() is None
    assert "halted" in ticket.error_text()
    assert ticket.form_error.isVisible()
    assert pending(harness) == []


def test_a_stop_loss_beyond_the_entry_price_is_refused_at_its_field(
    harness: Harness, ticket: OrderTicketPane
) -> None:
    choose_type(ticket, OrderType.LIMIT)
    type_into(harness, ticket.limit_price, "228.00")
    ticket.bracket.setChecked(True)
    type_into(harness, ticket.take_profit, "2.00")
    type_into(harness, ticket.stop_loss, "300.00")  # a stop at -72.00
    assert ticket.stage() is None
    assert ticket.stop_loss.property("invalid") is True
    assert ticket.error_text().startswith("stop-loss")
    assert not ticket.take_profit.property("invalid")
    assert pending(harness) == []


def test_selecting_the_underlying_again_takes_the_ticket_off_the_option(
    harness: Harness, window: MainWindow
) -> None:
    """Issue 12 item 3: after a contract was clicked in the chain, a click on the underlying's
    row (already selected in the watchlist) must put the ticket back on the stock."""
    ticket, chain = window.panes["ticket"], window.panes["options"]
    watchlist = window.panes["watchlist"]
    assert isinstance(ticket, OrderTicketPane)
    assert isinstance(chain, OptionsChainPane)
    assert isinstance(watchlist, WatchlistPane)
    window.bring_forward("options")
    harness.until(lambda: len(chain.model) > 0 and not chain.loading)
    ask = next(
        i for i, role in enumerate(COLUMN_ROLES) if role.right is OptionRight.CALL and role.is_ask
    )
    harness.until(lambda: any(r.call_quote is not None for r in chain.model.rows()))
    row = next(i for i, r in enumerate(chain.model.rows()) if r.call_quote is not None)
    index = chain.model.index(row, ask)
    chain.view.scrollTo(index)
    rect = chain.view.visualRect(index)
    harness.qtbot.mouseClick(chain.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ticket.instrument is not None and ticket.instrument.is_option
    assert ticket.kind.text().strip() == "OPTION"
    assert harness.session.active is not None and harness.session.active.key == "AAPL"

    view = watchlist.view
    aapl = view.model().index(
        next(r for r in range(view.model().rowCount()) if view.row_at(r).key == "AAPL"), 0
    )
    assert view.selectionModel().isRowSelected(aapl.row(), QModelIndex())
    rect = view.visualRect(aapl)
    harness.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ticket.instrument is not None and ticket.instrument.key == "AAPL"
    assert ticket.kind.text().strip() == "STOCK"
    assert ticket.symbol.text() == "AAPL"
    assert ticket.description.text() == "Apple Inc."


def test_the_estimate_reads_its_price_on_the_instruments_tick(qtbot: Any) -> None:
    """A computed price such as 228.64000000000001 reads "228.64", an option's on its own tick."""
    from terminal.risk.estimate import OrderEstimate
    from widgets.panes.ticket_widgets import PreviewBox

    preview = PreviewBox()
    qtbot.addWidget(preview)
    noisy = OrderEstimate(Decimal("2286.4"), Decimal("1.00"), Decimal("228.64000000000001"), "ask")
    preview.show_estimate(noisy, Instrument.stock("AAPL"))
    assert preview.estimate.text().endswith("at ask 228.64")
    assert "000000" not in preview.estimate.text()
    fine_tick = replace(Instrument.stock("XYZ"), tick_size=Decimal("0.0001"))
    preview.show_estimate(
        OrderEstimate(Decimal("1085"), Decimal("1"), Decimal("1.085"), "limit"), fine_tick
    )
    assert preview.estimate.text().endswith("at limit 1.0850")
