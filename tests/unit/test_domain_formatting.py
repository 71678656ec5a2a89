"""Every number a trader reads: prices on the tick without float noise, unknown as "—"."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    UNKNOWN,
    Instrument,
    format_change,
    format_money,
    format_percent,
    format_price,
    format_quantity,
)

PENNY = Decimal("0.01")


@pytest.mark.parametrize(
    ("value", "tick", "text"),
    [
        (228.42000000000002, PENNY, "228.42"),  # the float the watchlist and ladder produced
        (228.48000000000002, PENNY, "228.48"),
        (Decimal("228.42000000000002"), PENNY, "228.42"),  # a Decimal made from that float
        (Decimal("150"), PENNY, "150.00"),  # always the tick's decimals
        (Decimal("150.1000"), PENNY, "150.10"),
        (150, PENNY, "150.00"),
        (0.0525, Decimal("0.0001"), "0.0525"),
        (1.5, Decimal("0.0001"), "1.5000"),
        (4212.25, Decimal("0.25"), "4212.25"),
        (20150.0, Decimal(1), "20150"),
        (228.425, PENNY, "228.425"),  # a midpoint between ticks keeps its half tick
        (Decimal("-0.00"), PENNY, "0.00"),  # never "-0.00"
        (730000.0, PENNY, "730000.00"),  # no separators: reads as typed into a ticket
    ],
)
def test_prices_read_on_the_instruments_tick(value: object, tick: Decimal, text: str) -> None:
    assert format_price(value, tick) == text  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, None, Decimal("NaN")])
def test_an_unknown_value_reads_as_unknown_never_nan(value: object) -> None:
    for text in (
        format_price(value),  # type: ignore[arg-type]
        format_change(value),  # type: ignore[arg-type]
        format_percent(value),  # type: ignore[arg-type]
        format_quantity(value),  # type: ignore[arg-type]
        format_money(value),  # type: ignore[arg-type]
    ):
        assert text == UNKNOWN == "—"


def test_changes_and_percentages_carry_their_sign() -> None:
    assert format_change(0.42) == "+0.42"
    assert format_change(-1.05) == "-1.05"
    assert format_percent(1.234) == "+1.23%"
    assert format_percent(-0.001) == "0.00%"  # rounds to zero: no sign, no "-0.00%"
    assert format_percent(12.34, 1, signed=False) == "12.3%"


def test_quantities_and_money_have_separators() -> None:
    assert format_quantity(Decimal("10000")) == "10,000"
    assert format_quantity(Decimal("0.50")) == "0.5"
    assert format_money(Decimal("1234567.891")) == "1,234,567.89"
    assert format_money(Decimal("-25.5"), signed=True) == "-25.50"
    assert format_money(Decimal("25.5"), signed=True) == "+25.50"


def test_an_instrument_formats_on_its_own_tick() -> None:
    forex_like = Instrument.stock("XYZ", tick_size=Decimal("0.0001"))
    assert Instrument.stock("AAPL").format_price(228.42000000000002) == "228.42"
    assert forex_like.format_price(1.1) == "1.1000"
    assert forex_like.format_price(math.nan) == UNKNOWN


@given(st.integers(min_value=1, max_value=10**9))
def test_any_price_on_a_penny_tick_reads_back_exactly(cents: int) -> None:
    # Float market data on the tick (ticks × 0.01, as the simulator computes it) shows the
    # price the trader would type, and parses back to the same Decimal.
    value = cents * 0.01
    text = format_price(value)
    assert Decimal(text) == Decimal(cents) / 100
    assert len(text.partition(".")[2]) == 2
