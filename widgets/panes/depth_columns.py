"""The depth ladder's columns: which side each trades, titles, widths and cell texts.

Left to right as on thinkorswim's Active Trader: cancel (×), the trader's buy orders, the bid
side, the price, the ask side, the sell orders, then the volume traded at each price today and
the open position's P/L were the market at that price.
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import IntEnum

from terminal.domain import Order, OrderSide, OrderType
from widgets import formatting


class LadderColumn(IntEnum):
    """The ladder's columns, left (buy side) to right (sell side)."""

    CANCEL = 0
    MY_BUYS = 1
    BID = 2
    CUM_BID = 3
    PRICE = 4
    CUM_ASK = 5
    ASK = 6
    MY_SELLS = 7
    VOLUME = 8
    PNL = 9

    @property
    def side(self) -> OrderSide | None:
        """The side a click on this column trades (None for price, cancel, volume and P/L)."""
        if self in BUY_COLUMNS:
            return OrderSide.BUY
        if self in SELL_COLUMNS:
            return OrderSide.SELL
        return None


BUY_COLUMNS = frozenset({LadderColumn.MY_BUYS, LadderColumn.BID, LadderColumn.CUM_BID})
SELL_COLUMNS = frozenset({LadderColumn.CUM_ASK, LadderColumn.ASK, LadderColumn.MY_SELLS})

#: The columns that show the trader's own working orders (and drag them to a new price).
ORDER_COLUMNS = frozenset({LadderColumn.MY_BUYS, LadderColumn.MY_SELLS})

TITLES = {
    LadderColumn.CANCEL: "×",
    LadderColumn.MY_BUYS: "My\nbuys",
    LadderColumn.BID: "Bid\nsize",
    LadderColumn.CUM_BID: "Cum.\nbid",
    LadderColumn.PRICE: "Price",
    LadderColumn.CUM_ASK: "Cum.\nask",
    LadderColumn.ASK: "Ask\nsize",
    LadderColumn.MY_SELLS: "My\nsells",
    LadderColumn.VOLUME: "Volume\ntoday",
    LadderColumn.PNL: "P/L\nopen",
}

#: Sample texts that size each column (fixed widths: no resize-to-contents per flush).
WIDTH_SAMPLES = {
    LadderColumn.CANCEL: "×",
    LadderColumn.MY_BUYS: "8,888 (8)",
    LadderColumn.BID: "888.8K",
    LadderColumn.CUM_BID: "888.8K",
    LadderColumn.PRICE: "8,888.88",
    LadderColumn.CUM_ASK: "888.8K",
    LadderColumn.ASK: "888.8K",
    LadderColumn.MY_SELLS: "8,888 (8)",
    LadderColumn.VOLUME: "Volume ",
    LadderColumn.PNL: "-88,888",
}

#: Columns dropped, group by group in this order, while the pane is too narrow for the rest:
#: the cumulative sizes first, then the volume today, then the P/L (the book, the orders and
#: their cancel column always show).
OPTIONAL_COLUMNS: tuple[tuple[LadderColumn, ...], ...] = (
    (LadderColumn.CUM_BID, LadderColumn.CUM_ASK),
    (LadderColumn.VOLUME,),
    (LadderColumn.PNL,),
)


def tick_decimals(tick_size: Decimal) -> int:
    """Decimals needed to show prices on ``tick_size`` (0.01 -> 2, 0.005 -> 3, 1 -> 0)."""
    exponent = tick_size.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def size_text(value: float | None) -> str:
    """A book size: whole shares with separators below 100,000, then compact (123.4K, 1.23M)."""
    if value is None or math.isnan(value):
        return ""
    if abs(value) >= 1_000_000:
        return formatting.volume(value)
    if abs(value) >= 100_000:
        return f"{value / 1000:.1f}K"
    return f"{round(value):,}"


def order_price(order: Order) -> Decimal | None:
    """The price a working order sits at on the ladder: its stop for stops, else its limit."""
    intent = order.intent
    if intent.order_type in (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAIL):
        return intent.stop_price
    if intent.order_type is OrderType.TRAIL_LIMIT:
        return intent.stop_price
    return intent.limit_price


#: Where a Shift+Click stop goes: the side follows the price, not the column clicked.
STOP_TIP = "Shift+Click: a stop, BUY STOP above the market, SELL STOP below it"


def pnl_text(pnl: Decimal) -> str:
    """A P/L cell, narrow: cents below 1,000, whole units up to 100,000, then compact (+123.5K)."""
    if pnl == 0:
        return "0.00"
    size = abs(pnl)
    if size >= 100_000:
        return f"{float(pnl) / 1000:+,.1f}K"
    return formatting.signed(pnl, 0 if size >= 1000 else 2)


def orders_text(quantity: Decimal | None, count: int) -> str:
    """Own orders at one price: their remaining quantity, and how many when several."""
    if quantity is None:
        return ""
    text = formatting.quantity(quantity)
    return f"{text} ({count})" if count > 1 else text


#: Where the trader's orders can go with the mouse.
DRAG_TIP = "Drag to another price: modify the order(s) there (Escape cancels the drag)"

HEADER_TIPS = {
    LadderColumn.CANCEL: "Click × to cancel your working orders at this price",
    LadderColumn.MY_BUYS: "Your working buy orders at this price (remaining quantity, count "
    "when several). " + DRAG_TIP,
    LadderColumn.BID: "Bid size at this price. Click: buy limit. " + STOP_TIP,
    LadderColumn.CUM_BID: "Bid size from the best bid down to this price",
    LadderColumn.PRICE: "Price (last trade marked, best bid/ask coloured)",
    LadderColumn.CUM_ASK: "Ask size from the best ask up to this price",
    LadderColumn.ASK: "Ask size at this price. Click: sell limit. " + STOP_TIP,
    LadderColumn.MY_SELLS: "Your working sell orders at this price (remaining quantity, count "
    "when several). " + DRAG_TIP,
    LadderColumn.VOLUME: "Volume traded at this price today (from the prints since the day "
    "started, or since the ladder began following the instrument)",
    LadderColumn.PNL: "P/L of the open position were the market at this price: "
    "(price − average cost) × quantity × multiplier; 0 is break-even. Blank when flat",
}
