"""What a combo can make or lose: payoff curves, max profit/loss, break-evens and net Greeks.

All amounts are money for ``quantity`` combos bought at ``net_price`` (the combo convention of
:mod:`terminal.domain.combos`: debit positive, credit negative); selling is a negative quantity.
A leg counts ``side × ratio × leg multiplier`` times per combo, so a 1×2 butterfly's short leg
weighs twice and a 100-share stock leg weighs 100 × 1.

"At expiry" means at the combo's first expiry. When every option leg expires then, the payoff
is piecewise linear between strikes and max profit, max loss and break-evens are exact. When
some legs live on (calendar, diagonal), those legs are valued by Black–Scholes at their remaining
time and the extremes are read off a fine price grid (:attr:`ComboRisk.exact` is False).
Either way a profit or loss that grows without limit as the price rises is reported as ``None``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from terminal.domain import Greeks, OptionQuote, OptionRight
from terminal.domain.combos import Combo, ComboLeg, InvalidCombo
from terminal.options.pricing import black_scholes, years_to_expiry

type FloatArray = npt.NDArray[np.float64]
type Vols = Mapping[str, float] | float

#: Points of the grid used when the payoff is not piecewise linear (legs of later expiries).
GRID_POINTS = 4001
#: A slope below this (money per 1.00 of underlying) is flat: rounding, not exposure.
_FLAT = 1e-9
_TINY = 1e-9


@dataclass(frozen=True, slots=True)
class ComboRisk:
    """Max profit and loss (money, ``None`` = unbounded) and break-even underlying prices."""

    max_profit: float | None
    max_loss: float | None
    break_evens: tuple[float, ...]
    exact: bool = True

    @property
    def defined_risk(self) -> bool:
        return self.max_loss is not None


def _weight(leg: ComboLeg, quantity: float) -> float:
    return leg.signed_ratio * float(leg.instrument.multiplier) * quantity


def _cost(combo: Combo, net_price: Decimal | float, quantity: float) -> float:
    return float(net_price) * float(combo.multiplier) * quantity


def _intrinsic(leg: ComboLeg, spots: FloatArray) -> FloatArray:
    inst = leg.instrument
    if not inst.is_option:
        return spots
    k = float(inst.strike or 0)
    if inst.right is OptionRight.CALL:
        return np.maximum(spots - k, 0.0)
    return np.maximum(k - spots, 0.0)


def first_expiry(combo: Combo) -> dt.date:
    return min(leg.instrument.expiry for leg in combo.option_legs if leg.instrument.expiry)


def _vol(vols: Vols, leg: ComboLeg) -> float:
    vol = vols.get(leg.instrument.key, math.nan) if isinstance(vols, Mapping) else float(vols)
    if not math.isfinite(vol) or vol <= 0:
        raise InvalidCombo(f"{leg.instrument.key}: no usable volatility to value the leg")
    return vol


def _model_value(
    leg: ComboLeg, spots: FloatArray, years: float, vols: Vols, rate: float
) -> FloatArray:
    inst = leg.instrument
    if not inst.is_option:
        return spots
    call = inst.right is OptionRight.CALL
    s = np.maximum(spots, _TINY)  # the model's log(S/K) needs S > 0; a zero price values alike
    price = black_scholes(s, float(inst.strike or 0), years, rate, _vol(vols, leg), call).price
    return np.asarray(price, dtype=np.float64)


def _is_single_expiry(combo: Combo) -> bool:
    return len({leg.instrument.expiry for leg in combo.option_legs}) == 1


def expiry_payoff(
    combo: Combo,
    net_price: Decimal | float,
    spots: npt.ArrayLike,
    *,
    quantity: float = 1.0,
    vols: Vols | None = None,
    rate: float = 0.0,
) -> FloatArray:
    """P&L at the first expiry for each underlying price in ``spots``.

    ``vols`` (per leg key, or one for all) and ``rate`` are needed only for legs that expire
    later; they are then valued by Black–Scholes at their remaining time.
    """
    s = np.asarray(spots, dtype=np.float64)
    first = first_expiry(combo)
    total = np.full(s.shape, -_cost(combo, net_price, quantity))
    for leg in combo.legs:
        expiry = leg.instrument.expiry
        if expiry is None or expiry == first:
            value = _intrinsic(leg, s)
        else:
            if vols is None:
                raise InvalidCombo(
                    f"{combo.description}: legs expiring after {first:%Y-%m-%d} "
                    "need a volatility to value at the first expiry"
                )
            value = _model_value(leg, s, (expiry - first).days / 365.0, vols, rate)
        total = total + _weight(leg, quantity) * value
    return total


def value_today(
    combo: Combo,
    net_price: Decimal | float,
    spots: npt.ArrayLike,
    *,
    now: dt.datetime,
    vols: Vols,
    rate: float = 0.0,
    quantity: float = 1.0,
) -> FloatArray:
    """P&L now (Black–Scholes value of the legs less what the combo cost) for each price."""
    s = np.asarray(spots, dtype=np.float64)
    total = np.full(s.shape, -_cost(combo, net_price, quantity))
    for leg in combo.legs:
        expiry = leg.instrument.expiry
        years = years_to_expiry(expiry, now) if expiry is not None else 0.0
        total = total + _weight(leg, quantity) * _model_value(leg, s, years, vols, rate)
    return total


def _upside_slope(combo: Combo, quantity: float) -> float:
    """d(P&L)/d(price) far above every strike: calls and stock count, puts are worthless."""
    return sum(
        _weight(leg, quantity)
        for leg in combo.legs
        if not leg.instrument.is_option or leg.instrument.right is OptionRight.CALL
    )


def risk(
    combo: Combo,
    net_price: Decimal | float,
    *,
    quantity: float = 1.0,
    vols: Vols | None = None,
    rate: float = 0.0,
) -> ComboRisk:
    """Max profit, max loss (a positive number is money lost) and break-evens at expiry."""
    strikes = sorted({float(leg.instrument.strike or 0) for leg in combo.option_legs})
    slope = _upside_slope(combo, quantity)
    exact = _is_single_expiry(combo)
    if exact:
        points = np.array([0.0, *strikes])
    else:
        points = np.unique(
            np.concatenate([np.linspace(0.0, 3 * strikes[-1], GRID_POINTS), strikes])
        )
    values = expiry_payoff(combo, net_price, points, quantity=quantity, vols=vols, rate=rate)
    eps = 1e-9 * max(1.0, float(np.max(np.abs(values))))
    up = None if slope > _FLAT else float(np.max(values))
    down = None if slope < -_FLAT else -float(np.min(values))
    return ComboRisk(up, down, _break_evens(points, values, slope, eps), exact)


def _break_evens(
    points: FloatArray, values: FloatArray, slope: float, eps: float
) -> tuple[float, ...]:
    found: list[float] = []
    for i in range(len(points) - 1):
        a, b = float(values[i]), float(values[i + 1])
        if abs(a) <= eps:
            found.append(float(points[i]))
        elif a * b < 0:
            found.append(float(points[i] + (points[i + 1] - points[i]) * a / (a - b)))
    last = float(values[-1])
    if abs(last) <= eps:
        found.append(float(points[-1]))
    elif abs(slope) > _FLAT and last * slope < 0:
        found.append(float(points[-1]) - last / slope)
    unique: list[float] = []
    for x in found:
        if not unique or abs(x - unique[-1]) > 1e-6:
            unique.append(x)
    return tuple(unique)


def net_greeks(
    combo: Combo,
    spot: float,
    *,
    now: dt.datetime,
    vols: Vols,
    rate: float = 0.0,
    quantity: float = 1.0,
) -> Greeks:
    """The position's Greeks by Black–Scholes, summed over legs × side × ratio × multiplier.

    Units are money: delta in shares' worth of underlying, gamma in delta per 1.00 move, vega
    per volatility point, theta per calendar day, rho per rate point.
    """
    totals = dict.fromkeys(("delta", "gamma", "theta", "vega", "rho"), 0.0)
    s = np.array([spot], dtype=np.float64)
    for leg in combo.legs:
        w = _weight(leg, quantity)
        inst = leg.instrument
        if not inst.is_option:
            totals["delta"] += w
            continue
        assert inst.expiry is not None
        val = black_scholes(
            s,
            float(inst.strike or 0),
            years_to_expiry(inst.expiry, now),
            rate,
            _vol(vols, leg),
            inst.right is OptionRight.CALL,
        )
        for name in totals:
            totals[name] += w * float(getattr(val, name)[0])
    return Greeks(**totals)


def net_greeks_from_quotes(
    combo: Combo, quotes: Mapping[str, OptionQuote], *, quantity: float = 1.0
) -> Greeks:
    """The same sum over the Greeks the feed reports per leg (NaN when a leg has none)."""
    totals = dict.fromkeys(("delta", "gamma", "theta", "vega", "rho"), 0.0)
    for leg in combo.legs:
        w = _weight(leg, quantity)
        if not leg.instrument.is_option:
            totals["delta"] += w
            continue
        quote = quotes.get(leg.instrument.key)
        for name in totals:
            totals[name] += w * (getattr(quote.greeks, name) if quote else math.nan)
    return Greeks(**totals)
