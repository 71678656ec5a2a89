"""What an order trades, instrument by instrument: a combo order trades its legs.

The position rules (the per-instrument position limit and reduce-only) weigh positions, and a
combo holds no position of its own: its fills land on its legs. So those rules look through a
combo to the contracts it buys and sells (units × ratio, each leg on its own side; a sold combo
reverses every leg), and the legs' positions are the ones it grows or reduces.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.instruments import Instrument
from terminal.domain.orders import OrderIntent, OrderSide


@dataclass(frozen=True, slots=True)
class Traded:
    """One instrument an order trades: how much, on which side."""

    instrument: Instrument
    side: OrderSide
    quantity: Decimal

    @property
    def key(self) -> str:
        return self.instrument.key


def traded(intent: OrderIntent) -> tuple[Traded, ...]:
    """The instruments ``intent`` trades: itself, or a combo's legs."""
    combo = intent.combo
    if combo is None:
        return (Traded(intent.instrument, intent.side, intent.quantity),)
    return tuple(
        Traded(
            leg.instrument,
            intent.side if leg.side is OrderSide.BUY else intent.side.opposite,
            intent.quantity * leg.ratio,
        )
        for leg in combo.legs
    )
