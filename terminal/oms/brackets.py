"""A bracket's legs from a parent order and where its exits go: one construction for every
place that attaches exits (the order ticket, order presets, later the chart).

An exit is given as an :class:`ExitSpec`: an offset from the entry in price units, in ticks or
in percent, or an absolute price. The take-profit rests on the profit side of the entry (above
it for a buy), the protective stop on the loss side; both are opposite to the parent, for its
quantity, and on the instrument's tick. The legs are plain :class:`OrderIntent` objects: staging
them (``OrderManager.stage_bracket``) runs the risk check and puts them in the approval queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.domain import DomainError, Instrument, OrderIntent, OrderSide, OrderType, TimeInForce
from terminal.domain.exits import ExitSpec, ExitUnit
from terminal.domain.values import round_to_tick
from terminal.oms.ports import QuoteLookup
from terminal.risk.pricing import market_price

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Bracket:
    """A bracket's three legs: the parent, the take-profit limit and the protective stop."""

    parent: OrderIntent
    take_profit: OrderIntent | None
    stop_loss: OrderIntent | None
    entry: Decimal


def entry_price(intent: OrderIntent, quotes: QuoteLookup) -> Decimal | None:
    """The price a bracket's offsets count from: the limit or stop, else the far touch."""
    if intent.reference_price is not None:
        return intent.reference_price
    found = market_price(intent.side, quotes.last_quote(intent.instrument.key))
    if found is None:
        return None
    return round_to_tick(found[0], intent.instrument.tick_size)


def exit_price(
    instrument: Instrument,
    side: OrderSide,
    entry: Decimal,
    spec: ExitSpec,
    *,
    take_profit: bool,
) -> Decimal:
    """The price of one exit of a ``side`` entry at ``entry``, on the instrument's tick.

    A percentage is rounded to the nearest tick; an absolute price must be on the tick and on
    its own side of the entry (a take-profit of a buy above it, its stop below it).

    Raises:
        DomainError: the exit cannot be placed (its message starts with the exit's price
            problem, without the leg's name; :func:`build_bracket` adds it).
    """
    tick = instrument.tick_size
    direction = side.sign if take_profit else -side.sign
    if spec.unit is ExitUnit.ABSOLUTE:
        price = instrument.check_price(spec.value)
        if (price - entry) * direction <= 0:
            where = "above" if direction > 0 else "below"
            raise DomainError(f"price {price:f} must be {where} the entry {entry:f}")
        return price
    if spec.value <= 0:
        raise DomainError(f"offset must be positive, got {spec}")
    if spec.unit is ExitUnit.TICKS:
        if spec.value != spec.value.to_integral_value():
            raise DomainError(f"offset must be a whole number of ticks, got {spec}")
        offset = spec.value * tick
    elif spec.unit is ExitUnit.PERCENT:
        offset = round_to_tick(entry * spec.value / HUNDRED, tick)
        if offset <= 0:
            offset = tick  # less than a tick away still exits one tick away, not at the entry
    else:
        offset = spec.value
    return entry + direction * offset


def build_bracket(
    parent: OrderIntent,
    quotes: QuoteLookup,
    take_profit: ExitSpec | None,
    stop_loss: ExitSpec | None,
    *,
    source: str | None = None,
) -> Bracket:
    """Return the parent and its exits: a take-profit LIMIT and a protective STOP.

    Args:
        parent: The entry order.
        quotes: The last quotes (the entry of a market parent is the far touch).
        take_profit / stop_loss: Where each exit goes (None: no such exit).
        source: Who built the exits (the parent's source when None).

    Raises:
        DomainError: a leg is invalid; its message names the leg ("take-profit ...").
    """
    entry = entry_price(parent, quotes)
    if entry is None:
        raise DomainError("no market price to place the bracket from: use a limit order")
    inst = parent.instrument
    # Exits rest until the parent fills: IOC/FOK would cancel them at once.
    tif = parent.tif if parent.tif in (TimeInForce.DAY, TimeInForce.GTC) else TimeInForce.DAY
    common: dict[str, Any] = {
        "side": parent.side.opposite,
        "quantity": parent.quantity,
        "tif": tif,
        "outside_rth": parent.outside_rth,
        "source": source if source is not None else parent.source,
    }
    tp_leg = sl_leg = None
    if take_profit is not None:
        try:
            price = exit_price(inst, parent.side, entry, take_profit, take_profit=True)
            tp_leg = OrderIntent(inst, order_type=OrderType.LIMIT, limit_price=price, **common)
        except DomainError as exc:
            raise DomainError(f"take-profit {without_key(inst, str(exc))}") from None
    if stop_loss is not None:
        try:
            price = exit_price(inst, parent.side, entry, stop_loss, take_profit=False)
            sl_leg = OrderIntent(inst, order_type=OrderType.STOP, stop_price=price, **common)
        except DomainError as exc:
            raise DomainError(f"stop-loss {without_key(inst, str(exc))}") from None
    return Bracket(parent, tp_leg, sl_leg, entry)


def without_key(instrument: Instrument, message: str) -> str:
    """Drop the ``"AAPL: "`` prefix of a price error where the instrument is already known."""
    prefix = f"{instrument.key}: "
    return message[len(prefix) :] if message.startswith(prefix) else message
