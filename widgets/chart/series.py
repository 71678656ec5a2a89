"""The bars a chart shows: completed bars in numpy columns plus the one bar still forming.

Qt-free. The chart's x coordinate is the bar index (0 = oldest), so nights, weekends and
holidays leave no gaps; the time axis maps indices back to bar start times.

Completed bars only ever grow at the end (a forming bar completes when a later one starts); the
forming bar changes with every live update. The view caches the drawing of the completed bars
and redraws only the forming one, so an update costs the same with 50 bars or 50,000.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from terminal.domain import Bar, Timeframe

FloatArray = npt.NDArray[np.float64]

_COLUMNS = ("times", "open", "high", "low", "close", "volume")


class BarArrays:
    """Completed bars as float64 columns (start times in epoch seconds), append-only.

    The columns are views of growing buffers: fetch them again after :meth:`append`.
    """

    __slots__ = ("_buffers", "_size")

    def __init__(self, capacity: int = 0) -> None:
        self._buffers = np.zeros((len(_COLUMNS), max(capacity, 16)), dtype=np.float64)
        self._size = 0

    @classmethod
    def from_bars(cls, bars: Sequence[Bar]) -> BarArrays:
        arrays = cls(capacity=len(bars) + 256)
        if bars:
            data = np.array(
                [(b.start.timestamp(), b.open, b.high, b.low, b.close, b.volume) for b in bars],
                dtype=np.float64,
            )
            arrays._buffers[:, : len(bars)] = data.T
            arrays._size = len(bars)
        return arrays

    @classmethod
    def from_columns(
        cls,
        times: FloatArray,
        open_: FloatArray,
        high: FloatArray,
        low: FloatArray,
        close: FloatArray,
        volume: FloatArray,
    ) -> BarArrays:
        """Build from numpy columns (bulk history, benchmarks) without per-bar objects."""
        n = len(times)
        arrays = cls(capacity=n + 256)
        for row, column in enumerate((times, open_, high, low, close, volume)):
            if len(column) != n:
                raise ValueError("every column needs one value per bar")
            arrays._buffers[row, :n] = column
        arrays._size = n
        return arrays

    def __len__(self) -> int:
        return self._size

    def append(self, bar: Bar) -> None:
        """Add ``bar`` after the last one (amortised O(1))."""
        if self._size == self._buffers.shape[1]:
            grown = np.zeros((len(_COLUMNS), self._size * 2), dtype=np.float64)
            grown[:, : self._size] = self._buffers[:, : self._size]
            self._buffers = grown
        column = (bar.start.timestamp(), bar.open, bar.high, bar.low, bar.close, bar.volume)
        self._buffers[:, self._size] = column
        self._size += 1

    def bar(self, index: int) -> Bar:
        t, o, h, low, c, v = (float(x) for x in self._buffers[:, index])
        return Bar(dt.datetime.fromtimestamp(t, dt.UTC), o, h, low, c, v)

    @property
    def times(self) -> FloatArray:
        return self._buffers[0, : self._size]

    @property
    def open(self) -> FloatArray:
        return self._buffers[1, : self._size]

    @property
    def high(self) -> FloatArray:
        return self._buffers[2, : self._size]

    @property
    def low(self) -> FloatArray:
        return self._buffers[3, : self._size]

    @property
    def close(self) -> FloatArray:
        return self._buffers[4, : self._size]

    @property
    def volume(self) -> FloatArray:
        return self._buffers[5, : self._size]


def combine(forming: Bar, live: Bar) -> Bar:
    """Fold a live update into the forming bar it belongs to.

    The live bar may have begun mid-bar (built only from the prints seen since the chart
    subscribed), so the forming bar keeps its start and open, the range widens, the close is
    the live one and the volume the larger of the two (each is a lower bound), as
    :func:`terminal.marketdata.bars.merge_history` does.
    """
    return Bar(
        forming.start,
        forming.open,
        max(forming.high, live.high),
        min(forming.low, live.low),
        live.close,
        max(forming.volume, live.volume),
    )


class ChartSeries:
    """Completed bars plus the forming bar of one instrument and timeframe.

    Args:
        timeframe: The bar length; a live bar starting within the forming bar's length is the
            same bar (daily history may start days at UTC or at exchange midnight).
    """

    def __init__(self, timeframe: Timeframe = Timeframe.M1) -> None:
        self.timeframe = timeframe
        self.history = BarArrays()
        self.forming: Bar | None = None

    def load(self, bars: Sequence[Bar]) -> None:
        """Replace everything with ``bars`` (oldest first); the last one is the forming bar."""
        self.history = BarArrays.from_bars(bars[:-1])
        self.forming = bars[-1] if bars else None

    @classmethod
    def of(cls, timeframe: Timeframe, history: BarArrays, forming: Bar | None) -> ChartSeries:
        """Build from completed bars already in columns and the forming bar."""
        series = cls(timeframe)
        series.history = history
        series.forming = forming
        return series

    def apply(self, bar: Bar) -> bool:
        """Apply a live bar update; return True when the forming bar completed (moved to history).

        An update older than the forming bar is ignored: that bar is complete and drawn.
        """
        forming = self.forming
        if forming is None:
            self.forming = bar
            return False
        if bar.start < forming.start:
            return False
        if (bar.start - forming.start).total_seconds() < self.timeframe.seconds:
            self.forming = combine(forming, bar)
            return False
        self.history.append(forming)
        self.forming = bar
        return True

    def __len__(self) -> int:
        return len(self.history) + (self.forming is not None)

    @property
    def last_index(self) -> int:
        """The index of the newest bar (forming, else last completed); -1 when empty."""
        return len(self) - 1

    def bar_at(self, index: int) -> Bar | None:
        """Return the bar at ``index`` (forming included), or None outside the data."""
        completed = len(self.history)
        if 0 <= index < completed:
            return self.history.bar(index)
        if index == completed and self.forming is not None:
            return self.forming
        return None

    def times_at(self, indices: npt.NDArray[np.int64]) -> FloatArray:
        """Return bar start times (epoch seconds) at ``indices``, extrapolated past both ends."""
        times = self.history.times
        completed = len(times)
        total = len(self)
        if total == 0:
            return np.full(len(indices), np.nan)
        clipped = np.clip(indices, 0, total - 1)
        result = np.empty(len(indices), dtype=np.float64)
        in_history = clipped < completed
        result[in_history] = times[clipped[in_history]]
        if self.forming is not None:
            result[~in_history] = self.forming.start.timestamp()
        out: FloatArray = result + (indices - clipped) * float(self.timeframe.seconds)
        return out

    def starts(self) -> FloatArray:
        """The start times (epoch seconds) of every bar, the forming one included."""
        times = self.history.times
        if self.forming is None:
            return times
        return np.append(times, self.forming.start.timestamp())

    def positions_of(self, times: FloatArray) -> FloatArray:
        """Return fractional bar indices of ``times`` (epoch seconds): bar ``i`` spans
        ``i - 0.5 .. i + 0.5`` from its start to its end, a time in a gap between bars sits at
        the end of the earlier one, and times before or after the bars extrapolate as
        :meth:`times_at` does (NaN without bars)."""
        starts = self.starts()
        if len(starts) == 0:
            return np.full(len(times), np.nan)
        seconds = float(self.timeframe.seconds)
        index = np.searchsorted(starts, times, side="right") - 1
        clipped = np.clip(index, 0, len(starts) - 1)
        into = (times - starts[clipped]) / seconds
        inside = (index >= 0) & (index < len(starts) - 1)
        into = np.where(inside, np.minimum(into, 1.0), into)
        positions: FloatArray = clipped - 0.5 + into
        return positions

    def covers(self, start: float, end: float) -> bool:
        """Whether bars are loaded from ``start`` to ``end`` (epoch seconds)."""
        starts = self.starts()
        if len(starts) == 0:
            return False
        return bool(starts[0] <= start and end < starts[-1] + self.timeframe.seconds)

    def price_range(self, first: int, last: int) -> tuple[float, float] | None:
        """Return (lowest low, highest high) of the bars with index in ``[first, last]``."""
        lows: list[float] = []
        highs: list[float] = []
        completed = len(self.history)
        lo, hi = max(first, 0), min(last, completed - 1)
        if lo <= hi:
            lows.append(float(np.min(self.history.low[lo : hi + 1])))
            highs.append(float(np.max(self.history.high[lo : hi + 1])))
        forming = self.forming
        if forming is not None and first <= completed <= last:
            lows.append(forming.low)
            highs.append(forming.high)
        if not lows:
            return None
        low, high = min(lows), max(highs)
        return (low, high) if math.isfinite(low) and math.isfinite(high) else None

    def volume_max(self, first: int, last: int) -> float:
        """Return the largest volume of the bars with index in ``[first, last]`` (0 if none)."""
        best = 0.0
        completed = len(self.history)
        lo, hi = max(first, 0), min(last, completed - 1)
        if lo <= hi:
            best = float(np.max(self.history.volume[lo : hi + 1]))
        forming = self.forming
        if forming is not None and first <= completed <= last:
            best = max(best, forming.volume)
        return best
