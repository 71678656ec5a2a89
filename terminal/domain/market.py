"""Market data values: quotes, depth, trades, bars and option quotes.

Market data is float (it is observed, not booked); money is Decimal elsewhere. ``stamp`` is a
``time.perf_counter()`` taken where the update entered the process, so views can measure
tick-to-pixels latency. The types built per update (quotes, prints, books) are
:func:`~terminal.domain.records.hot_record`: immutable for the type checker, cheap to build.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

from terminal.domain.records import hot_record

NAN = math.nan


@hot_record
class Quote:
    """Level-1 snapshot for one instrument. Missing values are NaN."""

    key: str
    bid: float = NAN
    ask: float = NAN
    last: float = NAN
    bid_size: float = NAN
    ask_size: float = NAN
    last_size: float = NAN
    volume: float = NAN
    prev_close: float = NAN
    time: dt.datetime | None = None
    stamp: float = 0.0
    delayed: bool = False

    @property
    def mid(self) -> float:
        """Midpoint of bid and ask, or NaN when either side is missing."""
        return (self.bid + self.ask) / 2 if self.bid > 0 and self.ask > 0 else NAN

    @property
    def mark(self) -> float:
        """The best single price to value a position: last, else mid, else NaN."""
        if not math.isnan(self.last) and self.last > 0:
            return self.last
        return self.mid

    @property
    def change(self) -> float:
        return self.last - self.prev_close

    @property
    def change_percent(self) -> float:
        return (self.last / self.prev_close - 1) * 100 if self.prev_close > 0 else NAN


@hot_record
class Trade:
    """One trade print."""

    key: str
    price: float
    size: float
    time: dt.datetime


@hot_record
class DepthLevel:
    price: float
    size: float
    orders: int = 0


@hot_record
class DepthBook:
    """Level-2 book: bids best (highest) first, asks best (lowest) first."""

    key: str
    bids: tuple[DepthLevel, ...]
    asks: tuple[DepthLevel, ...]
    time: dt.datetime | None = None
    stamp: float = 0.0


class Timeframe(StrEnum):
    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    H1 = "1h"
    D1 = "1D"

    @property
    def seconds(self) -> int:
        return _TIMEFRAME_SECONDS[self]


_TIMEFRAME_SECONDS = {
    Timeframe.M1: 60,
    Timeframe.M5: 300,
    Timeframe.M15: 900,
    Timeframe.H1: 3600,
    Timeframe.D1: 86400,
}


@dataclass(frozen=True, slots=True)
class Bar:
    """OHLCV bar starting at ``start`` (UTC) for one timeframe."""

    start: dt.datetime
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0


@dataclass(frozen=True, slots=True)
class Greeks:
    delta: float = NAN
    gamma: float = NAN
    theta: float = NAN
    vega: float = NAN
    rho: float = NAN


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """Quote for one option contract, with implied volatility and Greeks."""

    key: str
    bid: float = NAN
    ask: float = NAN
    last: float = NAN
    iv: float = NAN
    greeks: Greeks = Greeks()
    volume: float = NAN
    open_interest: float = NAN
    underlying_price: float = NAN
    stamp: float = 0.0


@dataclass(frozen=True, slots=True)
class OptionChainParams:
    """Expiries and strikes available for an underlying."""

    underlying: str
    expiries: tuple[dt.date, ...]
    strikes: tuple[float, ...]
    multiplier: int = 100
