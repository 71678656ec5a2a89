"""Which orders a right click on the chart may stage at a price, judged against the market.

A buy stop triggers when the market trades up to it and a sell stop when it trades down: a stop
on the wrong side of the market triggers at once and acts as a market order (the bug class the
depth ladder had). So, as on the ladder, a buy stop is offered only above the market (the ask,
else the last, else the bid) and a sell stop only below it (the bid, else the last, else the
ask); the other one is shown disabled with the reason. A buy limit at or above the ask (a sell
limit at or below the bid) trades at once: it is offered, as the ladder stages it, but labelled
marketable so the trader sees it before the ticket opens. Nothing here stages anything: the
menu opens the ticket, which puts the order in the approval queue.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain import OrderSide, OrderType, Quote
from terminal.risk.pricing import to_decimal, usable


@dataclass(frozen=True, slots=True)
class Touch:
    """The market the chart knows: best bid, best ask and last trade (None when unknown)."""

    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None

    @classmethod
    def of(cls, quote: Quote | None, last_close: float = math.nan) -> Touch:
        """The touch of ``quote``; without a last trade, the chart's last close stands in."""

        def price(value: float) -> Decimal | None:
            return to_decimal(value) if usable(value) else None

        if quote is None:
            return cls(last=price(last_close))
        last = price(quote.last)
        return cls(
            price(quote.bid), price(quote.ask), last if last is not None else price(last_close)
        )

    @property
    def upper(self) -> Decimal | None:
        """Where "above the market" starts: the ask, else the last trade, else the bid."""
        return next((p for p in (self.ask, self.last, self.bid) if p is not None), None)

    @property
    def lower(self) -> Decimal | None:
        """Where "below the market" starts: the bid, else the last trade, else the ask."""
        return next((p for p in (self.bid, self.last, self.ask) if p is not None), None)

    def name_of(self, price: Decimal) -> str:
        """What ``price`` is: "ask", "bid" or "last" (the first that equals it)."""
        for name, value in (("ask", self.ask), ("bid", self.bid), ("last", self.last)):
            if value == price:
                return name
        return "market"


@dataclass(frozen=True, slots=True)
class Offer:
    """One menu entry: stage ``side`` ``order_type`` at ``price`` (disabled: ``note`` says why)."""

    side: OrderSide
    order_type: OrderType
    price: Decimal
    enabled: bool
    #: Empty, a warning ("marketable: …") or, when disabled, the reason.
    note: str = ""

    @property
    def object_name(self) -> str:
        kind = "limit" if self.order_type is OrderType.LIMIT else "stop"
        return f"chart_{self.side.value.lower()}_{kind}_action"

    def text(self, shown: str) -> str:
        kind = "limit" if self.order_type is OrderType.LIMIT else "stop"
        text = f"{self.side.value.title()} {kind} at {shown}"
        text += "…" if self.enabled else ""
        return f"{text} — {self.note}" if self.note else text


def offers(price: Decimal, touch: Touch, fmt: Callable[[Decimal], str]) -> list[Offer]:
    """The buy/sell limit and stop entries for a right click at ``price`` (see the module)."""
    return [
        _limit(OrderSide.BUY, price, touch, fmt),
        _limit(OrderSide.SELL, price, touch, fmt),
        _stop(OrderSide.BUY, price, touch, fmt),
        _stop(OrderSide.SELL, price, touch, fmt),
    ]


def _limit(side: OrderSide, price: Decimal, touch: Touch, fmt: Callable[[Decimal], str]) -> Offer:
    buy = side is OrderSide.BUY
    far = touch.ask if buy else touch.bid
    if far is not None and (price >= far if buy else price <= far):
        name = "ask" if buy else "bid"
        return Offer(side, OrderType.LIMIT, price, True, f"marketable ({name} {fmt(far)})")
    return Offer(side, OrderType.LIMIT, price, True)


def _stop(side: OrderSide, price: Decimal, touch: Touch, fmt: Callable[[Decimal], str]) -> Offer:
    buy = side is OrderSide.BUY
    edge = touch.upper if buy else touch.lower
    if edge is None:
        return Offer(side, OrderType.STOP, price, False, "no market price to place it against")
    if price > edge if buy else price < edge:
        return Offer(side, OrderType.STOP, price, True)
    where = "above" if buy else "below"
    reason = f"must be {where} the {touch.name_of(edge)} {fmt(edge)} (it would trigger at once)"
    return Offer(side, OrderType.STOP, price, False, reason)
