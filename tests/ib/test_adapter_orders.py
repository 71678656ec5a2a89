"""IBBroker orders against the loopback gateway: every order type, fills with commissions,
partial fills, cancel, modify, brackets with transmit flags, OCO, rejects, global cancel, and
the state reconciliation reads back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.broker.base import BrokerError
from terminal.domain import OrderStatus, OrderType, TimeInForce
from tests.ib.adapter_setup import connected, gateway, order, position_of

pytestmark = pytest.mark.asyncio
S = OrderStatus
REQ_GLOBAL_CANCEL = 58


async def test_a_market_order_fills_with_its_commission_and_our_order_id() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            buy = order(aapl, "BUY", 10)
            broker_id = await broker.place_order(buy)
            await seen.until(lambda: S.FILLED in seen.statuses_of(buy.id), "filled")
            await seen.until(lambda: seen.fills, "the fill")
            fill = seen.fills[0]
            assert (fill.order_id, fill.broker_order_id) == (buy.id, broker_id)
            assert (fill.key, fill.side.value, fill.quantity) == ("AAPL", "BUY", Decimal(10))
            assert fill.price == Decimal("200.02")
            assert fill.commission > 0
            assert fill.time.tzinfo is not None
            placed = gw.placed_orders[0]
            assert (placed.order_ref, placed.order_type, placed.transmit) == (buy.id, "MKT", True)
            assert placed.account == "DU1234567"
            assert position_of(list(await broker.positions()), "AAPL") == 10
            executions = await broker.executions()
            assert [f.exec_id for f in executions] == [fill.exec_id]
            assert executions[0].commission == fill.commission


@pytest.mark.parametrize(
    ("order_type", "fields", "expected"),
    [
        (OrderType.LIMIT, {"limit_price": "150.25"}, {"lmt_price": 150.25}),
        (OrderType.STOP, {"stop_price": "250.5"}, {"aux_price": 250.5}),
        (
            OrderType.STOP_LIMIT,
            {"stop_price": "250.5", "limit_price": "251"},
            {"aux_price": 250.5, "lmt_price": 251.0},
        ),
        (OrderType.TRAIL, {"trail_amount": "1.5"}, {"aux_price": 1.5}),
        (OrderType.TRAIL, {"trail_percent": "2"}, {"trailing_percent": 2.0}),
        (
            OrderType.TRAIL_LIMIT,
            {"trail_amount": "1", "limit_offset": "0.1", "stop_price": "180"},
            {"aux_price": 1.0, "trail_stop_price": 180.0},
        ),
    ],
)
async def test_every_order_type_reaches_ib_with_its_prices(
    order_type: OrderType, fields: dict[str, str], expected: dict[str, float]
) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            sell = order(aapl, "SELL", 5, order_type, tif=TimeInForce.GTC, **fields)
            await broker.place_order(sell)
            await gw.until(lambda g: len(g.placed_orders) == 1, what="the order at IB")
            placed = gw.placed_orders[0]
            assert (placed.order_type, placed.action, placed.tif) == (
                order_type.value,
                "SELL",
                "GTC",
            )
            assert placed.total_quantity == 5
            for name, value in expected.items():
                assert getattr(placed, name) == pytest.approx(value), name
            await seen.until(lambda: seen.statuses_of(sell.id), "an acknowledgement")
            assert S.REJECTED_BY_BROKER not in seen.statuses_of(sell.id)


async def test_partial_fills_arrive_as_two_fills_and_partially_filled_then_filled() -> None:
    with gateway(partial_fills=True) as gw:
        gw.set_quote("MSFT", bid=399.9, ask=400.0)
        async with connected(gw) as (broker, seen):
            msft = await broker.qualify("MSFT")
            buy = order(msft, "BUY", 100)
            await broker.place_order(buy)
            await seen.until(lambda: len(seen.fills) == 1, "the first part")
            gw.set_quote("MSFT", bid=399.95, ask=400.05)  # the rest fills on the next price
            await seen.until(lambda: len(seen.fills) == 2, "two fills")
            await seen.until(lambda: S.FILLED in seen.statuses_of(buy.id), "filled")
            assert sum(f.quantity for f in seen.fills) == 100
            assert len({f.exec_id for f in seen.fills}) == 2
            statuses = seen.statuses_of(buy.id)
            assert statuses.index(S.PARTIALLY_FILLED) < statuses.index(S.FILLED)


async def test_an_order_ib_ends_after_a_partial_fill_is_cancelled_with_ibs_reason() -> None:
    with gateway(partial_fills=True) as gw:
        gw.set_quote("MSFT", bid=399.9, ask=400.0)
        async with connected(gw) as (broker, seen):
            msft = await broker.qualify("MSFT")
            buy = order(msft, "BUY", 100)
            broker_id = int(await broker.place_order(buy))
            await seen.until(lambda: len(seen.fills) == 1, "the first part")
            gw.send_error(201, "Order rejected - reason:Trading halted", req_id=broker_id)
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(buy.id), "ended")
            update = next(u for u in seen.statuses if u.status is S.CANCELLED)
            assert "Trading halted" in update.reason and update.filled == 50
            assert S.REJECTED_BY_BROKER not in seen.statuses_of(buy.id)


async def test_a_resting_limit_order_is_modified_then_cancelled() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            bid = order(aapl, "BUY", 3, OrderType.LIMIT, limit_price="190")
            broker_id = await broker.place_order(bid)
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(bid.id), "working")
            moved = order(aapl, "BUY", 4, OrderType.LIMIT, limit_price="191.5", id=bid.id)
            await broker.modify_order(moved)
            await gw.until(
                lambda g: g.order(int(broker_id)).lmt_price == 191.5, what="the new price at IB"
            )
            assert gw.order(int(broker_id)).total_quantity == 4
            assert [p.order_id for p in gw.placed_orders] == [int(broker_id)] * 2
            await broker.cancel_order(moved)
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(bid.id), "cancelled")
            assert gw.order(int(broker_id)).status == "Cancelled"
            with pytest.raises(BrokerError, match="already Cancelled"):
                await broker.modify_order(moved)


async def test_a_reject_becomes_rejected_by_broker_with_ibs_reason() -> None:
    with gateway() as gw:
        gw.reject_next_order(201, "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. MARGIN")
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            rejected = order(aapl, "BUY", 1_000_000)
            await broker.place_order(rejected)
            await seen.until(
                lambda: S.REJECTED_BY_BROKER in seen.statuses_of(rejected.id), "reject"
            )
            update = next(u for u in seen.statuses if u.status is S.REJECTED_BY_BROKER)
            assert "201" in update.reason and "MARGIN" in update.reason
            # Later echoes (Cancelled/Inactive) never turn the reject into a cancel.
            await broker.place_order(order(aapl, "BUY", 1))  # a fence: its reports come after
            await seen.until(lambda: len(seen.fills) == 1, "the next order's fill")
            assert seen.statuses_of(rejected.id).count(S.REJECTED_BY_BROKER) == 1
            assert S.CANCELLED not in seen.statuses_of(rejected.id)


async def test_a_bracket_is_transmitted_as_a_whole_and_children_work_after_the_parent() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            parent = order(aapl, "BUY", 10, OrderType.LIMIT, limit_price="195")
            take = order(
                aapl,
                "SELL",
                10,
                OrderType.LIMIT,
                limit_price="210",
                parent_id=parent.id,
                oca_group="G1",
            )
            stop = order(
                aapl,
                "SELL",
                10,
                OrderType.STOP,
                stop_price="190",
                parent_id=parent.id,
                oca_group="G1",
            )
            parent_id = int(await broker.place_order(parent, more_follow=True))
            await broker.place_order(take, more_follow=True)
            await broker.place_order(stop)
            await gw.until(lambda g: len(g.placed_orders) == 3, what="three orders")
            placed = gw.placed_orders
            assert [p.transmit for p in placed] == [False, False, True]
            assert [p.parent_id for p in placed] == [0, parent_id, parent_id]
            assert {p.oca_group for p in placed[1:]} == {"G1"}
            gw.set_quote("AAPL", bid=194.9, ask=194.95, last=194.95)
            await seen.until(lambda: S.FILLED in seen.statuses_of(parent.id), "parent filled")
            gw.set_quote("AAPL", bid=210.5, ask=210.6, last=210.55)
            await seen.until(lambda: S.FILLED in seen.statuses_of(take.id), "take-profit filled")
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(stop.id), "stop cancelled")
            assert position_of(list(await broker.positions()), "AAPL") == 0


async def test_one_cancels_other_through_the_oca_group() -> None:
    with gateway() as gw:
        gw.set_quote("MSFT", bid=399.9, ask=400.0, last=400.0)
        async with connected(gw) as (broker, seen):
            msft = await broker.qualify("MSFT")
            low = order(msft, "BUY", 5, OrderType.LIMIT, limit_price="390", oca_group="OCO-1")
            high = order(msft, "BUY", 5, OrderType.STOP, stop_price="410", oca_group="OCO-1")
            await broker.place_order(low)
            await broker.place_order(high)
            await gw.until(lambda g: len(g.placed_orders) == 2, what="both at IB")
            assert {p.oca_type for p in gw.placed_orders} == {1}
            gw.set_quote("MSFT", bid=389.0, ask=389.5, last=389.5)
            await seen.until(lambda: S.FILLED in seen.statuses_of(low.id), "one filled")
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(high.id), "other cancelled")


async def test_cancel_all_uses_ibs_global_cancel_and_reaches_every_order() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen), connected(gw) as (other, _):
            aapl, aapl2 = await broker.qualify("AAPL"), await other.qualify("AAPL")
            mine = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150")
            theirs = order(aapl2, "BUY", 1, OrderType.LIMIT, limit_price="151")
            await broker.place_order(mine)
            await other.place_order(theirs)
            await gw.until(
                lambda g: len([o for o in g.orders() if o.status == "Submitted"]) == 2,
                what="two working orders",
            )
            working = await broker.open_orders()
            assert [u.order_id for u in working] == [mine.id]
            await broker.cancel_all()
            await gw.until(
                lambda g: all(o.status == "Cancelled" for o in g.orders()),
                what="everything cancelled",
            )
            assert gw.received_ids().count(REQ_GLOBAL_CANCEL) == 1
            await seen.until(lambda: S.CANCELLED in seen.statuses_of(mine.id), "our cancel report")
            assert await broker.open_orders() == []


async def test_an_order_for_a_symbol_not_yet_qualified_is_qualified_first() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            from terminal.domain import Instrument

            spy = order(Instrument.stock("SPY"), "BUY", 1)
            await broker.place_order(spy)
            await seen.until(lambda: S.FILLED in seen.statuses_of(spy.id), "filled")
