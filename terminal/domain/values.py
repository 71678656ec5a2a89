"""Decimal-backed prices, quantities and money.

Prices and quantities in orders, fills, positions and money are ``Decimal``. The constructors here
are the one place that turns user or broker input into those values, rejecting NaN, infinities,
negatives, absurd magnitudes and (for prices) values off the instrument's tick.

Text is read as a trader types a number: digits with an optional sign, decimal point and
thousands separators (``"1,250.50"``). Scientific notation (``"1e3"``), ``"NaN"`` and
``"Infinity"`` are refused: Python's ``Decimal`` accepts them, but a ticket field that took
``1e3`` as a price stored ``1E+3`` and staged it.

The absurd bounds are sanity bounds, not risk limits: a value beyond them is a typo that no
trader could mean, refused where it is typed (and audited when it reaches staging). Values
between the configured risk limits and these bounds are the risk engine's to BLOCK.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from terminal.domain.errors import InvalidPrice, InvalidQuantity

type Money = Decimal

#: No listed instrument costs ten million per unit (the dearest share trades under a million);
#: a larger price is a typo (99,999,999 was staged at the desk).
MAX_PRICE = Decimal("10000000")
#: No order from a workstation is for more than a million units at once; more is a typo
#: (10,000,000 was staged at the desk). Risk limits (``max_order_quantity``) sit below it.
MAX_QUANTITY = Decimal("1000000")

#: A number as a trader writes it (commas already removed): sign, digits, optional decimals.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})

ZERO = Decimal(0)


def to_decimal(value: object, what: str = "value") -> Decimal:
    """Convert ``value`` (str, int, float or Decimal) to a finite Decimal.

    Floats go through ``repr`` so that ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    Text must be a plain number (see the module docstring): ``"1e3"``, ``"NaN"`` and
    ``"Infinity"`` are refused with a message that says so.

    Raises:
        InvalidQuantity: not a number, not finite, or written in scientific notation.
    """
    if isinstance(value, bool):
        raise InvalidQuantity(f"{what} must be a number, not {value!r}")
    if isinstance(value, str):
        result = _parse_text(value, what)
    else:
        try:
            if isinstance(value, Decimal):
                result = value
            elif isinstance(value, int):
                result = Decimal(value)
            elif isinstance(value, float):
                result = Decimal(repr(value))
            else:
                raise TypeError
        except (InvalidOperation, TypeError, ValueError):
            raise InvalidQuantity(f"{what} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise InvalidQuantity(f"{what} must be finite, got {value!r}")
    return result


def _parse_text(value: str, what: str) -> Decimal:
    """Read a number typed by a trader; refuse notation no trader types into a ticket."""
    text = value.strip().replace(",", "")
    if _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text)
    if text.lower().lstrip("+-") in _NOT_FINITE:
        raise InvalidQuantity(f"{what} must be a finite number, got {value!r}")
    if "e" in text.lower() and _PLAIN_NUMBER.fullmatch(text.lower().partition("e")[0]):
        raise InvalidQuantity(
            f"{what} must be written as a plain number such as 1000 or 228.42 "
            f"(no scientific notation), got {value!r}"
        )
    raise InvalidQuantity(f"{what} must be a number, got {value!r}")


def to_price(value: object, tick: Decimal | None = None, *, allow_zero: bool = False) -> Decimal:
    """Return ``value`` as a validated price.

    Args:
        value: The price as entered or reported.
        tick: The instrument's minimum price increment; when given, the price must lie on it.
        allow_zero: Accept 0 (e.g. an option bid of zero); otherwise prices must be positive.

    Raises:
        InvalidPrice: NaN, infinite, negative, zero (unless allowed), absurd or off-tick.
    """
    try:
        price = to_decimal(value, "price")
    except InvalidQuantity as exc:
        raise InvalidPrice(str(exc)) from None
    if price < 0 or (price == 0 and not allow_zero):
        raise InvalidPrice(f"price must be positive, got {price}")
    if price > MAX_PRICE:
        raise InvalidPrice(f"price {price:,f} is absurd (above {MAX_PRICE:,})")
    if tick is not None and price % tick != 0:
        raise InvalidPrice(f"price {price} is not on the tick size {tick}")
    return price


def to_quantity(value: object, *, lot: Decimal = Decimal(1)) -> Decimal:
    """Return ``value`` as a validated order quantity (positive, whole lots, not absurd).

    Raises:
        InvalidQuantity: zero, negative, fractional (not a multiple of ``lot``), NaN or absurd.
    """
    qty = to_decimal(value, "quantity")
    if qty <= 0:
        raise InvalidQuantity(f"quantity must be positive, got {qty}")
    if qty % lot != 0:
        what = "fractional shares are not supported" if lot == 1 else f"must be a multiple of {lot}"
        raise InvalidQuantity(f"quantity {qty}: {what}")
    if qty > MAX_QUANTITY:
        raise InvalidQuantity(f"quantity {qty:,f} is absurd (above {MAX_QUANTITY:,})")
    return qty


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """Round ``price`` to the nearest multiple of ``tick`` (banker's rounding on ties)."""
    steps = (price / tick).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return steps * tick


def money(value: object) -> Decimal:
    """Return ``value`` as a finite Decimal amount of money rounded to 1/100 of a cent."""
    return to_decimal(value, "amount").quantize(Decimal("0.0001"))
