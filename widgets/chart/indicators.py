"""Chart overlays as pure numpy functions: simple and exponential moving averages and VWAP.

Qt-free. Each indicator has a whole-series form (run when the completed bars change, at most
once per completed bar) and an incremental form for the forming bar (run on every refresh, in
time independent of the series length), so a live update never recomputes the history.

Conventions: a value that is not defined yet (fewer bars than the period, or no volume traded
in the session so far) is NaN; the chart leaves a gap there.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from itertools import accumulate
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from terminal.domain import Bar
from widgets.chart.series import BarArrays

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def sma(values: FloatArray, period: int) -> FloatArray:
    """Return the simple moving average of ``values`` over ``period`` points."""
    _check_period(period)
    out = np.full(len(values), np.nan)
    if len(values) >= period:
        sums = np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))
        out[period - 1 :] = (sums[period:] - sums[:-period]) / period
    return out


def sma_last(values: FloatArray, period: int) -> float:
    """Return only the last value of :func:`sma` (O(period))."""
    _check_period(period)
    if len(values) < period:
        return math.nan
    return float(np.mean(values[-period:]))


def ema(values: FloatArray, period: int) -> FloatArray:
    """Return the exponential moving average with ``alpha = 2 / (period + 1)``.

    Seeded with the simple average of the first ``period`` values (the first defined value is at
    index ``period - 1``), as most charting packages do.
    """
    _check_period(period)
    out = np.full(len(values), np.nan)
    if len(values) < period:
        return out
    alpha = 2.0 / (period + 1)
    keep = 1.0 - alpha
    seed = float(np.mean(values[:period]))
    rest = (values[period:] * alpha).tolist()
    out[period - 1 :] = list(
        accumulate(rest, lambda prev, scaled: prev * keep + scaled, initial=seed)
    )
    return out


def ema_next(previous: float, value: float, period: int) -> float:
    """Return the EMA after ``value`` given the EMA before it (NaN stays NaN)."""
    _check_period(period)
    alpha = 2.0 / (period + 1)
    return previous + alpha * (value - previous)


def typical_price(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """Return ``(high + low + close) / 3``, the price VWAP weights by volume."""
    result: FloatArray = (high + low + close) / 3.0
    return result


def session_ids(times: FloatArray, timezone: str) -> npt.NDArray[np.int64]:
    """Return a trading-day number per bar start time (epoch seconds) in ``timezone``.

    Days start at midnight in ``timezone``; the offset is looked up once per UTC day seen.
    """
    if len(times) == 0:
        return np.zeros(0, dtype=np.int64)
    zone = ZoneInfo(timezone)
    utc_days = np.floor(times / 86400.0).astype(np.int64)
    unique = np.unique(utc_days)
    offsets = np.array([_offset_seconds(zone, float(day) * 86400.0 + 43200.0) for day in unique])
    local = times + offsets[np.searchsorted(unique, utc_days)]
    ids: npt.NDArray[np.int64] = np.floor(local / 86400.0).astype(np.int64)
    return ids


def session_start(timestamp: float, timezone: str) -> float:
    """Return the epoch seconds of the midnight in ``timezone`` that starts ``timestamp``'s day."""
    zone = ZoneInfo(timezone)
    local = dt.datetime.fromtimestamp(timestamp, zone)
    return dt.datetime.combine(local.date(), dt.time(), zone).timestamp()


def vwap(
    high: FloatArray,
    low: FloatArray,
    close: FloatArray,
    volume: FloatArray,
    sessions: npt.NDArray[np.int64],
) -> FloatArray:
    """Return the volume-weighted average of the typical price, restarting every session.

    NaN until the session has traded some volume.
    """
    n = len(close)
    if n == 0:
        return np.zeros(0)
    pv = typical_price(high, low, close) * volume
    is_start = np.concatenate(([True], sessions[1:] != sessions[:-1]))
    starts = np.flatnonzero(is_start)
    which = np.cumsum(is_start) - 1
    cum_pv = np.cumsum(pv)
    cum_v = np.cumsum(volume)
    session_pv = cum_pv - (cum_pv - pv)[starts][which]
    session_v = cum_v - (cum_v - volume)[starts][which]
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(session_v > 0, session_pv / session_v, np.nan)
    return out


def vwap_last(bars: BarArrays, forming: Bar, timezone: str) -> float:
    """Return the VWAP at ``forming`` given the completed ``bars`` before it (O(session))."""
    start = session_start(forming.start.timestamp(), timezone)
    first = int(np.searchsorted(bars.times, start, side="left"))
    tp = typical_price(bars.high[first:], bars.low[first:], bars.close[first:])
    volume = bars.volume[first:]
    tp_forming = (forming.high + forming.low + forming.close) / 3.0
    pv = float(np.dot(tp, volume)) + tp_forming * forming.volume
    total = float(np.sum(volume)) + forming.volume
    return pv / total if total > 0 else math.nan


class Indicator(Protocol):
    """An overlay: its values over the completed bars and its value at the forming bar."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def compute(self, bars: BarArrays) -> FloatArray: ...

    def extend(self, bars: BarArrays, values: FloatArray, forming: Bar) -> float: ...

    def breaks(self, bars: BarArrays) -> BoolArray | None:
        """Where the line restarts (True at a bar that starts a new segment), if anywhere."""
        ...


@dataclass(frozen=True, slots=True)
class SMA:
    """Simple moving average of the close."""

    period: int = 20
    name: str = "sma"

    @property
    def label(self) -> str:
        return f"SMA {self.period}"

    def compute(self, bars: BarArrays) -> FloatArray:
        return sma(bars.close, self.period)

    def breaks(self, bars: BarArrays) -> BoolArray | None:
        return None

    def extend(self, bars: BarArrays, values: FloatArray, forming: Bar) -> float:
        if len(bars) < self.period - 1:
            return math.nan
        tail = bars.close[len(bars) - (self.period - 1) :] if self.period > 1 else bars.close[:0]
        return (float(np.sum(tail)) + forming.close) / self.period


@dataclass(frozen=True, slots=True)
class EMA:
    """Exponential moving average of the close."""

    period: int = 50
    name: str = "ema"

    @property
    def label(self) -> str:
        return f"EMA {self.period}"

    def compute(self, bars: BarArrays) -> FloatArray:
        return ema(bars.close, self.period)

    def breaks(self, bars: BarArrays) -> BoolArray | None:
        return None

    def extend(self, bars: BarArrays, values: FloatArray, forming: Bar) -> float:
        if len(values) and not math.isnan(values[-1]):
            return ema_next(float(values[-1]), forming.close, self.period)
        if len(bars) == self.period - 1:  # the forming bar completes the seed
            return (float(np.sum(bars.close)) + forming.close) / self.period
        return math.nan


@dataclass(frozen=True, slots=True)
class VWAP:
    """Volume-weighted average price, restarting at midnight in the exchange timezone."""

    timezone: str = "America/New_York"
    name: str = "vwap"

    @property
    def label(self) -> str:
        return "VWAP"

    def compute(self, bars: BarArrays) -> FloatArray:
        sessions = session_ids(bars.times, self.timezone)
        return vwap(bars.high, bars.low, bars.close, bars.volume, sessions)

    def extend(self, bars: BarArrays, values: FloatArray, forming: Bar) -> float:
        return vwap_last(bars, forming, self.timezone)

    def breaks(self, bars: BarArrays) -> BoolArray | None:
        sessions = session_ids(bars.times, self.timezone)
        starts: BoolArray = np.concatenate(([False], sessions[1:] != sessions[:-1]))
        return starts


def _offset_seconds(zone: ZoneInfo, timestamp: float) -> float:
    offset = dt.datetime.fromtimestamp(timestamp, zone).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def _check_period(period: int) -> None:
    if period < 1:
        raise ValueError(f"period must be at least 1, got {period}")
