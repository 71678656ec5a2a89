"""Benchmark the core without a window; print one JSON object.

Measures, on the real composition root (TradingApp) with a SQLite file and the simulated
exchange in virtual time:

- quotes_per_second: quote updates through market data, portfolio marking, alert rules and the
  risk monitor, for 1,000 instruments in batches (half of them held).
- pretrade_check_us: RiskEngine.check for a limit order with 50 open orders (p50/p99).
- stage_us: OrderManager.stage (risk verdict, audit record, journal) (p50/p99).
- approve_to_broker_us: from the approve call to the broker's place_order being entered
  (p50/p99): the DESIGN budget "approve-click to broker call".

Usage: python bench/core.py [--instruments 1000] [--batches 400] [--orders 300] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from terminal.app import TradingApp
from terminal.broker.sim.broker import SimBroker
from terminal.domain import (
    Fill,
    Instrument,
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderType,
    Quote,
)
from terminal.settings import Settings


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered), 2), "p99": round(p99, 2)}


def build_app(db: Path) -> tuple[TradingApp, SimBroker, ManualClock]:
    clock = ManualClock(dt.datetime(2026, 1, 6, 15, 0, tzinfo=dt.UTC))  # a Tuesday, 10:00 NY
    settings = Settings()
    # Lift the limits that would stop a benchmark placing hundreds of orders.
    settings = replace(
        settings,
        risk=replace(settings.risk, max_open_orders=100_000, max_orders_per_second=100_000),
    )
    broker = SimBroker(clock, seed=1)
    app = TradingApp.open(settings, f"sqlite:///{db}", broker, clock)
    app.restore()
    return app, broker, clock


def bench_quotes(app: TradingApp, broker: SimBroker, instruments: int, batches: int) -> float:
    keys = [f"S{i:04d}" for i in range(instruments)]
    t0 = app.clock.now()
    for n, key in enumerate(keys[: instruments // 2]):  # hold half of them
        app.portfolio.apply_fill(
            Fill(
                f"bench-{n}",
                None,
                Instrument.stock(key),
                OrderSide.BUY,
                Decimal(100),
                Decimal(50),
                Decimal(1),
                t0,
            )
        )
    per_batch = 100
    batches_data = []
    for b in range(batches):
        start = (b * per_batch) % instruments
        batch = []
        for i in range(per_batch):
            price = 50.0 + ((b + i) % 50) * 0.01
            batch.append(
                Quote(
                    keys[(start + i) % instruments], bid=price - 0.01, ask=price + 0.01, last=price
                )
            )
        batches_data.append(batch)
    started = time.perf_counter()
    for batch in batches_data:
        broker.quotes_received.emit(batch)
    elapsed = time.perf_counter() - started
    return batches * per_batch / elapsed


async def bench_orders(
    app: TradingApp, broker: SimBroker, clock: ManualClock, count: int
) -> dict[str, Any]:
    await app.start()
    instrument = await broker.qualify("AAPL")
    await app.market.subscribe(instrument)
    for _ in range(50):  # the simulator updates a share of instruments per step
        clock.advance(0.1)
        broker.step()
        if app.market.last_quote("AAPL") is not None:
            break
    quote = app.market.last_quote("AAPL")
    assert quote is not None
    bid = Decimal(str(round(quote.bid, 2)))

    entered: list[float] = []
    original = broker.place_order

    async def timed_place(order: Order, *, more_follow: bool = False) -> str:
        entered.append(time.perf_counter())
        return await original(order, more_follow=more_follow)

    broker.place_order = timed_place  # type: ignore[method-assign]

    stage_us: list[float] = []
    approve_us: list[float] = []
    for n in range(count):
        clock.advance(1.0)  # past the duplicate window and the rate limit's second
        price = bid - Decimal("0.01") * (n % 20)
        intent = OrderIntent(
            instrument, OrderSide.BUY, Decimal(1), OrderType.LIMIT, limit_price=price
        )
        t0 = time.perf_counter()
        order = app.orders.stage(intent)
        t1 = time.perf_counter()
        stage_us.append((t1 - t0) * 1e6)
        reason = "bench" if order.verdict and order.verdict.level else None
        t2 = time.perf_counter()
        await app.orders.approve(order.id, override_reason=reason)
        approve_us.append((entered[-1] - t2) * 1e6)

    open_orders = app.orders.open_orders()[:50]
    check_intent = OrderIntent(
        instrument, OrderSide.BUY, Decimal(10), OrderType.LIMIT, limit_price=bid
    )
    check_us = []
    for _ in range(2000):
        t0 = time.perf_counter()
        app.risk.check(check_intent, open_orders)
        check_us.append((time.perf_counter() - t0) * 1e6)
    await app.stop()
    return {
        "pretrade_check_us": percentiles(check_us),
        "stage_us": percentiles(stage_us),
        "approve_to_broker_us": percentiles(approve_us),
        "orders": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=400)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.quick:
        args.instruments, args.batches, args.orders = 100, 20, 20
    with tempfile.TemporaryDirectory() as tmp:
        app, broker, clock = build_app(Path(tmp) / "bench.db")
        result: dict[str, Any] = {"bench": "core", "instruments": args.instruments}
        result.update(asyncio.run(bench_orders(app, broker, clock, args.orders)))
        app2, broker2, _ = build_app(Path(tmp) / "bench2.db")
        result["quotes_per_second"] = round(
            bench_quotes(app2, broker2, args.instruments, args.batches)
        )
        app2.writer.close()
        app2.database.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
