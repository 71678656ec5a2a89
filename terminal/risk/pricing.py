"""The price an order is expected to trade at, and number formatting for messages.

The formatting helpers are the domain's (:mod:`terminal.domain.formatting`), so a risk reason
reads a price exactly as every other screen shows it.
"""

from __future__ import annotations

import math
from decimal import Decimal

from terminal.domain.formatting import DEFAULT_TICK, MAX_DECIMALS, format_money, format_price
from terminal.domain.formatting import format_quantity as fmt_qty
from terminal.domain.market import Quote
from terminal.domain.orders import OrderIntent, OrderSide, OrderType


def usable(value: float) -> bool:
    """Return whether a market data price can be used (positive and finite; NaN is not)."""
    return 0.0 < value < math.inf


def to_decimal(value: float) -> Decimal:
    """Convert a market data float to Decimal without its binary noise.

    ``repr`` keeps 150.1 as 150.1; rounding to 8 decimals first turns a computed
    228.42000000000002 into 228.42 (as the portfolio's marks do).
    """
    return Decimal(repr(round(value, MAX_DECIMALS)))


def market_price(side: OrderSide, quote: Quote | None) -> tuple[Decimal, str] | None:
    """Return the price a marketable order would pay: the far touch, else the last trade."""
    if quote is None:
        return None
    touch = quote.ask if side is OrderSide.BUY else quote.bid
    if usable(touch):
        return to_decimal(touch), "ask" if side is OrderSide.BUY else "bid"
    if usable(quote.last):
        return to_decimal(quote.last), "last"
    return None


def reference_price(
    intent: OrderIntent, quote: Quote | None, mark: Decimal | None = None
) -> tuple[Decimal | None, str]:
    """Return the price used to value ``intent`` and where it came from.

    Limit orders are valued at their limit, stop orders at their stop; everything else
    (market and trailing orders) at the market: the ask for buys, the bid for sells, else the
    last trade, else the portfolio's mark.

    Returns:
        ``(price, source)``; ``(None, "none")`` when nothing gives a price.
    """
    order_type = intent.order_type
    if order_type is OrderType.LIMIT or order_type is OrderType.STOP_LIMIT:
        return intent.limit_price, "limit"
    if order_type is OrderType.STOP:
        return intent.stop_price, "stop"
    found = market_price(intent.side, quote)
    if found is not None:
        return found
    if mark is not None and mark > 0:
        return mark, "mark"
    return None, "none"


def fmt_money(value: Decimal) -> str:
    """Format an amount of money for a message: ``1,234,567.89``."""
    return format_money(value)


def fmt_price(value: Decimal, tick: Decimal = DEFAULT_TICK) -> str:
    """Format a price for a message on the instrument's ``tick``: ``228.42``."""
    return format_price(value, tick)


__all__ = [
    "fmt_money",
    "fmt_price",
    "fmt_qty",
    "market_price",
    "reference_price",
    "to_decimal",
    "usable",
]
