"""Decimal-backed prices, quantities and money.

Prices and quantities in orders, fills, positions and money are ``Decimal``. The constructors here
are the one place that turns user or broker input into those values, rejecting NaN, infinities,
negatives, absurd magnitudes and (for prices) values off the instrument's tick.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from terminal.domain.errors import InvalidPrice, InvalidQuantity

type Money = Decimal

#: Nothing we trade costs a billion per unit; a larger price is a typo.
MAX_PRICE = Decimal("1000000000")
#: Nothing we trade is ordered in more than ten million units at once.
MAX_QUANTITY = Decimal("10000000")

ZERO = Decimal(0)


def to_decimal(value: object, what: str = "value") -> Decimal:
    """Convert ``value`` (str, int, float or Decimal) to a finite Decimal.

    Floats go through ``repr`` so that ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    """
    if isinstance(value, bool):
        raise InvalidQuantity(f"{what} must be a number, not {value!r}")
    try:
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, int):
            result = Decimal(value)
        elif isinstance(value, float):
            result = Decimal(repr(value))
        elif isinstance(value, str):
            result = Decimal(value.strip().replace(",", ""))
        else:
            raise TypeError
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidQuantity(f"{what} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise InvalidQuantity(f"{what} must be finite, got {value!r}")
    return result


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
        raise InvalidPrice(f"price {price} is absurd (above {MAX_PRICE})")
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
        raise InvalidQuantity(f"quantity {qty} is absurd (above {MAX_QUANTITY:,})")
    return qty


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """Round ``price`` to the nearest multiple of ``tick`` (banker's rounding on ties)."""
    steps = (price / tick).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return steps * tick


def money(value: object) -> Decimal:
    """Return ``value`` as a finite Decimal amount of money rounded to 1/100 of a cent."""
    return to_decimal(value, "amount").quantize(Decimal("0.0001"))
