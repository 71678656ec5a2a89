"""Execution quality per order: what the fills cost against the market at staging and approval.

Every cost is signed by side so that a positive number is a cost to the trader: a buy filled
above its reference price, or a sell filled below it. Prices the audit trail does not hold
leave the metrics that need them ``None``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from terminal.analytics.records import OrderRecord

_BPS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Slippage:
    """The fill's distance from a reference price, positive = cost.

    Attributes:
        per_unit: (average fill - reference) x side, in price units.
        ticks: ``per_unit`` in the instrument's ticks.
        bps: ``per_unit`` in basis points of the reference price.
        money: ``per_unit`` x filled quantity x multiplier.
    """

    per_unit: Decimal
    ticks: Decimal
    bps: Decimal
    money: Decimal


@dataclass(frozen=True, slots=True)
class OrderExecution:
    """The execution metrics of one order (see docs/analytics.md for each one).

    Latencies are in seconds. ``approval_delay_cost`` is what the market moved against the
    order between staging and approval, on the filled quantity (positive = waiting cost money).
    ``shortfall`` is the implementation shortfall of what filled: slippage against arrival plus
    commission; the opportunity cost of an unfilled rest needs a later price the trail does not
    hold, so it is not in it.
    """

    order: OrderRecord
    filled_quantity: Decimal
    avg_fill_price: Decimal | None
    fill_rate: Decimal
    commission: Decimal
    vs_arrival: Slippage | None
    vs_approval: Slippage | None
    approval_delay_cost: Decimal | None
    shortfall: Decimal | None
    approval_latency: float | None
    ack_latency: float | None
    first_fill_latency: float | None
    fill_duration: float | None


def slippage(
    sign: int,
    avg_price: Decimal,
    reference: Decimal | None,
    filled: Decimal,
    tick_size: Decimal,
    multiplier: Decimal,
) -> Slippage | None:
    """Return the slippage of ``avg_price`` against ``reference`` (None without a reference)."""
    if reference is None or reference <= 0 or filled <= 0:
        return None
    per_unit = (avg_price - reference) * sign
    return Slippage(
        per_unit=per_unit,
        ticks=per_unit / tick_size,
        bps=per_unit / reference * _BPS,
        money=per_unit * filled * multiplier,
    )


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def order_execution(order: OrderRecord) -> OrderExecution:
    """Compute the execution metrics of ``order`` from its record and fills."""
    fills = order.fills
    filled = sum((f.quantity for f in fills), Decimal(0))
    commission = sum((f.commission for f in fills), Decimal(0))
    avg = sum((f.quantity * f.price for f in fills), Decimal(0)) / filled if filled else None
    vs_arrival = vs_approval = None
    delay_cost = shortfall = None
    if avg is not None:
        vs_arrival = slippage(
            order.sign, avg, order.arrival_price, filled, order.tick_size, order.multiplier
        )
        vs_approval = slippage(
            order.sign, avg, order.approval_price, filled, order.tick_size, order.multiplier
        )
        if vs_arrival is not None:
            shortfall = vs_arrival.money + commission
        if order.arrival_price is not None and order.approval_price is not None:
            move = (order.approval_price - order.arrival_price) * order.sign
            delay_cost = move * filled * order.multiplier
    times = sorted(f.time for f in fills)
    return OrderExecution(
        order=order,
        filled_quantity=filled,
        avg_fill_price=avg,
        fill_rate=filled / order.quantity if order.quantity > 0 else Decimal(0),
        commission=commission,
        vs_arrival=vs_arrival,
        vs_approval=vs_approval,
        approval_delay_cost=delay_cost,
        shortfall=shortfall,
        approval_latency=_seconds(order.staged_at, order.approved_at),
        ack_latency=_seconds(order.approved_at, order.acknowledged_at),
        first_fill_latency=_seconds(order.approved_at, times[0] if times else None),
        fill_duration=_seconds(times[0], times[-1]) if times else None,
    )
