"""The presets a trader has, which one applies, and the order a preset stages.

:class:`PresetBook` resolves the default of an instrument: its own default preset, else its
asset class's, else none. :func:`preset_order` turns a preset, a side and the market into the
order's legs (the parent and the bracket's exits) through the one bracket construction
(:func:`terminal.oms.brackets.build_bracket`); the ticket, the ladder, the trading keys and the
chart all go through it, and stage the legs for approval like any other order.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from terminal.domain import DomainError, Instrument, Order, OrderIntent, OrderSide, OrderType
from terminal.domain.values import round_to_tick
from terminal.domain.verdicts import Verdict
from terminal.oms.brackets import Bracket, build_bracket
from terminal.oms.ports import QuoteLookup, RiskCheck
from terminal.presets.model import OrderPreset
from terminal.risk.pricing import usable


class PresetBook:
    """The trader's presets (in settings order) and how they resolve for an instrument."""

    def __init__(self, presets: Sequence[OrderPreset] = ()) -> None:
        self.presets = tuple(presets)

    def get(self, name: str) -> OrderPreset | None:
        """The preset named ``name`` (names are unique, compared without case)."""
        key = name.casefold()
        return next((p for p in self.presets if p.name.casefold() == key), None)

    def for_instrument(self, instrument: Instrument) -> list[OrderPreset]:
        """The presets that apply to ``instrument``: its own first, then its asset class's."""
        own = [p for p in self.presets if p.instrument and p.applies_to(instrument)]
        shared = [p for p in self.presets if not p.instrument and p.applies_to(instrument)]
        return own + shared

    def default_for(self, instrument: Instrument) -> OrderPreset | None:
        """The instrument's default preset, else its asset class's default, else None."""
        return next((p for p in self.for_instrument(instrument) if p.default), None)


def preset_order(
    preset: OrderPreset,
    instrument: Instrument,
    side: OrderSide,
    quotes: QuoteLookup,
    *,
    price: Decimal | None = None,
    order_type: OrderType | None = None,
    quantity: Decimal | None = None,
    source: str = "preset",
) -> Bracket:
    """The legs ``preset`` stages to ``side`` in ``instrument``.

    Args:
        preset: The template (it must apply to ``instrument``).
        side: Buy or sell.
        quotes: The last quotes: a LMT entry is priced at the near touch (bid to buy, ask to
            sell) moved ``limit_offset_ticks`` towards the other side; exits count from it.
        price: A price chosen on the ladder or the chart: the entry's limit (or stop) instead
            of the touch.
        order_type: The entry type instead of the preset's (a ladder Shift+click is a STP).
        quantity: The quantity instead of the preset's (the ticket's or the ladder's field,
            after a size key changed it).
        source: Who stages it ("ticket", "ladder", "hotkey", "chart").

    Returns:
        The bracket (``take_profit`` / ``stop_loss`` None when the preset has no such exit).

    Raises:
        DomainError: the preset does not apply, there is no quote to price it, or a leg is
            invalid (the message says which).
    """
    if not preset.applies_to(instrument):
        raise DomainError(f"preset {preset.name!r} is for {preset.scope}, not {instrument.key}")
    kind = order_type or preset.order_type
    limit = stop = None
    if kind is OrderType.LIMIT:
        limit = price if price is not None else _touch(preset, instrument, side, quotes)
    elif kind is OrderType.STOP:
        if price is None:
            raise DomainError("a stop entry needs its price (from the ladder or the chart)")
        stop = price
    elif kind is not OrderType.MARKET:
        raise DomainError(f"a preset stages LMT, STP or MKT entries, not {kind.value}")
    parent = OrderIntent(
        instrument,
        side,
        preset.quantity if quantity is None else quantity,
        kind,
        limit_price=limit,
        stop_price=stop,
        tif=preset.tif,
        source=source,
    )
    if not preset.has_bracket:
        entry = parent.reference_price or Decimal(0)
        return Bracket(parent, None, None, entry)
    return build_bracket(parent, quotes, preset.take_profit, preset.stop_loss, source=source)


def stage_preset_order(orders: PresetStaging, legs: Bracket) -> Order:
    """Stage ``legs`` for approval: one order, or a bracket approved as one."""
    if legs.take_profit is None and legs.stop_loss is None:
        return orders.stage(legs.parent)
    return orders.stage_bracket(legs.parent, legs.take_profit, legs.stop_loss)


def preset_verdict(risk: RiskCheck, legs: Bracket, open_orders: Sequence[Order]) -> Verdict:
    """The pre-trade verdict staging would give (the parent's: it covers its exits)."""
    return risk.check(legs.parent, open_orders)


class PresetStaging(Protocol):
    """What :func:`stage_preset_order` needs of the order manager."""

    def stage(self, intent: OrderIntent) -> Order: ...

    def stage_bracket(
        self,
        parent: OrderIntent,
        take_profit: OrderIntent | None,
        stop_loss: OrderIntent | None,
    ) -> Order: ...


def _touch(
    preset: OrderPreset, instrument: Instrument, side: OrderSide, quotes: QuoteLookup
) -> Decimal:
    quote = quotes.last_quote(instrument.key)
    touch = None if quote is None else (quote.bid if side is OrderSide.BUY else quote.ask)
    if touch is None or not usable(touch):
        name = "bid" if side is OrderSide.BUY else "ask"
        raise DomainError(f"no {name} quote to price the preset's limit at")
    tick = instrument.tick_size
    price = round_to_tick(Decimal(repr(touch)), tick) + side.sign * preset.limit_offset_ticks * tick
    if price <= 0:
        raise DomainError(f"the preset's limit offset puts the price at {price:f}")
    return price
