"""A combo in the order ticket: the builder's Send to ticket loads it (legs read-only, side,
units, net limit), and it is staged from the ticket for approval like any order."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from terminal.domain import OrderSide, OrderStatus, OrderType, TimeInForce
from terminal.options import labels
from widgets.panes.options import OptionsChainPane
from widgets.panes.ticket import OrderTicketPane

from .conftest import Harness
from .test_strategy_builder import chain, wait_priced

__all__ = ["chain"]  # the fixture, imported for this module's tests


def ticket_of(harness: Harness, qtbot: QtBot) -> OrderTicketPane:
    pane = OrderTicketPane(harness.session)
    qtbot.addWidget(pane)
    pane.resize(430, 520)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def test_send_to_ticket_shows_the_combo_and_stages_it_from_the_ticket(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    ticket = ticket_of(harness, qtbot)
    builder = chain.builder
    builder.strategy.setCurrentText("Vertical")
    builder.fill_button.click()
    wait_priced(harness, builder)
    combo, _ = builder.draft.combo()
    builder.limit.setText("1.25")
    builder.quantity.setValue(3)
    qtbot.mouseClick(builder.ticket_button, Qt.MouseButton.LeftButton)

    form = ticket.combo_ticket
    assert form.isVisible() and not ticket.fields.isVisible()
    assert ticket.symbol.text() == labels.strategy_title(combo) and ticket.kind.text() == " COMBO "
    assert form.legs.text() == labels.legs_text(combo, "\n")  # read-only: a label
    assert (form.side.currentText(), form.quantity.value()) == ("BUY", 3)
    assert (form.order_type.currentText(), form.limit.text()) == ("LMT", "1.25")
    assert form.meaning.text() == "net +1.25 debit"
    assert harness.app.orders.pending_approvals() == []  # loading stages nothing

    form.tif.setCurrentText("GTC")
    qtbot.mouseClick(ticket.stage_button, Qt.MouseButton.LeftButton)
    [order] = harness.app.orders.pending_approvals()
    assert order.status is OrderStatus.PENDING_APPROVAL
    intent = order.intent
    assert intent.combo == combo and intent.source == "ticket"
    assert (intent.side, intent.quantity, intent.order_type) == (
        OrderSide.BUY,
        Decimal(3),
        OrderType.LIMIT,
    )
    assert (intent.limit_price, intent.tif) == (Decimal("1.25"), TimeInForce.GTC)
    assert form.status.text().startswith(f"Staged {order.id}: ")


def test_the_ticket_takes_a_combo_at_the_market_and_refuses_a_price_off_tick(
    chain: OptionsChainPane, harness: Harness, qtbot: QtBot
) -> None:
    ticket = ticket_of(harness, qtbot)
    builder = chain.builder
    builder.strategy.setCurrentText("Vertical")
    builder.fill_button.click()
    wait_priced(harness, builder)
    assert builder.send_to_ticket()
    form = ticket.combo_ticket
    form.limit.setText("1.255")
    assert "tick" in form.meaning.text()
    assert ticket.stage() is None and "Not staged" in form.status.text()
    assert harness.app.orders.pending_approvals() == []
    form.side.setCurrentText("SELL")
    form.order_type.setCurrentText("MKT")
    assert not form.limit.isEnabled() and form.meaning.text() == "net MKT"
    order = ticket.stage()
    assert order is not None and order.intent.order_type is OrderType.MARKET
    assert order.intent.side is OrderSide.SELL and order.intent.limit_price is None
    # Choosing an instrument brings the single-instrument form back.
    aapl = next(i for i in harness.app.watchlist if i.key == "AAPL")
    harness.session.instrument_selected.emit(aapl)
    assert not form.isVisible() and ticket.fields.isVisible()
    assert ticket.symbol.text() == "AAPL" and ticket.kind.text() != " COMBO "
    assert ticket.stage_button.text().startswith("Stage BUY")
