"""Portfolio Greeks by underlying, and the pre-trade limits on delta and vega per underlying."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest

from terminal.domain import (
    Combo,
    ComboLeg,
    Greeks,
    Instrument,
    OptionQuote,
    OrderIntent,
    OrderSide,
    Quote,
    VerdictLevel,
)
from terminal.risk.greeks import GreeksSource
from tests.helpers.risk_fakes import MSFT, Desk, FakeOptionQuotes, FakeQuotes, limit_buy, limit_sell

BLOCK, WARN = VerdictLevel.BLOCK, VerdictLevel.WARN
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAR = dt.date(2026, 3, 20)
AAPL = Instrument.stock("AAPL")
C150 = Instrument.option("AAPL", MAR, 150, "C")
C160 = Instrument.option("AAPL", MAR, 160, "C")
#: Per share: delta 0.60, gamma 0.02, theta -0.05 a day, vega 0.30 per vol point.
C150_GREEKS = Greeks(delta=0.6, gamma=0.02, theta=-0.05, vega=0.3, rho=0.1)
C160_GREEKS = Greeks(delta=0.3, gamma=0.015, theta=-0.04, vega=0.25, rho=0.05)


@pytest.fixture
def desk() -> Desk:
    desk = Desk()
    desk.option_quotes.set(OptionQuote(C150.key, 7.95, 8.05, greeks=C150_GREEKS, iv=0.25))
    desk.option_quotes.set(OptionQuote(C160.key, 2.95, 3.05, greeks=C160_GREEKS, iv=0.24))
    return desk


def by_underlying(desk: Desk) -> dict[str, tuple[float, float, float, float, tuple[str, ...]]]:
    return {
        g.underlying: (g.delta, g.gamma, g.vega, g.theta, g.missing)
        for g in desk.engine.portfolio_greeks()
    }


def test_a_long_call_hedged_with_short_stock_sums_to_the_hand_computed_greeks(desk: Desk) -> None:
    desk.portfolio.hold(C150, 2, "8.00")
    desk.portfolio.hold(AAPL, -120, "150")
    desk.portfolio.hold(MSFT, 50, "400")

    greeks = by_underlying(desk)

    # 2 calls × 100: delta 0.6 × 200 = 120 shares, hedged by -120 shares: flat. Gamma 0.02 ×
    # 200 = 4, vega 0.30 × 200 = 60 a vol point, theta -0.05 × 200 = -10 a day; stock adds none.
    assert greeks["AAPL"][:4] == pytest.approx((0.0, 4.0, 60.0, -10.0))
    assert greeks["MSFT"][:4] == pytest.approx((50.0, 0.0, 0.0, 0.0))
    assert greeks["AAPL"][4] == greeks["MSFT"][4] == ()
    assert list(greeks) == ["AAPL", "MSFT"]


def test_without_the_feeds_greeks_black_scholes_at_the_implied_vol_gives_textbook_values() -> None:
    # S = K = 100, one year, r = 0, vol 20%: d1 = 0.1, so delta N(0.1) = 0.53983, gamma
    # phi(0.1) / (100 × 0.2) = 0.019848, vega 100 × phi(0.1) / 100 = 0.39695 a point, theta
    # -100 × phi(0.1) × 0.2 / 2 / 365 = -0.010875 a day (per share; × 100 per contract).
    expiry = dt.date(2027, 3, 19)
    now = dt.datetime(2026, 3, 19, 21, 0, tzinfo=dt.UTC)  # 365 days to the 21:00 UTC close
    call = Instrument.option("XYZ", expiry, 100, "C")
    options = FakeOptionQuotes()
    options.set(OptionQuote(call.key, iv=0.2, underlying_price=100.0))  # no Greeks from the feed
    source = GreeksSource(FakeQuotes(), options, rate=0.0)

    unit = source.per_unit(call, now)

    assert unit is not None
    assert (unit.delta, unit.gamma, unit.vega, unit.theta) == pytest.approx(
        (53.983, 1.9848, 39.695, -1.0875), rel=1e-3
    )
    # The implied vol solved from the option's mid when the feed has none gives the same.
    price = 100 * (2 * 0.539828 - 1)  # S (2 N(d1) - 1) at K = S, r = 0
    solved = GreeksSource(
        FakeQuotes(Quote(call.key, bid=price, ask=price), Quote("XYZ", last=100.0)), rate=0.0
    )
    unit = solved.per_unit(call, now)
    assert unit is not None and unit.delta == pytest.approx(53.983, rel=1e-3)


def test_an_option_without_quote_or_vol_is_named_missing_not_counted_as_zero(desk: Desk) -> None:
    lonely = Instrument.option("AAPL", MAR, 170, "C")
    desk.portfolio.hold(lonely, 5)
    desk.portfolio.hold(AAPL, 10)

    (delta, _, _, _, missing) = by_underlying(desk)["AAPL"]

    assert (delta, missing) == (10.0, (lonely.key,))
    reasons = desk.reasons(limit_buy(1), "greeks_limits")
    assert [r.level for r in reasons] == [WARN]
    assert lonely.key in reasons[0].message


def test_a_stock_order_past_the_delta_limit_warns_by_default_and_blocks_when_set(
    desk: Desk,
) -> None:
    desk.limits(max_delta_shares=Decimal(300))
    desk.portfolio.hold(C150, 2, "8.00")  # 120 shares of delta

    (reason,) = desk.reasons(limit_buy(200), "max_delta")
    assert reason.level is WARN
    assert reason.message == (
        "delta of AAPL would be 320 shares, beyond the limit of 300: now 120, this order +200"
    )
    assert desk.reasons(limit_buy(180), "max_delta") == []  # 300 is on the limit, not past it

    desk.limits(max_delta_shares=Decimal(300), delta_limit_level="block")
    assert [r.level for r in desk.reasons(limit_buy(200), "max_delta")] == [BLOCK]
    assert desk.check(limit_buy(200)).level is BLOCK


def test_an_order_that_brings_delta_towards_zero_passes_even_beyond_the_limit(desk: Desk) -> None:
    desk.limits(max_delta_shares=Decimal(100), delta_limit_level="block")
    desk.portfolio.hold(C150, 5, "8.00")  # 300 shares of delta, already past 100

    assert desk.reasons(limit_sell(150), "max_delta") == []  # hedges to 150
    assert [r.level for r in desk.reasons(limit_sell(800), "max_delta")] == [BLOCK]  # -500


def test_an_option_order_past_the_vega_limit_blocks_when_set(desk: Desk) -> None:
    desk.limits(max_vega=Decimal(1_000), vega_limit_level="block")
    desk.portfolio.hold(C150, 20, "8.00")  # vega 0.30 × 2,000 = 600

    buy_calls = OrderIntent(C160, BUY, Decimal(20), limit_price=Decimal("3.00"))
    (reason,) = desk.reasons(buy_calls, "max_vega")

    # 0.25 × 20 × 100 = 500 more: 1,100 a vol point.
    assert reason.level is BLOCK
    assert reason.message == (
        "vega of AAPL would be 1,100 per vol point, beyond the limit of 1,000: now 600, "
        "this order +500"
    )
    assert desk.reasons(buy_calls, "max_delta") == []  # 600 + 600 shares, within 50,000


def test_a_combo_counts_through_its_legs(desk: Desk) -> None:
    # One 150/160 call vertical: delta (0.6 - 0.3) × 100 = 30, vega (0.30 - 0.25) × 100 = 5.
    vertical = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C160, 1, SELL)), "vertical")
    desk.limits(max_delta_shares=Decimal(2_990), delta_limit_level="block")

    (reason,) = desk.reasons(
        OrderIntent.for_combo(vertical, BUY, 100, limit_price="5.00"), "max_delta"
    )

    assert reason.message.startswith("delta of AAPL would be 3,000 shares")
    assert (
        desk.reasons(OrderIntent.for_combo(vertical, BUY, 99, limit_price="5.00"), "max_delta")
        == []
    )
    # Sold, the vertical is short delta: -3,000 is past the limit as well.
    sold = desk.reasons(OrderIntent.for_combo(vertical, SELL, 100, limit_price="5.00"), "max_delta")
    assert [r.level for r in sold] == [BLOCK]
    assert "this order -3,000" in sold[0].message


def test_feed_greeks_that_are_not_finite_fall_back_to_black_scholes(desk: Desk) -> None:
    partial = Greeks(delta=0.5)  # gamma, theta, vega NaN: the feed's set is incomplete
    desk.option_quotes.set(
        OptionQuote(C150.key, 7.95, 8.05, iv=0.25, greeks=partial, underlying_price=150.0)
    )
    desk.portfolio.hold(C150, 1, "8.00")

    (delta, gamma, vega, theta, missing) = by_underlying(desk)["AAPL"]

    assert missing == ()
    assert all(math.isfinite(v) for v in (delta, gamma, vega, theta))
    assert 40 < delta < 70 and gamma > 0 and vega > 0 and theta < 0  # a near-the-money call


def test_black_scholes_greeks_follow_a_new_quote_of_the_underlying() -> None:
    now = dt.datetime(2026, 3, 19, 21, 0, tzinfo=dt.UTC)
    call = Instrument.option("XYZ", dt.date(2027, 3, 19), 100, "C")
    quotes = FakeQuotes(Quote(call.key, bid=7.9, ask=8.1), Quote("XYZ", last=100.0))
    source = GreeksSource(quotes, rate=0.0)
    first = source.per_unit(call, now)

    quotes.set(Quote("XYZ", last=104.0))  # the call's own quote has not moved yet
    moved = source.per_unit(call, now)

    assert first is not None and moved is not None
    assert moved.delta > first.delta  # solved again at the new spot, not the answer kept
    assert source.per_unit(call, now + dt.timedelta(seconds=1)) == moved  # same quotes: reused
