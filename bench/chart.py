"""Benchmark the chart offscreen; print one JSON object (times in milliseconds).

Measures the real chart view (``widgets.chart.view.ChartView``, 1200x700, dark theme, SMA/EMA/
VWAP shown) on synthetic one-minute bars:

- forming_update_ms: one live update of the forming bar (the pane's refresh path:
  ``apply_updates`` then a synchronous repaint), p50/p99, with the default zoom (120 bars
  visible) and zoomed out to every bar. DESIGN budget: < 2 ms with 5,000 bars.
- completed_bar_ms: a bar completes (its chunk of the cached history is rebuilt, the view
  scrolls one bar) plus the repaint, p50/p99.
- candles_pan_ms: pan frames over the candles (each pan invalidates the device cache), p50/p99
  and the frame rate they allow; also over 1,000,000 candles at the default zoom.
- line_1m_pan_ms: pan and zoom frames over a 1,000,000-point line (the bars' closes) with
  ``clipToView`` and peak downsampling, at three zoom levels. DESIGN budget: >= 30 fps.

Usage: QT_QPA_PLATFORM=offscreen python bench/chart.py [--bars 5000] [--samples 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import PySide6  # noqa: F401  # before pyqtgraph

# isort: split

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from terminal.domain import Bar, Timeframe
from widgets.chart.series import BarArrays, ChartSeries
from widgets.chart.style import ChartColors
from widgets.chart.view import ChartView
from widgets.theme import DARK, apply_theme

WIDTH, HEIGHT = 1200, 700
T0 = dt.datetime(2026, 1, 6, 14, 30, tzinfo=dt.UTC)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered), 3), "p99": round(p99, 3)}


def frames(samples: list[float]) -> dict[str, float]:
    result = percentiles(samples)
    result["fps_at_p99"] = round(1000 / result["p99"], 1) if result["p99"] > 0 else 0.0
    return result


def random_bars(count: int, seed: int = 7) -> BarArrays:
    """``count`` one-minute bars of a random walk, as columns."""
    rng = np.random.default_rng(seed)
    close = 150 + np.cumsum(rng.normal(0, 0.08, count))
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0, 0.05, count))
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.integers(100, 5000, count).astype(np.float64)
    times = T0.timestamp() + 60.0 * np.arange(count)
    return BarArrays.from_columns(times, open_, high, low, close, volume)


def timed(action: Callable[[], object], repaint: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    repaint()
    return (time.perf_counter() - started) * 1000


def build_view(app: QApplication, bars: BarArrays, overlays: bool = True) -> ChartView:
    view = ChartView(ChartColors.from_palette(DARK))
    view.resize(WIDTH, HEIGHT)
    view.show()
    app.processEvents()
    history = BarArrays.from_columns(*(column[:-1] for column in _columns(bars)))
    view.load_series(ChartSeries.of(Timeframe.M1, history, bars.bar(len(bars) - 1)))
    if overlays:
        for name in view.overlays:
            view.set_indicator(name, True)
    app.processEvents()
    view.viewport().repaint()
    return view


def _columns(bars: BarArrays) -> tuple[np.ndarray, ...]:
    return (bars.times, bars.open, bars.high, bars.low, bars.close, bars.volume)


def bench_forming(view: ChartView, samples: int, rng: np.random.Generator) -> list[float]:
    repaint = view.viewport().repaint
    out = []
    for _ in range(samples):
        forming = view.series.forming
        assert forming is not None
        close = forming.close + float(rng.normal(0, 0.02))
        bar = Bar(
            forming.start,
            forming.open,
            max(forming.high, close),
            min(forming.low, close),
            close,
            forming.volume + 10,
        )
        out.append(timed(lambda b=bar: view.apply_updates([b]), repaint))
    return out


def bench_completed(view: ChartView, samples: int) -> list[float]:
    repaint = view.viewport().repaint
    out = []
    for _ in range(samples):
        forming = view.series.forming
        assert forming is not None
        start = forming.start + dt.timedelta(minutes=1)
        bar = Bar(start, forming.close, forming.close, forming.close, forming.close, 1.0)
        out.append(timed(lambda b=bar: view.apply_updates([b]), repaint))
    return out


def bench_pan(view: ChartView, width: float, frames_count: int) -> list[float]:
    """Pan right to left across the data, ``width`` bars visible."""
    repaint = view.viewport().repaint
    last = view.series.last_index
    step = max(1.0, min(width / 20, (last - width) / frames_count))
    out = []
    for i in range(frames_count):
        right = last + 2 - i * step
        out.append(timed(lambda r=right: view.price_vb.setXRange(r - width, r, padding=0), repaint))
    return out


def bench_line(app: QApplication, points: int, frames_count: int) -> dict[str, Any]:
    rng = np.random.default_rng(3)
    y = 150 + np.cumsum(rng.normal(0, 0.05, points))
    x = np.arange(points, dtype=np.float64)
    widget = pg.PlotWidget()
    widget.resize(WIDTH, HEIGHT)
    plot = widget.getPlotItem()
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    curve = plot.plot(x, y, pen=pg.mkPen("#e5c07b"))
    widget.show()
    app.processEvents()
    vb = plot.getViewBox()
    repaint = widget.viewport().repaint
    result: dict[str, Any] = {"points": points}
    for label, width in (
        ("visible_10k", 10_000),
        ("visible_100k", 100_000),
        ("visible_all", points),
    ):
        samples = []
        step = max(1.0, (points - width) / frames_count)
        for i in range(frames_count):
            lo = min(i * step, points - width)
            visible = y[int(lo) : int(lo + width)]

            def move(lo: float = lo, hi: float = lo + width, visible: np.ndarray = visible) -> None:
                vb.setRange(
                    xRange=(lo, hi),
                    yRange=(float(visible.min()), float(visible.max())),
                    padding=0,
                )

            samples.append(timed(move, repaint))
        result[label] = frames(samples)
    # zoom frames: from 1,000 points out to everything and back
    widths = np.geomspace(1_000, points, frames_count // 2)
    zoom = []
    for width in [*widths, *widths[::-1]]:
        zoom.append(timed(lambda w=width: vb.setXRange(points - w, points, padding=0), repaint))
    result["zoom"] = frames(zoom)
    widget.close()
    del curve
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--bars", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--line-points", type=int, default=1_000_000)
    parser.add_argument("--big-bars", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="a few seconds' worth (CI)")
    args = parser.parse_args()
    if args.quick:
        args.bars, args.samples, args.frames, args.line_points, args.big_bars = (
            500,
            20,
            5,
            10_000,
            0,
        )

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app, "dark")
    rng = np.random.default_rng(11)
    result: dict[str, Any] = {"bench": "chart", "bars": args.bars, "size": [WIDTH, HEIGHT]}

    view = build_view(app, random_bars(args.bars))
    renders = view.candles.render_count
    result["forming_update_ms"] = {
        "visible_120": percentiles(bench_forming(view, args.samples, rng))
    }
    assert view.candles.render_count == renders, "a forming update rebuilt the history"
    view.set_follow(False)
    view.price_vb.setXRange(-1, view.series.last_index + 1, padding=0)
    result["forming_update_ms"][f"visible_{args.bars}"] = percentiles(
        bench_forming(view, args.samples, rng)
    )
    view.set_follow(True, reset_width=True)
    result["completed_bar_ms"] = percentiles(bench_completed(view, max(20, args.samples // 5)))
    result["candles_pan_ms"] = {
        "visible_120": frames(bench_pan(view, 120, args.frames)),
        f"visible_{args.bars}": frames(bench_pan(view, float(args.bars), args.frames)),
    }
    view.close()

    if args.big_bars:
        started = time.perf_counter()
        big = build_view(app, random_bars(args.big_bars), overlays=False)
        load_ms = (time.perf_counter() - started) * 1000
        result["candles_pan_ms"][f"bars_{args.big_bars}_visible_200"] = frames(
            bench_pan(big, 200, args.frames)
        )
        result["candles_pan_ms"][f"bars_{args.big_bars}_load_ms"] = round(load_ms, 1)
        result[f"forming_update_ms_with_{args.big_bars}_bars"] = percentiles(
            bench_forming(big, args.samples, rng)
        )
        big.close()

    result["line_1m_pan_ms"] = bench_line(app, args.line_points, args.frames)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
