"""The strategy builder's state and numbers, without Qt: legs being edited and what they show.

A :class:`Draft` is the legs the trader is putting together in the options chain (clicking a
bid adds a sold leg, an ask a bought one, or a named strategy fills them in). It is immutable:
every edit returns a new draft, so the view can compare and redraw. :meth:`Draft.combo` turns it
into the :class:`Combo` the order path trades, with the ratios reduced (two clicks on each leg
of a vertical is one vertical bought twice).

:func:`evaluate` computes everything the builder shows from the legs' quotes: the net bid, ask
and mid, the net Greeks, max profit and loss with break-evens at the mid, and the payoff curves
at expiry and today (Black–Scholes at each leg's implied volatility).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import reduce

import numpy as np

from terminal.domain import Greeks, Instrument, OptionQuote, OrderSide
from terminal.domain.combos import BidAsk, Combo, ComboLeg, InvalidCombo, NetQuote
from terminal.options.analysis import (
    ComboRisk,
    FloatArray,
    expiry_payoff,
    first_expiry,
    net_greeks,
    net_greeks_from_quotes,
    risk,
    value_today,
)
from terminal.options.pricing import implied_vol, years_to_expiry

#: The risk-free rate the builder values legs with: the simulator quotes its chains with 4 %.
DEFAULT_RATE = 0.04
#: Points on the payoff chart's price axis.
CURVE_POINTS = 241


@dataclass(frozen=True, slots=True)
class Draft:
    """Legs being built, in the order they were added; ``strategy`` names them ("custom")."""

    legs: tuple[ComboLeg, ...] = ()
    strategy: str = "custom"

    def add(self, instrument: Instrument, side: OrderSide) -> Draft:
        """One more unit of ``instrument`` on ``side``: a new leg, or one more (or one less, on
        the other side) of the leg already trading it; a leg at zero goes."""
        for index, leg in enumerate(self.legs):
            if leg.instrument.key != instrument.key:
                continue
            if leg.side is side:
                return self.set_ratio(index, leg.ratio + 1)
            if leg.ratio > 1:
                return self.set_ratio(index, leg.ratio - 1)
            return self.remove(index)
        return Draft((*self.legs, ComboLeg(instrument, 1, side)), "custom")

    def remove(self, index: int) -> Draft:
        return Draft(self.legs[:index] + self.legs[index + 1 :], "custom")

    def set_ratio(self, index: int, ratio: int) -> Draft:
        return self._edit(index, replace(self.legs[index], ratio=ratio))

    def set_side(self, index: int, side: OrderSide) -> Draft:
        return self._edit(index, replace(self.legs[index], side=side))

    def set_instrument(self, index: int, instrument: Instrument) -> Draft:
        """Trade ``instrument`` (another strike or expiry) in leg ``index``."""
        return self._edit(index, replace(self.legs[index], instrument=instrument))

    def _edit(self, index: int, leg: ComboLeg) -> Draft:
        legs = list(self.legs)
        legs[index] = leg
        return Draft(tuple(legs), "custom")

    @classmethod
    def of(cls, combo: Combo) -> Draft:
        """The legs of a named strategy (``strategy.iron_condor(...)``), keeping its name,
        in the order a chain reads them (expiry, then strike, puts before calls)."""
        return cls(tuple(sorted(combo.legs, key=_chain_order)), combo.strategy)

    def combo(self) -> tuple[Combo, int]:
        """The combo these legs make, with reduced ratios, and how many of it they are.

        Raises:
            InvalidCombo: the legs make no combo (one leg, two underlyings, ...): says why.
        """
        if not self.legs:
            raise InvalidCombo("no legs yet: click a bid to sell or an ask to buy")
        factor = reduce(math.gcd, (leg.ratio for leg in self.legs))
        legs = tuple(replace(leg, ratio=leg.ratio // factor) for leg in self.legs)
        return Combo(legs, self.strategy), factor


def _chain_order(leg: ComboLeg) -> tuple[bool, str, float, str]:
    inst = leg.instrument
    expiry = f"{inst.expiry:%Y%m%d}" if inst.expiry is not None else ""
    right = inst.right.value if inst.right is not None else ""
    return (inst.is_option, expiry, float(inst.strike or 0), "" if right == "P" else right)


@dataclass(frozen=True, slots=True)
class Payoff:
    """The payoff chart's curves: money per underlying price for the order's quantity."""

    spots: FloatArray
    at_expiry: FloatArray
    today: FloatArray | None
    expiry: dt.date


@dataclass(frozen=True, slots=True)
class StrategyValue:
    """What the builder shows for a combo at one moment (NaN / None where unknown).

    ``price`` is the net price the risk figures and the curves are computed at: the order's
    limit when it has one, else the net mid. ``greeks_source`` says whether the Greeks are the
    feed's (every option leg quoted with Greeks) or Black–Scholes at the legs' implied
    volatilities. ``problems`` says, in words, why something is missing.
    """

    net: NetQuote
    price: float
    greeks: Greeks | None
    greeks_source: str
    risk: ComboRisk | None
    payoff: Payoff | None
    vols: Mapping[str, float]
    problems: tuple[str, ...] = ()


def price_span(combo: Combo, spot: float) -> tuple[float, float]:
    """The underlying prices the payoff chart covers: every strike and the spot, with room."""
    strikes = [float(leg.instrument.strike or 0) for leg in combo.option_legs]
    marks = [*strikes, spot] if math.isfinite(spot) and spot > 0 else strikes
    low, high = min(marks), max(marks)
    room = max((high - low) * 0.6, (high + low) / 2 * 0.06, 1.0)
    return max(low - room, 0.0), high + room


def leg_vols(
    combo: Combo,
    quotes: Mapping[str, BidAsk],
    option_quotes: Mapping[str, OptionQuote],
    spot: float,
    now: dt.datetime,
    rate: float = DEFAULT_RATE,
) -> dict[str, float]:
    """Each option leg's implied volatility: the feed's, else solved from the leg's mid."""
    vols: dict[str, float] = {}
    for leg in combo.option_legs:
        inst = leg.instrument
        feed = option_quotes.get(inst.key)
        if feed is not None and math.isfinite(feed.iv) and feed.iv > 0:
            vols[inst.key] = feed.iv
            continue
        quote = quotes.get(inst.key) or feed
        if quote is None or not math.isfinite(spot) or spot <= 0 or inst.expiry is None:
            continue
        bid, ask = quote.bid, quote.ask
        if not (math.isfinite(bid) and math.isfinite(ask) and 0 <= bid <= ask and ask > 0):
            continue
        solved = float(
            implied_vol(
                (bid + ask) / 2,
                spot,
                float(inst.strike or 0),
                years_to_expiry(inst.expiry, now),
                rate,
                inst.right is not None and inst.right.value == "C",
            )
        )
        if math.isfinite(solved) and solved > 0:
            vols[inst.key] = solved
    return vols


def evaluate(
    combo: Combo,
    quotes: Mapping[str, BidAsk],
    option_quotes: Mapping[str, OptionQuote],
    spot: float,
    now: dt.datetime,
    *,
    limit: float | None = None,
    quantity: float = 1.0,
    rate: float = DEFAULT_RATE,
) -> StrategyValue:
    """Everything the builder shows for ``quantity`` of ``combo`` bought (negative: sold).

    ``quotes`` are the legs' quotes (bid/ask), ``option_quotes`` the feed's option quotes with
    Greeks where the chain has them, ``spot`` the underlying's price.
    """
    problems: list[str] = []
    merged: dict[str, BidAsk] = {**option_quotes, **quotes}
    net = combo.net_quote(merged)
    price = limit if limit is not None else net.mid
    if not math.isfinite(price):
        missing = [leg.instrument.key for leg in combo.legs if leg.instrument.key not in merged]
        problems.append(
            f"waiting for quotes of {', '.join(missing)}"
            if missing
            else "a leg has no two-sided quote"
        )
    vols = leg_vols(combo, quotes, option_quotes, spot, now, rate)
    have_vols = all(leg.instrument.key in vols for leg in combo.option_legs)
    greeks: Greeks | None = None
    source = ""
    feed_greeks = all(leg.instrument.key in option_quotes for leg in combo.option_legs)
    if feed_greeks:
        greeks = net_greeks_from_quotes(combo, option_quotes, quantity=quantity)
        source = "feed"
    if (greeks is None or not math.isfinite(greeks.delta)) and have_vols and spot > 0:
        greeks = net_greeks(combo, spot, now=now, vols=vols, rate=rate, quantity=quantity)
        source = "Black–Scholes"
    single_expiry = len({leg.instrument.expiry for leg in combo.option_legs}) == 1
    combo_risk: ComboRisk | None = None
    payoff: Payoff | None = None
    if math.isfinite(price) and (single_expiry or have_vols):
        model_vols = vols if have_vols else None
        combo_risk = risk(combo, price, quantity=quantity, vols=model_vols, rate=rate)
        low, high = price_span(combo, spot)
        spots = np.linspace(low, high, CURVE_POINTS)
        at_expiry = expiry_payoff(
            combo, price, spots, quantity=quantity, vols=model_vols, rate=rate
        )
        today = None
        if have_vols:
            today = value_today(
                combo, price, spots, now=now, vols=vols, rate=rate, quantity=quantity
            )
        else:
            problems.append("no implied volatility for a leg: no curve for today")
        payoff = Payoff(spots, at_expiry, today, first_expiry(combo))
    elif math.isfinite(price):
        problems.append("the later legs need an implied volatility to value at expiry")
    return StrategyValue(net, price, greeks, source, combo_risk, payoff, vols, tuple(problems))
