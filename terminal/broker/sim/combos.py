"""Combo matching: a combo order trades against its legs' books, whole units or nothing.

A unit of the combo executes only when every leg can trade its ratio at once and the unit's net
price (the legs' prices weighted as in :meth:`Combo.net_price`) is no worse than the limit: at
most the limit when buying, at least it when selling. Units are planned one at a time down the
legs' books (each unit pays the next levels, so later units cost more), and the plan stops at
the first unit that would breach the limit or run a leg dry. Then every leg takes exactly its
ratio times the planned units, so the legs never end uneven: no partial leg set, ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.broker.sim.orders import Venue
from terminal.domain import Combo, ComboLeg, OrderSide
from terminal.domain.values import ZERO


@dataclass(slots=True)
class _Cursor:
    """Where a leg's walk down its book has got to."""

    levels: list[tuple[int, float]]
    index: int = 0
    used: float = 0.0

    def take(self, quantity: int) -> list[tuple[int, int]] | None:
        """The ``(price_ticks, size)`` that ``quantity`` more takes, or None when the book ends."""
        taken: list[tuple[int, int]] = []
        while quantity > 0:
            if self.index >= len(self.levels):
                return None
            price, size = self.levels[self.index]
            room = int(size - self.used)
            if room <= 0:
                self.index, self.used = self.index + 1, 0.0
                continue
            amount = min(room, quantity)
            taken.append((price, amount))
            self.used += amount
            quantity -= amount
        return taken


def leg_taker_side(combo_side: OrderSide, leg: ComboLeg) -> int:
    """+1 when the leg is bought (takes offers), -1 when it is sold (hits bids)."""
    return combo_side.sign * leg.sign


def plan_units(
    combo: Combo,
    side: OrderSide,
    venue: Venue,
    units: int,
    limit: Decimal | None,
) -> int:
    """How many whole units trade now: each no worse than ``limit`` (None: any price)."""
    cursors = {
        leg.instrument.key: _Cursor(venue.levels(leg.instrument.key, leg_taker_side(side, leg)))
        for leg in combo.legs
    }
    planned = 0
    while planned < units:
        net = ZERO
        for leg in combo.legs:
            taken = cursors[leg.instrument.key].take(leg.ratio)
            if taken is None:
                return planned
            tick = leg.instrument.tick_size
            cost = sum((tick * price * size for price, size in taken), ZERO)
            net += combo.leg_weight(leg) * cost / leg.ratio
        if limit is not None and (net > limit if side is OrderSide.BUY else net < limit):
            return planned
        planned += 1
    return planned
