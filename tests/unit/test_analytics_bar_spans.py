"""Which recorded bars the report reads: the span each traded instrument's trades need."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from terminal.analytics.records import FillRecord
from terminal.analytics.source import bar_spans
from terminal.settings import Settings

T0 = dt.datetime(2026, 1, 5, 14, 30, tzinfo=dt.UTC)


def fill(key: str, sign: int, qty: int, seconds: float) -> FillRecord:
    t = T0 + dt.timedelta(seconds=seconds)
    return FillRecord(f"{key}{seconds}", None, key, sign, Decimal(qty), Decimal(1), Decimal(0), t)


def test_the_span_of_a_trade_open_at_the_period_start_begins_at_its_entry() -> None:
    begin, finish = T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)
    fills = [
        fill("AAPL", 1, 100, 0),  # a trade flat again the same day: not needed
        fill("AAPL", -1, 100, 60),
        fill("AAPL", 1, 50, 120),  # opens the trade still held at the period's start
        fill("AAPL", 1, 50, 180),
        fill("MSFT", -1, 10, 200),  # closed before the period, not traded in it
        fill("MSFT", 1, 10, 260),
        fill("AAPL", -1, 100, 86_400 + 600),  # exit in the period
        fill("IBM", 1, 5, 86_400 + 700),  # opened in the period
    ]
    assert bar_spans(fills, begin, finish) == {
        "AAPL": (T0 + dt.timedelta(seconds=120), finish),
        "IBM": (begin, finish),
    }


def test_the_default_keeps_bars_for_400_days() -> None:
    assert Settings().analytics.bar_retention_days == 400
