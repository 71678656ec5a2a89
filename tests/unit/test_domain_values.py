"""Prices, quantities and instruments reject bad input with a clear message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    Instrument,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    OrderIntent,
    OrderSide,
    OrderType,
    TimeInForce,
    UnknownInstrument,
)
from terminal.domain.values import round_to_tick, to_price, to_quantity

AAPL = Instrument.stock("AAPL")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "finite"),
        (float("inf"), "finite"),
        ("-1", "positive"),
        (0, "positive"),
        ("1000000000000", "absurd"),
        ("99,999,999", "absurd"),  # staged at the desk
        ("1e3", "no scientific notation"),  # accepted at the desk and stored as 1E+3
        ("2.5E-2", "no scientific notation"),
        ("NaN", "finite"),
        ("-Infinity", "finite"),
        ("inf", "finite"),
        ("abc", "number"),
        ("١٢", "number"),  # digits of another script are not what a trader types here
        (None, "number"),
    ],
)
def test_bad_prices_are_rejected_with_the_problem_named(value: object, message: str) -> None:
    with pytest.raises(InvalidPrice, match=message):
        to_price(value)


def test_off_tick_price_is_rejected_and_on_tick_accepted() -> None:
    with pytest.raises(InvalidPrice, match=r"AAPL: price 150\.005 is not on the tick size 0\.01"):
        AAPL.check_price("150.005")
    assert AAPL.check_price(150.01) == Decimal("150.01")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "positive"),
        (-5, "positive"),
        ("1.5", "fractional"),
        ("nan", "finite"),
        (10**9, "absurd"),
        ("10,000,000", "absurd"),  # staged at the desk
        ("1e3", "no scientific notation"),
        ("Infinity", "finite"),
        (True, "number"),
    ],
)
def test_bad_quantities_are_rejected(value: object, message: str) -> None:
    with pytest.raises(InvalidQuantity, match=message):
        to_quantity(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,250.50", "1250.50"), (" 12 ", "12"), (".5", "0.5"), ("5.", "5"), ("+3", "3")],
)
def test_plain_numbers_as_traders_type_them_are_read(text: str, value: str) -> None:
    assert to_price(text) == Decimal(value)


def test_float_input_keeps_its_decimal_meaning() -> None:
    assert to_price(0.1) == Decimal("0.1")


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100000), places=4))
def test_round_to_tick_lands_on_tick_within_half_a_tick(price: Decimal) -> None:
    tick = Decimal("0.05")
    rounded = round_to_tick(price, tick)
    assert rounded % tick == 0
    assert abs(rounded - price) <= tick / 2


def test_option_key_and_multiplier() -> None:
    option = Instrument.option("aapl", dt.date(2026, 12, 18), "152.5", "P")
    assert option.key == "AAPL 20261218 P 152.5"
    assert option.multiplier == 100 and option.is_option


def test_the_key_follows_a_replaced_contract_and_stays_out_of_records() -> None:
    """The key is built once per instrument: a changed copy gets its own, and the audit trail
    records what the instrument was made from, not the derived key."""
    import dataclasses

    from terminal.persistence.audit import to_json_value

    option = Instrument.option("SPY", dt.date(2026, 12, 18), "500", "C")
    moved = dataclasses.replace(option, strike=Decimal("505"))
    assert (option.key, moved.key) == ("SPY 20261218 C 500", "SPY 20261218 C 505")
    assert option != moved and option == Instrument.option("SPY", dt.date(2026, 12, 18), 500, "C")
    record = to_json_value(option)
    assert isinstance(record, dict) and "_key" not in record and record["strike"] == "500"


def test_option_missing_fields_and_empty_symbol_are_rejected() -> None:
    with pytest.raises(UnknownInstrument):
        Instrument(symbol=" ")
    from terminal.domain.instruments import AssetClass

    with pytest.raises(UnknownInstrument, match="needs underlying"):
        Instrument(symbol="AAPL", asset_class=AssetClass.OPTION)


def test_intent_requires_the_prices_its_type_needs() -> None:
    with pytest.raises(InvalidOrder, match="needs a limit price"):
        OrderIntent(AAPL, OrderSide.BUY, Decimal(1), OrderType.LIMIT)
    with pytest.raises(InvalidOrder, match="needs a stop price"):
        OrderIntent(AAPL, OrderSide.BUY, Decimal(1), OrderType.STOP_LIMIT, limit_price=Decimal(1))
    with pytest.raises(InvalidOrder, match="takes no limit price"):
        OrderIntent(AAPL, OrderSide.BUY, Decimal(1), OrderType.MARKET, limit_price=Decimal(1))
    with pytest.raises(InvalidPrice, match="tick"):
        OrderIntent(AAPL, OrderSide.BUY, Decimal(1), OrderType.LIMIT, limit_price=Decimal("1.001"))


def test_trailing_orders_take_exactly_one_trail_and_a_limit_offset_for_trail_limit() -> None:
    with pytest.raises(InvalidOrder, match="exactly one"):
        OrderIntent(AAPL, OrderSide.SELL, Decimal(1), OrderType.TRAIL)
    with pytest.raises(InvalidOrder, match="exactly one"):
        OrderIntent(
            AAPL,
            OrderSide.SELL,
            Decimal(1),
            OrderType.TRAIL,
            trail_amount=Decimal(1),
            trail_percent=Decimal(1),
        )
    with pytest.raises(InvalidOrder, match="between 0 and 100"):
        OrderIntent(AAPL, OrderSide.SELL, Decimal(1), OrderType.TRAIL, trail_percent=Decimal(150))
    with pytest.raises(InvalidOrder, match="limit offset"):
        OrderIntent(
            AAPL, OrderSide.SELL, Decimal(1), OrderType.TRAIL_LIMIT, trail_amount=Decimal(1)
        )
    ok = OrderIntent(
        AAPL,
        OrderSide.SELL,
        Decimal(1),
        OrderType.TRAIL_LIMIT,
        trail_percent=Decimal(2),
        limit_offset=Decimal("0.10"),
    )
    assert ok.trail_percent == 2 and ok.limit_offset == Decimal("0.10")
    with pytest.raises(InvalidOrder, match="not valid for trailing"):
        OrderIntent(
            AAPL,
            OrderSide.SELL,
            Decimal(1),
            OrderType.TRAIL,
            trail_amount=Decimal(1),
            tif=TimeInForce.IOC,
        )


def test_intent_accepts_strings_for_enums_and_quantities() -> None:
    intent = OrderIntent(AAPL, "SELL", "10", "LMT", limit_price=Decimal("10.00"), tif="GTC")  # type: ignore[arg-type]
    assert intent.side is OrderSide.SELL and intent.quantity == 10 and intent.tif is TimeInForce.GTC
    assert intent.signed_quantity == -10
