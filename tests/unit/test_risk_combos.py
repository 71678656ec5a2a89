"""Pre-trade risk of combo orders: valued as one instrument (net notional or max loss, never the
sum of leg notionals), a price band on the net price, and the defined-risk rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hs

from terminal.domain import (
    Combo,
    ComboLeg,
    Instrument,
    InvalidCombo,
    OrderIntent,
    OrderSide,
    OrderType,
    Quote,
    VerdictLevel,
)
from terminal.options.analysis import risk
from terminal.risk.combos import expiry_max_loss, loss_unbounded
from terminal.risk.estimate import estimate_order
from tests.helpers.risk_fakes import Desk

BLOCK, WARN = VerdictLevel.BLOCK, VerdictLevel.WARN
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAR = dt.date(2026, 3, 20)
APR = dt.date(2026, 4, 17)
C150 = Instrument.option("AAPL", MAR, 150, "C")
C160 = Instrument.option("AAPL", MAR, 160, "C")
C150_APR = Instrument.option("AAPL", APR, 150, "C")
#: The 150/160 call vertical: 8.00 and 3.00 mid, so 5.00 net, 11.00 of gross premium.
VERTICAL = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C160, 1, SELL)), "vertical")
#: Sells two 160 calls for one 150: loses without limit above the strikes.
RATIO = Combo((ComboLeg(C150, 1, BUY), ComboLeg(C160, 2, SELL)), "ratio")


@pytest.fixture
def desk() -> Desk:
    desk = Desk()
    desk.quotes.set(Quote(C150.key, bid=7.95, ask=8.05, last=8.0))
    desk.quotes.set(Quote(C160.key, bid=2.95, ask=3.05, last=3.0))
    desk.quotes.set(Quote(C150_APR.key, bid=9.90, ask=10.10))
    return desk


def combo(c: Combo, side: OrderSide, qty: int, price: str | None = None) -> OrderIntent:
    if price is None:
        return OrderIntent.for_combo(c, side, qty, order_type=OrderType.MARKET)
    return OrderIntent.for_combo(c, side, qty, limit_price=price)


def test_a_vertical_is_weighed_at_its_net_notional_not_its_legs(desk: Desk) -> None:
    # 1,001 verticals at 5.00: 500,500 net (and at most that lost); the legs alone would be
    # 800,800 + 300,300 = 1.1 million, above the 1 million limit.
    verdict = desk.check(combo(VERTICAL, BUY, 1_001, "5.00"))
    [reason] = [r for r in verdict.reasons if r.rule == "max_order_notional"]
    assert reason.level is WARN  # over half the limit, not over it
    assert "500,500.00 (the combo's net notional)" in reason.message
    assert desk.reasons(combo(VERTICAL, BUY, 2_001, "5.00"), "max_order_notional")[0].level is BLOCK


def test_a_credit_spread_is_weighed_at_its_max_loss_which_exceeds_its_credit(desk: Desk) -> None:
    # Selling the vertical for 5.00 (buying its reverse at -5.00 is the same trade) receives
    # 5.00 and can lose 10.00 - 5.00 = 5.00 per share; at 1.00 credit it can lose 9.00.
    sold = desk.reasons(combo(VERTICAL, SELL, 600, "1.00"), "max_order_notional")
    [reason] = sold
    assert reason.level is WARN  # max loss 540,000 > 500,000 warning line; net 60,000
    assert "540,000.00 (the combo's max loss; net notional 60,000.00)" in reason.message
    credit = combo(VERTICAL.reversed(), BUY, 600, "-1.00")
    assert [r.message for r in desk.reasons(credit, "max_order_notional")] == [reason.message]
    assert (
        desk.reasons(combo(VERTICAL, SELL, 1_200, "1.00"), "max_order_notional")[0].level is BLOCK
    )


def test_a_market_combo_is_valued_at_the_net_market_it_takes(desk: Desk) -> None:
    # Buying pays 8.05 - 2.95 = 5.10 net; 1,000 of them are 510,000: a WARN.
    [reason] = desk.reasons(combo(VERTICAL, BUY, 1_000), "max_order_notional")
    assert "510,000.00" in reason.message
    desk.quotes.quotes.pop(C160.key)
    [blocked] = desk.reasons(combo(VERTICAL, BUY, 1), "max_order_notional")
    assert blocked.level is BLOCK and "no market price" in blocked.message


def test_undefined_risk_warns_by_default_and_blocks_when_set(desk: Desk) -> None:
    ratio = combo(RATIO, BUY, 1, "2.00")
    [reason] = desk.reasons(ratio, "defined_risk")
    assert reason.level is WARN and "without limit" in reason.message
    assert desk.reasons(combo(VERTICAL, BUY, 1, "5.00"), "defined_risk") == []
    # Selling the ratio buys two calls for one: its loss is bounded, its gain is not.
    assert desk.reasons(combo(RATIO, SELL, 1, "2.00"), "defined_risk") == []
    desk.limits(undefined_risk_combos="block")
    assert [r.level for r in desk.reasons(ratio, "defined_risk")] == [BLOCK]
    assert desk.check(combo(VERTICAL, BUY, 1, "5.00")).level is not BLOCK


def test_loss_unbounded_reads_the_calls_and_stock_a_calendar_included() -> None:
    calendar = Combo((ComboLeg(C150, 1, SELL), ComboLeg(C150_APR, 1, BUY)), "calendar")
    # Bought or sold, one call against one call: far above the strike they move together.
    assert not loss_unbounded(calendar, Decimal(1))
    assert not loss_unbounded(calendar, Decimal(-1))
    naked = Combo(
        (
            ComboLeg(C150, 1, SELL),
            ComboLeg(Instrument.option("AAPL", APR, 140, "P"), 1, BUY),
        ),
        "risk reversal",
    )
    assert loss_unbounded(naked, Decimal(1))
    assert loss_unbounded(RATIO, Decimal(3)) and not loss_unbounded(VERTICAL, Decimal(1))


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (BUY, "5.00", []),  # at the net mid
        (BUY, "7.30", [WARN]),  # 2.30 from the mid: 20.9% of the 11.00 premium
        (BUY, "10.60", [BLOCK]),  # 5.60 through it: over 50% and marketable
        (SELL, "10.60", [WARN]),  # selling far above the mid only rests: never blocked
    ],
)
def test_the_net_price_band_measures_against_the_legs_premium(
    desk: Desk, side: OrderSide, price: str, expected: list[VerdictLevel]
) -> None:
    reasons = desk.reasons(combo(VERTICAL, side, 1, price), "price_band")
    assert [r.level for r in reasons] == expected


def test_a_combo_without_leg_quotes_warns_that_its_price_was_not_checked(desk: Desk) -> None:
    desk.quotes.quotes.pop(C150.key)
    [reason] = desk.reasons(combo(VERTICAL, BUY, 1, "5.00"), "price_band")
    assert reason.level is WARN and "a leg has no two-sided quote" in reason.message


def test_the_estimate_of_a_credit_spread_is_its_max_loss_and_every_legs_commission(
    desk: Desk,
) -> None:
    # Selling 10 verticals for 1.00: 1,000 received, 9,000 at risk; 2 legs × 10 × 0.65.
    estimate = estimate_order(combo(VERTICAL, SELL, 10, "1.00"), desk.quotes)
    assert estimate.notional == Decimal("9000.00")
    assert estimate.commission == Decimal("13.00")
    assert estimate.price == Decimal("1.00") and estimate.price_source == "limit"


@settings(max_examples=150, deadline=None)
@given(
    picks=hs.lists(
        hs.tuples(
            hs.sampled_from([90, 95, 100, 105, 110]),
            hs.sampled_from(["C", "P"]),
            hs.sampled_from([BUY, SELL]),
            hs.integers(1, 3),
        ),
        min_size=2,
        max_size=4,
        unique_by=lambda p: (p[0], p[1]),
    ),
    stock=hs.sampled_from([None, BUY, SELL]),
    cents=hs.integers(-800, 1500),
    quantity=hs.integers(-5, 5).filter(bool),
)
def test_the_checks_max_loss_is_the_payoff_maths_max_loss(
    picks: list[tuple[int, str, OrderSide, int]],
    stock: OrderSide | None,
    cents: int,
    quantity: int,
) -> None:
    legs = [ComboLeg(Instrument.option("XYZ", MAR, k, r), n, side) for k, r, side, n in picks]
    if stock is not None:
        legs.append(ComboLeg(Instrument.stock("XYZ"), 100, stock))
    try:
        combo = Combo(tuple(legs))
    except InvalidCombo:
        assume(False)  # ratios with a common factor: not a combo
    price, signed = Decimal(cents) / 100, Decimal(quantity)
    expected = risk(combo, price, quantity=float(signed)).max_loss
    assert (expected is None) == loss_unbounded(combo, signed)
    if expected is not None:  # the maths says a sure gain as a negative loss; the check, none
        found = float(expiry_max_loss(combo, price, signed))
        assert found == pytest.approx(max(expected, 0.0), abs=1e-6)
