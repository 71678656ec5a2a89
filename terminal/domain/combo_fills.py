"""How a combo order fills: executions arrive per leg, the order counts whole combo units.

A broker reports a combo's executions leg by leg (each a :class:`~terminal.domain.fills.Fill`
of the leg's instrument with the combo order's id), so the portfolio books leg positions. The
order itself is for combo units: its filled quantity is the number of *complete* units (every
leg filled ``ratio`` times that many), and its average price is the net price of the legs'
average prices, in the combo's convention (debit positive, credit negative).

Between the executions of one match the legs are briefly uneven; the units count only what
every leg has.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.combos import Combo
from terminal.domain.errors import InvalidOrder
from terminal.domain.fills import Fill
from terminal.domain.orders import Order, OrderSide
from terminal.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class LegFilled:
    """What one leg of a combo order has filled: quantity (contracts or shares), average price."""

    key: str
    quantity: Decimal
    avg_price: Decimal


@dataclass(frozen=True, slots=True)
class ComboProgress:
    """A combo order's fill state after an execution."""

    legs: tuple[LegFilled, ...]
    units: Decimal
    avg_price: Decimal | None


def leg_side(combo_side: OrderSide, combo: Combo, key: str) -> OrderSide:
    """The side a leg trades when the combo is bought or sold (selling reverses every leg)."""
    leg = combo.leg(key)
    if leg is None:
        raise InvalidOrder(f"{key} is not a leg of {combo.description}")
    return leg.side if combo_side is OrderSide.BUY else leg.side.opposite


def add_leg_fill(
    combo: Combo, combo_side: OrderSide, legs: Sequence[LegFilled], fill: Fill
) -> ComboProgress:
    """Return the combo order's progress once ``fill`` (one leg's execution) is added.

    Raises:
        InvalidOrder: the fill is not of one of the combo's legs, or on the wrong side of it.
    """
    expected = leg_side(combo_side, combo, fill.key)
    if fill.side is not expected:
        raise InvalidOrder(
            f"execution {fill.exec_id}: {fill.side.value} {fill.key}, but the combo "
            f"{combo_side.value.lower()} order {expected.value.lower()}s that leg"
        )
    held = {leg.key: leg for leg in legs}
    before = held.get(fill.key)
    quantity = (before.quantity if before else ZERO) + fill.quantity
    value = (before.quantity * before.avg_price if before else ZERO) + fill.quantity * fill.price
    held[fill.key] = LegFilled(fill.key, quantity, value / quantity)
    ordered = tuple(held[leg.instrument.key] for leg in combo.legs if leg.instrument.key in held)
    return ComboProgress(ordered, units_filled(combo, ordered), net_average(combo, ordered))


def units_filled(combo: Combo, legs: Sequence[LegFilled]) -> Decimal:
    """Complete combo units: what every leg has filled, in units of its ratio (whole units)."""
    held = {leg.key: leg.quantity for leg in legs}
    return min(
        (held.get(leg.instrument.key, ZERO) // leg.ratio for leg in combo.legs), default=ZERO
    )


def net_average(combo: Combo, legs: Sequence[LegFilled]) -> Decimal | None:
    """The net price of the legs' average prices (None until every leg has filled some).

    A bought leg adds its price, a sold one subtracts it (for the bought combo; the weights
    are the combo's own), so the result reads like the order's limit.
    """
    held = {leg.key: leg.avg_price for leg in legs}
    if any(leg.instrument.key not in held for leg in combo.legs):
        return None
    return combo.net_price(held)


def filled_after(order: Order, fill: Fill) -> Decimal:
    """``order``'s filled quantity once ``fill`` is added (complete units for a combo order)."""
    combo = order.intent.combo
    if combo is None:
        return order.filled_quantity + fill.quantity
    return add_leg_fill(combo, order.intent.side, order.legs_filled, fill).units
