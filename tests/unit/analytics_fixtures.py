"""Small hand-built fills and orders for the analytics tests (values worked out by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from terminal.analytics.records import FillRecord

T0 = dt.datetime(2026, 3, 2, 14, 30, tzinfo=dt.UTC)
_counter = iter(range(1_000_000))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def fill(
    side: str,
    quantity: int | str,
    price: str,
    *,
    seconds: float = 0,
    commission: str = "0",
    instrument: str = "AAPL",
    multiplier: int = 1,
    order_id: str | None = "O1",
) -> FillRecord:
    return FillRecord(
        exec_id=f"E{next(_counter):06d}",
        order_id=order_id,
        instrument=instrument,
        sign=1 if side == "BUY" else -1,
        quantity=Decimal(quantity),
        price=Decimal(price),
        commission=Decimal(commission),
        time=at(seconds),
        multiplier=Decimal(multiplier),
    )
