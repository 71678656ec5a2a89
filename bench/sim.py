"""Benchmark the simulated exchange; print JSON.

* ``market_updates_per_s``: quotes the simulator generates for 1,000 subscribed instruments and a
  consumer (last-quote cache keyed by instrument) takes in, per wall-clock second.
* ``matching_orders_per_s``: orders placed, acknowledged and matched (fills included) per second.

Run: ``.venv/bin/python bench/sim.py [--instruments 1000] [--steps 400] [--orders 5000]``;
``--quick`` runs a few seconds' worth (CI checks that the benchmark still runs, not its figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from decimal import Decimal

from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe
from terminal.domain import (
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
)


async def market_updates(instruments: int, steps: int) -> dict[str, float]:
    clock = ManualClock()
    config = SimConfig(universe=synthetic_universe(instruments), quote_fraction=0.5)
    broker = SimBroker(clock, config, seed=1)
    await broker.connect()
    for symbol in broker.exchange.stocks:
        await broker.subscribe_quotes(await broker.qualify(symbol))
    cache: dict[str, Quote] = {}
    count = 0

    def consume(quotes: Sequence[Quote]) -> None:
        nonlocal count
        count += len(quotes)
        for quote in quotes:
            cache[quote.key] = quote

    broker.quotes_received += consume
    start = time.perf_counter()
    for _ in range(steps):
        clock.advance(0.05)
        broker.step(0.05)
    elapsed = time.perf_counter() - start
    return {
        "instruments": instruments,
        "steps": steps,
        "market_updates": count,
        "market_updates_per_s": round(count / elapsed),
        "step_ms": round(elapsed / steps * 1000, 3),
    }


async def matching(orders: int) -> dict[str, float]:
    clock = ManualClock()
    broker = SimBroker(clock, SimConfig(quote_fraction=1.0), seed=2)
    await broker.connect()
    symbols = list(broker.exchange.stocks)
    fills = 0

    def on_fill(_: object) -> None:
        nonlocal fills
        fills += 1

    broker.fill_received += on_fill
    market = broker.exchange.market
    start = time.perf_counter()
    for n in range(orders):
        symbol = symbols[n % len(symbols)]
        inst = broker.exchange.stocks[symbol]
        i = market.index[symbol]
        side = OrderSide.BUY if n % 2 else OrderSide.SELL
        if n % 3 == 0:
            intent = OrderIntent(inst, side, Decimal(10), OrderType.MARKET)
        else:  # limits around the touch: some marketable, some resting
            ref = market.ask[i] if side is OrderSide.BUY else market.bid[i]
            offset = (n % 5 - 2) * 0.01 * side.sign
            price = Decimal(str(round(float(ref) + offset, 2)))
            intent = OrderIntent(inst, side, Decimal(10), OrderType.LIMIT, limit_price=price)
        now = clock.now()
        await broker.place_order(Order(f"b{n}", intent, OrderStatus.APPROVED, now, now))
        if n % 10 == 9:
            clock.advance(0.01)
            broker.step(0.01)
    clock.advance(0.01)
    broker.step(0.01)
    elapsed = time.perf_counter() - start
    return {
        "orders": orders,
        "fills": fills,
        "matching_orders_per_s": round(orders / elapsed),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--instruments", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.quick:
        args.instruments, args.steps, args.orders = 100, 20, 200
    result = {
        "bench": "sim",
        "market": await market_updates(args.instruments, args.steps),
        "matching": await matching(args.orders),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
