"""Portfolio Greeks by underlying: what the positions (and an order) do when the market moves.

Units, for a whole position: delta in shares of the underlying (a stock's delta is its
quantity; an option's is delta × contracts × multiplier), gamma in shares per 1.00 move of the
underlying, vega in money per volatility point and theta in money per calendar day.

An option's Greeks come from the market data's option quote when it carries all four (the
simulator's chains, IB's model Greeks); else from Black–Scholes (:mod:`terminal.options.pricing`)
at the option's implied volatility — the feed's, else solved from the option's mid — with the
underlying's price from the option quote or the underlying's own quote. An option for which
neither is known is listed in :attr:`GreeksExposure.missing`, never counted as zero silently.
Combos count through their legs (positions hold legs, never a combo).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from terminal.domain.instruments import AssetClass, Instrument, OptionRight
from terminal.domain.market import Greeks, OptionQuote, Quote
from terminal.domain.orders import OrderIntent
from terminal.options.builder import DEFAULT_RATE
from terminal.options.pricing import black_scholes, implied_vol, years_to_expiry
from terminal.risk.context import QuoteLookup

#: How long a Black–Scholes answer is reused while its quotes stay the same.
MODEL_REUSE_SECONDS = 60.0

_STOCK = Greeks(delta=1.0, gamma=0.0, theta=0.0, vega=0.0, rho=0.0)


class OptionQuoteLookup(Protocol):
    """The option-quote cache (market data service)."""

    def last_option_quote(self, key: str) -> OptionQuote | None:
        """Return the latest option quote for a contract key, or ``None``."""
        ...


@dataclass(frozen=True, slots=True)
class GreeksExposure:
    """The Greeks of everything held (or ordered) on one underlying, in the module's units.

    Attributes:
        underlying: The underlying's symbol.
        delta: Shares of the underlying the holdings behave like.
        gamma: Change of delta (shares) per 1.00 move of the underlying.
        vega: Money gained per volatility point up.
        theta: Money gained per calendar day (negative: time decay costs).
        missing: Contracts whose Greeks are unknown (not counted in the sums).
    """

    underlying: str
    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    missing: tuple[str, ...] = ()

    def plus(self, other: GreeksExposure) -> GreeksExposure:
        """Return both exposures summed (on the same underlying)."""
        return GreeksExposure(
            self.underlying,
            self.delta + other.delta,
            self.gamma + other.gamma,
            self.vega + other.vega,
            self.theta + other.theta,
            tuple(dict.fromkeys((*self.missing, *other.missing))),
        )


def underlying_of(instrument: Instrument) -> str | None:
    """The symbol an instrument's delta is counted in (None for a combo: its legs are)."""
    if instrument.asset_class is AssetClass.COMBO:
        return None
    if instrument.is_option:
        return instrument.underlying
    return instrument.symbol


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _spot(feed: OptionQuote | None, under: Quote | None) -> float | None:
    if feed is not None and math.isfinite(feed.underlying_price) and feed.underlying_price > 0:
        return feed.underlying_price
    if under is not None and math.isfinite(under.mark) and under.mark > 0:
        return under.mark
    return None


@dataclass(frozen=True, slots=True)
class _Model:
    """The last Black–Scholes answer for a contract and the quotes it came from."""

    feed: OptionQuote | None
    quote: Quote | None
    under: Quote | None
    at: dt.datetime
    greeks: Greeks | None


class GreeksSource:
    """Finds each instrument's Greeks per unit held (an option's already × its multiplier)."""

    def __init__(
        self,
        quotes: QuoteLookup,
        option_quotes: OptionQuoteLookup | None = None,
        *,
        rate: float = DEFAULT_RATE,  # the strategy builder's, so both show the same Greeks
    ) -> None:
        self._quotes = quotes
        self._option_quotes = option_quotes
        self._rate = rate
        self._models: dict[str, _Model] = {}

    def per_unit(self, instrument: Instrument, now: dt.datetime) -> Greeks | None:
        """Return the Greeks of one unit of ``instrument`` (None when they cannot be known)."""
        if not instrument.is_option:
            return _STOCK
        per_share = self._option_greeks(instrument, now)
        if per_share is None:
            return None
        m = float(instrument.multiplier)
        return Greeks(
            per_share.delta * m,
            per_share.gamma * m,
            per_share.theta * m,
            per_share.vega * m,
            per_share.rho * m,
        )

    def _option_greeks(self, inst: Instrument, now: dt.datetime) -> Greeks | None:
        feed = self._option_quotes.last_option_quote(inst.key) if self._option_quotes else None
        if feed is not None:
            g = feed.greeks
            if _finite(g.delta, g.gamma, g.theta, g.vega):
                return g
        quote = self._quotes.last_quote(inst.key)
        under = self._quotes.last_quote(inst.underlying or "")
        # Solving a volatility costs a bisection of Black–Scholes: the pre-trade check and the
        # panel reuse the last answer while none of its quotes has changed (quotes are
        # immutable: a new one is a new object) and for at most a minute of time decay.
        cached = self._models.get(inst.key)
        if (
            cached is not None
            and cached.feed is feed
            and cached.quote is quote
            and cached.under is under
            and abs((now - cached.at).total_seconds()) < MODEL_REUSE_SECONDS
        ):
            return cached.greeks
        greeks = self._model_greeks(inst, now, feed, quote, under)
        self._models[inst.key] = _Model(feed, quote, under, now, greeks)
        return greeks

    def _model_greeks(
        self,
        inst: Instrument,
        now: dt.datetime,
        feed: OptionQuote | None,
        quote: Quote | None,
        under: Quote | None,
    ) -> Greeks | None:
        spot = _spot(feed, under)
        if spot is None or inst.expiry is None or inst.strike is None:
            return None
        years = years_to_expiry(inst.expiry, now)
        iv = feed.iv if feed is not None else math.nan
        vol = (
            iv if math.isfinite(iv) and iv > 0 else self._solved_vol(inst, feed, quote, spot, years)
        )
        if vol is None:
            return None
        call = inst.right is OptionRight.CALL
        val = black_scholes(spot, float(inst.strike), years, self._rate, vol, call)
        return Greeks(
            float(val.delta), float(val.gamma), float(val.theta), float(val.vega), float(val.rho)
        )

    def _solved_vol(
        self,
        inst: Instrument,
        feed: OptionQuote | None,
        quote: Quote | None,
        spot: float,
        years: float,
    ) -> float | None:
        strike, call = float(inst.strike or 0), inst.right is OptionRight.CALL
        for bid, ask in ((q.bid, q.ask) for q in (quote, feed) if q is not None):
            if _finite(bid, ask) and 0 <= bid <= ask and ask > 0:
                vol = float(implied_vol((bid + ask) / 2, spot, strike, years, self._rate, call))
                if math.isfinite(vol) and vol > 0:
                    return vol
        return None

    def exposure(
        self,
        underlying: str,
        holdings: Iterable[tuple[Instrument, Decimal]],
        now: dt.datetime,
    ) -> GreeksExposure:
        """Sum the Greeks of signed ``holdings`` (instrument, quantity) on ``underlying``."""
        delta = gamma = vega = theta = 0.0
        missing: list[str] = []
        for instrument, quantity in holdings:
            if quantity == 0:
                continue
            unit = self.per_unit(instrument, now)
            if unit is None:
                missing.append(instrument.key)
                continue
            q = float(quantity)
            delta += unit.delta * q
            gamma += unit.gamma * q
            vega += unit.vega * q
            theta += unit.theta * q
        return GreeksExposure(underlying, delta, gamma, vega, theta, tuple(missing))


def holdings_by_underlying(
    holdings: Iterable[tuple[Instrument, Decimal]],
) -> dict[str, list[tuple[Instrument, Decimal]]]:
    """Group signed holdings by the underlying their delta counts in."""
    grouped: dict[str, list[tuple[Instrument, Decimal]]] = {}
    for instrument, quantity in holdings:
        underlying = underlying_of(instrument)
        if underlying is not None and quantity != 0:
            grouped.setdefault(underlying, []).append((instrument, quantity))
    return grouped


def order_holdings(intent: OrderIntent) -> list[tuple[Instrument, Decimal]]:
    """What filling ``intent`` adds, signed: a combo adds each leg × its ratio."""
    signed = intent.quantity * intent.side.sign
    if intent.combo is None:
        return [(intent.instrument, signed)]
    return [(leg.instrument, signed * leg.signed_ratio) for leg in intent.combo.legs]


@dataclass(frozen=True, slots=True)
class GreeksCheck:
    """An order's underlying before the order and what the order adds, for the Greeks and
    concentration rules.

    Attributes:
        before: The Greeks of the positions held on the underlying.
        order: What the order adds.
        options: Whether an option on the underlying is held or ordered (then concentration
            is weighed by underlying in delta dollars, see ``rules.concentration``).
        price: The underlying's price that delta dollars are reckoned at (None: unknown).
    """

    before: GreeksExposure
    order: GreeksExposure
    options: bool = False
    price: Decimal | None = None

    @property
    def after(self) -> GreeksExposure:
        return self.before.plus(self.order)


def check_figures(
    intent: OrderIntent,
    positions: Iterable[tuple[Instrument, Decimal]],
    source: GreeksSource,
    now: dt.datetime,
    price: Callable[[str], Decimal | None] = lambda underlying: None,
) -> GreeksCheck | None:
    """The Greeks of the order's underlying now and of the order (None: no underlying).

    ``price`` tells the underlying's price; it is asked only when an option is in play (the
    delta-dollar concentration needs it then and only then).
    """
    ordered = holdings_by_underlying(order_holdings(intent))
    if len(ordered) != 1:  # a combo's legs share one underlying; a flat order has none
        return None
    ((underlying, adds),) = ordered.items()
    held = holdings_by_underlying(positions).get(underlying, [])
    options = any(instrument.is_option for instrument, _ in (*held, *adds))
    return GreeksCheck(
        source.exposure(underlying, held, now),
        source.exposure(underlying, adds, now),
        options,
        price(underlying) if options else None,
    )
