"""Combo orders' leg fills as executions of the combo, in combo units.

A combo is one order filled per leg (docs/combos.md): the fills name the legs' contracts under
the combo order's id. For the trade table a combo position is one trade, opened by a combo
order and closed by the opposite one (same legs, so the same key, the other side), so each
combo order's leg fills are replaced here by **one** fill of the combo: its complete units
(what every leg filled, in units of its ratio), at the net price per unit, with the legs'
commissions, at the time of the last leg fill it includes.
:func:`~terminal.analytics.trades.round_trips` then matches those FIFO in combo units like any
instrument.

The net price is the bought combo's (debit positive): Σ leg side × ratio × leg average price
× leg multiplier ÷ combo multiplier. P&L is linear in the legs' prices, so a combo trade's P&L
(net exit − net entry) × units × combo multiplier is the sum of its legs' P&L, and the total
over trades still equals the portfolio's realized P&L of the leg positions.

Leg quantity beyond the complete units (a leg that filled ahead of the others when the period
ends, or a fill that is not one of the order's legs on the leg's side) stays a fill of its own
contract: it is traded per instrument, so nothing is counted twice or left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from terminal.analytics.records import FillRecord, OrderRecord
from terminal.analytics.trades import SHARE_QUANTUM

ZERO = Decimal(0)


def _take(
    fills: list[FillRecord], need: Decimal, rest: list[FillRecord]
) -> tuple[Decimal, Decimal, FillRecord]:
    """Take ``need`` units from ``fills`` (in time order): their value and commission, and
    the last fill taken; what is left over goes to ``rest``. A fill split in two shares its
    commission by quantity (rounded as :data:`SHARE_QUANTUM`, the rest to the other part)."""
    value = commission = ZERO
    last = fills[0]
    left = need
    for f in fills:
        if left <= 0:
            rest.append(f)
            continue
        last = f
        if f.quantity <= left:
            value += f.quantity * f.price
            commission += f.commission
            left -= f.quantity
            continue
        share = (f.commission * left / f.quantity).quantize(SHARE_QUANTUM)
        value += left * f.price
        commission += share
        rest.append(f._replace(quantity=f.quantity - left, commission=f.commission - share))
        left = ZERO
    return value, commission, last


def _combo_fill(order: OrderRecord, fills: list[FillRecord]) -> list[FillRecord]:
    """The fills of one combo order: its complete units as one combo fill, plus any leg
    quantity left over as the legs' own fills."""
    by_leg: dict[str, list[FillRecord]] = {leg.instrument: [] for leg in order.legs}
    rest: list[FillRecord] = []
    sides = {leg.instrument: order.sign * leg.sign for leg in order.legs}
    for f in fills:
        own = by_leg.get(f.instrument)
        if own is not None and f.sign == sides[f.instrument] and f.quantity > 0:
            own.append(f)
        else:
            rest.append(f)
    units = min(
        sum((f.quantity for f in by_leg[leg.instrument]), ZERO) // leg.ratio for leg in order.legs
    )
    if units <= 0:
        return rest + [f for own in by_leg.values() for f in own]
    net_value = commission = ZERO
    last: FillRecord | None = None
    for leg in order.legs:
        value, comm, leg_last = _take(by_leg[leg.instrument], units * leg.ratio, rest)
        net_value += leg.sign * value * leg_last.multiplier
        commission += comm
        if last is None or (leg_last.time, leg_last.exec_id) > (last.time, last.exec_id):
            last = leg_last
    assert last is not None  # a combo has at least two legs
    combo = FillRecord(
        f"{last.exec_id}/{order.order_id}",
        order.order_id,
        order.instrument,
        order.sign,
        units,
        net_value / (units * order.multiplier),
        commission,
        last.time,
        order.multiplier,
        combo=True,
    )
    return [combo, *rest]


def with_combo_units(
    orders: Iterable[OrderRecord], fills: Iterable[FillRecord]
) -> list[FillRecord]:
    """``fills`` with every combo order's leg fills replaced by fills of the combo in combo
    units (see the module's docstring); every other fill unchanged."""
    combos = {o.order_id: o for o in orders if o.combo and o.legs}
    if not combos:
        return list(fills)
    out: list[FillRecord] = []
    of_combo: dict[str, list[FillRecord]] = {}
    for f in fills:
        if f.order_id is not None and f.order_id in combos:
            of_combo.setdefault(f.order_id, []).append(f)
        else:
            out.append(f)
    for order_id, own in of_combo.items():
        own.sort(key=lambda f: (f.time, f.exec_id))
        out.extend(_combo_fill(combos[order_id], own))
    return out


def in_combo_units(order: OrderRecord) -> OrderRecord:
    """``order`` (a combo order) with its fills as the combo's: its complete units as one
    fill at the net price per unit (the bought combo's, debit positive, like its arrival
    mid), so its execution quality is measured as any order's; leg quantity beyond the
    complete units is left out (it is not a unit of the combo)."""
    if not order.legs or not order.fills:
        return order._replace(fills=())
    fills = sorted(order.fills, key=lambda f: (f.time, f.exec_id))
    return order._replace(fills=tuple(f for f in _combo_fill(order, fills) if f.combo))
