"""The Qt half of ``bench/gui_load.py`` (read its docstring): build the window, storm it, measure.

Imported only once the display is chosen (QT_QPA_PLATFORM and DISPLAY set), because Qt reads
them when it is first imported. Not a benchmark of its own (``scripts/bench_quick.py`` skips
files starting with ``_``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import random
import resource
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import _memory_census
import qasync
from _samples import Samples, capacity
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QDockWidget

from terminal.app import TradingApp
from terminal.broker.sim import SimBroker, SimConfig, synthetic_universe
from terminal.domain import DepthBook, DepthLevel, Instrument, Quote, WallClock
from terminal.gc_policy import freeze_startup_objects
from terminal.settings import Settings
from widgets.cell_paint import CellTableView
from widgets.launcher import build_window, qt_application
from widgets.link_groups import UNLINKED
from widgets.main_window import MainWindow
from widgets.panes.depth import DepthLadderPane, LadderView
from widgets.table_model import FastTableView

if TYPE_CHECKING:
    from widgets.panes.chart import ChartPane

PROBE_MS = 5
SCREEN = (2560, 1440)
#: Panes in two rows along the bottom (the default layout tabs them).
BOTTOM_ROWS = (("approvals", "blotter", "alerts", "audit"), ("options", "health", "analytics"))
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


#: Most paints a second a latency is recorded for (one per refresh flush: 30 Hz), with room.
PAINTS_PER_S = 120
#: Seconds of paints before the storm starts (the settle), at most.
SETTLE_S = 12


def percentiles(samples: Samples) -> dict[str, float | None]:
    if not samples:  # null, not NaN: NaN is not JSON (Python's json writes it, jq refuses it)
        return {"p50": None, "p99": None, "max": None, "n": 0}
    ordered = sorted(samples.kept())

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(samples.max, 2), "n": samples.n}


def open_charts(
    window: MainWindow, count: int, instruments: Sequence[Instrument]
) -> list[ChartPane]:
    """The first chart and ``count - 1`` more (Window › New chart), each unlinked on the next
    of ``instruments`` (the watchlist's)."""
    from widgets.panes.chart import ChartPane  # as the window does: once it is shown

    window.build_pending()  # what the window does once it has painted; new charts open built
    first = window.pane("chart")
    assert isinstance(first, ChartPane)
    charts = [first]
    first_dock = window.docks["chart"]
    first_dock.hide()  # else each new chart is tabbed with it, and Qt cannot split tabs apart
    for instrument in instruments[1:count]:
        pane = window.new_pane("chart")
        assert isinstance(pane, ChartPane)
        pane.set_link_group(UNLINKED)
        pane.show_linked(instrument)
        charts.append(pane)
    first_dock.show()
    # Where the first chart was, in one column (up to two charts) or two (a chart's toolbar
    # needs about 900 px, so two columns is what fits 2560 px beside the watchlist and ladder).
    docks = [window.docks[c.pane_id] for c in charts]
    columns = [docks] if len(docks) <= 2 else [docks[0::2], docks[1::2]]
    if len(columns) == 2:
        split(window, columns[0][0], columns[1][0], vertical=False)
    for column in columns:
        for upper, lower in itertools.pairwise(column):
            split(window, upper, lower, vertical=True)
    window.resize(*SCREEN)  # splitting grows the window; the docks shrink back to fit
    fit_left_column(window)
    return charts


def split(window: MainWindow, first: QDockWidget, second: QDockWidget, vertical: bool) -> None:
    """Put ``second`` beside (below) ``first``, out of any tab group: Qt adds a dock split off a
    tabbed one as one more tab."""
    window.removeDockWidget(second)
    orientation = Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal
    window.splitDockWidget(first, second, orientation)
    second.show()


def show_every_pane(window: MainWindow, tape: bool) -> None:
    """Untabify the docks so every pane is on screen at once (2560×1440): the watchlist, ticket
    and risk down the whole left side; the chart, ladder and tape (unless ``tape`` is false)
    across the top; the other panes in two rows across the bottom (one row would not fit at
    their minimum widths). Docks are placed afresh: Qt adds a dock split off a tabbed one as one
    more tab."""
    docks = window.docks
    window.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    for pane_id in ("chart", "depth", "tape", *(p for row in BOTTOM_ROWS for p in row)):
        window.removeDockWidget(docks[pane_id])
    window.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, docks["chart"])
    docks["chart"].show()
    split(window, docks["chart"], docks["depth"], vertical=False)
    if tape:
        split(window, docks["depth"], docks["tape"], vertical=False)
    for row in BOTTOM_ROWS:
        window.addDockWidget(
            Qt.DockWidgetArea.BottomDockWidgetArea, docks[row[0]], Qt.Orientation.Vertical
        )
        docks[row[0]].show()
        for left, right in itertools.pairwise(row):
            split(window, docks[left], docks[right], vertical=False)
    window.resize(*SCREEN)
    window.move(0, 0)
    # The bottom rows as low as they go: the height goes to the charts and the ladder.
    heights = [docks[row[0]].minimumSizeHint().height() for row in BOTTOM_ROWS]
    window.resizeDocks([docks[row[0]] for row in BOTTOM_ROWS], heights, Qt.Orientation.Vertical)
    fit_left_column(window)


def fit_left_column(window: MainWindow) -> None:
    """The left column as narrow as it goes, the watchlist (the storm's main painter) in it as
    tall as it goes."""
    left = [window.docks[p] for p in ("watchlist", "ticket", "risk")]
    low = [d.minimumSizeHint().height() for d in left[1:]]
    window.resizeDocks(left, [SCREEN[1], *low], Qt.Orientation.Vertical)
    narrow = max(d.minimumSizeHint().width() for d in left)
    window.resizeDocks([left[0]], [narrow], Qt.Orientation.Horizontal)


class Probe:
    """A 5 ms precise timer recording its lateness (room for ``seconds`` of it)."""

    def __init__(self, seconds: float) -> None:
        self.lateness = Samples(capacity(seconds, 1000 / PROBE_MS))
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


def watchlist_rows(view: FastTableView | None) -> int:
    if view is None:
        return 0
    first = view.rowAt(0)
    last = view.rowAt(view.viewport().height() - 1)
    if first < 0:
        return 0
    return (view.model().rowCount() if last < 0 else last + 1) - first


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES / 2**20


class RssSampler:
    """The resident set every second: (seconds since start, MB)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self._start = 0.0
        self.timer = QTimer()
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.sample)

    def start(self) -> None:
        self._start = time.perf_counter()
        self.sample()
        self.timer.start()

    def sample(self) -> None:
        self.samples.append((time.perf_counter() - self._start, rss_mb()))

    def stop(self) -> None:
        self.timer.stop()
        self.sample()

    def report(self) -> dict[str, object]:
        values = [mb for _, mb in self.samples]
        half = self.samples[-1][0] / 2
        late = [s for s in self.samples if s[0] >= half]
        return {
            "rss_mb": {
                "start": round(values[0], 1),
                "end": round(values[-1], 1),
                "max": round(max(values), 1),
            },
            "rss_growth_mb_per_min": slope_per_min(late),
        }


def slope_per_min(samples: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) in MB per minute; None below three samples."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_v = sum(v for _, v in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in samples)
    return round(cov / var * 60, 2)


class LadderPaints(QObject):
    """Watches the ladder's viewport paint events: rows each one repaints (from the region Qt
    hands it, whatever the view then paints) and the age of the newest book it shows."""

    def __init__(self, pane: DepthLadderPane, seconds: float) -> None:
        super().__init__()
        self.view: LadderView = pane.view
        self.model = pane.model
        self.counting = False
        self.paints = 0
        self.rows = 0
        self.latency = Samples(capacity(seconds, PAINTS_PER_S))
        self._seen = 0.0
        self.view.viewport().installEventFilter(self)
        self.view.on_painted = self.painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.counting and event.type() == QEvent.Type.Paint:
            assert isinstance(event, QPaintEvent)
            self.paints += 1
            rows: set[int] = set()
            for rect in event.region():
                # Less a pixel each way: a row's grid line is not the row.
                first = self.view.rowAt(rect.top() + 1)
                last = self.view.rowAt(rect.bottom() - 1)
                if first < 0:
                    continue
                if last < 0:
                    last = self.model.rowCount() - 1
                rows.update(range(first, last + 1))
            self.rows += len(rows)
        return False

    def painted(self) -> None:
        """After each paint of the ladder (its ``on_painted``): the age of the newest book."""
        stamp = self.model.flushed_stamp
        if self.counting and stamp > self._seen:
            self._seen = stamp
            self.latency.append((time.perf_counter() - stamp) * 1000)

    def on_screen_rows(self) -> int:
        visible = self.view.visible_rows()
        return 0 if visible is None else visible[1] - visible[0] + 1


class BookStorm:
    """Tops the ladder instrument's books up to ``rate`` a second (see gui_load's docstring):
    each extra one is the latest book with one level's size changed, emitted through the
    broker's ``depth_received`` like the simulator's own."""

    def __init__(self, core: TradingApp, key: str, rate: int, seed: int = 7) -> None:
        self.core, self.key, self.rate = core, key, rate
        self.delivered = 0
        self.extra = 0
        self._rng = random.Random(seed)
        self._start = 0.0
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(max(1, round(1000 / rate)) if rate > 0 else 1000)
        self.timer.timeout.connect(self._tick)
        core.market.depth_updated += self._count

    def _count(self, book: DepthBook) -> None:
        if book.key == self.key:
            self.delivered += 1

    def start(self) -> None:
        self.delivered = self.extra = 0
        self._start = time.perf_counter()
        if self.rate > 0:
            self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.core.market.depth_updated -= self._count

    def _tick(self) -> None:
        due = int((time.perf_counter() - self._start) * self.rate) - self.delivered
        emit = self.core.broker.depth_received.emit
        for _ in range(max(0, due)):
            book = self.core.market.last_depth(self.key)
            if book is None or not (book.bids or book.asks):
                return
            emit(self._changed(book))
            self.extra += 1

    def _changed(self, book: DepthBook) -> DepthBook:
        # The venue's work, on the GUI thread only because the bench drives it from here: kept
        # to plain construction (no dataclasses.replace), so it costs the terminal little.
        rng = self._rng
        bids = (rng.random() < 0.5 and bool(book.bids)) or not book.asks
        levels = list(book.bids if bids else book.asks)
        i = int(rng.random() * len(levels))
        level = levels[i]
        step = 100 * (1 + int(rng.random() * 5))
        size = max(100.0, level.size + (step if rng.random() < 0.5 else -step))
        levels[i] = DepthLevel(level.price, size, level.orders)
        changed = tuple(levels)
        return DepthBook(
            book.key,
            changed if bids else book.bids,
            book.asks if bids else changed,
            book.time,
            time.perf_counter(),
        )


async def wait_for(predicate: Callable[[], bool], within_s: float) -> bool:
    deadline = time.perf_counter() + within_s
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def drive(
    window: MainWindow, args: argparse.Namespace, script_start: float
) -> dict[str, object]:
    session = window.session
    core = session.app
    window.show()
    started_core = time.perf_counter()
    report = await core.start()
    window.on_started(report)
    session.refresh.start()
    cold_start_ms = (time.perf_counter() - script_start) * 1000
    cold_start_cpu_ms = time.process_time() * 1000
    core_start_ms = (time.perf_counter() - started_core) * 1000
    charts = open_charts(window, args.charts, core.watchlist)  # the watchlist is resolved now
    freeze_startup_objects()  # as the launcher does once the window is up

    # tick-to-paint on the watchlist table
    paint_latency = Samples(capacity(SETTLE_S + args.seconds, PAINTS_PER_S))
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
    ladder = window.pane("depth")
    assert isinstance(ladder, DepthLadderPane)
    # Let history, chains and books load before measuring.
    settle = time.perf_counter()
    await asyncio.sleep(1.0)
    settled = await wait_for(
        lambda: ladder.subscribed is not None and not any(c.loading for c in charts), 10.0
    )
    settle_ms = (time.perf_counter() - settle) * 1000
    off_screen = sorted(pane_id for pane_id, pane in window.panes.items() if not pane.on_screen)
    charts_on_screen = sum(c.on_screen for c in charts)
    ladder_key = ladder.subscribed.key if ladder.subscribed is not None else ""
    paints = LadderPaints(ladder, args.seconds)
    books = BookStorm(core, ladder_key, args.book_rate)
    rss = RssSampler()
    delivered = 0
    probe = Probe(args.seconds)
    profiler = cProfile.Profile() if args.profile is not None else None
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    gui0 = time.thread_time()  # this is the GUI thread
    wall0 = time.perf_counter()
    venue0 = getattr(core.broker, "venue_updates", 0)
    rss.start()
    probe.start()
    paints.counting = True
    books.start()
    if profiler is not None:
        profiler.enable()
    run_market = getattr(core.broker, "start", None)
    if callable(run_market):
        run_market()
    census = await storm(window, args)
    if profiler is not None:
        profiler.disable()
    books.stop()
    paints.counting = False
    probe.timer.stop()
    rss.stop()
    wall = time.perf_counter() - wall0
    venue_updates = getattr(core.broker, "venue_updates", 0) - venue0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    gui_cpu = time.thread_time() - gui0
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    core.market.quotes_updated -= count
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    expected = wall * 1000 / PROBE_MS
    return {
        "bench": "gui_load",
        "display": args.display,
        "platform": os.environ.get("QT_QPA_PLATFORM", ""),
        "instruments": args.instruments,
        "watchlist": len(core.watchlist),
        "charts": len(charts),
        "charts_on_screen": charts_on_screen,
        "tape": args.tape,
        "panes_off_screen": off_screen,
        "window_size": list(window.size().toTuple()),
        "watchlist_rows_on_screen": watchlist_rows(view),
        "target_updates_per_s": args.rate,
        "seconds": round(wall, 2),
        "market": args.market,
        "tick_ms": args.tick_ms,
        "venue_updates_per_s": round(venue_updates / wall),
        "updates_per_s": round(delivered / wall),
        "loop_lag_ms": percentiles(probe.lateness),
        "probe_fired_ratio": round(probe.fired / expected, 3),
        "tick_to_paint_ms": percentiles(paint_latency),
        "target_book_updates_per_s": args.book_rate,
        "book_updates_per_s": round(books.delivered / wall),
        "book_updates_added_per_s": round(books.extra / wall),
        "ladder_rows": paints.on_screen_rows(),
        "ladder_paints": paints.paints,
        "ladder_rows_repainted_per_update": round(paints.rows / max(1, books.delivered), 2),
        "ladder_rows_repainted_per_paint": round(paints.rows / max(1, paints.paints), 2),
        "ladder_tick_to_paint_ms": percentiles(paints.latency),
        "cpu_percent": round(cpu / wall * 100, 1),
        "gui_thread_cpu_percent": round(gui_cpu / wall * 100, 1),
        **rss.report(),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cold_start_to_window_ms": round(cold_start_ms, 1),
        "cold_start_cpu_ms": round(cold_start_cpu_ms, 1),
        "core_start_ms": round(core_start_ms, 1),
        "refresh_flushes": session.refresh.flush_count,
        "settled": settled,
        "settle_ms": round(settle_ms, 1),
        "profile": None if args.profile is None else str(args.profile),
        **({} if census is None else {"memory_census": census}),
    }


async def storm(window: MainWindow, args: argparse.Namespace) -> dict[str, object] | None:
    """Let the storm run ``args.seconds``; with ``--memory-census``, take one at the start,
    half-time and end and return what grew in each half."""
    if not args.memory_census:
        await asyncio.sleep(args.seconds)
        return None
    start = _memory_census.take(args.tracemalloc)
    fitted = [fit_cache_texts(window)]
    await asyncio.sleep(args.seconds / 2)
    half = _memory_census.take()
    fitted.append(fit_cache_texts(window))
    await asyncio.sleep(args.seconds / 2)
    end = _memory_census.take()
    fitted.append(fit_cache_texts(window))
    return {
        "first_half": _memory_census.compare(start, half),
        "second_half": _memory_census.compare(half, end),
        # The collector does not track a dict of str -> str, so the census cannot see these.
        "fit_cache_texts": {
            name: [f.get(name, 0) for f in fitted] for name in sorted(set().union(*fitted))
        },
    }


def fit_cache_texts(window: MainWindow) -> dict[str, int]:
    """Texts each pane's cell-painted views hold fitted (widgets/cell_paint.py), all fonts."""
    counts: dict[str, int] = {}
    for pane_id, pane in window.panes.items():
        for view in pane.findChildren(CellTableView):
            counts[pane_id] = counts.get(pane_id, 0) + view.fitted_texts()
    return counts


def run(args: argparse.Namespace, script_start: float) -> dict[str, object]:
    steps_per_s = 1000 / args.tick_ms
    fraction = min(1.0, args.rate / steps_per_s / args.instruments)
    universe = synthetic_universe(args.instruments)
    config = SimConfig(
        universe=universe, tick_interval=args.tick_ms / 1000, quote_fraction=fraction
    )
    clock = WallClock()
    broker = SimBroker(clock, config, seed=11, market_process=args.market == "process")
    symbols = tuple(inst.symbol for inst in universe[: args.watchlist])
    settings = Settings()
    settings = replace(settings, ui=replace(settings.ui, watchlist=symbols))
    app = qt_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder:
        core = TradingApp.open(settings, f"sqlite:///{folder}/bench.db", broker, clock)
        core.restore()
        window = build_window(core, settings, Path(folder) / "settings.toml")
        try:
            show_every_pane(window, args.tape)
            result = loop.run_until_complete(drive(window, args, script_start))
        finally:
            window.close_now()
            loop.run_until_complete(core.stop())
    loop.close()  # shuts the loop's executor threads down before Qt goes away
    return result
