"""Per-position day P&L across a restart of the terminal on the simulator's paper account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.domain import OrderIntent, OrderSide, OrderStatus, OrderType

from .test_paper_account import MORNING, Session

pytestmark = pytest.mark.asyncio


async def buy_today(session: Session) -> None:
    aapl = await session.broker.qualify("AAPL")
    order = await session.trade(OrderIntent(aapl, OrderSide.BUY, Decimal(100), OrderType.MARKET))
    assert order.status is OrderStatus.FILLED


def stored_purchase(session: Session) -> tuple[Decimal, Decimal]:
    """What the stored AAPL fills paid, and their commissions."""
    fills = [f for f in session.app.store.load_fills() if f.key == "AAPL"]
    assert fills
    paid = sum((f.quantity * f.price + f.commission for f in fills), Decimal(0))
    return paid, sum((f.commission for f in fills), Decimal(0))


async def test_a_restart_the_same_day_keeps_todays_purchase_at_its_fill_prices(
    db_url: str,
) -> None:
    first = Session(db_url, MORNING)
    await first.start()
    await buy_today(first)
    first.run(2.0)
    stopped_at = first.clock.now()
    await first.stop()

    second = Session(db_url, stopped_at + dt.timedelta(minutes=5))
    paid, commission = stored_purchase(second)
    await second.start()
    portfolio = second.app.portfolio
    figures = portfolio.position_pnl("AAPL")
    mark = portfolio.mark("AAPL")
    assert figures is not None and mark is not None
    assert figures.overnight == 0  # bought today, before the restart: not marked from the close
    assert figures.day == 100 * mark - paid
    assert figures.realized == -commission
    assert figures.since_entry == figures.day
    await second.stop()


async def test_a_position_carried_to_the_next_day_is_marked_from_the_simulators_close(
    db_url: str,
) -> None:
    first = Session(db_url, MORNING)
    await first.start()
    await buy_today(first)
    first.run(2.0)
    i = first.broker.exchange.market.index["AAPL"]
    monday_last = float(first.broker.exchange.market.last[i])
    await first.stop()

    second = Session(db_url, MORNING + dt.timedelta(days=1))  # Tuesday
    await second.start()
    portfolio = second.app.portfolio
    figures = portfolio.position_pnl("AAPL")
    mark = portfolio.mark("AAPL")
    assert figures is not None and mark is not None
    assert portfolio.prior_close("AAPL") == monday_last
    close = Decimal(repr(round(monday_last, 8)))
    assert figures.overnight == 100
    assert figures.day == 100 * (mark - close)
    assert figures.realized == 0  # a new day
    assert not figures.entry_complete  # carried in from the broker
    await second.stop()
