"""Market-data subscriptions of the simulated broker and the batches it publishes per step."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from terminal.broker.sim.market import Market, StepResult
from terminal.broker.sim.venue import SimVenue
from terminal.domain import DepthBook, DepthLevel, Instrument, Quote, Trade


class MarketFeed:
    """Track subscriptions and turn a market step into the batches subscribers receive.

    The whole universe evolves every step; only subscribed keys are published.
    """

    def __init__(self, market: Market, venue: SimVenue) -> None:
        self.market = market
        self.venue = venue
        self.quote_counts: Counter[str] = Counter()
        self.subscribed: npt.NDArray[np.bool_] = np.zeros(market.n, dtype=np.bool_)
        self.option_quotes: dict[str, Instrument] = {}
        self.depth: set[str] = set()
        #: The instruments whose prints are published; None: every subscribed one.
        self.printing: npt.NDArray[np.bool_] | None = None

    # -- subscriptions ----------------------------------------------------------------------------
    def add_quotes(self, instrument: Instrument) -> None:
        """Count one more subscriber of ``instrument``'s quotes."""
        self.quote_counts[instrument.key] += 1
        i = self.market.index.get(instrument.key)
        if i is not None:
            self.subscribed[i] = True
        else:
            self.option_quotes[instrument.key] = instrument

    def remove_quotes(self, instrument: Instrument) -> None:
        """Count one subscriber fewer; stop publishing at zero."""
        key = instrument.key
        self.quote_counts[key] -= 1
        if self.quote_counts[key] > 0:
            return
        del self.quote_counts[key]
        i = self.market.index.get(key)
        if i is not None:
            self.subscribed[i] = False
        self.option_quotes.pop(key, None)

    def print_only(self, keys: frozenset[str] | None) -> None:
        """Publish the prints of ``keys`` only (None: of every subscribed instrument)."""
        if keys is None:
            self.printing = None
            return
        printing = np.zeros(self.market.n, dtype=np.bool_)
        index = self.market.index
        printing[[index[key] for key in keys if key in index]] = True
        self.printing = printing

    def clear(self) -> None:
        """Forget every subscription (the data connection was lost)."""
        self.quote_counts.clear()
        self.subscribed[:] = False
        self.option_quotes.clear()
        self.depth.clear()

    # -- batches ----------------------------------------------------------------------------------
    def quotes(self, res: StepResult, now: dt.datetime) -> list[Quote]:
        """Return the quotes of subscribed instruments that changed in this step."""
        m = self.market
        idx = res.quoted[self.subscribed[res.quoted]]
        stamp = res.stamp or time.perf_counter()
        cols = zip(
            (m.symbols[i] for i in idx.tolist()),
            m.bid[idx].tolist(),
            m.ask[idx].tolist(),
            m.last[idx].tolist(),
            m.bid_sizes[idx, 0].tolist(),
            m.ask_sizes[idx, 0].tolist(),
            m.last_size[idx].tolist(),
            m.volume[idx].tolist(),
            m.prev_close[idx].tolist(),
            strict=True,
        )
        quotes = [
            Quote(k, b, a, la, bs, as_, ls, v, pc, now, stamp)
            for k, b, a, la, bs, as_, ls, v, pc in cols
        ]
        if self.option_quotes and res.quoted.size:
            moved = set(res.quoted.tolist())
            for key, inst in self.option_quotes.items():
                if m.index.get(inst.underlying or "") in moved:
                    bid, ask = self.venue.touch(key)
                    quotes.append(Quote(key, bid / 100, ask / 100, math.nan, time=now, stamp=stamp))
        return quotes

    def trades(self, res: StepResult, now: dt.datetime) -> list[Trade]:
        """Return the prints of subscribed instruments in this step."""
        mask = self.subscribed[res.traded]
        if self.printing is not None:
            mask &= self.printing[res.traded]
        symbols = self.market.symbols
        ticks = self.market.tick[res.traded]
        return [
            Trade(symbols[i], round(t * tk, 4), s, now)
            for i, t, tk, s in zip(
                res.traded[mask].tolist(),
                res.trade_ticks[mask].tolist(),
                ticks[mask].tolist(),
                res.trade_sizes[mask].tolist(),
                strict=True,
            )
        ]

    def books(self, res: StepResult, now: dt.datetime) -> list[DepthBook]:
        """Return a book snapshot for every depth subscription whose book changed."""
        if not self.depth:
            return []
        moved = set(res.quoted.tolist())
        stamp = time.perf_counter()
        books = []
        for key in sorted(self.depth):
            i = self.market.index.get(key)
            if i is not None and i in moved:
                books.append(self._stock_book(i, now, stamp))
            elif i is None:
                und = self.market.index.get(self.venue.instruments[key].underlying or "")
                if und in moved:
                    books.append(self._option_book(key, now, stamp))
        return books

    def book(self, key: str, now: dt.datetime) -> DepthBook:
        """Return the current book of ``key``."""
        i = self.market.index.get(key)
        stamp = time.perf_counter()
        return (
            self._stock_book(i, now, stamp) if i is not None else self._option_book(key, now, stamp)
        )

    def _stock_book(self, i: int, now: dt.datetime, stamp: float) -> DepthBook:
        m = self.market
        tick = float(m.tick[i])
        offsets = np.arange(m.levels)
        bids = ((m.bid_ticks[i] - offsets) * tick).tolist()
        asks = ((m.ask_ticks[i] + offsets) * tick).tolist()
        level: Callable[[float, float], DepthLevel] = lambda p, s: DepthLevel(  # noqa: E731
            round(p, 4), s, max(1, int(s // 400))
        )
        return DepthBook(
            m.symbols[i],
            tuple(level(p, s) for p, s in zip(bids, m.bid_sizes[i].tolist(), strict=True) if p > 0),
            tuple(level(p, s) for p, s in zip(asks, m.ask_sizes[i].tolist(), strict=True)),
            now,
            stamp,
        )

    def _option_book(self, key: str, now: dt.datetime, stamp: float) -> DepthBook:
        bids = self.venue.option_levels(key, -1, None)
        asks = self.venue.option_levels(key, 1, None)
        return DepthBook(
            key,
            tuple(DepthLevel(p / 100, s, 1) for p, s in bids),
            tuple(DepthLevel(p / 100, s, 1) for p, s in asks),
            now,
            stamp,
        )
