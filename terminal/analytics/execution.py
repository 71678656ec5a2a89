"""Execution quality per order: what the fills cost against the market at staging and approval.

Every cost is signed by side so that a positive number is a cost to the trader: a buy filled
above its reference price, or a sell filled below it. Prices the audit trail does not hold
leave the metrics that need them ``None``.
"""

from __future__ import annotations

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
        money: (filled value - reference x filled quantity) x side x multiplier: exact, as
            it is not worked from the rounded average.
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


def order_execution(order: OrderRecord) -> OrderExecution:
    """Compute the execution metrics of ``order`` from its record and fills.

    Written flat (locals, no helper calls per figure): it runs for every order of a long
    history, and every Decimal operation it saves is one per order. Comparisons are against
    the Decimal ``ZERO``, not the int 0: a Decimal compared with an int converts the int
    first, which takes twice as long.
    """
    filled = commission = value = ZERO
    first = last = None
    if fills := order.fills:
        earliest = latest = fills[0].time
        for f in fills:  # one pass
            quantity = f.quantity
            filled += quantity
            commission += f.commission
            value += quantity * f.price
            time = f.time
            if time < earliest:
                earliest = time
            elif time > latest:
                latest = time
        first, last = earliest, latest
    avg = vs_arrival = vs_approval = delay_cost = shortfall = None
    arrival, approval = order.arrival_price, order.approval_price
    if filled > ZERO:
        avg = value / filled
        buy, tick, mult = order.sign > 0, order.tick_size, order.multiplier
        # Signed by subtracting the other way round for a sell (cheaper than x -1, and a
        # zero stays 0 rather than -0).
        # A combo's net price may be a credit (negative): bps are of its size, and a zero net
        # (a free combo) has no bps, so no slippage record at all, rather than a division.
        if arrival is not None and arrival != ZERO:
            per_unit = avg - arrival if buy else arrival - avg
            at_arrival = arrival * filled
            money = (value - at_arrival if buy else at_arrival - value) * mult
            vs_arrival = Slippage(per_unit, per_unit / tick, per_unit / abs(arrival) * _BPS, money)
            shortfall = money + commission
        if approval is not None and approval != ZERO:
            per_unit = avg - approval if buy else approval - avg
            at_approval = approval * filled
            money = (value - at_approval if buy else at_approval - value) * mult
            bps = per_unit / abs(approval) * _BPS
            vs_approval = Slippage(per_unit, per_unit / tick, bps, money)
        if arrival is not None and approval is not None:
            delay_cost = (approval - arrival if buy else arrival - approval) * filled * mult
    staged, approved, acked = order.staged_at, order.approved_at, order.acknowledged_at
    quantity = order.quantity
    return OrderExecution(  # positional: measured faster than keywords, in the field order
        order,
        filled,
        avg,
        filled / quantity if quantity > ZERO else ZERO,
        commission,
        vs_arrival,
        vs_approval,
        delay_cost,
        shortfall,
        (approved - staged).total_seconds() if approved else None,
        (acked - approved).total_seconds() if acked and approved else None,
        (first - approved).total_seconds() if first and approved else None,
        (last - first).total_seconds() if first and last else None,
    )
