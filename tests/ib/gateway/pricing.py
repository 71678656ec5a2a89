"""Black-Scholes prices, Greeks and implied volatility for the gateway's option quotes.

No dividends; a flat rate. TWS reports vega per volatility point and theta per calendar day,
so those are scaled the same way here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RATE = 0.04
YEAR_SECONDS = 365.0 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Greeks:
    """One option computation, in the units tickOptionComputation carries."""

    price: float
    delta: float
    gamma: float
    vega: float
    theta: float


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def black_scholes(spot: float, strike: float, years: float, vol: float, right: str) -> Greeks:
    """Price and Greeks of a European call (``C``) or put (``P``)."""
    years = max(years, 1e-6)
    vol = max(vol, 1e-4)
    root = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + (RATE + 0.5 * vol * vol) * years) / root
    d2 = d1 - root
    discount = math.exp(-RATE * years)
    gamma = _pdf(d1) / (spot * root)
    vega = spot * _pdf(d1) * math.sqrt(years) / 100.0
    decay = -spot * _pdf(d1) * vol / (2 * math.sqrt(years))
    if right == "C":
        price = spot * _cdf(d1) - strike * discount * _cdf(d2)
        delta = _cdf(d1)
        theta = (decay - RATE * strike * discount * _cdf(d2)) / 365.0
    else:
        price = strike * discount * _cdf(-d2) - spot * _cdf(-d1)
        delta = _cdf(d1) - 1.0
        theta = (decay + RATE * strike * discount * _cdf(-d2)) / 365.0
    return Greeks(price=price, delta=delta, gamma=gamma, vega=vega, theta=theta)


def smile_vol(base: float, spot: float, strike: float) -> float:
    """A simple smile: volatility rises with the squared log-moneyness."""
    moneyness = math.log(strike / spot)
    return base * (1.0 + 2.5 * moneyness * moneyness) + (0.02 if moneyness < 0 else 0.0)


def implied_vol(price: float, spot: float, strike: float, years: float, right: str) -> float:
    """The volatility that prices the option at ``price`` (bisection; -1 when out of range)."""
    low, high = 1e-4, 5.0
    if not black_scholes(spot, strike, years, low, right).price <= price:
        return -1.0
    if not black_scholes(spot, strike, years, high, right).price >= price:
        return -1.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        if black_scholes(spot, strike, years, mid, right).price < price:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)
