"""Combo payoff, max profit/loss, break-evens and net Greeks against hand-computed values."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as hs

from terminal.domain import (
    Combo,
    ComboLeg,
    Greeks,
    Instrument,
    OptionChainParams,
    OptionQuote,
    OrderSide,
)
from terminal.options import analysis as an
from terminal.options import strategies as st
from terminal.options.pricing import black_scholes

JAN, FEB = dt.date(2026, 1, 16), dt.date(2026, 2, 20)
CHAIN = OptionChainParams("XYZ", (JAN, FEB), tuple(float(k) for k in range(50, 155, 5)))
BUY, SELL = OrderSide.BUY, OrderSide.SELL
#: One year before JAN's close (21:00 UTC), so that the textbook examples use T = 1.
YEAR_BEFORE = dt.datetime(2025, 1, 16, 21, 0, tzinfo=dt.UTC)


def opt(strike: float, right: str, expiry: dt.date = JAN) -> Instrument:
    return Instrument.option("XYZ", expiry, Decimal(repr(strike)), right)


def test_call_vertical_bought_for_four() -> None:
    vertical = st.vertical(CHAIN, JAN, 100, "C", width=2)  # 100/110
    result = an.risk(vertical, Decimal("4.00"))
    assert (result.max_profit, result.max_loss, result.break_evens) == (600.0, 400.0, (104.0,))
    assert result.exact and result.defined_risk
    payoff = an.expiry_payoff(vertical, Decimal("4.00"), [90.0, 104.0, 107.0, 130.0])
    assert payoff.tolist() == pytest.approx([-400.0, 0.0, 300.0, 600.0])
    three = an.risk(vertical, Decimal("4.00"), quantity=3)
    assert (three.max_profit, three.max_loss) == (1800.0, 1200.0)


def test_short_iron_condor_for_a_credit() -> None:
    condor = st.iron_condor(CHAIN, JAN, 100)  # +90P -95P -105C +110C
    result = an.risk(condor, Decimal("-2.00"))  # bought at a credit of 2.00
    assert result.max_profit == pytest.approx(200.0)
    assert result.max_loss == pytest.approx(300.0)  # 5 wide less the 2 collected
    assert result.break_evens == pytest.approx((93.0, 107.0))
    assert an.expiry_payoff(condor, Decimal("-2.00"), [100.0, 80.0, 120.0]).tolist() == (
        pytest.approx([200.0, -300.0, -300.0])
    )


def test_long_straddle_has_unbounded_profit_and_short_one_unbounded_loss() -> None:
    straddle = st.straddle(CHAIN, JAN, 100)
    long = an.risk(straddle, Decimal("6.00"))
    assert long.max_profit is None
    assert long.max_loss == pytest.approx(600.0)
    assert long.break_evens == pytest.approx((94.0, 106.0))
    short = an.risk(straddle, Decimal("6.00"), quantity=-1)
    assert short.max_loss is None and not short.defined_risk
    assert short.max_profit == pytest.approx(600.0)


def test_call_ratio_spread_loses_without_limit_above_the_short_strike() -> None:
    ratio = Combo((ComboLeg(opt(100, "C"), 1, BUY), ComboLeg(opt(110, "C"), 2, SELL)))
    result = an.risk(ratio, Decimal("1.00"))
    assert result.max_loss is None
    assert result.max_profit == pytest.approx(900.0)  # at 110: 10 intrinsic less 1 paid
    assert result.break_evens == pytest.approx((101.0, 119.0))


def test_put_butterfly() -> None:
    fly = st.butterfly(CHAIN, JAN, 100, "P", width=2)  # 90/100/110
    result = an.risk(fly, Decimal("3.00"))
    assert (result.max_profit, result.max_loss) == (pytest.approx(700.0), pytest.approx(300.0))
    assert result.break_evens == pytest.approx((93.0, 107.0))


def test_buy_write_stock_leg_counts_one_hundred_shares() -> None:
    buy_write = Combo(
        (ComboLeg(Instrument.stock("XYZ"), 100, BUY), ComboLeg(opt(105, "C"), 1, SELL))
    )
    result = an.risk(buy_write, Decimal("98.00"))  # stock at 100, call sold for 2
    assert result.max_profit == pytest.approx(700.0)
    assert result.max_loss == pytest.approx(9800.0)  # the stock goes to zero
    assert result.break_evens == pytest.approx((98.0,))


def test_calendar_payoff_values_the_far_leg_by_black_scholes() -> None:
    cal = st.calendar(CHAIN, JAN, FEB, 100, "C")
    result = an.risk(cal, Decimal("1.50"), vols=0.25)
    assert not result.exact
    far_at_strike = black_scholes(100.0, 100.0, 35 / 365, 0.0, 0.25, True).price[()]
    assert result.max_profit == pytest.approx((far_at_strike - 1.50) * 100, rel=1e-3)
    assert result.max_loss == pytest.approx(150.0, rel=1e-6)
    low, high = result.break_evens
    payoff = an.expiry_payoff(cal, Decimal("1.50"), [low, high], vols=0.25)
    assert payoff.tolist() == pytest.approx([0.0, 0.0], abs=0.5)
    with pytest.raises(ValueError, match="need a volatility"):
        an.expiry_payoff(cal, Decimal("1.50"), [100.0])


def test_value_today_is_the_textbook_straddle_less_its_cost() -> None:
    straddle = st.straddle(CHAIN, JAN, 100)
    now = YEAR_BEFORE
    value = an.value_today(straddle, Decimal("16.00"), [100.0], now=now, vols=0.2, rate=0.05)
    call, put = 10.4506, 10.4506 - 100 + 100 * math.exp(-0.05)  # Hull; put-call parity
    assert value[0] == pytest.approx((call + put - 16.00) * 100, abs=0.1)


def test_value_today_meets_the_expiry_payoff_at_the_close() -> None:
    vertical = st.vertical(CHAIN, JAN, 100, "C", width=2)
    close = dt.datetime(2026, 1, 16, 21, 0, tzinfo=dt.UTC)
    spots = np.array([80.0, 95.0, 105.0, 125.0])
    today = an.value_today(vertical, Decimal("4.00"), spots, now=close, vols=0.3)
    assert today == pytest.approx(an.expiry_payoff(vertical, Decimal("4.00"), spots), abs=1e-6)


def test_net_greeks_of_a_straddle_sum_the_legs_times_the_multiplier() -> None:
    straddle = st.straddle(CHAIN, JAN, 100)
    g = an.net_greeks(straddle, 100.0, now=YEAR_BEFORE, vols=0.2, rate=0.05, quantity=2)
    call = black_scholes(100.0, 100.0, 1.0, 0.05, 0.2, True)
    assert g.delta == pytest.approx((0.6368 + 0.6368 - 1) * 100 * 2, abs=0.1)
    assert g.gamma == pytest.approx(2 * call.gamma[()] * 100 * 2)
    assert g.vega == pytest.approx(2 * call.vega[()] * 100 * 2)


def test_net_greeks_agree_with_the_change_in_todays_value() -> None:
    fly = st.butterfly(CHAIN, JAN, 100, "C")
    now = dt.datetime(2025, 12, 1, 15, 0, tzinfo=dt.UTC)
    vols = {leg.instrument.key: v for leg, v in zip(fly.legs, (0.30, 0.27, 0.25), strict=True)}
    h = 0.01

    def value(spot: float, at: dt.datetime = now) -> float:
        return float(an.value_today(fly, Decimal("1.00"), [spot], now=at, vols=vols)[0])

    g = an.net_greeks(fly, 101.0, now=now, vols=vols)
    assert g.delta == pytest.approx((value(101 + h) - value(101 - h)) / (2 * h), rel=1e-3)
    assert g.gamma == pytest.approx(
        (value(101 + h) - 2 * value(101) + value(101 - h)) / h**2, rel=1e-2
    )
    day = value(101, now + dt.timedelta(days=1)) - value(101)
    assert g.theta == pytest.approx(day, rel=5e-2)


def test_net_greeks_from_the_feed_weigh_ratios_and_a_stock_leg() -> None:
    fly = st.butterfly(CHAIN, JAN, 100, "C")
    deltas = dict(zip((leg.instrument.key for leg in fly.legs), (0.8, 0.5, 0.3), strict=True))
    quotes = {k: OptionQuote(k, greeks=Greeks(d, 0.01, -0.02, 0.1, 0.0)) for k, d in deltas.items()}
    assert an.net_greeks_from_quotes(fly, quotes).delta == pytest.approx(10.0)  # (.8-1+.3)×100
    assert an.net_greeks_from_quotes(fly, quotes).gamma == pytest.approx(0.0)
    del quotes[fly.legs[0].instrument.key]
    assert math.isnan(an.net_greeks_from_quotes(fly, quotes).delta)
    covered = Combo((ComboLeg(Instrument.stock("XYZ"), 100, BUY), ComboLeg(opt(105, "C"), 1, SELL)))
    call = {opt(105, "C").key: OptionQuote(opt(105, "C").key, greeks=Greeks(0.4, 0, 0, 0, 0))}
    assert an.net_greeks_from_quotes(covered, call).delta == pytest.approx(60.0)
    assert an.net_greeks(covered, 100.0, now=YEAR_BEFORE, vols=0.2).delta < 100


def test_a_leg_without_a_volatility_is_named() -> None:
    vertical = st.vertical(CHAIN, JAN, 100, "C")
    with pytest.raises(ValueError, match="XYZ 20260116 C 105: no usable volatility"):
        an.net_greeks(vertical, 100.0, now=YEAR_BEFORE, vols={opt(100, "C").key: 0.2})


# -- properties ---------------------------------------------------------------------------

STRIKES = [float(k) for k in range(70, 135, 5)]
leg_specs = hs.lists(
    hs.tuples(hs.sampled_from(STRIKES), hs.sampled_from("CP"), hs.booleans(), hs.integers(1, 3)),
    min_size=2,
    max_size=4,
    unique_by=lambda t: (t[0], t[1]),
)


def build(specs: list[tuple[float, str, bool, int]]) -> Combo:
    ratios = [r for *_, r in specs]
    assume(math.gcd(*ratios) == 1)
    return Combo(tuple(ComboLeg(opt(k, r), n, BUY if b else SELL) for k, r, b, n in specs))


def leg_payoff(strike: float, right: str, bought: bool, ratio: int, spot: float) -> float:
    intrinsic = max(spot - strike, 0.0) if right == "C" else max(strike - spot, 0.0)
    return (1 if bought else -1) * ratio * 100 * intrinsic


@given(leg_specs, hs.floats(-20, 20), hs.floats(0, 250))
def test_combo_payoff_at_expiry_is_the_sum_of_its_legs(
    specs: list[tuple[float, str, bool, int]], net: float, spot: float
) -> None:
    combo = build(specs)
    expected = sum(leg_payoff(*spec, spot) for spec in specs) - net * 100
    assert an.expiry_payoff(combo, net, [spot])[0] == pytest.approx(expected, abs=1e-6)


@given(leg_specs, hs.floats(-20, 20))
def test_no_price_loses_more_than_max_loss_or_makes_more_than_max_profit(
    specs: list[tuple[float, str, bool, int]], net: float
) -> None:
    combo = build(specs)
    result = an.risk(combo, net)
    grid = np.linspace(0.0, 400.0, 8001)
    payoff = an.expiry_payoff(combo, net, grid)
    if result.max_loss is not None:
        assert -payoff.min() <= result.max_loss + 1e-6
    else:
        assert payoff[-1] < payoff[-2]  # losing more the higher the price
    if result.max_profit is not None:
        assert payoff.max() <= result.max_profit + 1e-6
    scale = max(1.0, float(np.abs(payoff).max()))  # a cent in a million is nought
    for price in result.break_evens:
        assert an.expiry_payoff(combo, net, [price])[0] == pytest.approx(0.0, abs=1e-8 * scale)
