"""An order dragged on the chart (or the depth ladder) becomes a modify, sent through the OMS.

The chart never changes an order itself. The drop is checked against the order as the order
manager knows it now (it may have filled, or its cancel been requested, while it was dragged),
then handed to :meth:`~terminal.oms.manager.OrderManager.modify`, the path the blotter's Modify
dialog takes: a working order is re-checked by risk (a BLOCK refuses the change, audited as
``modify_refused``) and changed at the broker; one still pending approval is re-checked and
stays in the approval queue. A refusal is shown in the status bar and as a warning alert.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from terminal.domain import Instrument
from terminal.oms.errors import UnknownOrder
from widgets import formatting
from widgets.chart.labels import draggable_field, order_level, price_on_tick
from widgets.session import Session


def modify_dropped_order(
    session: Session,
    instrument: Instrument,
    order_id: str,
    price: float,
    decimals: int,
    by: str = "chart",
) -> asyncio.Task[Any] | None:
    """Send the modify for the line of ``order_id`` dropped at ``price``; None if nothing was
    sent (the order cannot be modified any more, or the price did not change). ``by`` names
    the view in the messages ("chart", "ladder")."""
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
    was = formatting.price(level.price, decimals)
    name = "stop" if field == "stop_price" else "limit"
    session.message.emit(
        f"Modify sent for {order_id}: {name} {was} → {formatting.price(float(at), decimals)}"
    )
    return session.run(session.app.orders.modify(order_id, **{field: at}), what)
