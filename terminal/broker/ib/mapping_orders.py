"""Orders to IB, and IB's order statuses and executions back, as tables.

Our client order id travels in IB's ``orderRef``, which IB echoes on every status and
execution, so reports match our orders even after a restart. Decimal prices are sent as the
shortest float that reads back as the same decimal (``0.3``, never ``0.30000000000000004``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Final

from ib_async import Fill as IBFill
from ib_async import Order as IBOrder

from terminal.broker.base import BrokerTerms, OrderStatusUpdate
from terminal.broker.ib.mapping_combos import combo_routing_params
from terminal.broker.ib.mapping_values import (
    decimal_or_none,
    finite_or_nan,
    tidy_decimal,
    utc_or_none,
)
from terminal.domain import (
    Fill,
    Instrument,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)
from terminal.domain.values import ZERO

ORDER_TYPES: Final = {
    OrderType.MARKET: "MKT",
    OrderType.LIMIT: "LMT",
    OrderType.STOP: "STP",
    OrderType.STOP_LIMIT: "STP LMT",
    OrderType.TRAIL: "TRAIL",
    OrderType.TRAIL_LIMIT: "TRAIL LIMIT",
}
TIME_IN_FORCE: Final = {
    TimeInForce.DAY: "DAY",
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
}
#: IB ocaType 1: when one member fills, cancel the others, with overfill protection.
OCA_CANCEL_WITH_BLOCK: Final = 1

S = OrderStatus
#: IB order status -> ours, for an order with nothing filled yet (see :func:`status_from_ib`).
STATUSES: Final[dict[str, OrderStatus]] = {
    "PendingSubmit": S.SUBMITTED,
    "ApiPending": S.SUBMITTED,
    "PreSubmitted": S.ACCEPTED,
    "Submitted": S.ACCEPTED,
    "Filled": S.FILLED,
    "PendingCancel": S.CANCEL_REQUESTED,
    "Cancelled": S.CANCELLED,
    "ApiCancelled": S.CANCELLED,
    "Inactive": S.REJECTED_BY_BROKER,
}
#: Once something filled: still working -> PARTIALLY_FILLED (a report never moves an order back
#: from PARTIALLY_FILLED, which the lifecycle forbids); inactive -> the rest is CANCELLED.
AFTER_A_FILL: Final[dict[OrderStatus, OrderStatus]] = {
    S.SUBMITTED: S.PARTIALLY_FILLED,
    S.ACCEPTED: S.PARTIALLY_FILLED,
    S.REJECTED_BY_BROKER: S.CANCELLED,
}
EXECUTION_SIDES: Final = {"BOT": OrderSide.BUY, "SLD": OrderSide.SELL}


def ib_float(value: Decimal) -> float:
    """Return the float IB should receive for ``value`` (its shortest repr is the decimal)."""
    return float(str(value))


def ib_order_for(order: Order, *, account: str = "") -> IBOrder:
    """Return the IB order for ``order``; the adapter sets ``transmit``/``parentId`` for groups.

    A combo order is placed on its BAG contract (:mod:`terminal.broker.ib.mapping_combos`).
    """
    intent = order.intent
    ib = IBOrder(
        action=intent.side.value,
        totalQuantity=ib_float(intent.quantity),
        orderType=ORDER_TYPES[intent.order_type],
        tif=TIME_IN_FORCE[intent.tif],
        outsideRth=intent.outside_rth,
        orderRef=order.id,
        ocaGroup=order.oca_group or "",
        ocaType=OCA_CANCEL_WITH_BLOCK if order.oca_group else 0,
        account=account,
        transmit=True,
    )
    if intent.limit_price is not None:
        ib.lmtPrice = ib_float(intent.limit_price)  # a combo's net limit: IB's convention
    if intent.combo is not None:
        ib.smartComboRoutingParams = combo_routing_params(intent.combo)
    if intent.order_type.is_trailing:
        if intent.trail_percent is not None:
            ib.trailingPercent = ib_float(intent.trail_percent)
        elif intent.trail_amount is not None:
            ib.auxPrice = ib_float(intent.trail_amount)
        if intent.stop_price is not None:
            ib.trailStopPrice = ib_float(intent.stop_price)
        if intent.limit_offset is not None:
            ib.lmtPriceOffset = ib_float(intent.limit_offset)
    elif intent.stop_price is not None:
        ib.auxPrice = ib_float(intent.stop_price)
    return ib


#: IB order types whose lmtPrice / auxPrice is the limit / the stop (a trailing order's
#: auxPrice is its trail amount, which the terms do not carry).
_LIMIT_TYPES: Final = frozenset({"LMT", "STP LMT"})
_STOP_TYPES: Final = frozenset({"STP", "STP LMT"})


def held_terms(order: IBOrder) -> BrokerTerms | None:
    """The terms IB holds for ``order`` as ib_async keeps it (those of the last openOrder, or
    of the placement until one came); None when it carries no quantity."""
    quantity = decimal_or_none(order.totalQuantity)
    if quantity is None or quantity <= 0:
        return None
    limit = decimal_or_none(order.lmtPrice) if order.orderType in _LIMIT_TYPES else None
    stop = decimal_or_none(order.auxPrice) if order.orderType in _STOP_TYPES else None
    return BrokerTerms(quantity, limit, stop)


def status_from_ib(status: str, filled: float, remaining: float) -> OrderStatus | None:
    """Return our status for IB's, or ``None`` for a status that changes nothing.

    ``None`` covers ib_async's own "ValidationError" (a warning on a live order) and anything
    IB may add later. "Filled" with quantity remaining (IB sends it transiently) is a partial.
    An order IB made inactive after a partial fill is reported CANCELLED: what filled stands.
    """
    ours = STATUSES.get(status)
    if ours is None:
        return None
    if ours is S.FILLED:
        return S.PARTIALLY_FILLED if _positive(remaining) else S.FILLED
    if _positive(filled):
        return AFTER_A_FILL.get(ours, ours)
    return ours


def status_update(
    order_ref: str | None,
    ib_order_id: int | str,
    status: str,
    filled: float,
    remaining: float,
    avg_fill_price: float,
    reason: str = "",
    time: dt.datetime | None = None,
) -> OrderStatusUpdate | None:
    """Return the report for one IB order status, or ``None`` when it changes nothing."""
    ours = status_from_ib(status, filled, remaining)
    if ours is None:
        return None
    avg = decimal_or_none(avg_fill_price)
    return OrderStatusUpdate(
        order_id=order_ref or None,
        broker_order_id=str(ib_order_id),
        status=ours,
        filled=decimal_or_none(filled) or ZERO,
        remaining=decimal_or_none(remaining),
        avg_fill_price=avg if avg is not None and avg > 0 else None,
        reason=reason,
        time=utc_or_none(time),
    )


def fill_from_ib(
    fill: IBFill,
    instrument: Instrument,
    *,
    attributed: tuple[str | None, str | None] | None = None,
) -> Fill:
    """Return one execution with its commission (0 until IB's commission report arrives).

    ``attributed`` is (our order id, broker order id) as the adapter worked them out; by
    default, the execution's orderRef and IB order id.

    Raises:
        ValueError: the execution has an unknown side, no quantity or no price.
    """
    execution = fill.execution
    side = EXECUTION_SIDES.get(execution.side)
    if side is None:
        raise ValueError(f"execution {execution.execId}: unknown side {execution.side!r}")
    quantity, price = decimal_or_none(execution.shares), decimal_or_none(execution.price)
    if quantity is None or quantity <= 0 or price is None or price <= 0:
        raise ValueError(
            f"execution {execution.execId}: no quantity or price "
            f"({execution.shares!r} @ {execution.price!r})"
        )
    time = utc_or_none(fill.time) or utc_or_none(execution.time)
    if time is None:
        raise ValueError(f"execution {execution.execId}: no time")
    order_id, broker_order_id = attributed or (
        execution.orderRef or None,
        str(execution.orderId),
    )
    return Fill(
        exec_id=execution.execId,
        order_id=order_id,
        instrument=instrument,
        side=side,
        quantity=quantity,
        price=price,
        commission=_commission(fill.commissionReport.commission),
        time=time,
        broker_order_id=broker_order_id,
    )


def _commission(value: float) -> Decimal:
    """A commission may be negative (a rebate), so only unset markers mean "none yet"."""
    number = finite_or_nan(value)
    return ZERO if math.isnan(number) else tidy_decimal(Decimal(repr(number)))


def _positive(value: float) -> bool:
    number = decimal_or_none(value)
    return number is not None and number > 0
