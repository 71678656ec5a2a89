"""Maximum adverse and favourable excursion (MAE / MFE) of round trips, from price bars.

MAE is the worst and MFE the best open P&L a trade showed while it was held: how far the market
went against it and for it between entry and exit. They need prices *between* the fills: the
terminal records the 1-minute bars of what is traded (``terminal/marketdata/recorder.py``) and
the report reads them (``terminal/analytics/source.py``); a trade without bars covering its
holding period gets none (*n/a*), never a figure made from its own fills. Within the period
covered, a gap in the bars (the terminal was closed) is not measured.

For a trade of quantity ``q``, multiplier ``m`` and average entry price ``E``, over the bars that
overlap its holding period:

- long:  MFE = max(max(high) - E, 0) x q x m,   MAE = min(min(low) - E, 0) x q x m
- short: MFE = max(E - min(low), 0) x q x m,    MAE = min(E - max(high), 0) x q x m

so MAE <= 0 <= MFE (the trade is at zero open P&L when it opens). It is measured at the bars'
resolution: the first and last bar can hold moves just before the entry or after the exit, and
a trade that scaled in or out is measured on its full quantity against its average entry.
Bar prices are floats; each is read as the shortest decimal that prints it (``repr``), so the
money stays Decimal.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from terminal.analytics.trades import Trade
from terminal.domain.market import Bar

ZERO = Decimal(0)


class PriceBars(NamedTuple):
    """One instrument's bars, ordered by start time, each ``seconds`` long."""

    seconds: int
    bars: Sequence[Bar]


class Excursion(NamedTuple):
    """A trade's worst (``mae`` <= 0) and best (``mfe`` >= 0) open P&L, in money."""

    mae: Decimal
    mfe: Decimal


def _price(value: float) -> Decimal:
    return Decimal(repr(value))


def trade_excursion(
    trade: Trade, bars: PriceBars, starts: Sequence[dt.datetime] | None = None
) -> Excursion | None:
    """Return the MAE / MFE of closed ``trade`` from ``bars``, or None when the bars do not
    cover its holding period (the first bar starts after the entry, the last ends before the
    exit) or the trade is still open.

    Args:
        starts: the bars' start times, when the caller measures many trades on one series
            (worked out here otherwise).
    """
    exit_time = trade.exit_time
    series = bars.bars
    if exit_time is None or not series:
        return None
    if starts is None:
        starts = [b.start for b in series]
    length = dt.timedelta(seconds=bars.seconds)
    entry_time = trade.entry_time
    if starts[0] > entry_time or starts[-1] + length < exit_time:
        return None
    # The bars that overlap [entry, exit]: start <= exit and start + length > entry.
    first = bisect.bisect_right(starts, entry_time - length)
    last = bisect.bisect_right(starts, exit_time)
    held = series[first:last]
    if not held:
        return None  # a gap in the bars over the whole holding period
    high = _price(max(b.high for b in held))
    low = _price(min(b.low for b in held))
    entry, size = trade.entry_price, trade.quantity * trade.multiplier
    if trade.direction > 0:
        best, worst = high - entry, low - entry
    else:
        best, worst = entry - low, entry - high
    return Excursion(mae=min(worst, ZERO) * size, mfe=max(best, ZERO) * size)


def with_excursions(
    trades: Sequence[Trade], bars: Mapping[str, PriceBars]
) -> tuple[list[Trade], int]:
    """Return ``trades`` with their MAE / MFE filled in where ``bars`` (by instrument key)
    cover them, and how many closed trades the bars did not cover."""
    starts = {key: [b.start for b in series.bars] for key, series in bars.items()}
    result: list[Trade] = []
    missing = 0
    for trade in trades:
        series = bars.get(trade.instrument)
        found = None
        if series is not None:
            found = trade_excursion(trade, series, starts[trade.instrument])
        if found is None:
            missing += trade.exit_time is not None
            result.append(trade)
        else:
            result.append(dataclasses.replace(trade, mae=found.mae, mfe=found.mfe))
    return result, missing
