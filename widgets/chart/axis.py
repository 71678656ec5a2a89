"""Axes of the chart: times under bar indices, prices with the instrument's decimals, volumes.

The x coordinate of the chart is the bar index, so the time axis cannot use pyqtgraph's
numeric ticks: it puts ticks on the bars where a round time step begins (every 15 minutes,
hour, day, month, ...) in local time, chosen so labels do not crowd, and labels them
``HH:MM``, or with the date where a day begins.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MINUTE = 60
HOUR = 3600
DAY = 86400
#: Intraday tick steps in seconds; beyond them come days, weeks, months, quarters and years.
_INTRADAY_STEPS = (MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR)
_CALENDAR_STEPS = ("day", "week", "month", "quarter", "year")
_CALENDAR_SECONDS = {
    "day": DAY,
    "week": 7 * DAY,
    "month": 30 * DAY,
    "quarter": 91 * DAY,
    "year": 365 * DAY,
}
#: Pixels a time label needs, gap included.
LABEL_PIXELS = 80
#: Fewest pixels between grid lines of the finer tick level before only the major one is used.
MIN_GRID_GAP = 28.0


def grid_values(
    levels: Sequence[tuple[float, Sequence[float]]], pixels: float, span: float
) -> list[float]:
    """Pick where grid lines go from an axis' tick levels (major first).

    The grid is drawn by the history items (see :mod:`widgets.chart.candles`), not by
    pyqtgraph's axes: an axis with a grid spans its whole plot, and every repaint of the forming
    bar then replayed each axis' recorded drawing, labels included (about 1 ms per axis).
    """
    if not levels or span <= 0:
        return []
    values = list(levels[0][1])
    if len(levels) > 1 and levels[1][0] * pixels / span >= MIN_GRID_GAP:
        values = sorted(set(values) | set(levels[1][1]))
    return values


def local_offset(timestamp: float) -> float:
    """Return the local timezone's UTC offset in seconds at ``timestamp``."""
    offset = dt.datetime.fromtimestamp(timestamp, dt.UTC).astimezone().utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def _buckets(local: FloatArray, step: int | str) -> IntArray:
    days = np.floor(local / DAY).astype(np.int64)
    if isinstance(step, int):
        return np.floor(local / step).astype(np.int64)
    if step == "day":
        return days
    if step == "week":
        return (days + 3) // 7  # epoch day 0 was a Thursday: weeks start on Monday
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if step == "month":
        return months
    if step == "quarter":
        return months // 3
    return months // 12


def time_ticks(
    times: FloatArray, first: int, max_ticks: int, bar_seconds: int, offset: float
) -> list[tuple[int, str]]:
    """Choose tick positions and labels for bars ``first - 1 .. first + len(times) - 2``.

    Args:
        times: Bar start times (epoch seconds) for the bar before the first visible one and
            every visible bar.
        first: The index of the first visible bar (``times[1]``).
        max_ticks: How many labels fit.
        bar_seconds: The bar length.
        offset: Seconds to add to UTC to get the displayed local time.

    Returns:
        (bar index, label) pairs, left to right.
    """
    visible = len(times) - 1
    if visible < 1 or max_ticks < 1:
        return []
    bars_per_tick = max(1.0, visible / max_ticks)
    need = bars_per_tick * bar_seconds
    steps: list[int | str] = [s for s in _INTRADAY_STEPS if s >= bar_seconds]
    steps += list(_CALENDAR_STEPS)
    step = next(
        (s for s in steps if (s if isinstance(s, int) else _CALENDAR_SECONDS[s]) >= need),
        "year",
    )
    local = times + offset
    changed = np.flatnonzero(np.diff(_buckets(local, step)) != 0) + 1
    days = np.floor(local / DAY).astype(np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    ticks: list[tuple[int, str]] = []
    min_gap = bars_per_tick * 0.7
    last = -math.inf
    for i in changed.tolist():
        if i - last < min_gap:
            continue
        last = i
        ticks.append((first + i - 1, _label(local[i], step, days[i] != days[i - 1], months, i)))
    return ticks


def _label(local: float, step: int | str, new_day: bool, months: IntArray, i: int) -> str:
    when = dt.datetime.fromtimestamp(float(local), dt.UTC)  # already shifted to local time
    new_year = months[i] // 12 != months[i - 1] // 12
    if isinstance(step, int):
        if not new_day:
            return when.strftime("%H:%M")
        return when.strftime("%Y") if new_year else f"{when:%b} {when.day}"
    if new_year:
        return when.strftime("%Y")
    if step in ("month", "quarter", "year"):
        return when.strftime("%b")
    return f"{when:%b} {when.day}"


class TimeAxis(pg.AxisItem):  # type: ignore[misc]
    """Bottom axis mapping bar indices to their local start times.

    Args:
        times_at: Returns bar start times (epoch seconds) for an array of bar indices,
            extrapolated beyond the data.
    """

    def __init__(self, times_at: Callable[[IntArray], FloatArray], bar_seconds: int) -> None:
        super().__init__(orientation="bottom")
        self._times_at = times_at
        self.bar_seconds = bar_seconds
        self._labels: dict[int, str] = {}

    def invalidate(self) -> None:
        """The bars changed under the same view range: redraw the labels."""
        self.picture = None
        self.update()

    def tickValues(
        self,
        minVal: float,  # noqa: N803  # pyqtgraph's parameter names
        maxVal: float,  # noqa: N803
        size: float,
    ) -> list[tuple[float, list[float]]]:
        first, last = math.ceil(minVal), math.floor(maxVal)
        if last < first or not math.isfinite(size):
            return []
        times = self._times_at(np.arange(first - 1, last + 1, dtype=np.int64))
        if not np.all(np.isfinite(times)):
            return []
        # A daily bar is labelled with the date at its midday (history may start days at UTC or
        # at exchange midnight); intraday bars in local time.
        daily = self.bar_seconds >= DAY
        offset = DAY / 2 if daily else local_offset(float(times[len(times) // 2]))
        max_ticks = max(1, int(size // LABEL_PIXELS))
        ticks = time_ticks(times, first, max_ticks, self.bar_seconds, offset)
        self._labels = dict(ticks)
        return [(1.0, [float(index) for index, _ in ticks])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [self._labels.get(round(value), "") for value in values]


class PriceAxis(pg.AxisItem):  # type: ignore[misc]
    """Right-hand price axis with thousands separators and at least the tick's decimals."""

    def __init__(self, decimals: int = 2) -> None:
        super().__init__(orientation="right")
        self.decimals = decimals

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        needed = max(0, math.ceil(-math.log10(spacing))) if spacing > 0 else 0
        decimals = max(self.decimals, min(needed, 8))
        return [f"{value * scale:,.{decimals}f}" for value in values]


class VolumeAxis(pg.AxisItem):  # type: ignore[misc]
    """Right-hand volume axis with compact numbers (12.3K, 4.56M)."""

    def __init__(self) -> None:
        super().__init__(orientation="right")

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [compact(value * scale) if value > 0 else "" for value in values]


def compact(value: float) -> str:
    """``600000`` -> ``600K``, ``1250000`` -> ``1.25M``: axis labels without trailing zeros."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return f"{value / limit:.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"
