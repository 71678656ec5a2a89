"""Bar aggregation: trade prints in, forming OHLCV bars out. Pure: no I/O, no clock, no events.

Intraday bars (1m, 5m, 15m, 1h) start at UTC epoch multiples of their length. Daily bars start
at midnight in the exchange timezone (New York by default) and carry that instant in UTC, so a
daily bar starts at 05:00 UTC in winter and 04:00 UTC in summer.

Out-of-order prints: a trade older than the forming bar of a timeframe is ignored for that
timeframe (its bar is already closed and published). A late trade inside the forming bar counts
towards high, low and volume but does not move the close, which belongs to the latest print.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from terminal.domain import Bar, Timeframe, Trade

#: Intraday timeframes, aligned to UTC epoch multiples of their length.
INTRADAY = (Timeframe.M1, Timeframe.M5, Timeframe.M15, Timeframe.H1)
#: Every timeframe the aggregator maintains.
TIMEFRAMES = (*INTRADAY, Timeframe.D1)

_INTRADAY_SECONDS = tuple(tf.seconds for tf in INTRADAY)


@dataclass(frozen=True, slots=True)
class BarUpdate:
    """One bar that changed: ``is_new`` is True when the bar started with this change."""

    key: str
    timeframe: Timeframe
    bar: Bar
    is_new: bool


class _Forming:
    """The mutable bar being built; turned into an immutable :class:`Bar` only when published."""

    __slots__ = ("close", "high", "last_time", "low", "open", "start", "start_ts", "volume")

    def __init__(self, start_ts: float, start: dt.datetime, trade: Trade, ts: float) -> None:
        self.start_ts = start_ts
        self.start = start
        self.open = self.high = self.low = self.close = trade.price
        self.volume = trade.size
        self.last_time = ts

    def add(self, price: float, size: float, ts: float) -> None:
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.volume += size
        if ts >= self.last_time:
            self.close = price
            self.last_time = ts

    def freeze(self) -> Bar:
        return Bar(self.start, self.open, self.high, self.low, self.close, self.volume)


class _KeyState:
    __slots__ = ("completed", "forming")

    def __init__(self, keep: int) -> None:
        self.forming: dict[Timeframe, _Forming] = {}
        self.completed: dict[Timeframe, deque[Bar]] = {tf: deque(maxlen=keep) for tf in TIMEFRAMES}


class BarAggregator:
    """Build 1m/5m/15m/1h/1D bars per instrument from trade prints.

    Args:
        timezone: IANA name of the exchange timezone whose midnight starts a daily bar.
        keep: How many completed bars to remember per key and timeframe (for :meth:`bars`).
    """

    def __init__(self, timezone: str = "America/New_York", *, keep: int = 1000) -> None:
        self._tz = ZoneInfo(timezone)
        self._keep = keep
        self._state: dict[str, _KeyState] = {}
        # The current trading day [start, end) as epoch seconds, cached: most trades fall in it.
        self._day_start_ts = math.inf
        self._day_end_ts = -math.inf
        self._day_start = dt.datetime.min.replace(tzinfo=dt.UTC)

    def update(self, trades: Iterable[Trade]) -> list[BarUpdate]:
        """Add ``trades`` (in arrival order) and return the bars they changed.

        Each bar appears at most once, with its state after the whole batch; a bar that closed
        within the batch is reported (``is_new`` as it was) before the bar that replaced it.
        Trades with a NaN, infinite or non-positive price or a negative size are ignored.
        """
        changed: dict[tuple[str, Timeframe, float], tuple[_Forming, bool]] = {}
        for trade in trades:
            price, size = trade.price, trade.size
            if not (0 < price < math.inf) or not (0 <= size < math.inf):
                continue
            state = self._state.get(trade.key)
            if state is None:
                state = self._state[trade.key] = _KeyState(self._keep)
            ts = trade.time.timestamp()
            forming = state.forming
            for tf, seconds in zip(INTRADAY, _INTRADAY_SECONDS, strict=True):
                start_ts = ts - ts % seconds
                self._add(trade, ts, tf, start_ts, None, state, forming, changed)
            if not (self._day_start_ts <= ts < self._day_end_ts):
                self._set_day(trade.time)
            day = self._day_start_ts
            self._add(trade, ts, Timeframe.D1, day, self._day_start, state, forming, changed)
        return [
            BarUpdate(key, tf, bar.freeze(), is_new)
            for (key, tf, _), (bar, is_new) in changed.items()
        ]

    def _add(
        self,
        trade: Trade,
        ts: float,
        tf: Timeframe,
        start_ts: float,
        start: dt.datetime | None,
        state: _KeyState,
        forming: dict[Timeframe, _Forming],
        changed: dict[tuple[str, Timeframe, float], tuple[_Forming, bool]],
    ) -> None:
        bar = forming.get(tf)
        if bar is not None and start_ts == bar.start_ts:
            bar.add(trade.price, trade.size, ts)
            ident = (trade.key, tf, start_ts)
            if ident not in changed:
                changed[ident] = (bar, False)
            return
        if bar is not None:
            if start_ts < bar.start_ts:
                return  # older than the forming bar: its bar is closed (see module docstring)
            state.completed[tf].append(bar.freeze())
        if start is None:
            start = dt.datetime.fromtimestamp(start_ts, dt.UTC)
        bar = forming[tf] = _Forming(start_ts, start, trade, ts)
        changed[(trade.key, tf, start_ts)] = (bar, True)

    def _set_day(self, when: dt.datetime) -> None:
        local = when.astimezone(self._tz)
        start = dt.datetime.combine(local.date(), dt.time(), self._tz)
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), self._tz)
        self._day_start = start.astimezone(dt.UTC)
        self._day_start_ts = start.timestamp()
        self._day_end_ts = end.timestamp()

    def forming(self, key: str, timeframe: Timeframe) -> Bar | None:
        """Return the bar being built for ``key`` and ``timeframe``, if any."""
        state = self._state.get(key)
        bar = state.forming.get(timeframe) if state is not None else None
        return bar.freeze() if bar is not None else None

    def bars(self, key: str, timeframe: Timeframe) -> list[Bar]:
        """Return the remembered completed bars and the forming bar, oldest first."""
        state = self._state.get(key)
        if state is None:
            return []
        result = list(state.completed[timeframe])
        bar = state.forming.get(timeframe)
        if bar is not None:
            result.append(bar.freeze())
        return result

    def forget(self, key: str) -> None:
        """Drop everything built for ``key`` (nobody charts it any more)."""
        self._state.pop(key, None)


def day_start(when: dt.datetime, timezone: str = "America/New_York") -> dt.datetime:
    """Return the UTC instant of the midnight in ``timezone`` that starts the day of ``when``."""
    tz = ZoneInfo(timezone)
    local = when.astimezone(tz)
    return dt.datetime.combine(local.date(), dt.time(), tz).astimezone(dt.UTC)


def merge_history(history: Sequence[Bar], live: Sequence[Bar]) -> list[Bar]:
    """Join broker history and live-built bars into one continuous series, oldest first.

    History is authoritative before the first live bar; live bars from then on. The first live
    bar usually began mid-bar (the subscription started after the bar opened), so when history
    has a bar with the same start the two are combined: history's open, the wider range, live's
    close and the larger volume (the two overlap by an unknown amount; the larger is the better
    lower bound).
    """
    if not live:
        return list(history)
    first = live[0]
    merged = [bar for bar in history if bar.start < first.start]
    same = next((bar for bar in history if bar.start == first.start), None)
    if same is not None:
        first = Bar(
            first.start,
            same.open,
            max(same.high, first.high),
            min(same.low, first.low),
            first.close,
            max(same.volume, first.volume),
        )
    merged.append(first)
    merged.extend(live[1:])
    return merged


def resample(
    bars: Sequence[Bar], timeframe: Timeframe, timezone: str = "America/New_York"
) -> list[Bar]:
    """Join consecutive shorter bars (oldest first) into ``timeframe`` bars, aligned as the
    aggregator aligns them: the first bar's open, the widest range, the last close, the summed
    volume. Recorded 1-minute bars become the chart's 5-minute, hourly or daily bars."""
    result: list[Bar] = []
    seconds = timeframe.seconds
    for bar in bars:
        if timeframe is Timeframe.D1:
            start = day_start(bar.start, timezone)
        else:
            ts = bar.start.timestamp()
            start = dt.datetime.fromtimestamp(ts - ts % seconds, dt.UTC)
        last = result[-1] if result else None
        if last is None or last.start != start:
            result.append(Bar(start, bar.open, bar.high, bar.low, bar.close, bar.volume))
            continue
        result[-1] = Bar(
            start,
            last.open,
            max(last.high, bar.high),
            min(last.low, bar.low),
            bar.close,
            last.volume + bar.volume,
        )
    return result


def merge_recorded(recorded: Sequence[Bar], history: Sequence[Bar]) -> list[Bar]:
    """Add the recorded bars (the terminal's own, ``recorder.py``) to broker history where it
    has none, oldest first: where both hold a bar, history's (a full bar, from the start of
    the period) is kept."""
    if not recorded:
        return list(history)
    starts = {bar.start for bar in history}
    merged = [*history, *(bar for bar in recorded if bar.start not in starts)]
    merged.sort(key=lambda bar: bar.start)
    return merged
