"""A terminal that appends to the audit chain as fast as its writer commits (a child process).

Run as ``python -m tests.desk.chain_writer URL WORKSTATION SECONDS``: it builds the real core on
the simulator against ``URL``, prints ``READY``, waits for a line on stdin (so every writer
starts together), then for ``SECONDS`` stages and rejects orders and writes a numbered probe
record, waiting for each probe's commit before the next round (back-pressure, not a sleep).
At the end it stops the app (session_stop, flush) and prints one JSON line: how many records
it asked for, how many were committed, how many writes failed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from decimal import Decimal

from terminal.app import TradingApp
from terminal.broker.sim.factory import sim_broker_from_settings
from terminal.domain import OrderIntent, OrderSide, OrderType, WallClock
from terminal.persistence import AuditRecord, open_database
from terminal.settings import Settings


async def main(url: str, workstation: str, seconds: float) -> dict[str, object]:
    settings = Settings()
    clock = WallClock()
    app = TradingApp(
        settings,
        open_database(url),
        sim_broker_from_settings(settings.sim, clock, seed=len(workstation)),
        clock,
        actor=f"user-{workstation}",
        workstation=workstation,
    )
    app.restore()
    asked = 0
    committed: list[AuditRecord] = []
    original = app.audit.record

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal asked
        asked += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    app.audit.record = counting  # type: ignore[method-assign]
    app.audit.recorded += committed.append
    await app.start()
    instrument = app.watchlist[0]
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    end = time.monotonic() + seconds
    probes = 0
    while time.monotonic() < end:
        intent = OrderIntent(instrument, OrderSide.BUY, Decimal(1), OrderType.MARKET)
        order = app.orders.stage(intent)
        app.orders.reject(order.id, "chain test")
        done = asyncio.get_running_loop().create_future()

        def on_commit(
            record: AuditRecord, n: int = probes, done: asyncio.Future[None] = done
        ) -> None:
            if record.action == "desk_probe" and record.details["n"] == n and not done.done():
                done.set_result(None)

        app.audit.recorded += on_commit
        app.audit.record("desk_probe", workstation, {"n": probes})
        await done
        app.audit.recorded -= on_commit
        probes += 1
    failed = len(app.writer.failed)
    await app.stop()
    return {
        "workstation": workstation,
        "asked": asked,
        "committed": len(committed),
        "probes": probes,
        "failed": failed,
    }


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
    print(json.dumps(result), flush=True)
