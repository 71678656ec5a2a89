"""Prices: one quote per stock, option quotes and Greeks derived from the underlying.

A stock's quote changes only through :meth:`Market.update` (a test's ``set_quote`` or the random
walk); option quotes are recomputed from the underlying's mid each time they are read, so they
follow the stock without a quote of their own.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from .instruments import Instrument, Universe
from .pricing import YEAR_SECONDS, Greeks, black_scholes, implied_vol, smile_vol

EXCHANGE_TZ = ZoneInfo("America/New_York")


@dataclass(frozen=True, slots=True)
class Quote:
    """Top of book plus the day's statistics, as reqMktData reports them."""

    bid: float
    ask: float
    last: float
    bid_size: float
    ask_size: float
    last_size: float
    volume: float
    close: float
    high: float
    low: float
    last_time: int

    @property
    def mid(self) -> float:
        """Midpoint when both sides are quoted, else the last price."""
        if self.bid > 0 and self.ask > 0:
            return (self.bid + self.ask) / 2
        return self.last


@dataclass(frozen=True, slots=True)
class OptionView:
    """An option's quote with the computations TWS streams for it."""

    quote: Quote
    underlying_price: float
    model_vol: float
    model: Greeks
    bid_vol: float
    ask_vol: float
    bid: Greeks
    ask: Greeks


def round_tick(price: float, tick: float) -> float:
    """Round a price to the instrument's tick (and to cents, to keep the wire text short)."""
    return round(round(price / tick) * tick, 6)


def initial_quote(price: float, now: int) -> Quote:
    """The quote a stock starts the day with."""
    return Quote(
        bid=round(price - 0.01, 2),
        ask=round(price + 0.01, 2),
        last=price,
        bid_size=300,
        ask_size=400,
        last_size=100,
        volume=1_000_000,
        close=round(price * 0.995, 2),
        high=round(price * 1.01, 2),
        low=round(price * 0.99, 2),
        last_time=now,
    )


class Market:
    """The gateway's current prices."""

    def __init__(self, universe: Universe, clock: Callable[[], float]) -> None:
        self._universe = universe
        self._clock = clock
        self._quotes: dict[str, Quote] = {
            symbol: initial_quote(seed.price, int(clock()))
            for symbol, seed in universe.seeds.items()
        }

    def add(self, symbol: str, price: float) -> None:
        """Start quoting a newly added stock."""
        self._quotes[symbol] = initial_quote(price, int(self._clock()))

    def stock_quote(self, symbol: str) -> Quote:
        """The stored quote of a stock."""
        return self._quotes[symbol]

    def quote(self, instrument: Instrument) -> Quote:
        """The current quote of any instrument (options derived from their underlying)."""
        if instrument.is_option:
            return self.option_view(instrument).quote
        return self._quotes[instrument.symbol]

    def update(
        self,
        symbol: str,
        *,
        bid: float | None = None,
        ask: float | None = None,
        last: float | None = None,
        volume: float | None = None,
        bid_size: float | None = None,
        ask_size: float | None = None,
        last_size: float | None = None,
    ) -> Quote:
        """Change a stock's quote; a new last trade adds its size to the volume."""
        old = self._quotes[symbol]
        new = replace(
            old,
            bid=old.bid if bid is None else bid,
            ask=old.ask if ask is None else ask,
            bid_size=old.bid_size if bid_size is None else bid_size,
            ask_size=old.ask_size if ask_size is None else ask_size,
        )
        if last is not None or last_size is not None:
            price = old.last if last is None else last
            size = old.last_size if last_size is None else last_size
            new = replace(
                new,
                last=price,
                last_size=size,
                volume=old.volume + size if volume is None else volume,
                high=max(old.high, price),
                low=min(old.low, price),
                last_time=int(self._clock()),
            )
        elif volume is not None:
            new = replace(new, volume=volume)
        self._quotes[symbol] = new
        return new

    def years_to_expiry(self, option: Instrument) -> float:
        """Time left until the option's 16:00 New York expiry, in years."""
        text = option.expiry
        day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        expiry = dt.datetime.combine(day, dt.time(16, 0), tzinfo=EXCHANGE_TZ).timestamp()
        return max((expiry - self._clock()) / YEAR_SECONDS, 1e-6)

    def option_view(self, option: Instrument) -> OptionView:
        """Quote and Greeks of an option from its underlying's current mid."""
        underlying = self._universe.underlying(option)
        spot = self._quotes[underlying.symbol].mid
        years = self.years_to_expiry(option)
        vol = smile_vol(self._universe.seeds[underlying.symbol].volatility, spot, option.strike)
        model = black_scholes(spot, option.strike, years, vol, option.right)
        half = max(0.01, round(model.price * 0.02, 2))
        bid = max(round_tick(model.price - half, option.min_tick), 0.0)
        ask = max(round_tick(model.price + half, option.min_tick), option.min_tick)
        bid_vol = implied_vol(bid, spot, option.strike, years, option.right) if bid > 0 else -1.0
        ask_vol = implied_vol(ask, spot, option.strike, years, option.right)
        last = max(round_tick(model.price, option.min_tick), option.min_tick)
        size = 10 + option.con_id % 40
        quote = Quote(
            bid=bid,
            ask=ask,
            last=last,
            bid_size=size if bid > 0 else 0,
            ask_size=size + 5,
            last_size=1,
            volume=100 + (option.con_id % 50) * 37,
            close=last,
            high=ask,
            low=bid if bid > 0 else last,
            last_time=int(self._clock()),
        )
        return OptionView(
            quote=quote,
            underlying_price=spot,
            model_vol=vol,
            model=model,
            bid_vol=bid_vol,
            ask_vol=ask_vol,
            bid=_at_vol(spot, option, years, bid_vol, model),
            ask=_at_vol(spot, option, years, ask_vol, model),
        )

    def walk(self, rng: random.Random) -> list[str]:
        """Move every stock one random step; return the symbols that changed."""
        changed: list[str] = []
        for symbol in sorted(self._quotes):
            old = self._quotes[symbol]
            tick = self._universe.stocks[symbol].min_tick
            mid = old.mid * math.exp(rng.gauss(0.0, 0.0006))
            half_spread = rng.choice((1, 1, 2, 3)) * tick / 2
            bid = round_tick(mid - half_spread, tick)
            ask = max(round_tick(mid + half_spread, tick), round(bid + tick, 6))
            traded = rng.random() < 0.6
            self.update(
                symbol,
                bid=bid,
                ask=ask,
                bid_size=rng.randint(1, 20) * 100,
                ask_size=rng.randint(1, 20) * 100,
                last=(ask if rng.random() < 0.5 else bid) if traded else None,
                last_size=rng.randint(1, 10) * 100 if traded else None,
            )
            changed.append(symbol)
        return changed


def _at_vol(spot: float, option: Instrument, years: float, vol: float, model: Greeks) -> Greeks:
    if vol <= 0:
        return model
    return black_scholes(spot, option.strike, years, vol, option.right)


def depth_book(
    quote: Quote, rows: int, tick: float
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Ask and bid ladders of ``rows`` levels each around the quote (deterministic sizes)."""
    asks: list[tuple[float, float]] = []
    bids: list[tuple[float, float]] = []
    for level in range(rows):
        ask = round_tick(quote.ask + level * tick, tick)
        bid = round_tick(quote.bid - level * tick, tick)
        asks.append((ask, quote.ask_size if level == 0 else _level_size(ask, level)))
        if bid > 0:
            bids.append((bid, quote.bid_size if level == 0 else _level_size(bid, level)))
    return asks, bids


def _level_size(price: float, level: int) -> float:
    return float(100 * (1 + (round(price * 100) * 7 + level * 3) % 9))
