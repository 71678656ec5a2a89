"""Benchmark the kill switch while data requests are queued; print one JSON object.

The budget (DESIGN.md): the broker-wide cancel on the wire < 100 ms whatever is queued, and every
working order confirmed cancelled < 1 s. For each number of data requests queued (0, 150, 500
quote subscriptions just asked for, as when a trader opens a large watchlist or every stream is
renewed after a reconnect), the whole core (TradingApp, SQLite file) with ``--orders`` working
limit orders trips its kill switch, and this reports:

- ib.<n>.cancel_on_wire_ms: from the trip to the loopback gateway receiving reqGlobalCancel (the
  gateway stamps arrivals with the same monotonic clock);
- ib.<n>.all_cancelled_ms: from the trip to the last working order CANCELLED in the core;
- ib.<n>.data_queued_at_trip: data requests still waiting in the adapter's data lane then;
- ib_single_queue.<n>: the same with the data lane bypassed (everything in ib_async's one FIFO
  queue, as before the lanes): what the issue measured (3.77 s for 150);
- sim.<n>: the simulated exchange (no wire: cancel_sent_ms is the trip to its cancel_all).

The tests check the order of arrival under a virtual clock (tests/ib/test_adapter_priority.py);
this measures the times on a real socket.

Usage: python bench/kill_switch.py [--orders 20] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from eventkit import Event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.app import TradingApp
from terminal.broker.ib.broker import THROTTLE_MESSAGES, IBBroker
from terminal.broker.ib.config import IBConfig
from terminal.broker.sim.broker import SimBroker
from terminal.broker.sim.config import InstrumentSpec, SimConfig
from terminal.domain import Instrument, OrderIntent, OrderSide, OrderStatus, OrderType, WallClock
from terminal.settings import Settings, UiSettings
from tests.ib.gateway import Gateway, running_gateway

REQ_GLOBAL_CANCEL = 58
CANCEL_BUDGET_MS, ALL_CANCELLED_BUDGET_MS = 100.0, 1000.0
LINES = 1000


def settings() -> Settings:
    base = Settings(ui=UiSettings(watchlist=("AAPL",)))
    risk = replace(base.risk, max_open_orders=10_000, max_orders_per_second=10_000)
    return replace(base, risk=risk)


async def until(
    event: Event, predicate: Callable[[], bool], what: str, seconds: float = 30.0
) -> None:
    """Wait for ``predicate``, re-checking whenever ``event`` fires (no polling)."""
    if predicate():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_: object) -> None:
        if not done.done() and predicate():
            done.set_result(None)

    event += check
    try:
        async with asyncio.timeout(seconds):
            await done
    except TimeoutError:
        raise SystemExit(f"kill_switch bench: timed out waiting for {what}") from None
    finally:
        event -= check


async def working_orders(app: TradingApp, count: int, symbols: list[Instrument]) -> list[str]:
    """``count`` resting limit buys, approved as a trader would (the price is away on purpose)."""
    ids = []
    for instrument in symbols:
        await until(
            app.market.quotes_updated,
            lambda i=instrument: app.market.last_quote(i.key) is not None,  # type: ignore[misc]
            f"a quote for {instrument.key}",
        )
    for n in range(count):
        instrument = symbols[n % len(symbols)]
        quote = app.market.last_quote(instrument.key)
        assert quote is not None
        price = Decimal(str(round(quote.bid * 0.97, 2)))  # 3% under: it rests
        intent = OrderIntent(
            instrument, OrderSide.BUY, Decimal(1), OrderType.LIMIT, limit_price=price
        )
        order = app.orders.stage(intent)
        await app.orders.approve(order.id, override_reason="bench: resting order")
        ids.append(order.id)
    await until(
        app.orders.order_updated,
        lambda: all(app.orders.get(i).status is OrderStatus.ACCEPTED for i in ids),
        "the orders working",
    )
    return ids


async def trip(app: TradingApp, ids: list[str]) -> tuple[float, float]:
    """Trip the kill switch; return (trip time, all-cancelled time), monotonic seconds."""
    started = time.monotonic()
    report = await app.kill_switch.trip("bench", by="bench")
    if not report.ok:
        raise SystemExit(f"kill_switch bench: the broker cancel failed: {report.broker_error}")
    await until(
        app.orders.order_updated,
        lambda: all(app.orders.get(i).status is OrderStatus.CANCELLED for i in ids),
        "every order cancelled",
    )
    return started, time.monotonic()


def single_queue(broker: IBBroker) -> None:
    """Emulate the adapter before the lanes: every message straight into ib_async's queue."""
    lanes: Any = broker.lanes

    async def request(ask: Callable[[], Any], what: str) -> Any:
        return await ask()

    lanes.data = lanes.order = lambda send, what, key=None: send()
    lanes.data_request = lanes.order_request = request
    lanes.kill = lambda send: (send(), [])
    lanes.withdraw = lambda key: False


async def ib_case(gw: Gateway, queued: int, orders: int, client_id: int, lanes: bool) -> Any:
    broker = IBBroker(
        IBConfig(port=gw.port, client_id=client_id, market_data_lines=LINES), WallClock()
    )
    with tempfile.TemporaryDirectory() as tmp:
        app = TradingApp.open(
            settings(), f"sqlite:///{Path(tmp) / 'bench.db'}", broker, WallClock()
        )
        app.restore()
        await app.start()
        try:
            # Set-up, not measured: lookups leave unthrottled (the loopback takes them).
            broker.ib.client.MaxRequests = 0
            symbols = [f"B{i:03d}" for i in range(queued)]
            instruments = list(await asyncio.gather(*(broker.qualify(s) for s in symbols)))
            msft = await broker.qualify("MSFT")
            await app.market.subscribe(msft)
            broker.ib.client.MaxRequests = THROTTLE_MESSAGES
            ids = await working_orders(app, orders, [app.watchlist[0], msft])
            if not lanes:
                single_queue(broker)
            for instrument in instruments:  # just asked for: they wait to go out
                await app.market.subscribe(instrument)
            waiting = broker.lanes.queued_data + broker.lanes.queued_orders
            started, all_cancelled = await trip(app, ids)
        finally:
            await app.stop()
    arrivals = [
        m.monotonic
        for m in gw.received
        if m.client_id == client_id and m.msg_id == REQ_GLOBAL_CANCEL
    ]
    return {
        "cancel_on_wire_ms": round((arrivals[-1] - started) * 1000, 2),
        "all_cancelled_ms": round((all_cancelled - started) * 1000, 2),
        "data_queued_at_trip": waiting,
    }


async def sim_case(queued: int, orders: int) -> Any:
    config = SimConfig()
    extra = tuple(
        InstrumentSpec(f"B{i:03d}", "bench", 20.0 + i % 50, 0.3, 1e6) for i in range(queued)
    )
    broker = SimBroker(WallClock(), replace(config, universe=config.universe + extra), seed=1)
    called: list[float] = []
    cancel_all = broker.cancel_all

    async def timed_cancel_all() -> None:
        called.append(time.monotonic())
        await cancel_all()

    broker.cancel_all = timed_cancel_all  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        app = TradingApp.open(
            settings(), f"sqlite:///{Path(tmp) / 'bench.db'}", broker, WallClock()
        )
        app.restore()
        await app.start()
        broker.start()
        try:
            instruments = [await broker.qualify(f"B{i:03d}") for i in range(queued)]
            ids = await working_orders(app, orders, [app.watchlist[0]])
            for instrument in instruments:
                await app.market.subscribe(instrument)
            started, all_cancelled = await trip(app, ids)
        finally:
            await app.stop()
    return {
        "cancel_sent_ms": round((called[-1] - started) * 1000, 3),
        "all_cancelled_ms": round((all_cancelled - started) * 1000, 2),
    }


def _in_budget(case: dict[str, float]) -> bool:
    return (
        case["cancel_on_wire_ms"] < CANCEL_BUDGET_MS
        and case["all_cancelled_ms"] < ALL_CANCELLED_BUDGET_MS
    )


async def main(queues: list[int], orders: int, sim_orders: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "budget_ms": {"cancel_on_wire": CANCEL_BUDGET_MS, "all_cancelled": ALL_CANCELLED_BUDGET_MS},
        "orders": orders,
        "ib": {},
        "ib_single_queue": {},
        "sim": {},
    }
    with running_gateway(max_market_data_lines=LINES) as gw:
        for i in range(max(queues)):
            gw.add_stock(f"B{i:03d}", 20.0 + i % 50)
        gw.set_quote("AAPL", bid=199.98, ask=200.02, last=200.0)
        gw.set_quote("MSFT", bid=409.98, ask=410.02, last=410.0)
        for n, queued in enumerate(queues):
            result["ib"][str(queued)] = await ib_case(gw, queued, orders, 300 + n, lanes=True)
        single = sorted(queues)[len(queues) // 2]
        result["ib_single_queue"][str(single)] = await ib_case(gw, single, orders, 399, lanes=False)
    for queued in queues:
        result["sim"][str(queued)] = await sim_case(queued, sim_orders)
    result["ok"] = all(_in_budget(case) for case in result["ib"].values())
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20, help="working orders at IB")
    parser.add_argument("--sim-orders", type=int, default=50, help="working orders on the sim")
    parser.add_argument("--quick", action="store_true", help="a small run (CI: the JSON only)")
    args = parser.parse_args()
    # ib_async logs each cancelled order (IB's 202) as an error; the JSON is the output here.
    logging.getLogger("ib_async").setLevel(logging.CRITICAL)
    queues = [0, 15, 50] if args.quick else [0, 150, 500]
    orders = 4 if args.quick else args.orders
    sim_orders = 5 if args.quick else args.sim_orders
    print(json.dumps(asyncio.run(main(queues, orders, sim_orders))))
