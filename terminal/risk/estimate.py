"""Live estimates for the order ticket: what an order is worth and what it costs to trade."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.combos import Combo
from terminal.domain.commission import CommissionModel
from terminal.domain.orders import OrderIntent
from terminal.domain.values import ZERO
from terminal.risk.combos import combo_figures, combo_price
from terminal.risk.context import QuoteLookup
from terminal.risk.pricing import reference_price, to_decimal, usable

_DEFAULT_COMMISSION = CommissionModel()


@dataclass(frozen=True, slots=True)
class OrderEstimate:
    """Estimated value and commission of an order; ``None`` when no price is known.

    Attributes:
        notional: quantity × price × multiplier; for a combo what the risk engine weighs: the
            larger of its net notional and its max loss (a credit is never a negative value).
        commission: The commission for filling the whole order in one execution.
        price: The price the estimate uses.
        price_source: Where the price came from ("limit", "stop", "ask", "bid", "last", "mark").
    """

    notional: Decimal | None
    commission: Decimal | None
    price: Decimal | None = None
    price_source: str = "none"


def estimate_order(
    intent: OrderIntent,
    quotes: QuoteLookup,
    commission: CommissionModel = _DEFAULT_COMMISSION,
    mark: Decimal | None = None,
) -> OrderEstimate:
    """Estimate ``intent``'s notional and commission at the price the risk engine uses.

    Args:
        intent: The order as the ticket currently describes it.
        quotes: The last-quote cache.
        commission: The commission schedule.
        mark: A fallback price (the portfolio's mark) for market orders without a quote.
    """
    if intent.combo is not None:
        return _estimate_combo(intent, intent.combo, quotes, commission)
    quote = quotes.last_quote(intent.instrument.key)
    price, source = reference_price(intent, quote, mark)
    if price is None:
        return OrderEstimate(None, None)
    notional = intent.quantity * price * intent.instrument.multiplier
    fee = commission.estimate(intent.instrument, intent.quantity, price)
    return OrderEstimate(notional, fee, price, source)


def _estimate_combo(
    intent: OrderIntent, combo: Combo, quotes: QuoteLookup, commission: CommissionModel
) -> OrderEstimate:
    """A combo as the risk engine weighs it (the larger of net notional and max loss), and the
    commission of every leg (per contract; a stock leg per share at its quote)."""
    figures = combo_figures(intent, combo, quotes)
    price, source = combo_price(intent, figures.net)
    if price is None or figures.exposure is None:
        return OrderEstimate(None, None)
    fee = Decimal(0)
    for leg in combo.legs:
        quote = quotes.last_quote(leg.instrument.key)
        leg_price = to_decimal(quote.mid) if quote is not None and usable(quote.mid) else ZERO
        fee += commission.estimate(leg.instrument, intent.quantity * leg.ratio, leg_price)
    return OrderEstimate(figures.exposure, fee, price, source)
