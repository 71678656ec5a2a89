"""IB's "no value" markers never become numbers; broker floats become exact Decimals."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ib_async import util

from terminal.broker.ib.mapping import (
    UNSET_DOUBLE,
    UNSET_INTEGER,
    clean_float,
    clean_price,
    clean_size,
    decimal_or_none,
    finite_or_nan,
    utc_or_none,
)

#: Everything IB (or ib_async) uses to say "no value" in a number field.
SENTINELS = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    UNSET_DOUBLE,
    -UNSET_DOUBLE,
    UNSET_INTEGER,
    float(UNSET_INTEGER),
    -1,
    -1.0,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal(-1),
]
NOT_NUMBERS = ["1.5", "", True, False, object(), [1.0]]


def test_sentinel_constants_are_ib_asyncs() -> None:
    assert UNSET_DOUBLE == util.UNSET_DOUBLE == 1.7976931348623157e308
    assert UNSET_INTEGER == util.UNSET_INTEGER == 2**31 - 1


def _stable_id(value: object) -> str:
    """repr() but without an address, so every test process collects the same test ids."""
    return "object()" if type(value) is object else repr(value)


@pytest.mark.parametrize("value", SENTINELS + NOT_NUMBERS, ids=_stable_id)
def test_no_value_becomes_nan_or_none(value: object) -> None:
    assert math.isnan(clean_float(value))
    assert math.isnan(clean_price(value))
    assert math.isnan(clean_size(value))
    assert decimal_or_none(value) is None


@pytest.mark.parametrize("value", [0, 0.0, -0.01, -5.0, Decimal(0)], ids=repr)
def test_a_quote_price_must_be_positive(value: object) -> None:
    assert math.isnan(clean_price(value))
    assert not math.isnan(clean_float(value))


def test_zero_is_a_real_size_but_negative_is_not() -> None:
    assert clean_size(0) == 0.0
    assert clean_size(250.0) == 250.0
    assert math.isnan(clean_size(-3.0))


def test_finite_or_nan_keeps_minus_one_for_greeks() -> None:
    assert finite_or_nan(-1.0) == -1.0
    assert finite_or_nan(-1) == -1.0
    assert math.isnan(finite_or_nan(UNSET_DOUBLE))
    assert math.isnan(finite_or_nan(None))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (150.1, "150.1"),
        (100.0, "100"),
        (0.3, "0.3"),
        (0.1 + 0.2, "0.30000000000000004"),  # the float really is that: we do not invent digits
        (0.0, "0"),
        (-0.0, "0"),
        (42, "42"),
        (Decimal("1.2500"), "1.25"),
        (1e-05, "0.00001"),
    ],
    ids=repr,
)
def test_decimal_or_none_is_exact_and_tidy(value: object, expected: str) -> None:
    result = decimal_or_none(value)
    assert result is not None
    assert f"{result:f}" == expected


def test_signed_keeps_minus_one_as_a_quantity() -> None:
    assert decimal_or_none(-1.0) is None
    assert decimal_or_none(-1.0, signed=True) == Decimal(-1)
    assert decimal_or_none(UNSET_DOUBLE, signed=True) is None


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(10**7), places=4))
def test_a_float_from_a_decimal_price_comes_back_as_the_same_decimal(price: Decimal) -> None:
    assert decimal_or_none(float(price)) == price


def test_utc_or_none() -> None:
    eastern = dt.timezone(dt.timedelta(hours=-5))
    aware = dt.datetime(2026, 1, 5, 9, 30, tzinfo=eastern)
    converted = utc_or_none(aware)
    assert converted == aware
    assert converted is not None and converted.tzinfo is dt.UTC
    assert utc_or_none(dt.datetime(2026, 1, 5, 14, 30)) == dt.datetime(
        2026, 1, 5, 14, 30, tzinfo=dt.UTC
    )
    assert utc_or_none(util.EPOCH) is None  # ib_async's unset execution time
    assert utc_or_none(None) is None
    assert utc_or_none(dt.date(2026, 1, 5)) is None
