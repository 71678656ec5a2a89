"""Bar history: generated backfill that ends where the live market starts, plus live bars.

The generated one-minute path of an instrument ends exactly at its starting price, so a chart
backfilled from :func:`minute_history` joins the live prints without a gap. Each instrument's
history has its own random stream (derived from the seed and its index), so asking for one
instrument never changes another's bars or the live market.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from terminal.broker.sim.config import TRADING_SECONDS_PER_YEAR
from terminal.domain import Bar, Timeframe

type FloatArray = npt.NDArray[np.float64]

_SUBSTEPS = 6


@dataclass(frozen=True, slots=True)
class BarArrays:
    """Bars as columns: start times (epoch seconds) and OHLCV."""

    start: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __len__(self) -> int:
        return int(self.start.size)

    def to_bars(self, count: int) -> list[Bar]:
        """Return the last ``count`` bars as domain values."""
        n = len(self)
        lo = max(0, n - count)
        cols = zip(
            self.start[lo:].tolist(),
            self.open[lo:].tolist(),
            self.high[lo:].tolist(),
            self.low[lo:].tolist(),
            self.close[lo:].tolist(),
            self.volume[lo:].tolist(),
            strict=True,
        )
        return [
            Bar(dt.datetime.fromtimestamp(t, dt.UTC), o, h, lo_, c, v)
            for t, o, h, lo_, c, v in cols
        ]


_FIELDS = ("start", "open", "high", "low", "close", "volume")


def concat(parts: list[BarArrays]) -> BarArrays:
    """Join bar arrays in time order."""
    start, o, h, lo, c, v = (np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS)
    return BarArrays(start, o, h, lo, c, v)


def tail(bars: BarArrays, first: int) -> BarArrays:
    """Return the bars from index ``first`` on."""
    start, o, h, lo, c, v = (getattr(bars, f)[first:] for f in _FIELDS)
    return BarArrays(start, o, h, lo, c, v)


def _rng(seed: int, index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, index, stream])


def minute_history(
    seed: int, index: int, end_price: float, vol: float, adv: float, end: dt.datetime, days: int
) -> BarArrays:
    """Generate ``days`` of one-minute bars ending at ``end`` whose last close is ``end_price``."""
    rng = _rng(seed, index, 1)
    minutes = days * 24 * 60
    end_minute = int(end.timestamp()) // 60 * 60
    start = end_minute - 60 * np.arange(minutes, 0, -1, dtype=np.int64)
    logvol = np.zeros(minutes)
    shocks = rng.standard_normal(minutes) * 0.05
    for lag in (1, 2, 4, 8, 16, 32, 64, 128):  # cheap long-memory volatility without a loop per bar
        logvol[lag:] += shocks[:-lag] * 0.5
    sub_sigma = vol * np.exp(logvol) * np.sqrt(60 / _SUBSTEPS / TRADING_SECONDS_PER_YEAR)
    steps = rng.standard_normal((minutes, _SUBSTEPS)) * sub_sigma[:, None]
    jumps = rng.random(minutes) < 0.5 / 390
    steps[:, -1] += jumps * rng.normal(0, 0.01, minutes)
    path = np.cumsum(steps.ravel()).reshape(minutes, _SUBSTEPS)
    path = end_price * np.exp(path - path[-1, -1])
    close = path[:, -1]
    open_ = np.concatenate([[path[0, 0] / np.exp(steps[0, 0])], close[:-1]])
    high = np.maximum(path.max(axis=1), open_)
    low = np.minimum(path.min(axis=1), open_)
    # Busier minutes move more; 1,440 minutes a day trade about one average day's volume.
    surprise = np.abs(np.log(close / open_)) / np.maximum(sub_sigma * np.sqrt(_SUBSTEPS), 1e-12)
    activity = 0.5 + 0.6 * surprise
    volume = np.round(adv / 1440 * rng.lognormal(-0.245, 0.7, minutes) * activity / 100) * 100
    o, h, lo, c = (np.round(a, 2) for a in (open_, high, low, close))
    return BarArrays(start, o, h, lo, c, volume)


def daily_history(
    seed: int, index: int, end_price: float, vol: float, adv: float, end: dt.date, days: int
) -> BarArrays:
    """Generate ``days`` weekday daily bars ending the day before ``end`` at ``end_price``."""
    rng = _rng(seed, index, 2)
    dates: list[dt.date] = []
    day = end
    while len(dates) < days:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            dates.append(day)
    dates.reverse()
    start = np.array(
        [int(dt.datetime.combine(d, dt.time(), dt.UTC).timestamp()) for d in dates], dtype=np.int64
    )
    sigma = vol / np.sqrt(252)
    ret = rng.standard_normal(days) * sigma * np.exp(rng.normal(0, 0.25, days))
    close = end_price * np.exp(np.cumsum(ret) - ret.sum())
    gap = rng.normal(0, sigma * 0.3, days)
    open_ = np.concatenate([[close[0] / np.exp(ret[0])], close[:-1]]) * np.exp(gap)
    wick = np.abs(rng.normal(0, sigma * 0.5, (2, days)))
    high = np.maximum(open_, close) * np.exp(wick[0])
    low = np.minimum(open_, close) * np.exp(-wick[1])
    volume = np.round(adv * rng.lognormal(-0.05, 0.3, days))
    o, h, lo, c = (np.round(a, 2) for a in (open_, high, low, close))
    return BarArrays(start, o, h, lo, c, volume)


def resample(bars: BarArrays, timeframe: Timeframe) -> BarArrays:
    """Aggregate bars into ``timeframe`` buckets (aligned to the epoch)."""
    if len(bars) == 0:
        return bars
    size = timeframe.seconds
    bucket = bars.start // size * size
    edges = np.flatnonzero(np.diff(bucket)) + 1
    first = np.concatenate([[0], edges])
    last = np.concatenate([edges - 1, [len(bars) - 1]])
    return BarArrays(
        bucket[first],
        bars.open[first],
        np.maximum.reduceat(bars.high, first),
        np.minimum.reduceat(bars.low, first),
        bars.close[last],
        np.add.reduceat(bars.volume, first),
    )


class LiveBars:
    """One-minute bars of every instrument, built from the live prints (vectorised)."""

    def __init__(self, prices: FloatArray, start: dt.datetime) -> None:
        n = prices.size
        self.minute = int(start.timestamp()) // 60 * 60
        self.open = prices.copy()
        self.high = prices.copy()
        self.low = prices.copy()
        self.close = prices.copy()
        self.volume = np.zeros(n)
        self.completed: list[tuple[int, FloatArray]] = []

    def update(
        self, now: dt.datetime, idx: npt.NDArray[np.int64], prices: FloatArray, sizes: FloatArray
    ) -> None:
        """Roll the minute when ``now`` entered a new one, then apply this step's prints."""
        minute = int(now.timestamp()) // 60 * 60
        if minute != self.minute:
            row = np.stack([self.open, self.high, self.low, self.close, self.volume])
            self.completed.append((self.minute, row))
            self.minute = minute
            self.open = self.close.copy()
            self.high = self.close.copy()
            self.low = self.close.copy()
            self.volume = np.zeros_like(self.volume)
        if idx.size:
            self.high[idx] = np.maximum(self.high[idx], prices)
            self.low[idx] = np.minimum(self.low[idx], prices)
            self.close[idx] = prices
            np.add.at(self.volume, idx, sizes)

    def series(self, i: int, *, forming: bool = True) -> BarArrays:
        """Return instrument ``i``'s live minute bars (the forming one last, if asked)."""
        rows = [(t, r[:, i]) for t, r in self.completed]
        if forming:
            now_row = np.array(
                [self.open[i], self.high[i], self.low[i], self.close[i], self.volume[i]]
            )
            rows.append((self.minute, now_row))
        starts = np.array([t for t, _ in rows], dtype=np.int64)
        data = np.array([r for _, r in rows]).reshape(len(rows), 5).T
        return BarArrays(starts, data[0], data[1], data[2], data[3], data[4])
