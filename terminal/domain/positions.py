"""Positions built from fills: average cost, realized and unrealized P&L, multiplier-aware."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from terminal.domain.fills import Fill
from terminal.domain.instruments import Instrument
from terminal.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class Position:
    """A signed position (long > 0, short < 0) with its average cost per unit.

    ``realized_pnl`` is net of commissions: each fill's commission is charged to realized P&L
    when it is paid, so ``realized + unrealized`` always equals the change in cash + value.
    """

    instrument: Instrument
    quantity: Decimal = ZERO
    avg_cost: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    commissions: Decimal = ZERO

    @property
    def key(self) -> str:
        return self.instrument.key

    @property
    def is_flat(self) -> bool:
        return self.quantity == 0

    def market_value(self, mark: Decimal) -> Decimal:
        return self.quantity * mark * self.instrument.multiplier

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return self.quantity * (mark - self.avg_cost) * self.instrument.multiplier

    def apply(self, fill: Fill) -> Position:
        """Return the position after ``fill`` (which must be for the same instrument)."""
        if fill.key != self.key:
            raise ValueError(f"fill for {fill.key} applied to position in {self.key}")
        qty, avg = self.quantity, self.avg_cost
        delta = fill.signed_quantity
        mult = self.instrument.multiplier
        realized = self.realized_pnl - fill.commission
        if qty == 0 or (qty > 0) == (delta > 0):
            new_qty = qty + delta
            new_avg = (qty * avg + delta * fill.price) / new_qty
        else:
            closing = min(abs(delta), abs(qty))
            direction = 1 if qty > 0 else -1
            realized += closing * (fill.price - avg) * mult * direction
            new_qty = qty + delta
            if new_qty == 0:
                new_avg = ZERO
            elif (new_qty > 0) == (qty > 0):
                new_avg = avg
            else:  # flipped through zero: the remainder opens at the fill price
                new_avg = fill.price
        return replace(
            self,
            quantity=new_qty,
            avg_cost=new_avg,
            realized_pnl=realized,
            commissions=self.commissions + fill.commission,
        )
