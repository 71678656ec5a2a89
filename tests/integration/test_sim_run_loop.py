"""The simulator driven by wall time on the event loop, as the app runs it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from terminal.broker.base import OrderStatusUpdate
from terminal.broker.sim import SimBroker, SimConfig
from terminal.domain import OrderStatus, OrderType, Quote, WallClock
from tests.helpers.sim_support import make_order

pytestmark = pytest.mark.asyncio


async def test_run_loop_publishes_batches_and_fills_orders_until_stopped() -> None:
    broker = SimBroker(WallClock(), SimConfig(tick_interval=0.01, quote_fraction=1.0), seed=5)
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    await broker.subscribe_quotes(aapl)
    got_quotes = asyncio.Event()
    filled = asyncio.Event()
    batches: list[int] = []

    def on_quotes(quotes: Sequence[Quote]) -> None:
        batches.append(len(quotes))
        got_quotes.set()

    def on_status(update: OrderStatusUpdate) -> None:
        if update.status is OrderStatus.FILLED:
            filled.set()

    broker.quotes_received += on_quotes
    broker.order_status_received += on_status
    broker.start()
    await asyncio.wait_for(got_quotes.wait(), timeout=5)
    await broker.place_order(make_order(aapl, "BUY", 10, OrderType.MARKET))
    await asyncio.wait_for(filled.wait(), timeout=5)
    await broker.disconnect()
    assert broker._task is None
    assert all(size == 1 for size in batches)  # one batch per step, one subscribed key
    count = len(batches)
    await asyncio.sleep(0)
    assert len(batches) == count  # nothing runs after stop


async def test_acknowledgement_arrives_on_the_next_loop_turn_while_running() -> None:
    broker = SimBroker(WallClock(), SimConfig(tick_interval=60.0), seed=5)
    await broker.connect()
    aapl = await broker.qualify("AAPL")
    statuses: list[OrderStatus] = []
    broker.order_status_received += lambda u: statuses.append(u.status)
    broker.start()
    await broker.place_order(make_order(aapl, "BUY", 10, limit_price="200.00"))
    assert statuses == []  # never inside the call
    for _ in range(3):
        await asyncio.sleep(0)  # the ack is one call_soon away, not one tick (60 s) away
    assert statuses == [OrderStatus.ACCEPTED]
    await broker.stop()
