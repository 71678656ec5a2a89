"""IBBroker when things break: socket drops and reconnects with backoff, IB's 1100/1101/1102,
fills while disconnected recovered exactly once, and slow replies (the message rate and order
priority: test_adapter_priority.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from terminal.app import TradingApp
from terminal.broker.base import ConnectionState, NotConnected
from terminal.broker.ib.broker import IBBroker
from terminal.domain import OrderIntent, OrderSide, OrderStatus, OrderType, Timeframe, WallClock
from terminal.oms.errors import ApprovalRefused
from terminal.settings import Settings, UiSettings
from tests.ib.adapter_setup import FAST, Seen, connected, gateway
from tests.ib.gateway import Gateway

pytestmark = pytest.mark.asyncio
S = OrderStatus
C = ConnectionState
REQ_MKT_DATA, REQ_MKT_DEPTH, REQ_HISTORICAL = 1, 10, 20


async def test_a_dropped_socket_reconnects_and_renews_every_stream() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl, msft = await broker.qualify("AAPL"), await broker.qualify("MSFT")
            await broker.subscribe_quotes(aapl)
            await broker.subscribe_quotes(msft)
            await broker.subscribe_depth(aapl, levels=5)
            gw.drop_connections()
            await seen.until(lambda: C.DATA_LOST in [s for s, _ in seen.states], "reconnect", 10)
            states = [s for s, _ in seen.states]
            lost = states.index(C.DISCONNECTED, 2)
            assert states[lost:] == [C.DISCONNECTED, C.CONNECTING, C.DATA_LOST]
            assert gw.total_connections == 2
            await gw.until(
                lambda g: g.market_data_lines() == 2 and g.depth_subscriptions() == 1,
                what="streams renewed at IB",
            )
            before = len(seen.quotes)
            gw.set_quote("MSFT", bid=333.0, ask=333.1)
            await seen.until(lambda: any(q.bid == 333.0 for q in seen.quotes[before:]), "quotes")


async def test_reconnect_backs_off_while_the_gateway_is_away_and_then_comes_back() -> None:
    with gateway() as gw:
        async with connected(gw, reconnect_initial=0.05, reconnect_max=0.4) as (broker, seen):
            gw.refuse_connections(True)
            gw.drop_connections()
            await seen.until(
                lambda: sum("next try" in m for _, m in seen.states) >= 3, "failed retries", 10
            )
            waits = [
                float(m.split("next try in ")[1].split(" s")[0])
                for _, m in seen.states
                if "next try" in m
            ]
            assert waits == sorted(waits)  # the wait grows, up to the maximum
            assert broker.connection_state is not C.CONNECTED
            gw.refuse_connections(False)
            await seen.until(lambda: broker.connection_state is C.DATA_LOST, "reconnected", 10)
            assert broker.connection.reconnects == 1


async def test_1100_freezes_1102_resumes_without_resubscribing_1101_resubscribes() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            await broker.subscribe_quotes(await broker.qualify("AAPL"))
            # The request is on the wire when subscribe_quotes returns, not yet read by the
            # gateway: count the requests only once the gateway holds the line.
            await gw.until(lambda g: g.market_data_lines() == 1, what="the quote stream at IB")
            gw.send_error(1100, "Connectivity between IB and Trader Workstation has been lost.")
            await seen.until(lambda: broker.connection_state is C.DISCONNECTED, "1100")
            assert "1100" in seen.states[-1][1]
            sent = gw.received_ids().count(REQ_MKT_DATA)
            gw.send_error(1102, "Connectivity restored - data maintained.")
            await seen.until(lambda: broker.connection_state is C.CONNECTED, "1102")
            assert gw.received_ids().count(REQ_MKT_DATA) == sent
            gw.send_error(1100, "Connectivity between IB and Trader Workstation has been lost.")
            gw.send_error(1101, "Connectivity restored - data lost.")
            await seen.until(lambda: broker.connection_state is C.DATA_LOST, "1101")
            await gw.until(
                lambda g: g.received_ids().count(REQ_MKT_DATA) == sent + 1,
                what="the quote stream asked for again",
            )
            assert gw.market_data_lines() == 1


async def test_a_request_cut_off_by_a_drop_fails_as_not_connected() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, seen):
            aapl = await broker.qualify("AAPL")
            gw.hold_replies()
            history = asyncio.create_task(broker.history_bars(aapl, Timeframe.H1, 10))
            await gw.until(lambda g: REQ_HISTORICAL in g.received_ids(), what="the request")
            gw.drop_connections()
            with pytest.raises(NotConnected, match="closed"):
                await history
            gw.release_replies()
            await seen.until(lambda: broker.connection_state is C.DATA_LOST, "reconnected", 10)


async def test_slow_replies_do_not_block_the_event_loop() -> None:
    with gateway() as gw:
        async with connected(gw) as (broker, _):
            gw.hold_replies()  # IB does not answer until the test says so
            lookup = asyncio.create_task(broker.qualify("MSFT"))
            # This wait runs on the same loop: it can only finish while the lookup is pending
            # if the lookup waits without blocking the loop (a blocking wait would hang here).
            await gw.until(lambda g: g.held_replies >= 1, what="IB holding the answer")
            assert not lookup.done()
            gw.release_replies()
            assert (await lookup).key == "MSFT"


# -- the whole core on IB: reconciliation after a reconnect ----------------------------------------


@asynccontextmanager
async def ib_app(gw: Gateway, tmp_path: Path) -> AsyncIterator[tuple[TradingApp, Seen]]:
    settings = Settings(ui=UiSettings(watchlist=("AAPL",)))
    broker = IBBroker(replace(FAST, port=gw.port, client_id=91), WallClock())
    seen = Seen().attach(broker)
    app = TradingApp.open(settings, f"sqlite:///{tmp_path / 'ib.db'}", broker, WallClock())
    app.restore()
    await app.start()
    try:
        yield app, seen
    finally:
        await app.stop()


def limit_buy(app: TradingApp, price: str) -> OrderIntent:
    return OrderIntent(
        app.watchlist[0],
        OrderSide.BUY,
        Decimal(2),
        OrderType.LIMIT,
        limit_price=Decimal(price),
        outside_rth=True,
    )


async def approve(app: TradingApp, order_id: str) -> None:
    """Approve as a trader would, with a reason for the warnings (the prices here are away
    from the market on purpose, so the orders rest)."""
    await app.orders.approve(order_id, override_reason="test: resting order")


async def test_a_fill_while_disconnected_is_recovered_exactly_once(tmp_path: Path) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with ib_app(gw, tmp_path) as (app, seen):
            order = app.orders.stage(limit_buy(app, "199"))
            await approve(app, order.id)
            await seen.until(lambda: app.orders.get(order.id).status is S.ACCEPTED, "working")
            ib_id = int(app.orders.get(order.id).broker_order_id or 0)
            gw.refuse_connections(True)
            gw.drop_connections()
            await seen.until(lambda: app.broker.connection_state is C.DISCONNECTED, "lost")
            gw.fill(ib_id, price=199.0)  # while nobody is connected
            gw.refuse_connections(False)
            await seen.until(lambda: app.broker.connection_state is C.DATA_LOST, "back", 10)
            await seen.until(lambda: app.orders.get(order.id).status is S.FILLED, "reconciled")
            flushed = asyncio.get_running_loop().run_in_executor(None, app.writer.flush, 5.0)
            assert await flushed
            fills = [f for f in app.store.load_fills() if f.order_id == order.id]
            assert len(fills) == 1 and fills[0].quantity == 2 and fills[0].commission > 0
            position = app.portfolio.position("AAPL")
            assert position is not None and position.quantity == 2


async def test_approval_is_frozen_during_1100_and_works_after_1102(tmp_path: Path) -> None:
    with gateway() as gw:
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        async with ib_app(gw, tmp_path) as (app, seen):
            order = app.orders.stage(limit_buy(app, "150"))
            gw.send_error(1100, "Connectivity between IB and Trader Workstation has been lost.")
            await seen.until(lambda: app.broker.connection_state is C.DISCONNECTED, "1100")
            with pytest.raises(ApprovalRefused, match="frozen"):
                await approve(app, order.id)
            assert gw.placed_orders == []
            assert any("1100" in a.message for a in app.alerts.active())
            gw.send_error(1102, "Connectivity restored - data maintained.")
            await seen.until(lambda: app.broker.connection_state is C.CONNECTED, "1102")
            await approve(app, order.id)
            await gw.until(lambda g: len(g.placed_orders) == 1, what="the order at IB")
