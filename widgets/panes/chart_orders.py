"""An order dragged on the chart (or the depth ladder) becomes a modify, sent through the OMS.

The chart never changes an order itself. The drop is checked against the order as the order
manager knows it now (it may have filled, or its cancel been requested, while it was dragged),
then handed to :meth:`~terminal.oms.manager.OrderManager.modify`, the path the blotter's Modify
dialog takes: a working order is re-checked by risk (a BLOCK refuses the change, audited as
``modify_refused``) and changed at the broker; one still pending approval is re-checked and
stays in the approval queue. A refusal is shown in the status bar and as a warning alert.

A stop moved to the wrong side of the market (a sell stop above the bid, a buy stop below the
ask) would trigger at once: it is refused here, shown and audited as ``modify_refused``, for the
chart, the ladder's drag and the ladder's keyboard moves alike
(:func:`~terminal.domain.stop_side.triggers_at_once`).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from terminal.domain import Instrument, Order, OrderSide
from terminal.domain.stop_side import triggers_at_once
from terminal.oms.errors import UnknownOrder
from terminal.risk.pricing import to_decimal, usable
from widgets import formatting
from widgets.chart.labels import draggable_field, order_level, price_on_tick
from widgets.session import Session

#: The market a move is measured against: best bid, best ask and last trade (None: unknown).
Touch = tuple[Decimal | None, Decimal | None, Decimal | None]


def quote_touch(session: Session, instrument: Instrument) -> Touch:
    """The instrument's bid, ask and last from its latest quote (None for a missing value)."""
    quote = session.app.market.last_quote(instrument.key)
    if quote is None:
        return (None, None, None)
    return tuple(  # type: ignore[return-value]
        to_decimal(v) if usable(v) else None for v in (quote.bid, quote.ask, quote.last)
    )


def modify_dropped_order(
    session: Session,
    instrument: Instrument,
    order_id: str,
    price: float,
    decimals: int,
    by: str = "chart",
    touch: Touch | None = None,
) -> asyncio.Task[Any] | None:
    """Send the modify for the line of ``order_id`` dropped at ``price``; None if nothing was
    sent (the order cannot be modified any more, the price did not change, or a stop would
    trigger at once). ``by`` names the view in the messages ("chart", "ladder"); ``touch`` is
    the market the view shows (the ladder's book), else the instrument's latest quote."""
    what = f"{by} modify {order_id}"
    try:
        order = session.app.orders.get(order_id)
    except UnknownOrder:
        session.fail(what, "the order is no longer known")
        return None
    field = draggable_field(order)
    level = order_level(order, decimals)
    if field is None or level is None:
        session.fail(what, f"the order is {order.status.value} and cannot be modified")
        return None
    at: Decimal = price_on_tick(instrument, price)
    if float(at) == level.price:
        return None
    if field == "stop_price":
        market = touch if touch is not None else quote_touch(session, instrument)
        if triggers_at_once(order.intent.side, at, *market):
            _refuse_stop(session, order, at, market, decimals, by)
            return None
    was = formatting.price(level.price, decimals)
    name = "stop" if field == "stop_price" else "limit"
    session.message.emit(
        f"Modify sent for {order_id}: {name} {was} → {formatting.price(float(at), decimals)}"
    )
    return session.run(session.app.orders.modify(order_id, **{field: at}), what)


def _refuse_stop(
    session: Session, order: Order, at: Decimal, market: Touch, decimals: int, by: str
) -> None:
    bid, ask, _last = ("—" if p is None else formatting.price(float(p), decimals) for p in market)
    side = order.intent.side
    where = "above the ask" if side is OrderSide.BUY else "below the bid"
    reason = (
        f"a {side.value} stop at {formatting.price(float(at), decimals)} would trigger at once "
        f"(bid {bid}, ask {ask}): a {side.value} stop goes {where}"
    )
    session.app.audit.record(
        "modify_refused",
        order.id,
        {"by": by, "reason": reason, "changes": {"stop_price": str(at)}},
    )
    session.fail(f"{by} modify {order.id}", reason)
