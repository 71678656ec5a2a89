"""The simulated exchange's paper account: captured, saved as JSON, continued, reset."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.paper import PaperAccount
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import Instrument, ManualClock, OrderStatus, OrderType, Timeframe, TimeInForce
from terminal.persistence.paper_codec import (
    PaperAccountUnreadable,
    paper_account_from_json,
    paper_account_to_json,
)
from tests.helpers.sim_support import make_order, run

pytestmark = pytest.mark.asyncio


async def trading_broker() -> tuple[SimBroker, ManualClock, list[OrderStatusUpdate]]:
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0, trade_probability=0.8), seed=7)
    saved: list[PaperAccount] = []
    broker.keep_paper_account(saved.append)
    await broker.connect()
    statuses: list[OrderStatusUpdate] = []
    broker.order_status_received += statuses.append
    aapl = await broker.qualify("AAPL")
    await broker.place_order(make_order(aapl, "BUY", 100, OrderType.MARKET))
    bid = broker.exchange.market.bid[broker.exchange.market.index["AAPL"]]
    low = Decimal(str(round(bid * 0.95, 2)))
    for order_id, tif in (("GTC1", TimeInForce.GTC), ("DAY1", TimeInForce.DAY)):
        order = make_order(aapl, "BUY", 10, order_id=order_id, tif=tif, limit_price=low)
        await broker.place_order(order)
    run(broker, clock, 1.0)
    return broker, clock, statuses


async def test_a_continued_exchange_has_the_cash_positions_orders_and_prices_it_saved() -> None:
    broker, clock, _ = await trading_broker()
    saved = broker.paper_account()
    assert {o.order.id for o in saved.orders} == {"GTC1", "DAY1"}

    later = ManualClock(clock.now() + dt.timedelta(minutes=10))
    again = SimBroker(later, broker.config, seed=7)
    assert again.restore_paper_account(saved) == []

    ex = again.exchange
    assert ex.account.cash == broker.exchange.account.cash
    assert ex.account.quantity("AAPL") == 100
    assert set(ex.engine.by_client) == {"GTC1", "DAY1"}  # the same trading day: DAY stays
    i = ex.market.index["AAPL"]
    old = broker.exchange.market
    assert ex.market.start_price[i] == old.mid[i] and ex.market.last[i] == old.last[i]
    # The chart's history ends where the continued market starts (no jump back).
    await again.connect()
    aapl = await again.qualify("AAPL")
    (last_bar,) = await again.history_bars(aapl, Timeframe.M1, 1)
    assert abs(last_bar.close - float(old.mid[i])) < 0.01  # on the tick, within one


async def test_a_day_order_of_an_earlier_day_and_a_delisted_option_do_not_come_back() -> None:
    broker, clock, _ = await trading_broker()
    expired = Instrument.option("AAPL", dt.date(2025, 12, 19), 200, "C")
    position = dataclasses.replace(
        broker.exchange.account.positions["AAPL"], instrument=expired, quantity=Decimal(2)
    )
    saved = dataclasses.replace(
        broker.paper_account(),
        positions=(*broker.paper_account().positions, position),
    )

    next_day = ManualClock(clock.now() + dt.timedelta(days=1))
    again = SimBroker(next_day, broker.config, seed=7)
    problems = again.restore_paper_account(saved)

    assert set(again.exchange.engine.by_client) == {"GTC1"}  # DAY1 expired at the close
    assert problems == [
        "position 2 AAPL 20251219 C 200 dropped: no longer listed (an expired option?)"
    ]
    i = again.exchange.market.index["AAPL"]
    # A new day: yesterday's last is today's previous close.
    assert again.exchange.market.prev_close[i] == broker.exchange.market.last[i]


async def test_a_paper_account_reads_back_exactly_from_its_json() -> None:
    broker, _, _ = await trading_broker()
    saved = broker.paper_account()

    text = json.dumps(paper_account_to_json(saved), allow_nan=False)  # PostgreSQL: no NaN
    assert paper_account_from_json(json.loads(text)) == saved


async def test_an_unknown_or_damaged_paper_account_is_refused_not_guessed() -> None:
    with pytest.raises(PaperAccountUnreadable, match="unknown layout"):
        paper_account_from_json({"version": 99})
    with pytest.raises(PaperAccountUnreadable, match="damaged"):
        paper_account_from_json({"version": 1, "account_id": "SIM000001"})


async def test_a_reset_cancels_the_working_orders_and_starts_at_the_starting_cash() -> None:
    broker, _, statuses = await trading_broker()
    statuses.clear()

    before = broker.reset_paper_account()

    assert {o.order.id for o in before.orders} == {"GTC1", "DAY1"}
    assert {(u.order_id, u.status, u.reason) for u in statuses} == {
        ("GTC1", OrderStatus.CANCELLED, "simulated account reset"),
        ("DAY1", OrderStatus.CANCELLED, "simulated account reset"),
    }
    assert broker.exchange.account.cash == Decimal(1_000_000)
    assert await broker.positions() == [] and await broker.open_orders() == []
