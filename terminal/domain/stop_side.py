"""Which side of the market a stop belongs on: the one rule the ladder and the chart share.

A buy stop triggers when the market trades up to it, a sell stop when it trades down: one on
the wrong side of the market triggers at once and acts as a market order. Staging a stop with a
Shift+click on the ladder, dragging a stop on the ladder or the chart and moving one with the
keyboard all ask this module, so they cannot disagree about where a stop may go.
"""

from __future__ import annotations

from decimal import Decimal

from terminal.domain.orders import OrderSide


def stop_side[P: (int, Decimal)](
    price: P, bid: P | None, ask: P | None, last: P | None
) -> OrderSide | None:
    """The side of a stop at ``price``: BUY above the market, SELL below it, as on every DOM.

    Above means above the best ask and below means under the best bid (the last trade stands
    in for a missing side). ``price`` and the market are prices, or prices counted in ticks
    (the ladder works in ticks). At the touch or inside the spread there is no safe side: None.
    With no market at all there is nothing to measure against: None as well.
    """
    upper = next((p for p in (ask, last, bid) if p is not None), None)
    lower = next((p for p in (bid, last, ask) if p is not None), None)
    if upper is not None and price > upper:
        return OrderSide.BUY
    if lower is not None and price < lower:
        return OrderSide.SELL
    return None


def triggers_at_once[P: (int, Decimal)](
    side: OrderSide, price: P, bid: P | None, ask: P | None, last: P | None
) -> bool:
    """Whether a ``side`` stop at ``price`` is on the wrong side of (or at) the market.

    Without any market price nothing can be said: False (the risk checks warn about a missing
    quote on their own).
    """
    if bid is None and ask is None and last is None:
        return False
    return stop_side(price, bid, ask, last) is not side
