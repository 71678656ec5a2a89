"""Grouped positions: which leg quantities belong to which combo, derived from the combo orders.

A combo order fills per leg, so the portfolio holds leg positions only. This module puts them
back together, without any bookkeeping of its own: from the filled combo orders (the order
book's, plus those stored from earlier sessions) and the positions now held.

The rule (:func:`group_positions`):

1. **Units per combo.** Every filled combo order adds its complete units (``filled_quantity``)
   to its combo, bought positive, sold negative. An order for the reversed combo (every side
   flipped: the same trade the other way) counts against the combo seen first. So a combo
   bought twice is one strategy of two units, and a combo order that closes it (the opposite
   side, as :meth:`StrategyPosition.closing_intent` stages) takes its units off.
2. **Capped by the legs held.** A strategy keeps only the units every leg still holds on the
   right side, in units of its ratio: legs closed (or reduced) by single-contract orders shrink
   it to what is left, and a leg held the other way ends it. Strategies take their legs'
   quantities oldest first, so two combos sharing a contract never claim the same contract.
3. **The rest stays single.** Whatever a leg holds beyond its strategies (a vertical with its
   long leg partly sold: the short leg's extra contracts) is shown as a plain position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from terminal.domain import Order, OrderIntent, OrderSide, OrderType, Position, TimeInForce
from terminal.domain.combos import Combo, ComboLeg
from terminal.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class StrategyLeg:
    """One leg's share of a strategy: the leg and the part of its position the strategy holds."""

    leg: ComboLeg
    position: Position

    @property
    def key(self) -> str:
        return self.position.key


@dataclass(frozen=True, slots=True)
class StrategyPosition:
    """Units of one combo held as its legs (``units`` > 0 bought, < 0 sold).

    Each leg's :attr:`StrategyLeg.position` carries the leg's average cost and only the
    quantity this strategy holds (``units × ratio``, signed), so its P&L is the strategy's share.
    """

    combo: Combo
    units: Decimal
    legs: tuple[StrategyLeg, ...]
    order_ids: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.combo.key

    @property
    def description(self) -> str:
        return self.combo.description

    def net_cost(self) -> Decimal:
        """The net price paid per unit of the combo, from the legs' average costs."""
        return self.combo.net_price({leg.key: leg.position.avg_cost for leg in self.legs})

    def net_mark(self, marks: Mapping[str, Decimal]) -> Decimal | None:
        """The net price per unit at ``marks`` (None while a leg has none)."""
        if any(leg.key not in marks for leg in self.legs):
            return None
        return self.combo.net_price(marks)

    def market_value(self, mark: Mapping[str, Decimal]) -> Decimal:
        """The legs' market value (a leg without a mark at cost, as the portfolio values it)."""
        return sum((leg.position.market_value(_mark(leg, mark)) for leg in self.legs), ZERO)

    def unrealized_pnl(self, mark: Mapping[str, Decimal]) -> Decimal:
        """The strategy's P&L: the sum of its legs' unrealized P&L on the quantities it holds."""
        return sum((leg.position.unrealized_pnl(_mark(leg, mark)) for leg in self.legs), ZERO)

    def closing_intent(
        self,
        *,
        source: str,
        limit_price: Decimal | None = None,
        tif: TimeInForce = TimeInForce.DAY,
    ) -> OrderIntent:
        """The opposite combo for every unit held (approval still needed).

        LMT at ``limit_price`` (the closing dialog offers the net mid from
        :func:`terminal.portfolio.closing.close_quote`), MKT without one.
        """
        side = OrderSide.SELL if self.units > 0 else OrderSide.BUY
        if limit_price is None:
            return OrderIntent.for_combo(
                self.combo,
                side,
                abs(self.units),
                order_type=OrderType.MARKET,
                tif=tif,
                source=source,
            )
        return OrderIntent.for_combo(
            self.combo, side, abs(self.units), limit_price=limit_price, tif=tif, source=source
        )


def _mark(leg: StrategyLeg, marks: Mapping[str, Decimal]) -> Decimal:
    return marks.get(leg.key, leg.position.avg_cost)


@dataclass(frozen=True, slots=True)
class Grouping:
    """Strategies and what every held position has left outside them (signed quantities)."""

    strategies: tuple[StrategyPosition, ...]
    residual: Mapping[str, Decimal]

    def grouped_quantity(self, key: str) -> Decimal:
        """How much of the position in ``key`` belongs to strategies (signed)."""
        return sum(
            (leg.position.quantity for s in self.strategies for leg in s.legs if leg.key == key),
            ZERO,
        )


@dataclass
class _Units:
    combo: Combo
    units: Decimal
    order_ids: list[str]


def group_positions(orders: Iterable[Order], positions: Iterable[Position]) -> Grouping:
    """Group leg positions into the combos they came from (the rule is the module's docstring).

    ``orders`` may hold any orders (only filled combo orders count; an id seen twice counts
    once, the later snapshot winning); ``positions`` are the portfolio's.
    """
    latest: dict[str, Order] = {}
    for order in orders:
        if order.intent.combo is not None:
            latest[order.id] = order
    units: dict[str, _Units] = {}
    for order in sorted(latest.values(), key=lambda o: (o.created_at, o.id)):
        combo = order.intent.combo
        assert combo is not None
        if order.filled_quantity <= 0:
            continue
        signed = order.filled_quantity * order.intent.side.sign
        if combo.key not in units and combo.reversed().key in units:
            combo, signed = combo.reversed(), -signed
        entry = units.setdefault(combo.key, _Units(combo, ZERO, []))
        entry.units += signed
        entry.order_ids.append(order.id)
    held = {p.key: p for p in positions if not p.is_flat}
    available = {key: p.quantity for key, p in held.items()}
    strategies: list[StrategyPosition] = []
    for entry in units.values():
        if entry.units == 0:
            continue
        direction = 1 if entry.units > 0 else -1
        whole = abs(entry.units)
        for leg in entry.combo.legs:
            on_side = available.get(leg.instrument.key, ZERO) * direction * leg.sign
            whole = min(whole, max(on_side, ZERO) // leg.ratio)
        if whole <= 0:
            continue
        legs = []
        for leg in entry.combo.legs:
            key = leg.instrument.key
            quantity = whole * leg.ratio * direction * leg.sign
            available[key] -= quantity
            legs.append(StrategyLeg(leg, replace(held[key], quantity=quantity)))
        strategies.append(
            StrategyPosition(entry.combo, whole * direction, tuple(legs), tuple(entry.order_ids))
        )
    return Grouping(tuple(strategies), available)
