"""The price an order is expected to trade at, and number formatting for messages."""

from __future__ import annotations

import math
from decimal import Decimal

from terminal.domain.market import Quote
from terminal.domain.orders import OrderIntent, OrderSide, OrderType


def usable(value: float) -> bool:
    """Return whether a market data price can be used (positive and finite; NaN is not)."""
    return 0.0 < value < math.inf


def to_decimal(value: float) -> Decimal:
    """Convert a market data float to Decimal via ``repr`` (150.1 stays 150.1)."""
    return Decimal(repr(value))


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
    return f"{value:,.2f}"


def fmt_qty(value: Decimal) -> str:
    """Format a quantity for a message: ``10,000`` (no trailing zeros)."""
    return f"{value.normalize():,f}" if value != value.to_integral_value() else f"{value:,.0f}"


def fmt_price(value: Decimal) -> str:
    """Format a price for a message: at least two decimals."""
    return f"{value:,.2f}" if value.as_tuple().exponent in (0, -1, -2) else f"{value:,f}"
