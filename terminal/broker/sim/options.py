"""Listed option chains of the simulated exchange and their quotes.

Expiries are the next weekly Fridays plus the next monthly (third-Friday) expiries; strikes are
listed once, around the starting price, at the increments US exchanges use. Quotes for every
subscribed contract are computed in one vectorised Black–Scholes call per step.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from terminal.domain import Greeks, Instrument, OptionQuote, OptionRight
from terminal.options.pricing import black_scholes, implied_vol, smile_vol, years_to_expiry

RATE = 0.04


def strike_increment(price: float) -> float:
    """Return the usual US listing increment for an underlying at ``price``."""
    if price < 25:
        return 0.5
    if price < 50:
        return 1.0
    if price < 200:
        return 2.5
    if price < 500:
        return 5.0
    return 10.0


def list_strikes(price: float, width: float = 0.3) -> tuple[float, ...]:
    """Return strikes within ``width`` (fraction) of ``price`` at the usual increment."""
    step = strike_increment(price)
    low = math.ceil(price * (1 - width) / step) * step
    high = math.floor(price * (1 + width) / step) * step
    count = round((high - low) / step) + 1
    return tuple(round(low + i * step, 2) for i in range(count))


def _third_friday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (4 - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 14)


def list_expiries(today: dt.date, weeklies: int = 5, monthlies: int = 4) -> tuple[dt.date, ...]:
    """Return the next ``weeklies`` Fridays and the next ``monthlies`` third Fridays."""
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7)
    dates = {friday + dt.timedelta(weeks=w) for w in range(weeklies)}
    year, month, found = today.year, today.month, 0
    while found < monthlies:
        expiry = _third_friday(year, month)
        if expiry >= today:
            dates.add(expiry)
            found += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(sorted(dates))


def _seed_of(key: str) -> int:
    return zlib.crc32(key.encode())


#: Bisection steps for a quoted implied volatility Newton's method left unsolved: 5 / 2**20,
#: under 0.0005 % of volatility, far finer than the chain shows (0.1 %).
IV_ITERATIONS = 20


@dataclass(slots=True)
class _Chain:
    underlying: int
    expiry: dt.date
    instruments: list[Instrument]
    strikes: npt.NDArray[np.float64]
    calls: npt.NDArray[np.bool_]
    open_interest: npt.NDArray[np.float64]
    volume: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    #: When the chain was last quoted (None: never), and whether its underlying moved since.
    quoted_at: dt.datetime | None = None
    moved: bool = True


@dataclass(frozen=True, slots=True)
class OptionTouch:
    """Best bid/ask of one contract in ticks, with the size shown on each side."""

    bid_ticks: int
    ask_ticks: int
    size: float


class OptionBook:
    """The listed chains of the optionable underlyings and their subscribed quotes.

    Args:
        symbols: Underlying symbols by market index.
        start_prices: Starting prices by market index (strikes are listed around them).
        optionable: Which market indices list options.
        today: The listing date (expiries start from it).
        quote_interval: Seconds a chain waits at least between two quotes (see
            :attr:`SimConfig.option_quote_interval`).
    """

    def __init__(
        self,
        symbols: list[str],
        start_prices: npt.NDArray[np.float64],
        optionable: list[bool],
        today: dt.date,
        quote_interval: float = 0.0,
    ) -> None:
        self.quote_interval = quote_interval
        self._index = {s: i for i, s in enumerate(symbols) if optionable[i]}
        self.expiries = list_expiries(today)
        self.strikes = {s: list_strikes(float(start_prices[i])) for s, i in self._index.items()}
        self._chains: dict[tuple[str, dt.date], _Chain] = {}

    def is_optionable(self, symbol: str) -> bool:
        """Return True when ``symbol`` lists options."""
        return symbol in self._index

    def is_listed(self, instrument: Instrument) -> bool:
        """Return True when ``instrument`` is a contract this exchange lists."""
        symbol = instrument.underlying or ""
        return (
            instrument.is_option
            and symbol in self._index
            and instrument.expiry in self.expiries
            and instrument.strike is not None
            and float(instrument.strike) in self.strikes[symbol]
        )

    def contract(self, underlying: str, expiry: dt.date, strike: float, right: str) -> Instrument:
        """Build the instrument of a listed contract."""
        return Instrument.option(
            underlying, expiry, Decimal(repr(strike)), right, description=f"{underlying} option"
        )

    def subscribe(self, underlying: str, expiry: dt.date, strikes: list[float]) -> list[Instrument]:
        """Start quoting ``strikes`` (calls and puts) of one expiry; return the contracts."""
        listed = set(self.strikes[underlying])
        chosen = sorted({round(s, 2) for s in strikes} & listed) if strikes else sorted(listed)
        instruments = [self.contract(underlying, expiry, s, r) for s in chosen for r in "CP"]
        k = np.array([float(i.strike or 0) for i in instruments])
        calls = np.array([i.right is OptionRight.CALL for i in instruments], dtype=np.bool_)
        rng = np.random.default_rng(_seed_of(f"{underlying}{expiry}"))
        atm = float(np.median(k)) if k.size else 1.0
        oi = np.round(5000 * np.exp(-8 * (np.log(k / atm)) ** 2) * rng.uniform(0.3, 1.0, k.size))
        self._chains[(underlying, expiry)] = _Chain(
            self._index[underlying], expiry, instruments, k, calls, oi, np.zeros(k.size)
        )
        return instruments

    def unsubscribe(self, underlying: str, expiry: dt.date) -> None:
        """Stop quoting one expiry of ``underlying``."""
        self._chains.pop((underlying, expiry), None)

    def clear(self) -> None:
        """Drop every chain subscription (connection lost with data)."""
        self._chains.clear()

    def quotes(
        self,
        spot: npt.NDArray[np.float64],
        sigma: npt.NDArray[np.float64],
        moved: npt.NDArray[np.bool_],
        now: dt.datetime,
        rng: np.random.Generator,
    ) -> list[OptionQuote]:
        """Quote every subscribed contract whose underlying moved, in one vectorised pass; a
        chain quoted less than :attr:`quote_interval` ago waits (its move is kept for then)."""
        chains = []
        for chain in self._chains.values():
            chain.moved = chain.moved or bool(moved[chain.underlying])
            due = chain.quoted_at is None or (
                (now - chain.quoted_at).total_seconds() >= self.quote_interval
            )
            if chain.moved and due:
                chains.append(chain)
                chain.moved, chain.quoted_at = False, now
        if not chains:
            return []
        und = np.concatenate([np.full(c.strikes.size, c.underlying) for c in chains])
        k = np.concatenate([c.strikes for c in chains])
        calls = np.concatenate([c.calls for c in chains])
        years = np.concatenate(
            [np.full(c.strikes.size, years_to_expiry(c.expiry, now)) for c in chains]
        )
        s = spot[und]
        vol = smile_vol(sigma[und], s, k, years)
        val = black_scholes(s, k, years, RATE, vol, calls)
        bid, ask = _touch(val.price)
        iv = implied_vol((bid + ask) / 2, s, k, years, RATE, calls, iterations=IV_ITERATIONS)
        for chain in chains:
            chain.volume += rng.poisson(0.02 * chain.open_interest / 100 + 0.01)
        volume = np.concatenate([c.volume for c in chains])
        oi = np.concatenate([c.open_interest for c in chains])
        keys = [inst.key for c in chains for inst in c.instruments]
        stamp = time.perf_counter()
        cols = zip(
            keys,
            bid.tolist(),
            ask.tolist(),
            iv.tolist(),
            val.delta.tolist(),
            val.gamma.tolist(),
            val.theta.tolist(),
            val.vega.tolist(),
            val.rho.tolist(),
            volume.tolist(),
            oi.tolist(),
            s.tolist(),
            strict=True,
        )
        return [
            OptionQuote(key, b, a, math.nan, v, Greeks(d, g, t, ve, r), vo, o, u, stamp)
            for key, b, a, v, d, g, t, ve, r, vo, o, u in cols
        ]

    def touch(
        self, instrument: Instrument, spot: float, sigma: float, now: dt.datetime
    ) -> OptionTouch:
        """Return the best bid/ask (ticks) and size of one listed contract."""
        assert instrument.expiry is not None
        assert instrument.strike is not None
        years = years_to_expiry(instrument.expiry, now)
        k = float(instrument.strike)
        call = instrument.right is OptionRight.CALL
        vol = smile_vol(sigma, spot, k, years)
        price = black_scholes(spot, k, years, RATE, vol, call).price
        bid, ask = _touch(np.atleast_1d(price))
        size = float(10 + _seed_of(instrument.key) % 90)
        return OptionTouch(round(float(bid[0]) * 100), round(float(ask[0]) * 100), size)


def _touch(
    theo: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    half = np.clip(0.01 + 0.02 * theo, 0.01, 0.50)
    bid = np.maximum(np.floor((theo - half) * 100), 0)
    ask = np.maximum(np.ceil((theo + half) * 100), bid + 1)
    return bid / 100, ask / 100
