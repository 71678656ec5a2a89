"""The time & sales tape: trade prints classified against the quote, per instrument. Pure.

Each print is classified against the quote in force when it arrived: at or above the ask the
buyer crossed the spread (buy aggressor), at or below the bid the seller did (sell aggressor),
inside the spread it is ``BETWEEN``; without a two-sided quote the side is ``UNKNOWN``. Both
brokers publish a batch's quotes before its prints (the simulator prints at the touch it has
just quoted; IB's ticker carries the quote of the same packet), so "the latest quote received"
is the quote in force.

A print is *large* when its size reaches ``large_multiple`` times the median size of the prints
the tape held before it (once it holds :data:`MIN_SAMPLE`), or the fixed ``large_size``: the
median adapts to each instrument, so 5,000 shares stand out in a thin name but not in SPY.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from terminal.domain import Quote, Trade
from terminal.settings import TapeSettings

#: Prints the tape must hold before the median rule marks a print large.
MIN_SAMPLE = 50


class Aggressor(StrEnum):
    """Which side crossed the spread, judged from the quote in force at the print."""

    BUY = "at ask"
    SELL = "at bid"
    BETWEEN = "between"
    UNKNOWN = "no quote"


class TapeSource(StrEnum):
    """Where the tape's prints come from (the pane says which)."""

    SIMULATOR = "simulator prints"
    LAST_PRICE = "IB last-price ticks (no tick-by-tick: prints within one packet are merged)"


def tape_source(broker_name: str) -> TapeSource:
    """The source of the prints a broker named ``broker_name`` publishes."""
    return TapeSource.SIMULATOR if broker_name == "sim" else TapeSource.LAST_PRICE


@dataclass(frozen=True, slots=True)
class Print:
    """One print on the tape, with the quote it was judged against (NaN when there was none)."""

    key: str
    price: float
    size: float
    time: dt.datetime
    aggressor: Aggressor
    large: bool
    bid: float = math.nan
    ask: float = math.nan


def classify(price: float, bid: float, ask: float) -> Aggressor:
    """Return the aggressor of a print at ``price`` against the quote ``bid`` / ``ask``."""
    if not (bid > 0 and ask > 0) or bid > ask:  # NaN, one-sided or crossed: no judgement
        return Aggressor.UNKNOWN
    eps = 1e-9 * max(1.0, ask)  # float prices: 1.1 * 3 is not 3.3
    if price >= ask - eps:
        return Aggressor.BUY
    if price <= bid + eps:
        return Aggressor.SELL
    return Aggressor.BETWEEN


class Tape:
    """The most recent prints of one instrument (a bounded ring) and its large-print rule.

    Args:
        key: The instrument's key.
        settings: Ring length and large-print thresholds.
    """

    def __init__(self, key: str, settings: TapeSettings | None = None) -> None:
        self.key = key
        self._settings = settings or TapeSettings()
        self._prints: deque[Print] = deque()
        self._sizes: list[float] = []  # sorted sizes of the prints held: the median
        #: Bumped by every print, so a view can tell whether it has the latest.
        self.version = 0

    def __len__(self) -> int:
        return len(self._prints)

    def median_size(self) -> float:
        """The median size of the prints held (NaN when empty)."""
        sizes = self._sizes
        n = len(sizes)
        if n == 0:
            return math.nan
        mid = n // 2
        return sizes[mid] if n % 2 else (sizes[mid - 1] + sizes[mid]) / 2

    def is_large(self, size: float) -> bool:
        """Whether a print of ``size`` is large by the rule, judged against the prints held."""
        fixed, multiple = self._settings.large_size, self._settings.large_multiple
        if fixed > 0 and size >= fixed:
            return True
        if multiple <= 0 or len(self._sizes) < MIN_SAMPLE:
            return False
        return size >= multiple * self.median_size()

    def add(self, trade: Trade, quote: Quote | None) -> Print:
        """Classify ``trade`` against ``quote`` (the quote in force), keep it and return it."""
        bid, ask = (math.nan, math.nan) if quote is None else (quote.bid, quote.ask)
        entry = Print(
            key=trade.key,
            price=trade.price,
            size=trade.size,
            time=trade.time,
            aggressor=classify(trade.price, bid, ask),
            large=self.is_large(trade.size),
            bid=bid,
            ask=ask,
        )
        if len(self._prints) >= self._settings.length:
            old = self._prints.popleft()
            del self._sizes[bisect.bisect_left(self._sizes, old.size)]
        self._prints.append(entry)
        bisect.insort(self._sizes, trade.size)
        self.version += 1
        return entry

    def newest(self, count: int | None = None) -> list[Print]:
        """Return up to ``count`` prints (all by default), newest first."""
        prints = self._prints
        n = len(prints) if count is None else min(count, len(prints))
        return [prints[-1 - i] for i in range(n)]
