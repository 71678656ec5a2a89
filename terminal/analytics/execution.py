"""Execution quality per order: what the fills cost against the market at staging and approval.

Every cost is signed by side so that a positive number is a cost to the trader: a buy filled
above its reference price, or a sell filled below it. Prices the audit trail does not hold
leave the metrics that need them ``None``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from terminal.analytics.records import OrderRecord

_BPS = Decimal(10_000)
ZERO = Decimal(0)


class Slippage(NamedTuple):
    """The fill's distance from a reference price, positive = cost.

    Immutable values, as a NamedTuple rather than a frozen dataclass: a report builds two per
    order of a long history, and a frozen dataclass takes twice as long to construct.

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


class OrderExecution(NamedTuple):
    """The execution metrics of one order (see docs/analytics.md for each one).

    A NamedTuple for the reason :class:`Slippage` is one.

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
    filled = commission = value = ZERO
    first = last = None
    for f in order.fills:  # one pass: this runs for every order of a long history
        filled += f.quantity
        commission += f.commission
        value += f.quantity * f.price
        if first is None or f.time < first:
            first = f.time
        if last is None or f.time > last:
            last = f.time
    avg = value / filled if filled else None
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
    return OrderExecution(
        order=order,
        filled_quantity=filled,
        avg_fill_price=avg,
        fill_rate=filled / order.quantity if order.quantity > 0 else ZERO,
        commission=commission,
        vs_arrival=vs_arrival,
        vs_approval=vs_approval,
        approval_delay_cost=delay_cost,
        shortfall=shortfall,
        approval_latency=_seconds(order.staged_at, order.approved_at),
        ack_latency=_seconds(order.approved_at, order.acknowledged_at),
        first_fill_latency=_seconds(order.approved_at, first),
        fill_duration=_seconds(first, last),
    )
