"""Number and time formatting shared by the panes. A missing value shows as an empty cell."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

Number = float | int | Decimal | None


def is_missing(value: Number) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


def price(value: Number, decimals: int = 2) -> str:
    """``1234.5`` -> ``1,234.50``; missing -> ``""``."""
    if is_missing(value):
        return ""
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def signed(value: Number, decimals: int = 2) -> str:
    """``12.3`` -> ``+12.30``; missing -> ``""``."""
    if is_missing(value):
        return ""
    return f"{float(value):+,.{decimals}f}"  # type: ignore[arg-type]


def percent(value: Number, decimals: int = 2) -> str:
    """``1.234`` (already in percent) -> ``+1.23%``."""
    if is_missing(value):
        return ""
    return f"{float(value):+.{decimals}f}%"  # type: ignore[arg-type]


def quantity(value: Number) -> str:
    """Whole quantities without decimals, fractional ones as given; thousands separated."""
    if is_missing(value):
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def volume(value: Number) -> str:
    """Compact volume: 950, 12.3K, 4.56M."""
    if is_missing(value):
        return ""
    v = float(value)  # type: ignore[arg-type]
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= limit:
            return f"{v / limit:.2f}{suffix}"
    return f"{v:,.0f}"


def money(value: Number) -> str:
    if is_missing(value):
        return ""
    return f"{float(value):,.2f}"  # type: ignore[arg-type]


def clock_time(when: dt.datetime | None) -> str:
    """Local wall time ``HH:MM:SS`` of an aware datetime."""
    if when is None:
        return ""
    return when.astimezone().strftime("%H:%M:%S")


def age(seconds: float) -> str:
    """``75`` -> ``1m15s``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
