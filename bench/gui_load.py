"""Drive the real window under a market-data storm; print one JSON object (times in ms).

The simulated exchange publishes ``--rate`` quote updates per second spread over
``--instruments`` instruments (default 1,000 instruments, 20,000 updates/s, 20 s), all of them in
the watchlist, with every pane visible (no tabs) and the chart, ladder and options chain on the
first instrument. Reports:

* ``loop_lag_ms``: lateness of a 5 ms precise probe timer on the GUI thread (p50/p99/max), and
  ``probe_fired_ratio``: how often it fired against how often it should have (a saturated loop
  fires far less often, which percentiles alone hide);
* ``tick_to_paint_ms``: from the moment the exchange stamped a quote to the watchlist painting it;
* ``cpu_percent``: process CPU time over wall time (100 = one core);
* ``peak_rss_mb``; ``cold_start_to_window_ms``: from the start of this script (before Qt is
  imported) to the window shown with the core started;
* ``updates_per_s``: market updates the core actually delivered.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_load.py [--seconds 20]``
"""

from __future__ import annotations

import time

SCRIPT_START = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync  # noqa: E402
from PySide6.QtCore import Qt, QTimer  # noqa: E402

from terminal.app import TradingApp  # noqa: E402
from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe  # noqa: E402
from terminal.domain import Quote, WallClock  # noqa: E402
from terminal.gc_policy import freeze_startup_objects  # noqa: E402
from terminal.settings import Settings  # noqa: E402
from widgets.launcher import build_window, qt_application  # noqa: E402
from widgets.main_window import MainWindow  # noqa: E402
from widgets.table_model import FastTableView  # noqa: E402

PROBE_MS = 5


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan"), "n": 0}
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(ordered[-1], 2), "n": len(ordered)}


def show_every_pane(window: MainWindow) -> None:
    """Untabify the bottom docks so every pane is on screen at once."""
    docks = window.docks
    previous = docks["approvals"]
    for pane_id in ("blotter", "alerts", "options", "audit"):
        window.splitDockWidget(previous, docks[pane_id], Qt.Orientation.Horizontal)
        previous = docks[pane_id]
    for dock in docks.values():
        dock.show()
    window.resize(2560, 1440)


class Probe:
    """A 5 ms precise timer recording its lateness."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.fired = 0
        self._last = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(PROBE_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000 - PROBE_MS))
        self._last = now
        self.fired += 1


async def drive(window: MainWindow, seconds: float, rate: int) -> dict[str, object]:
    session = window.session
    core = session.app
    window.show()
    started_core = time.perf_counter()
    report = await core.start()
    window.on_started(report)
    freeze_startup_objects()  # as the launcher does
    session.refresh.start()
    cold_start_ms = (time.perf_counter() - SCRIPT_START) * 1000
    core_start_ms = (time.perf_counter() - started_core) * 1000

    # tick-to-paint on the watchlist table
    paint_latency: list[float] = []
    watchlist = window.pane("watchlist")
    views = watchlist.findChildren(FastTableView)
    view = views[0] if views else None
    last_seen = 0.0
    if view is not None:
        model = view.source_model

        def painted() -> None:
            nonlocal last_seen
            stamp = model.flushed_stamp
            if stamp > last_seen:
                last_seen = stamp
                paint_latency.append((time.perf_counter() - stamp) * 1000)

        view.on_painted = painted

    delivered = 0

    def count(quotes: Mapping[str, Quote]) -> None:
        nonlocal delivered
        delivered += len(quotes)

    core.market.quotes_updated += count
    await asyncio.sleep(1.0)  # let history, chains and books load before measuring
    delivered = 0
    probe = Probe()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    probe.start()
    run_market = getattr(core.broker, "start", None)
    if callable(run_market):
        run_market()
    await asyncio.sleep(seconds)
    probe.timer.stop()
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    core.market.quotes_updated -= count
    expected = wall * 1000 / PROBE_MS
    return {
        "bench": "gui_load",
        "instruments": len(core.watchlist),
        "target_updates_per_s": rate,
        "seconds": round(wall, 2),
        "updates_per_s": round(delivered / wall),
        "loop_lag_ms": percentiles(probe.lateness),
        "probe_fired_ratio": round(probe.fired / expected, 3),
        "tick_to_paint_ms": percentiles(paint_latency),
        "cpu_percent": round(cpu / wall * 100, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cold_start_to_window_ms": round(cold_start_ms, 1),
        "core_start_ms": round(core_start_ms, 1),
        "refresh_flushes": session.refresh.flush_count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=20_000, help="market updates per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tick-ms", type=float, default=50.0, help="exchange step interval")
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.quick:
        args.instruments, args.rate, args.seconds = 50, 1_000, 1.0

    steps_per_s = 1000 / args.tick_ms
    fraction = min(1.0, args.rate / steps_per_s / args.instruments)
    universe = synthetic_universe(args.instruments)
    config = SimConfig(
        universe=universe, tick_interval=args.tick_ms / 1000, quote_fraction=fraction
    )
    clock = WallClock()
    broker = SimBroker(clock, config, seed=11)
    symbols = tuple(inst.symbol for inst in universe)
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=symbols))
    app = qt_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/bench.db", broker, clock)
        core.restore()
        window = build_window(core, settings, Path(folder) / "settings.toml")
        show_every_pane(window)
        try:
            result = loop.run_until_complete(drive(window, args.seconds, args.rate))
        finally:
            window.close_now()
            loop.run_until_complete(core.stop())
    loop.close()  # shuts the loop's executor threads down before Qt goes away
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
