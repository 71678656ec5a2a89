"""Trading from the chart: stage limits and stops with a right click (a stop only on its side of
the market), drag a working order's line to modify it, draw horizontal and trend lines kept per
instrument, and create a price alert from a line. Real core, simulated exchange, real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from pytestqt.qtbot import QtBot

from terminal.domain import Instrument, OrderSide, OrderType, Quote
from terminal.domain.values import round_to_tick
from widgets.panes.chart import ChartPane
from widgets.session import TicketRequest

from .conftest import Harness


def instrument(harness: Harness, key: str = "AAPL") -> Instrument:
    return next(i for i in harness.app.watchlist if i.key == key)


def show_chart(harness: Harness, qtbot: QtBot) -> ChartPane:
    chart = ChartPane(harness.session)
    qtbot.addWidget(chart)
    chart.resize(1000, 560)
    chart.show()
    qtbot.waitExposed(chart)
    harness.session.set_active(instrument(harness))
    qtbot.waitUntil(lambda: chart.loads >= 1 and not chart.loading, timeout=10_000)
    return chart


@pytest.fixture
def pane(harness: Harness, qtbot: QtBot) -> Iterator[ChartPane]:
    """A chart pane on screen showing AAPL."""
    yield show_chart(harness, qtbot)


def quote(harness: Harness) -> Quote:
    q = harness.app.market.last_quote("AAPL")
    assert q is not None and q.bid > 0 and q.ask > q.bid
    return q


def tick(value: float | Decimal) -> Decimal:
    return round_to_tick(Decimal(repr(float(value))), Decimal("0.01"))


def menu_actions(pane: ChartPane, price: float) -> dict[str, object]:
    return {a.objectName(): a for a in pane.context_menu(price).actions() if a.objectName()}


# -- 1. right-click staging ---------------------------------------------------------------------
def test_above_the_ask_only_a_buy_stop_is_offered_and_the_buy_limit_says_marketable(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    q = quote(harness)
    above = tick(q.ask + 0.50)
    actions = menu_actions(pane, float(above))
    buy_stop, sell_stop = actions["chart_buy_stop_action"], actions["chart_sell_stop_action"]
    assert buy_stop.isEnabled() and buy_stop.text() == f"Buy stop at {above:,.2f}…"
    assert not sell_stop.isEnabled()
    assert sell_stop.text() == (
        f"Sell stop at {above:,.2f} — must be below the bid {tick(q.bid):,.2f}"
        " (it would trigger at once)"
    )
    buy_limit = actions["chart_buy_limit_action"]
    assert buy_limit.isEnabled()
    assert buy_limit.text() == f"Buy limit at {above:,.2f}… — marketable (ask {tick(q.ask):,.2f})"
    assert actions["chart_sell_limit_action"].text() == f"Sell limit at {above:,.2f}…"
    with qtbot.waitSignal(harness.session.ticket_requested) as ticket:
        buy_stop.trigger()
    request = ticket.args[0]
    assert isinstance(request, TicketRequest)
    assert (request.side, request.order_type, request.stop_price, request.limit_price) == (
        OrderSide.BUY,
        OrderType.STOP,
        above,
        None,
    )


def test_below_the_bid_only_a_sell_stop_is_offered_and_the_sell_limit_says_marketable(
    harness: Harness, pane: ChartPane, qtbot: QtBot
) -> None:
    q = quote(harness)
    below = tick(q.bid - 0.50)
    actions = menu_actions(pane, float(below))
    assert not actions["chart_buy_stop_action"].isEnabled()
    assert "must be above the ask" in actions["chart_buy_stop_action"].text()
    assert actions["chart_sell_stop_action"].isEnabled()
    assert "marketable" in actions["chart_sell_limit_action"].text()
    assert "marketable" not in actions["chart_buy_limit_action"].text()
    with qtbot.waitSignal(harness.session.ticket_requested) as ticket:
        actions["chart_sell_stop_action"].trigger()
    assert (ticket.args[0].side, ticket.args[0].stop_price) == (OrderSide.SELL, below)


def test_inside_the_spread_no_stop_is_offered(harness: Harness, pane: ChartPane) -> None:
    q = quote(harness)
    actions = menu_actions(pane, q.bid)  # at the bid: a sell stop would trigger at once
    assert not actions["chart_buy_stop_action"].isEnabled()
    assert not actions["chart_sell_stop_action"].isEnabled()
