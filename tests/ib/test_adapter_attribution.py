"""Fills find their order without orderRef, and a commission report that comes after the
adapter stopped waiting for it still reaches the core, over the real socket."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.broker.ib.broker import IBBroker
from terminal.domain import OrderIntent, OrderSide, OrderStatus, OrderType, WallClock
from terminal.settings import Settings, UiSettings
from terminal.startup import wait_for
from tests.ib.adapter_setup import FAST, connected, gateway, order

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def test_a_fill_without_any_order_ref_is_attributed_by_its_order_id() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        gw.omit_order_refs(executions=True, orders=True)
        async with connected(gw, client_id=131) as (broker, seen):
            buy = order(await broker.qualify("AAPL"), "BUY", 5)
            ib_id = await broker.place_order(buy)
            await seen.until(lambda: seen.fills, "the fill")
            assert (seen.fills[0].order_id, seen.fills[0].broker_order_id) == (buy.id, ib_id)
            assert S.FILLED in seen.statuses_of(buy.id)  # its status reports too
            [read_back] = await broker.executions()
            assert read_back.order_id == buy.id


async def test_an_earlier_sessions_order_is_found_by_perm_id_when_the_execution_lacks_its_ref() -> (
    None
):
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        async with connected(gw, client_id=132) as (first, _):
            resting = order(
                await first.qualify("AAPL"), "BUY", 3, OrderType.LIMIT, limit_price="190"
            )
            ib_id = int(await first.place_order(resting))
            await gw.until(lambda g: g.order(ib_id).status == "Submitted", what="working")
        gw.omit_order_refs(executions=True)  # the open order keeps it; the execution does not
        async with connected(gw, client_id=132) as (_, seen):
            gw.fill(ib_id, price=190.0)
            await seen.until(lambda: seen.fills, "the fill")
            assert seen.fills[0].order_id == resting.id
            assert seen.fills[0].broker_order_id == str(ib_id)


async def test_a_commission_report_after_the_wait_corrects_the_published_fill() -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02)
        gw.hold_commissions()  # IB's commission report comes late
        async with connected(gw, client_id=133, commission_wait=0.2) as (broker, seen):
            corrections = seen.corrections
            await broker.place_order(order(await broker.qualify("AAPL"), "BUY", 10))
            await seen.until(lambda: seen.fills, "the fill, published without its commission")
            fill = seen.fills[0]
            assert fill.commission == 0
            assert gw.held_commissions == 1
            gw.repeat_messages("commissions")  # and TWS sends it twice
            gw.release_commissions()
            await seen.until(lambda: corrections, "the correction")
            [execution] = gw.executions()
            assert corrections == [(fill.exec_id, Decimal(str(execution.commission)))]
            assert execution.commission > 0
            assert len(seen.fills) == 1  # a correction, not the fill again
            [read_back] = await broker.executions()  # reconciliation agrees: nothing more
            assert read_back.commission == corrections[0][1]
            assert len(corrections) == 1


async def test_the_core_attributes_a_fill_of_an_earlier_sessions_order_without_any_ref(
    tmp_path: Path,
) -> None:
    """Session one places a resting order and ends; session two (same client id, same
    database) hears of its fill with no orderRef anywhere: the order is found by IB's order id
    and filled."""
    settings = Settings(ui=UiSettings(watchlist=("AAPL",)))
    db = f"sqlite:///{tmp_path / 'ib.db'}"
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)

        def session() -> TradingApp:
            broker = IBBroker(replace(FAST, port=gw.port, client_id=134), WallClock())
            app = TradingApp.open(settings, db, broker, WallClock())
            app.restore()
            return app

        first = session()
        await first.start()
        intent = OrderIntent(
            first.watchlist[0],
            OrderSide.BUY,
            Decimal(2),
            OrderType.LIMIT,
            limit_price=Decimal("195"),
            outside_rth=True,
        )
        staged = first.orders.stage(intent)
        await first.orders.approve(staged.id, override_reason="test: resting order")
        await gw.until(lambda g: len(g.orders()) == 1 and g.orders()[0].status == "Submitted")
        ib_id = gw.orders()[0].order_id
        await first.stop()

        gw.omit_order_refs(executions=True, orders=True)
        second = session()
        await second.start()
        try:
            gw.fill(ib_id, price=195.0)
            await wait_for(
                second.orders.order_updated,
                lambda: second.orders.get(staged.id).status is S.FILLED,
                "the fill",
                5,
            )
            position = second.portfolio.position("AAPL")
            assert position is not None and position.quantity == 2
        finally:
            await second.stop()
