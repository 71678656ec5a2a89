"""Benchmark the IB message throttle as TWS sees it; print one JSON object.

TWS disconnects a client that sends more than 50 messages in a second, counted by TWS on
arrival. A client-side throttle that releases its allowance in bursts can keep its own count
under 50 and still be seen over it when two bursts arrive closer together than they were sent
(a busy TWS reads a backlog at once; a loaded machine delays the client). This sends
``--messages`` requests through the adapter's throttle (IBBroker: 4 per 100 ms) and through
ib_async's default (45 per second) to the loopback gateway, optionally stalling the gateway's
loop for ``--stall-ms`` every half second, and reports, from the gateway's arrival times:

- max_per_1s: most messages in any one-second window (budget: < 50, IB's limit);
- max_per_100ms: most in any 100 ms window;
- seconds: from the first to the last arrival.

The tests assert what the throttle decides under a virtual clock
(tests/ib/test_adapter_priority.py); this measures what a real socket makes of it.

Usage: python bench/ib_throttle.py [--messages 400] [--stall-ms 150] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ib_async import IB

from terminal.broker.ib.broker import IBBroker
from terminal.broker.ib.config import IBConfig
from terminal.domain import WallClock
from tests.ib.gateway import Gateway, running_gateway
from tests.ib.gateway.rates import busiest_window

IB_LIMIT_PER_SECOND = 50
REQ_CURRENT_TIME = 49
STALL_EVERY = 0.5


async def _stalls(gw: Gateway, seconds: float) -> None:
    while True:
        await asyncio.sleep(STALL_EVERY)
        gw.stall(seconds)


async def measure(
    gw: Gateway, ib: IB, client_id: int, messages: int, stall: float
) -> dict[str, Any]:
    """Queue ``messages`` requests at once on ``ib`` and read the gateway's arrival times."""
    stalling = asyncio.create_task(_stalls(gw, stall)) if stall > 0 else None
    try:
        for _ in range(messages):
            ib.client.reqCurrentTime()
        await gw.until(
            lambda g: g.received_ids(client_id).count(REQ_CURRENT_TIME) == messages,
            timeout=messages / 10 + 30,
            what=f"{messages} requests",
        )
    finally:
        if stalling is not None:
            stalling.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stalling
    times = [
        m.monotonic
        for m in gw.received
        if m.client_id == client_id and m.msg_id == REQ_CURRENT_TIME
    ]
    return {
        "max_per_1s": busiest_window(times, 1.0),
        "max_per_100ms": busiest_window(times, 0.1),
        "seconds": round(times[-1] - times[0], 3),
    }


async def run(messages: int, stall_ms: float) -> dict[str, Any]:
    """Both throttles over one gateway, with the gateway stalled for ``stall_ms`` twice a second."""
    stall = stall_ms / 1000
    result: dict[str, Any] = {}
    with running_gateway() as gw:
        broker = IBBroker(IBConfig(port=gw.port, client_id=11), WallClock())
        await broker.connect()
        try:
            result["adapter_4_per_100ms"] = await measure(gw, broker.ib, 11, messages, stall)
        finally:
            await broker.disconnect()
        plain = IB()
        await plain.connectAsync("127.0.0.1", gw.port, clientId=12, timeout=10)
        try:
            result["ib_async_default_45_per_1s"] = await measure(gw, plain, 12, messages, stall)
        finally:
            plain.disconnect()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--stall-ms", type=float, default=150.0)
    parser.add_argument("--quick", action="store_true", help="120 messages: about 15 s")
    args = parser.parse_args()
    messages = 120 if args.quick else args.messages
    runs = {
        "no_stall": asyncio.run(run(messages, 0.0)),
        f"stall_{args.stall_ms:g}ms": asyncio.run(run(messages, args.stall_ms)),
    }
    ok = all(r["adapter_4_per_100ms"]["max_per_1s"] < IB_LIMIT_PER_SECOND for r in runs.values())
    result = {
        "bench": "ib_throttle",
        "messages": messages,
        "ib_limit_per_1s": IB_LIMIT_PER_SECOND,
        "runs": runs,
        "ok": ok,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
