"""What closing a strategy can trade at now: the closing combo's net market from its legs' quotes.

Closing a strategy trades the opposite combo: every leg the strategy bought is sold and every
leg it sold is bought back. That fills only when each leg has someone on the other side: a bid
for every leg the close sells, an ask for every leg it buys. A far out-of-the-money wing quoted
0.00 bid has no bid at all (no exchange trades an option at zero, and nobody bids for it), so a
close that must sell it cannot fill against the legs however it is priced; a MKT close would
rest unfilled. :func:`close_quote` says so before anything is staged, naming the legs, and
otherwise gives the prices a closing order is set at: the net mid rounded to the combo's tick
(the default, as TWS prices a closing order at the midpoint) and the *natural* price, the net
market the close takes now (net bid when selling, net ask when buying).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain import OrderSide
from terminal.domain.combos import BidAsk, Combo, NetQuote
from terminal.portfolio.strategies import StrategyPosition


@dataclass(frozen=True, slots=True)
class CloseQuote:
    """The closing combo's market, per unit, in the combo's convention (a credit is negative).

    Attributes:
        combo: The strategy's combo (the close trades it on :attr:`side`).
        side: SELL to close a bought strategy, BUY to close a sold one.
        units: How many units the close trades (positive).
        net: The combo's net bid/ask from the legs' quotes (NaN where a leg lacks one).
        problems: Why the close cannot fill against the legs now, one line per leg (empty: it
            can); a leg with no quote, or without the bid or ask the close needs.
    """

    combo: Combo
    side: OrderSide
    units: Decimal
    net: NetQuote
    problems: tuple[str, ...]

    @property
    def tradable(self) -> bool:
        return not self.problems

    @property
    def mid(self) -> Decimal | None:
        """The net mid on the combo's tick (None while a leg is unquoted)."""
        if not math.isfinite(self.net.mid):
            return None
        return self.combo.round_price(self.net.mid)

    @property
    def natural(self) -> Decimal | None:
        """The net price the close takes now: the net bid when selling, the ask when buying."""
        price = self.net.bid if self.side is OrderSide.SELL else self.net.ask
        if not math.isfinite(price):
            return None
        return self.combo.round_price(price)

    def refusal(self) -> str:
        """The sentence telling the trader why the close is refused ("" when it is not)."""
        if not self.problems:
            return ""
        return (
            f"cannot close {self.combo.description} as a combo now: "
            + "; ".join(self.problems)
            + ". A closing combo fills only when every leg can trade"
        )


def close_quote(strategy: StrategyPosition, quotes: Mapping[str, BidAsk]) -> CloseQuote:
    """Price the close of ``strategy`` from ``quotes`` (the legs' last quotes, by key)."""
    side = OrderSide.SELL if strategy.units > 0 else OrderSide.BUY
    combo = strategy.combo
    problems: list[str] = []
    for leg in combo.legs:
        key = leg.instrument.key
        quote = quotes.get(key)
        sells = side.sign * leg.sign < 0
        if quote is None:
            problems.append(f"{key} has no quote")
        elif sells and not (math.isfinite(quote.bid) and quote.bid > 0):
            problems.append(f"{key} has no bid (quoted {_price(quote.bid)}): nobody buys it")
        elif not sells and not (math.isfinite(quote.ask) and quote.ask > 0):
            problems.append(f"{key} has no offer: nobody sells it")
    return CloseQuote(combo, side, abs(strategy.units), combo.net_quote(quotes), tuple(problems))


def _price(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "nothing"
