"""Named option strategies built from a chain around a chosen strike.

The chain is what every broker adapter returns, :class:`OptionChainParams` (expiries, strikes,
multiplier). Widths count *listed strikes*, not dollars, so "one strike wide" means the next
listed strike whatever the increment.

Every builder returns the combo a trader *buys*; its side follows the usual name. Long vertical,
straddle, strangle, butterfly and calendar cost a debit; the iron condor returned is the short
(income) one, so buying it brings a credit (a negative net price). Sell the combo for the
opposite trade.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from terminal.domain import Instrument, OptionChainParams, OptionRight, OrderSide
from terminal.domain.combos import Combo, ComboLeg, InvalidCombo

BUY, SELL = OrderSide.BUY, OrderSide.SELL
STRATEGIES = (
    "vertical",
    "straddle",
    "strangle",
    "iron condor",
    "butterfly",
    "calendar",
    "diagonal",
)


class ChainStrikes:
    """Listed strikes of one chain, addressed by steps from a chosen strike."""

    def __init__(self, chain: OptionChainParams) -> None:
        self.chain = chain
        self._strikes = sorted({Decimal(repr(s)) for s in chain.strikes})

    def at(self, strike: Decimal | float | str, steps: int = 0) -> Decimal:
        """Return the strike ``steps`` listed strikes above (below when negative) ``strike``.

        Raises:
            InvalidCombo: ``strike`` is not listed, or the chain has no strike that far out.
        """
        wanted = Decimal(repr(strike)) if isinstance(strike, float) else Decimal(strike)
        if wanted not in self._strikes:
            nearest = min(self._strikes, key=lambda k: abs(k - wanted), default=None)
            hint = f"; nearest is {nearest.normalize():f}" if nearest is not None else ""
            raise InvalidCombo(
                f"{self.chain.underlying}: strike {wanted.normalize():f} is not listed{hint}"
            )
        index = self._strikes.index(wanted) + steps
        if not 0 <= index < len(self._strikes):
            where = "above" if steps > 0 else "below"
            raise InvalidCombo(
                f"{self.chain.underlying}: no strike {abs(steps)} strike(s) {where} "
                f"{wanted.normalize():f} is listed"
            )
        return self._strikes[index]

    def option(self, expiry: dt.date, strike: Decimal, right: OptionRight | str) -> Instrument:
        if expiry not in self.chain.expiries:
            raise InvalidCombo(
                f"{self.chain.underlying}: expiry {expiry:%Y-%m-%d} is not listed in the chain"
            )
        return Instrument.option(
            self.chain.underlying,
            expiry,
            strike,
            right,
            multiplier=Decimal(self.chain.multiplier),
            description=f"{self.chain.underlying} option",
        )


def _width(width: int) -> int:
    if width < 1:
        raise InvalidCombo(f"a strategy's width is at least one strike, got {width}")
    return width


def _out(right: OptionRight | str) -> int:
    """+1 when out of the money is up the strikes (calls), -1 when down (puts)."""
    return 1 if OptionRight(right) is OptionRight.CALL else -1


def vertical(
    chain: OptionChainParams,
    expiry: dt.date,
    strike: Decimal | float | str,
    right: OptionRight | str,
    *,
    width: int = 1,
) -> Combo:
    """Buy ``strike``, sell the strike ``width`` strikes further out of the money (a debit)."""
    s = ChainStrikes(chain)
    near = s.at(strike)
    far = s.at(near, _out(right) * _width(width))
    legs = (
        ComboLeg(s.option(expiry, near, right), 1, BUY),
        ComboLeg(s.option(expiry, far, right), 1, SELL),
    )
    return Combo(legs, "vertical")


def straddle(chain: OptionChainParams, expiry: dt.date, strike: Decimal | float | str) -> Combo:
    """Buy the call and the put of one strike."""
    s = ChainStrikes(chain)
    k = s.at(strike)
    legs = tuple(ComboLeg(s.option(expiry, k, r), 1, BUY) for r in OptionRight)
    return Combo(legs, "straddle")


def strangle(
    chain: OptionChainParams, expiry: dt.date, strike: Decimal | float | str, *, width: int = 1
) -> Combo:
    """Buy the put ``width`` strikes below and the call ``width`` strikes above ``strike``."""
    s = ChainStrikes(chain)
    k = s.at(strike)
    legs = (
        ComboLeg(s.option(expiry, s.at(k, -_width(width)), OptionRight.PUT), 1, BUY),
        ComboLeg(s.option(expiry, s.at(k, width), OptionRight.CALL), 1, BUY),
    )
    return Combo(legs, "strangle")


def iron_condor(
    chain: OptionChainParams,
    expiry: dt.date,
    strike: Decimal | float | str,
    *,
    inner: int = 1,
    wing: int = 1,
) -> Combo:
    """Sell the put and call ``inner`` strikes either side of ``strike``; buy the wings.

    The wings sit ``wing`` strikes beyond the short strikes. Bought, this brings a credit.
    """
    s = ChainStrikes(chain)
    k = s.at(strike)
    short_put, short_call = s.at(k, -_width(inner)), s.at(k, inner)
    long_put, long_call = s.at(short_put, -_width(wing)), s.at(short_call, wing)
    put, call = OptionRight.PUT, OptionRight.CALL
    legs = (
        ComboLeg(s.option(expiry, long_put, put), 1, BUY),
        ComboLeg(s.option(expiry, short_put, put), 1, SELL),
        ComboLeg(s.option(expiry, short_call, call), 1, SELL),
        ComboLeg(s.option(expiry, long_call, call), 1, BUY),
    )
    return Combo(legs, "iron condor")


def butterfly(
    chain: OptionChainParams,
    expiry: dt.date,
    strike: Decimal | float | str,
    right: OptionRight | str,
    *,
    width: int = 1,
) -> Combo:
    """Buy one ``width`` strikes below, sell two at ``strike``, buy one ``width`` above."""
    s = ChainStrikes(chain)
    k = s.at(strike)
    legs = (
        ComboLeg(s.option(expiry, s.at(k, -_width(width)), right), 1, BUY),
        ComboLeg(s.option(expiry, k, right), 2, SELL),
        ComboLeg(s.option(expiry, s.at(k, width), right), 1, BUY),
    )
    return Combo(legs, "butterfly")


def calendar(
    chain: OptionChainParams,
    near: dt.date,
    far: dt.date,
    strike: Decimal | float | str,
    right: OptionRight | str,
) -> Combo:
    """Sell ``strike`` in the ``near`` expiry, buy it in the ``far`` one (a debit)."""
    _check_expiries(near, far)
    s = ChainStrikes(chain)
    k = s.at(strike)
    legs = (
        ComboLeg(s.option(near, k, right), 1, SELL),
        ComboLeg(s.option(far, k, right), 1, BUY),
    )
    return Combo(legs, "calendar")


def diagonal(
    chain: OptionChainParams,
    near: dt.date,
    far: dt.date,
    strike: Decimal | float | str,
    right: OptionRight | str,
    *,
    width: int = 1,
) -> Combo:
    """Buy ``strike`` in the ``far`` expiry; sell ``width`` strikes further out in ``near``."""
    _check_expiries(near, far)
    s = ChainStrikes(chain)
    k = s.at(strike)
    legs = (
        ComboLeg(s.option(near, s.at(k, _out(right) * _width(width)), right), 1, SELL),
        ComboLeg(s.option(far, k, right), 1, BUY),
    )
    return Combo(legs, "diagonal")


def _check_expiries(near: dt.date, far: dt.date) -> None:
    if not near < far:
        raise InvalidCombo(
            f"the near expiry ({near:%Y-%m-%d}) must come before the far one ({far:%Y-%m-%d})"
        )
