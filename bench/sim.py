"""Benchmark the simulated exchange; print JSON.

* ``market_updates_per_s``: quotes the simulator generates for 1,000 subscribed instruments and a
  consumer (last-quote cache keyed by instrument) takes in, per wall-clock second.
* ``matching_orders_per_s``: orders placed, acknowledged and matched (fills included) per second.
* ``process``: what the feed costs the main (GUI) thread on wall time at ``--rate`` updates/s over
  ``--instruments`` subscribed instruments, with the market generated in-process (``step()`` on
  the loop) and in its own process (``market_process``), interleaved ``--rounds`` times:
  ``main_cpu_ms_per_s`` is the main thread's CPU time per wall second (the child's is reported
  apart), ``updates_per_s`` the quotes delivered, ``main_cpu_us_per_update`` the main thread's
  CPU per delivered quote (the fair comparison: the modes deliver different rates),
  ``conflated`` the steps that arrived behind another one and were published with it.

Run: ``.venv/bin/python bench/sim.py [--instruments 1000] [--steps 400] [--orders 5000]
[--rate 20000] [--seconds 5]``; ``--process`` runs only the process figure; ``--quick`` runs a few
seconds' worth (CI checks that the benchmark still runs, not its figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe
from terminal.domain import (
    ManualClock,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    WallClock,
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


async def feed_cost(
    instruments: int, rate: int, seconds: float, *, in_process: bool
) -> dict[str, float]:
    """Run the market on wall time for ``seconds`` and measure the main thread's share of it."""
    tick = 0.05
    fraction = min(1.0, rate * tick / instruments)  # as bench/gui_load.py maps a rate
    config = SimConfig(
        universe=synthetic_universe(instruments), tick_interval=tick, quote_fraction=fraction
    )
    broker = SimBroker(WallClock(), config, seed=11, market_process=not in_process)
    await broker.connect()
    for symbol in broker.exchange.stocks:
        await broker.subscribe_quotes(await broker.qualify(symbol))
    cache: dict[str, Quote] = {}
    count = 0
    first = asyncio.Event()

    def consume(quotes: Sequence[Quote]) -> None:
        nonlocal count
        count += len(quotes)
        for quote in quotes:
            cache[quote.key] = quote
        first.set()

    broker.quotes_received += consume
    broker.start()
    await first.wait()  # measured from the first batch: the process's start-up is not the feed
    count = 0
    process = broker.process
    pid = process.pid if process is not None else None
    child = _cpu_seconds(pid)
    cpu, wall = time.thread_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    child = _cpu_seconds(pid) - child
    delivered = count
    conflated = process.conflated if process is not None else 0
    await broker.disconnect()
    return {
        "main_cpu_ms_per_s": round(cpu / wall * 1000, 1),
        "child_cpu_ms_per_s": round(child / wall * 1000, 1),
        "updates_per_s": round(delivered / wall),
        "main_cpu_us_per_update": round(cpu / delivered * 1e6, 2) if delivered else 0.0,
        "conflated": conflated,
    }


def _cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a running process has used so far (Linux /proc); 0 without one."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def process_figure(
    instruments: int, rate: int, seconds: float, rounds: int
) -> dict[str, object]:
    """In-process and market-process runs interleaved (the machine's load hits both alike)."""
    runs: dict[str, list[dict[str, float]]] = {"in_process": [], "market_process": []}
    for _ in range(rounds):
        for name in runs:
            runs[name].append(
                await feed_cost(instruments, rate, seconds, in_process=name == "in_process")
            )
    result: dict[str, object] = {
        "instruments": instruments,
        "rate": rate,
        "seconds": seconds,
        "rounds": rounds,
    }
    for name, figures in runs.items():
        result[name] = {key: statistics.median(f[key] for f in figures) for key in figures[0]} | {
            "runs": figures
        }
    main_in = statistics.median(f["main_cpu_ms_per_s"] for f in runs["in_process"])
    main_proc = statistics.median(f["main_cpu_ms_per_s"] for f in runs["market_process"])
    result["main_cpu_ratio"] = round(main_proc / main_in, 3) if main_in else None
    per_in = statistics.median(f["main_cpu_us_per_update"] for f in runs["in_process"])
    per_proc = statistics.median(f["main_cpu_us_per_update"] for f in runs["market_process"])
    result["main_cpu_per_update_ratio"] = round(per_proc / per_in, 3) if per_in else None
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--instruments", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--rate", type=int, default=20_000, help="updates/s (process figure)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per run (process figure)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved runs of each mode")
    parser.add_argument("--process", action="store_true", help="only the process figure")
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.quick:
        args.instruments, args.steps, args.orders = 100, 20, 200
        args.rate, args.seconds, args.rounds = 1_000, 0.3, 1
    result: dict[str, object] = {"bench": "sim"}
    if not args.process:
        result["market"] = await market_updates(args.instruments, args.steps)
        result["matching"] = await matching(args.orders)
    result["process"] = await process_figure(args.instruments, args.rate, args.seconds, args.rounds)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
