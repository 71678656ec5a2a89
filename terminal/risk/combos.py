"""What a combo order puts at risk, gathered once per check for the rules.

A combo is valued as one instrument, never as the sum of its legs' notionals (a 230/240 call
vertical holds two calls worth 11.00 together but costs 3.40 and can lose at most that): the
rules that weigh an order's value use the larger of its net notional and its max loss at expiry
(:func:`terminal.options.analysis.risk`), and the net market comes from the legs' quotes in the
combo's convention (debit positive, credit negative).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.combos import BidAsk, Combo, NetQuote
from terminal.domain.instruments import OptionRight
from terminal.domain.orders import OrderIntent, OrderSide, OrderType
from terminal.domain.values import ZERO
from terminal.risk.context import QuoteLookup
from terminal.risk.pricing import to_decimal


@dataclass(frozen=True, slots=True)
class ComboFigures:
    """A combo order's market and risk (money for the whole order).

    Attributes:
        net: Net bid/ask/mid of one combo from the legs' quotes (NaN where a leg lacks one).
        gross: The legs' mids weighted by ratio, all counted positive (what a net price is a
            share of: the combo's price band measures against it); None without every mid.
        notional: |net price| × quantity × multiplier at the checked price (None: no price).
        max_loss: The most the order can lose at expiry at that price (None: unknown).
        defined_risk: Whether that loss is bounded (it does not depend on the price).
    """

    net: NetQuote
    gross: Decimal | None
    notional: Decimal | None
    max_loss: Decimal | None
    defined_risk: bool

    @property
    def exposure(self) -> Decimal | None:
        """What the rules weigh: the larger of notional and a bounded max loss."""
        if self.notional is None:
            return None
        if self.max_loss is None:
            return self.notional
        return max(self.notional, self.max_loss)


def leg_quotes(combo: Combo, quotes: QuoteLookup) -> dict[str, BidAsk]:
    found: dict[str, BidAsk] = {}
    for leg in combo.legs:
        quote = quotes.last_quote(leg.instrument.key)
        if quote is not None and not quote.delayed:
            found[leg.instrument.key] = quote
    return found


def combo_price(intent: OrderIntent, net: NetQuote) -> tuple[Decimal | None, str]:
    """The net price a combo order is valued at: its limit, else the net market it would take."""
    if intent.order_type is OrderType.LIMIT:
        return intent.limit_price, "limit"
    buy = intent.side is OrderSide.BUY
    price = net.ask if buy else net.bid
    if not math.isfinite(price):
        return None, "none"
    return to_decimal(price), "net ask" if buy else "net bid"


def _gross(combo: Combo, quotes: Mapping[str, BidAsk]) -> Decimal | None:
    total = ZERO
    for leg in combo.legs:
        quote = quotes.get(leg.instrument.key)
        if quote is None or not (quote.bid >= 0 and quote.ask > 0):
            return None
        total += abs(combo.leg_weight(leg)) * to_decimal((quote.bid + quote.ask) / 2)
    return total if total > 0 else None


def combo_figures(intent: OrderIntent, combo: Combo, quotes: QuoteLookup) -> ComboFigures:
    """Gather the combo's net market, the price it is valued at, and its risk."""
    legs = leg_quotes(combo, quotes)
    net = combo.net_quote(legs)
    price, _ = combo_price(intent, net)
    signed = intent.quantity * intent.side.sign
    notional = combo.notional(price, intent.quantity) if price is not None else None
    max_loss = None
    single_expiry = len({leg.instrument.expiry for leg in combo.option_legs}) == 1
    if price is not None and single_expiry and not loss_unbounded(combo, signed):
        # Exact for one expiry. Calendars and diagonals need the later legs' volatility to be
        # valued at the first expiry, which the check has not: they are weighed by notional.
        max_loss = expiry_max_loss(combo, price, signed)
    defined = not loss_unbounded(combo, signed)
    return ComboFigures(net, _gross(combo, legs), notional, max_loss, defined)


def loss_unbounded(combo: Combo, signed_quantity: Decimal) -> bool:
    """Whether holding ``signed_quantity`` combos can lose without limit as the price rises.

    Far above every strike only calls and stock still move: the position loses without bound
    when they sum to a net short (a naked short call, a 1x2 call ratio sold the wrong way). A
    price fall is bounded by zero. This reads the legs alone, so it holds at any price and for
    calendars too (a later-expiring call keeps its value above the strikes).
    """
    slope = sum(
        (
            leg.signed_ratio * leg.instrument.multiplier
            for leg in combo.legs
            if not leg.instrument.is_option or leg.instrument.right is OptionRight.CALL
        ),
        Decimal(0),
    )
    return slope * signed_quantity < 0


def expiry_max_loss(combo: Combo, net_price: Decimal, signed_quantity: Decimal) -> Decimal:
    """The most ``signed_quantity`` combos bought at ``net_price`` lose at a single expiry.

    The payoff is linear between strikes, so its lowest point is at zero or at a strike (the
    loss being bounded above the strikes: see :func:`loss_unbounded`). The same answer as
    :func:`terminal.options.analysis.risk`, in exact money and without numpy, because the
    pre-trade check runs on every staged order.
    """
    strikes = {leg.instrument.strike for leg in combo.option_legs if leg.instrument.strike}
    cost = net_price * combo.multiplier * signed_quantity
    lowest: Decimal | None = None
    for spot in (ZERO, *strikes):
        value = -cost
        for leg in combo.legs:
            inst = leg.instrument
            if not inst.is_option:
                worth = spot
            elif inst.right is OptionRight.CALL:
                worth = max(spot - (inst.strike or ZERO), ZERO)
            else:
                worth = max((inst.strike or ZERO) - spot, ZERO)
            value += leg.signed_ratio * inst.multiplier * signed_quantity * worth
        lowest = value if lowest is None else min(lowest, value)
    return max(-(lowest or ZERO), ZERO)
