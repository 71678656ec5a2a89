"""Immutable copies of gateway state handed to tests (never the live objects)."""

from __future__ import annotations

from dataclasses import dataclass

from .order_messages import wire_status
from .orders import BookOrder


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """An order as the gateway holds it (status as TWS would report it)."""

    client_id: int
    order_id: int
    perm_id: int
    symbol: str
    con_id: int
    action: str
    total_quantity: float
    order_type: str
    lmt_price: float | None
    aux_price: float | None
    tif: str
    status: str
    filled: float
    remaining: float
    avg_fill_price: float
    parent_id: int
    oca_group: str
    order_ref: str
    account: str
    trail_stop_price: float | None
    transmitted: bool


@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """One position on the gateway's books."""

    account: str
    symbol: str
    local_symbol: str
    con_id: int
    quantity: float
    avg_cost: float


def order_snapshot(order: BookOrder) -> OrderSnapshot:
    """Copy an order's state."""
    return OrderSnapshot(
        client_id=order.client_id,
        order_id=order.order_id,
        perm_id=order.perm_id,
        symbol=order.instrument.symbol,
        con_id=order.instrument.con_id,
        action=order.action,
        total_quantity=order.total_qty,
        order_type=order.order_type,
        lmt_price=order.lmt_price,
        aux_price=order.aux_price,
        tif=order.tif,
        status=wire_status(order),
        filled=order.filled,
        remaining=order.remaining,
        avg_fill_price=order.avg_fill_price,
        parent_id=order.parent_id,
        oca_group=order.oca_group,
        order_ref=order.order_ref,
        account=order.account,
        trail_stop_price=order.trail_stop_price,
        transmitted=order.transmit,
    )
