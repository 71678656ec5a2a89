"""The simulated exchange through the Broker port: acknowledgements, fills, account, rejects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.broker.base import Broker, OrderStatusUpdate
from terminal.broker.sim import SimBroker
from terminal.domain import (
    Fill,
    Instrument,
    OrderRole,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from tests.helpers.sim_support import make_broker, make_order, run

S = OrderStatus
pytestmark = pytest.mark.asyncio


class Recorder:
    def __init__(self, broker: SimBroker) -> None:
        self.events: list[OrderStatusUpdate | Fill] = []
        broker.order_status_received += self.events.append
        broker.fill_received += self.events.append

    def statuses(self, order_id: str) -> list[OrderStatus]:
        return [
            e.status
            for e in self.events
            if isinstance(e, OrderStatusUpdate) and e.order_id == order_id
        ]

    def last(self, order_id: str) -> OrderStatusUpdate:
        return [
            e for e in self.events if isinstance(e, OrderStatusUpdate) and e.order_id == order_id
        ][-1]

    @property
    def fills(self) -> list[Fill]:
        return [e for e in self.events if isinstance(e, Fill)]


async def connected(**config: object) -> tuple[SimBroker, object, Recorder]:
    broker, clock = make_broker(**config)
    rec = Recorder(broker)
    await broker.connect()
    return broker, clock, rec


async def test_sim_broker_implements_the_port() -> None:
    broker, _ = make_broker()
    assert isinstance(broker, Broker)
    assert broker.capabilities.native_brackets
    assert broker.capabilities.native_oca
    assert broker.capabilities.global_cancel


async def test_acknowledgement_is_never_delivered_inside_place_order() -> None:
    broker, _clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    broker_id = await broker.place_order(
        make_order(aapl, "BUY", 10, limit_price="200.00", order_id="o1")
    )
    assert broker_id
    assert rec.events == []
    broker.step(0.1)
    assert rec.statuses("o1") == [S.ACCEPTED]
    assert rec.last("o1").broker_order_id == broker_id


async def test_ack_and_fill_latency_are_in_virtual_time() -> None:
    broker, clock, rec = await connected(ack_latency=0.5, fill_latency=0.3)
    aapl = await broker.qualify("AAPL")
    await broker.place_order(make_order(aapl, "BUY", 10, OrderType.MARKET, order_id="o1"))
    run(broker, clock, 0.4)
    assert rec.events == []
    run(broker, clock, 0.2)
    assert rec.statuses("o1") == [S.ACCEPTED]  # t = 0.6 s; it filled on arrival at 0.5 s
    run(broker, clock, 0.1)
    assert rec.fills == []
    run(broker, clock, 0.2)
    assert rec.statuses("o1") == [S.ACCEPTED, S.FILLED]
    assert rec.fills[0].order_id == "o1"


async def test_market_order_fill_moves_cash_and_position_consistently() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    await broker.place_order(make_order(aapl, "BUY", 300, OrderType.MARKET, order_id="o1"))
    run(broker, clock, 0.2)
    fills = rec.fills
    assert sum(f.quantity for f in fills) == 300
    account = await broker.account()
    paid = sum(f.quantity * f.price + f.commission for f in fills)
    assert account.cash == Decimal(1_000_000) - paid
    [position] = await broker.positions()
    assert position.quantity == 300
    assert position.avg_cost == sum(f.quantity * f.price for f in fills) / 300
    assert (await broker.executions()) == fills


async def test_unknown_instrument_is_rejected_with_a_reason() -> None:
    broker, _clock, rec = await connected()
    await broker.place_order(
        make_order(Instrument.stock("ZZZZ"), "BUY", 1, OrderType.MARKET, order_id="o1")
    )
    broker.step(0.1)
    assert rec.last("o1").status is S.REJECTED_BY_BROKER
    assert "unknown instrument ZZZZ" in rec.last("o1").reason


async def test_price_far_from_the_market_is_rejected() -> None:
    broker, _clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    await broker.place_order(make_order(aapl, "BUY", 1, limit_price="400.00", order_id="o1"))
    broker.step(0.1)
    assert rec.last("o1").status is S.REJECTED_BY_BROKER
    assert "too far from the market" in rec.last("o1").reason


async def test_insufficient_buying_power_is_rejected_but_closing_is_not() -> None:
    broker, clock, rec = await connected()
    spy = await broker.qualify("SPY")
    await broker.place_order(make_order(spy, "BUY", 7_000, OrderType.MARKET, order_id="big"))
    broker.step(0.1)
    assert rec.last("big").status is S.REJECTED_BY_BROKER
    assert "insufficient buying power" in rec.last("big").reason
    await broker.place_order(make_order(spy, "BUY", 6_000, OrderType.MARKET, order_id="ok"))
    run(broker, clock, 0.3)
    assert rec.last("ok").status is S.FILLED
    await broker.place_order(make_order(spy, "SELL", 6_000, OrderType.MARKET, order_id="close"))
    run(broker, clock, 0.3)
    assert rec.last("close").status is S.FILLED


async def test_halted_instrument_rejects_orders_and_freezes_quotes() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    await broker.subscribe_quotes(aapl)
    keys: list[str] = []
    broker.quotes_received += lambda quotes: keys.extend(q.key for q in quotes)
    broker.halt("AAPL")
    run(broker, clock, 1.0)
    assert keys == []
    await broker.place_order(make_order(aapl, "BUY", 1, OrderType.MARKET, order_id="o1"))
    broker.step(0.1)
    assert rec.last("o1").reason == "AAPL is halted"
    broker.resume("AAPL")
    run(broker, clock, 1.0)
    assert "AAPL" in keys


async def test_resting_order_is_left_alone_while_halted() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    ask = float(broker.exchange.market.ask[broker.exchange.market.index["AAPL"]])
    limit = Decimal(str(round(ask * 1.01, 2)))
    broker.halt("AAPL")
    broker.faults.halted.discard("AAPL")  # let the order in, keep the book frozen
    await broker.place_order(make_order(aapl, "BUY", 10, limit_price=limit, order_id="o1"))
    run(broker, clock, 1.0)
    assert rec.statuses("o1") == [S.ACCEPTED, S.FILLED]  # fills on arrival against the book
    await broker.place_order(make_order(aapl, "BUY", 10, limit_price="200.00", order_id="o2"))
    run(broker, clock, 5.0)
    assert rec.statuses("o2") == [S.ACCEPTED]


async def test_reject_next_order_fault_rejects_exactly_one_order() -> None:
    broker, _clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    broker.reject_next_order("exchange busy")
    await broker.place_order(make_order(aapl, "BUY", 1, limit_price="200.00", order_id="o1"))
    await broker.place_order(make_order(aapl, "BUY", 1, limit_price="200.00", order_id="o2"))
    broker.step(0.1)
    assert (rec.last("o1").status, rec.last("o1").reason) == (S.REJECTED_BY_BROKER, "exchange busy")
    assert rec.last("o2").status is S.ACCEPTED


async def test_delay_responses_holds_reports_back() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    broker.delay_responses(2.0)
    await broker.place_order(make_order(aapl, "BUY", 1, limit_price="200.00", order_id="o1"))
    run(broker, clock, 1.9)
    assert rec.events == []
    run(broker, clock, 0.2)
    assert rec.statuses("o1") == [S.ACCEPTED]


async def test_dropped_connection_loses_reports_but_reconciliation_recovers_them() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    await broker.subscribe_quotes(aapl)
    await broker.place_order(make_order(aapl, "BUY", 100, OrderType.MARKET, order_id="o1"))
    states: list[object] = []
    broker.connection_changed += lambda state, message: states.append(state.value)
    broker.drop_connection()
    run(broker, clock, 0.5)
    assert rec.events == []
    with pytest.raises(Exception, match="not connected"):
        await broker.place_order(make_order(aapl, "BUY", 1, OrderType.MARKET))
    broker.restore_connection(data_lost=True)
    assert states == ["disconnected", "data_lost"]
    assert broker.feed.quote_counts == {}  # subscriptions must be renewed
    [fill_qty] = {sum(f.quantity for f in await broker.executions())}
    assert fill_qty == 100
    assert await broker.open_orders() == []


async def test_cancel_and_cancel_all_confirm_after_the_ack_latency() -> None:
    broker, clock, rec = await connected(ack_latency=0.2)
    aapl = await broker.qualify("AAPL")
    orders = [make_order(aapl, "BUY", 1, limit_price="200.00") for _ in range(3)]
    for order in orders:
        await broker.place_order(order)
    run(broker, clock, 0.3)
    await broker.cancel_order(orders[0])
    run(broker, clock, 0.1)
    assert rec.last(orders[0].id).status is S.ACCEPTED
    run(broker, clock, 0.2)
    assert rec.last(orders[0].id).status is S.CANCELLED
    await broker.cancel_all()
    run(broker, clock, 0.3)
    assert {rec.last(o.id).status for o in orders} == {S.CANCELLED}
    assert await broker.open_orders() == []


async def test_modify_reprices_a_resting_order_into_a_fill() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    order = make_order(aapl, "BUY", 10, limit_price="200.00", order_id="o1")
    await broker.place_order(order)
    run(broker, clock, 0.2)
    await broker.modify_order(make_order(aapl, "BUY", 10, limit_price="240.00", order_id="o1"))
    run(broker, clock, 1.0)
    assert rec.statuses("o1")[-1] is S.FILLED
    assert rec.fills[0].price < Decimal("240.00")  # filled at the offer, not the limit


async def test_day_order_expires_at_the_close_and_gtc_survives() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    await broker.place_order(make_order(aapl, "BUY", 1, limit_price="200.00", order_id="day"))
    gtc = make_order(aapl, "BUY", 1, limit_price="200.00", order_id="gtc", tif=TimeInForce.GTC)
    await broker.place_order(gtc)
    broker.step(0.1)
    clock.set(dt.datetime(2026, 1, 5, 20, 59, 59, tzinfo=dt.UTC))  # 15:59:59 in New York
    broker.step(0.1)
    assert rec.last("day").status is S.ACCEPTED
    clock.advance(2)
    broker.step(0.1)
    assert rec.last("day").status is S.EXPIRED
    assert rec.last("gtc").status is S.ACCEPTED


async def test_sessions_close_the_market_at_night() -> None:
    broker, clock, _rec = await connected(sessions=True)
    aapl = await broker.qualify("AAPL")
    await broker.subscribe_quotes(aapl)
    batches: list[int] = []
    broker.quotes_received += lambda quotes: batches.append(len(quotes))
    clock.set(dt.datetime(2026, 1, 6, 3, 0, tzinfo=dt.UTC))  # 22:00 New York
    run(broker, clock, 1.0)
    assert batches == []
    clock.set(dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC))  # 10:00 New York
    run(broker, clock, 1.0)
    assert batches


async def test_bracket_through_the_port_releases_children_after_the_parent_fills() -> None:
    broker, clock, rec = await connected()
    aapl = await broker.qualify("AAPL")
    parent = make_order(aapl, "BUY", 100, OrderType.MARKET, order_id="p", role=OrderRole.PARENT)
    tp = make_order(
        aapl, "SELL", 100, limit_price="260.00", order_id="tp", parent_id="p",
        role=OrderRole.TAKE_PROFIT, tif=TimeInForce.GTC,
    )  # fmt: skip
    sl = make_order(
        aapl, "SELL", 100, OrderType.STOP, stop_price="200.00", order_id="sl", parent_id="p",
        role=OrderRole.STOP_LOSS, tif=TimeInForce.GTC,
    )  # fmt: skip
    for order in (parent, tp, sl):
        await broker.place_order(order)
    run(broker, clock, 0.5)
    assert rec.last("p").status is S.FILLED
    assert rec.last("tp").status is S.ACCEPTED
    assert rec.last("sl").status is S.ACCEPTED
    await broker.cancel_order(tp)
    run(broker, clock, 0.2)
    assert rec.last("sl").status is S.ACCEPTED  # cancelling one leg by hand keeps the other
