"""IBBroker when TWS sends a message more than once: each kind sent twice on purpose by the
loopback gateway, through the real ib_async client and socket. Every order, execution,
position and commission counts once.

Each test first checks its premise on ib_async's raw answer (the copy really arrived), then
what the broker makes of it.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.broker.ib.broker import IBBroker
from terminal.domain import OrderStatus, OrderType
from tests.ib.adapter_setup import connected, gateway, order, position_of

pytestmark = pytest.mark.asyncio
S = OrderStatus
REQ_OPEN_ORDERS, REQ_POSITIONS = 5, 61
CANCELLED_TEXT = "Order Canceled - reason:"


async def handled(broker: IBBroker) -> None:
    """Return once the broker has handled every message the gateway sent before this call
    (one socket keeps their order, and ib_async handles them in order)."""
    await broker.ib.reqCurrentTimeAsync()


# -- open orders ----------------------------------------------------------------------------


async def test_an_order_pushed_while_open_orders_are_asked_for_is_listed_once() -> None:
    """The race that listed T-19 twice: the order's acceptance is still on its way when
    reqOpenOrders goes out, so ib_async files the push and the answer both as the answer."""
    with gateway() as gw:
        async with connected(gw) as (broker, _):
            aapl = await broker.qualify("AAPL")
            mine = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150")
            asked = gw.received_ids().count(REQ_OPEN_ORDERS)
            gw.hold_replies()
            await broker.place_order(mine)
            await gw.until(lambda g: g.held_replies == 2, what="the acceptance on its way")
            listing = asyncio.create_task(broker.open_orders())
            await gw.until(
                lambda g: g.received_ids().count(REQ_OPEN_ORDERS) == asked + 1,
                what="open orders asked for behind it",
            )
            gw.release_replies()
            assert [u.order_id for u in await listing] == [mine.id]


async def test_an_order_repeated_inside_the_open_orders_answer_is_listed_once() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            mine = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150")
            await broker.place_order(mine)
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(mine.id), "working")
            gw.repeat_messages("open_orders")
            assert len(await broker.ib.reqOpenOrdersAsync()) == 2  # the copy arrives
            working = await broker.open_orders()
            assert [(u.order_id, u.status) for u in working] == [(mine.id, S.ACCEPTED)]


async def test_repeated_status_pushes_report_each_change_once() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")

            async def place_and_cancel(price: str) -> list[OrderStatus]:
                placed = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price=price)
                await broker.place_order(placed)
                await seen.until(lambda: S.ACCEPTED in seen.statuses_of(placed.id), "working")
                await broker.cancel_order(placed)
                await seen.until(lambda: S.CANCELLED in seen.statuses_of(placed.id), "cancelled")
                await handled(broker)
                return seen.statuses_of(placed.id)

            once = await place_and_cancel("150")
            gw.repeat_messages("order_updates")
            twice = await place_and_cancel("151")
            assert twice == once
            assert once.count(S.ACCEPTED) == 1 and S.CANCELLED in once


# -- errors that end an order ---------------------------------------------------------------


async def test_a_repeated_reject_is_reported_once() -> None:
    with gateway() as gw:
        text = "Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. MARGIN"
        gw.reject_next_order(201, text)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            rejected = order(aapl, "BUY", 1_000_000)
            ib_id = int(await broker.place_order(rejected))
            await seen.until(
                lambda: S.REJECTED_BY_BROKER in seen.statuses_of(rejected.id), "reject"
            )
            gw.send_error(201, text, req_id=ib_id)
            await handled(broker)
            assert seen.statuses_of(rejected.id) == [S.REJECTED_BY_BROKER]


async def test_a_repeated_cancel_confirmation_is_reported_once() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            mine = order(aapl, "BUY", 1, OrderType.LIMIT, limit_price="150")
            ib_id = int(await broker.place_order(mine))
            await seen.until(lambda: S.ACCEPTED in seen.statuses_of(mine.id), "working")
            await broker.cancel_order(mine)
            await seen.until(
                lambda: any(u.reason for u in seen.statuses if u.order_id == mine.id), "202"
            )
            reports = len(seen.statuses)
            gw.send_error(202, CANCELLED_TEXT, req_id=ib_id)
            await handled(broker)
            assert len(seen.statuses) == reports


# -- executions and commissions -------------------------------------------------------------


async def test_a_repeated_execution_is_one_fill() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            gw.repeat_messages("fills")
            aapl = await broker.qualify("AAPL")
            buy = order(aapl, "BUY", 10)
            await broker.place_order(buy)
            await seen.until(lambda: seen.fills, "the fill")
            await handled(broker)
            [execution] = gw.executions()
            assert [(f.exec_id, f.quantity) for f in seen.fills] == [
                (execution.exec_id, Decimal(10))
            ]
            assert position_of(list(await broker.positions()), "AAPL") == 10


async def test_a_repeated_commission_report_is_one_fill_with_one_commission() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            gw.repeat_messages("commissions")
            aapl = await broker.qualify("AAPL")
            await broker.place_order(order(aapl, "BUY", 10))
            await seen.until(lambda: seen.fills, "the fill")
            await handled(broker)
            [execution] = gw.executions()
            assert [f.commission for f in seen.fills] == [
                Decimal(str(execution.commission)).quantize(seen.fills[0].commission)
            ]
            [answered] = await broker.executions()
            assert answered.commission == seen.fills[0].commission


async def test_an_execution_repeated_inside_the_executions_answer_is_listed_once() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            await broker.place_order(order(aapl, "BUY", 10))
            await seen.until(lambda: seen.fills, "the fill")
            gw.repeat_messages("executions", "commissions")
            assert len(await broker.ib.reqExecutionsAsync()) == 2  # the copy arrives
            answered = await broker.executions()
            assert [(f.exec_id, f.quantity) for f in answered] == [
                (seen.fills[0].exec_id, Decimal(10))
            ]
            assert answered[0].commission == seen.fills[0].commission


# -- positions ------------------------------------------------------------------------------


async def test_a_position_repeated_inside_the_positions_answer_counts_once() -> None:
    with gateway() as gw:
        gw.set_position("AAPL", 10, 190.0)
        async with connected(gw) as (broker, _):
            gw.repeat_messages("positions")
            raw = await broker.ib.reqPositionsAsync()
            assert [p.contract.symbol for p in raw] == ["AAPL", "AAPL"]  # the copy arrives
            positions = list(await broker.positions())
            assert [(p.instrument.key, p.quantity) for p in positions] == [("AAPL", Decimal(10))]


async def test_a_position_pushed_while_positions_are_asked_for_counts_once() -> None:
    """The positions subscription stays open: a fill's position push still on its way when
    reqPositions goes out is filed as part of the answer, next to the answer's own line."""
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            asked = gw.received_ids().count(REQ_POSITIONS)
            gw.hold_replies()
            await broker.place_order(order(aapl, "BUY", 10))
            await gw.until(lambda g: g.position("AAPL") == 10, what="the fill at IB")
            listing = asyncio.create_task(broker.positions())
            await gw.until(
                lambda g: g.received_ids().count(REQ_POSITIONS) == asked + 1,
                what="positions asked for behind it",
            )
            gw.release_replies()
            assert position_of(list(await listing), "AAPL") == 10
            await seen.until(lambda: seen.fills, "the fill")


# -- completed orders -----------------------------------------------------------------------


async def test_a_completed_order_repeated_at_connect_is_one_trade_reported_to_nobody() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw) as (first, seen):
            await first.place_order(order(await first.qualify("AAPL"), "BUY", 1))
            await seen.until(lambda: seen.fills, "the fill")
        gw.repeat_messages("completed_orders")
        async with connected(gw) as (later, later_seen):
            raw = await later.ib.reqCompletedOrdersAsync(apiOnly=False)
            assert len(raw) == 2  # the copy arrives (and came in the startup answer too)
            [perm_id] = {t.order.permId for t in raw}
            assert [t.order.permId for t in later.ib.trades()].count(perm_id) == 1
            assert list(await later.open_orders()) == []
            await handled(later)
            assert later_seen.statuses == []
