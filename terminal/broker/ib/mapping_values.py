"""IB's "no value" sentinels, and the helpers that turn broker numbers into domain numbers.

IB marks a missing number in several ways: ``nan`` (ib_async's default), ``None``,
``UNSET_DOUBLE`` (the largest double), ``UNSET_INTEGER`` (2**31 - 1) and ``-1`` (no bid, no
size, no volume). None of them may ever reach a chart, a quote cell or an order as a price, so
every number read from an ib_async object goes through one of these functions.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from decimal import Decimal, InvalidOperation
from typing import Final

#: IB's "unset" double: ``sys.float_info.max`` (ib_async ``util.UNSET_DOUBLE``).
UNSET_DOUBLE: Final = sys.float_info.max
#: IB's "unset" integer: ``2**31 - 1`` (ib_async ``util.UNSET_INTEGER``).
UNSET_INTEGER: Final = 2**31 - 1

NAN: Final = math.nan
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def finite_or_nan(value: object) -> float:
    """Return ``value`` as a finite float, or NaN for ``None``, NaN, infinities and unset values.

    Unlike :func:`clean_float` this keeps ``-1``: an option's delta or theta may be exactly -1.
    Anything that is not a number (strings, booleans) becomes NaN.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return NAN
    try:
        number = float(value)
    except (OverflowError, ValueError):  # a signalling-NaN Decimal cannot become a float
        return NAN
    if not math.isfinite(number) or abs(number) >= UNSET_DOUBLE or number == UNSET_INTEGER:
        return NAN
    return number


def clean_float(value: object) -> float:
    """Return ``value`` as a finite float, or NaN when it is missing or one of IB's sentinels.

    ``None``, NaN, infinities, ``UNSET_DOUBLE``, ``UNSET_INTEGER``, ``-1`` and anything that is
    not a number (strings, booleans) all become NaN.
    """
    number = finite_or_nan(value)
    return NAN if number == -1 else number


def clean_price(value: object) -> float:
    """Return a quote price (bid, ask, last, close), or NaN: IB sends 0 or -1 for "none"."""
    number = clean_float(value)
    return number if number > 0 else NAN


def clean_size(value: object) -> float:
    """Return a size or volume (0 is a real size), or NaN for a sentinel or a negative."""
    number = clean_float(value)
    return number if number >= 0 else NAN


def tidy_decimal(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (``100.0`` -> ``100``)."""
    try:
        if value == value.to_integral_value():
            return value.quantize(Decimal(1)) + 0  # "+ 0" turns -0 into 0
        return value.normalize()
    except InvalidOperation:  # more digits than the context holds: leave it as it is
        return value


def decimal_or_none(value: object, *, signed: bool = False) -> Decimal | None:
    """Return a broker price or quantity as a Decimal, or ``None`` when IB sent "no value".

    Floats go through ``repr`` so that ``150.1`` becomes ``Decimal("150.1")``, not its binary
    expansion. Zero is kept (a flat position's average cost); callers that need a positive
    price check that themselves. ``signed=True`` keeps ``-1``, a real value for a signed
    quantity (short one contract), which IB otherwise uses for "none".
    """
    number = finite_or_nan(value) if signed else clean_float(value)
    if math.isnan(number):
        return None
    if isinstance(value, Decimal):
        return tidy_decimal(value)
    if isinstance(value, int):
        return Decimal(value)
    return tidy_decimal(Decimal(repr(number)))


def utc_or_none(value: object) -> dt.datetime | None:
    """Return ``value`` as an aware UTC datetime, or ``None`` when it is missing.

    Naive datetimes are taken to be UTC (the adapter asks IB for epoch times, ``formatDate=2``).
    The epoch itself is ib_async's "unset" default for execution times, so it means no time.
    """
    if not isinstance(value, dt.datetime):
        return None
    aware = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return aware if aware > _EPOCH else None


def parse_yyyymmdd(text: str) -> dt.date | None:
    """Return the date at the start of an IB date text (``"20261218"``, ``"20261218 16:00"``)."""
    head = text.strip()[:8]
    if len(head) != 8 or not head.isdigit():
        return None
    try:
        return dt.date(int(head[:4]), int(head[4:6]), int(head[6:]))
    except ValueError:
        return None
