"""What the order ticket holds, checked field by field, and turned into order intents.

The ticket shows every problem next to the field it belongs to. The core is the authority on what
makes a valid order (``OrderIntent`` validates on construction and ``OrderManager.stage_input``
audits a refusal); the checks here mirror its rules field by field so that a refusal can be
pinned to the field that caused it and explained in the trader's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal.domain import DomainError, Instrument, OrderIntent, OrderSide, OrderType, TimeInForce
from terminal.domain.exits import ExitSpec, ExitUnit
from terminal.domain.values import ZERO, to_decimal, to_quantity
from terminal.oms import brackets
from terminal.oms.brackets import Bracket
from terminal.risk.context import QuoteLookup

# Field names (the keys of the error dictionaries); "" is an error of the form as a whole.
QUANTITY = "quantity"
LIMIT_PRICE = "limit_price"
STOP_PRICE = "stop_price"
TRAIL = "trail"
LIMIT_OFFSET = "limit_offset"
TIF = "tif"
TAKE_PROFIT = "take_profit"
STOP_LOSS = "stop_loss"
FORM = ""

type FieldErrors = dict[str, str]

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class TicketInput:
    """The ticket's fields exactly as the trader typed them."""

    instrument: Instrument
    side: OrderSide
    order_type: OrderType
    quantity: str
    limit_price: str = ""
    stop_price: str = ""
    trail: str = ""
    trail_is_percent: bool = False
    limit_offset: str = ""
    tif: TimeInForce = TimeInForce.DAY
    outside_rth: bool = False
    bracket: bool = False
    take_profit: str = ""
    stop_loss: str = ""

    def intent_fields(self) -> dict[str, Any]:
        """The raw keyword arguments for ``OrderIntent`` / ``stage_input`` (text, not numbers).

        Only the fields the order type uses are passed; a required field left empty is passed
        as ``None`` so the core names what is missing.
        """
        t = self.order_type
        fields: dict[str, Any] = {
            "side": self.side,
            "quantity": self.quantity.strip(),
            "order_type": t,
            "tif": self.tif,
            "outside_rth": self.outside_rth,
            "source": "ticket",
        }
        if t.needs_limit:
            fields["limit_price"] = _text_or_none(self.limit_price)
        if t.needs_stop:
            fields["stop_price"] = _text_or_none(self.stop_price)
        if t.is_trailing:
            name = "trail_percent" if self.trail_is_percent else "trail_amount"
            fields[name] = _text_or_none(self.trail)
        if t is OrderType.TRAIL_LIMIT:
            fields["limit_offset"] = _text_or_none(self.limit_offset)
        return fields


def _text_or_none(text: str) -> str | None:
    stripped = text.strip()
    return stripped or None


_without_key = brackets.without_key  # the field already says which instrument


def _check_price(instrument: Instrument, text: str, name: str) -> str | None:
    """Return the problem with a required price field, or None when it is a valid price."""
    if not text.strip():
        return f"enter a {name}"
    try:
        instrument.check_price(text.strip())
    except DomainError as exc:
        return _without_key(instrument, str(exc)).replace("price", name, 1)
    return None


def check_fields(form: TicketInput, *, require: bool = True) -> FieldErrors:
    """Return every field problem of ``form`` (empty when it makes a valid order).

    Args:
        form: The ticket's input.
        require: Report required fields left empty. The live preview passes False so that a
            field the trader has not reached yet is not shown in red while typing.
    """
    errors: FieldErrors = {}
    inst = form.instrument
    t = form.order_type

    def check(field: str, text: str, problem: str | None) -> None:
        if problem is not None and (require or text.strip()):
            errors[field] = problem

    quantity = form.quantity.strip()
    if not quantity:
        check(QUANTITY, quantity, "enter a quantity")
    else:
        try:
            to_quantity(quantity)
        except DomainError as exc:
            errors[QUANTITY] = str(exc)
    if t.needs_limit:
        check(LIMIT_PRICE, form.limit_price, _check_price(inst, form.limit_price, "limit price"))
    if t.needs_stop:
        check(STOP_PRICE, form.stop_price, _check_price(inst, form.stop_price, "stop price"))
    if t.is_trailing:
        check(TRAIL, form.trail, _trail_problem(form))
        if form.tif in (TimeInForce.IOC, TimeInForce.FOK):
            errors[TIF] = f"{form.tif.value} is not valid for trailing orders"
    if t is OrderType.TRAIL_LIMIT:
        check(LIMIT_OFFSET, form.limit_offset, _offset_problem(inst, form.limit_offset))
    if form.bracket:
        errors.update(_bracket_problems(form, require=require))
    return errors


def _trail_problem(form: TicketInput) -> str | None:
    text = form.trail.strip()
    what = "trail percent" if form.trail_is_percent else "trail amount"
    if not text:
        return f"enter a {what}"
    try:
        value = to_decimal(text, what)
    except DomainError as exc:
        return str(exc)
    if form.trail_is_percent:
        return None if ZERO < value < HUNDRED else "trail percent must be between 0 and 100"
    if value <= 0:
        return "trail amount must be positive"
    return _check_price(form.instrument, text, "trail amount")


def _offset_problem(instrument: Instrument, text: str) -> str | None:
    if not text.strip():
        return "enter a limit offset"
    try:
        value = to_decimal(text.strip(), "limit offset")
    except DomainError as exc:
        return str(exc)
    if value < 0 or value % instrument.tick_size != 0:
        return f"limit offset must be non-negative and on the tick size {instrument.tick_size}"
    return None


def _bracket_problems(form: TicketInput, *, require: bool) -> FieldErrors:
    errors: FieldErrors = {}
    tp, sl = form.take_profit.strip(), form.stop_loss.strip()
    if not tp and not sl:
        if require:
            errors[TAKE_PROFIT] = "enter a take-profit or a stop-loss offset"
        return errors
    for field, text, name in ((TAKE_PROFIT, tp, "offset"), (STOP_LOSS, sl, "offset")):
        if text:
            problem = _check_price(form.instrument, text, name)
            if problem is not None:
                errors[field] = problem
    return errors


def field_of(message: str) -> str:
    """Name the field a core refusal is about, from its message (FORM when none fits)."""
    text = message.lower()
    for words, field in (
        (("quantity",), QUANTITY),
        (("limit offset",), LIMIT_OFFSET),
        (("limit price", "limit "), LIMIT_PRICE),
        (("stop price", "stop "), STOP_PRICE),
        (("trail",), TRAIL),
        (("ioc", "fok"), TIF),
    ):
        if any(w in text for w in words):
            return field
    return FORM


def build_intent(form: TicketInput) -> OrderIntent:
    """Return the intent the form describes (the parent of a bracket).

    Raises:
        DomainError: the form does not make a valid order.
    """
    return OrderIntent(form.instrument, **form.intent_fields())


def build_bracket(form: TicketInput, quotes: QuoteLookup) -> Bracket:
    """Return the parent and its exits: take-profit at entry ± offset, stop-loss at entry ∓ offset.

    The offsets are in price units (checked against the tick here, so the message names the
    offset); the legs come from the core's one bracket construction.

    Raises:
        DomainError: a leg is invalid; its message names the leg ("take-profit ...").
    """
    parent = build_intent(form)
    inst = form.instrument
    exits: list[ExitSpec | None] = []
    for leg, text in (("take-profit", form.take_profit), ("stop-loss", form.stop_loss)):
        if not text.strip():
            exits.append(None)
            continue
        try:
            exits.append(ExitSpec(inst.check_price(text.strip()), ExitUnit.PRICE))
        except DomainError as exc:
            raise DomainError(f"{leg} {_without_key(inst, str(exc))}") from None
    return brackets.build_bracket(parent, quotes, exits[0], exits[1], source="ticket")


def bracket_field_of(message: str) -> str:
    """Name the field of a bracket refusal (the legs first, then the parent's fields)."""
    text = message.lower()
    if text.startswith("take-profit"):
        return TAKE_PROFIT
    if text.startswith("stop-loss"):
        return STOP_LOSS
    return field_of(message)
