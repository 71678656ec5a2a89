"""Position rules that look through a combo to its legs: reduce-only lets a closing combo
through and blocks one that opens or flips a leg; the per-instrument position limit weighs each
leg's contracts, and working combos count on their legs for single orders too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from terminal.domain import (
    Combo,
    ComboLeg,
    Instrument,
    OrderIntent,
    OrderSide,
    Quote,
    VerdictLevel,
)
from tests.helpers.risk_fakes import Desk, limit_buy, limit_sell, working

BLOCK = VerdictLevel.BLOCK
BUY, SELL = OrderSide.BUY, OrderSide.SELL
MAR = dt.date(2026, 3, 20)
P140, P145 = Instrument.option("AAPL", MAR, 140, "P"), Instrument.option("AAPL", MAR, 145, "P")
C155, C160 = Instrument.option("AAPL", MAR, 155, "C"), Instrument.option("AAPL", MAR, 160, "C")
CONDOR = Combo(
    (
        ComboLeg(P140, 1, BUY),
        ComboLeg(P145, 1, SELL),
        ComboLeg(C155, 1, SELL),
        ComboLeg(C160, 1, BUY),
    ),
    "iron condor",
)
VERTICAL = Combo((ComboLeg(C155, 1, BUY), ComboLeg(C160, 1, SELL)), "vertical")


@pytest.fixture
def desk() -> Desk:
    desk = Desk()
    for inst, bid, ask in (
        (P140, 0.95, 1.05),
        (P145, 1.9, 2.1),
        (C155, 2.4, 2.6),
        (C160, 1.2, 1.4),
    ):
        desk.quotes.set(Quote(inst.key, bid=bid, ask=ask))
    return desk


def hold_condors(desk: Desk, units: int) -> None:
    """The legs of ``units`` iron condors bought (as the portfolio holds a filled combo)."""
    for leg in CONDOR.legs:
        desk.portfolio.hold(leg.instrument, units * leg.sign)


def condor(side: OrderSide, units: int, price: str = "-2.20") -> OrderIntent:
    return OrderIntent.for_combo(CONDOR, side, units, limit_price=price)


def blocks(desk: Desk, intent: OrderIntent, rule: str, open_orders: list = ()) -> list[str]:  # type: ignore[assignment,type-arg]
    return [r.message for r in desk.reasons(intent, rule, open_orders) if r.level is BLOCK]


def test_reduce_only_lets_the_closing_combo_through(desk: Desk) -> None:
    hold_condors(desk, 2)
    desk.state.reduce_only("end of day", "alice")
    assert blocks(desk, condor(SELL, 2), "trading_state") == []
    assert blocks(desk, condor(SELL, 1), "trading_state") == []


def test_reduce_only_blocks_a_combo_that_opens_grows_or_flips_a_leg(desk: Desk) -> None:
    hold_condors(desk, 2)
    desk.state.reduce_only("end of day", "alice")
    [grows] = blocks(desk, condor(BUY, 1), "trading_state")
    assert (
        "the combo's leg would take" in grows and "from -2 to -3" in grows
    )  # the short call, listed first
    [flips] = blocks(desk, condor(SELL, 3), "trading_state")
    assert "from -2 to 1" in flips
    # A vertical sharing the call legs reduces one of them but opens nothing the other way:
    # selling it sells C155 (held -2: grows the short) and buys C160 (held +2: grows).
    assert blocks(
        desk, OrderIntent.for_combo(VERTICAL, SELL, 1, limit_price="1.00"), "trading_state"
    )
    # Buying it buys back C155 and sells C160: both reduce.
    assert (
        blocks(desk, OrderIntent.for_combo(VERTICAL, BUY, 1, limit_price="1.00"), "trading_state")
        == []
    )
    desk.portfolio.held.pop(P140.key)  # a leg not held at all is opened by the close
    [opens] = blocks(desk, condor(SELL, 1), "trading_state")
    assert P140.key in opens and "from 0 to -1" in opens


def test_reduce_only_counts_working_combos_on_their_legs(desk: Desk) -> None:
    hold_condors(desk, 1)
    desk.state.reduce_only("end of day", "alice")
    closing = [working(condor(SELL, 1))]
    [twice] = blocks(desk, condor(SELL, 1), "trading_state", closing)
    assert "counting open orders" in twice
    # A single order on a leg counts the working combo's contracts of that leg too.
    [single] = blocks(desk, limit_sell(1, "1.00", P140), "trading_state", closing)
    assert P140.key in single and "counting open orders" in single
    assert blocks(desk, limit_sell(1, "1.00", P140), "trading_state") == []


def test_the_position_limit_weighs_each_leg_against_its_contract(desk: Desk) -> None:
    desk.limits(max_position_quantity=Decimal(10))
    desk.portfolio.hold(C160, -8)
    vertical = OrderIntent.for_combo(VERTICAL, BUY, 3, limit_price="1.20")
    [reason] = blocks(desk, vertical, "max_position")
    assert C160.key in reason and "would be -11" in reason and "a leg of the combo" in reason
    assert (
        blocks(desk, OrderIntent.for_combo(VERTICAL, BUY, 2, limit_price="1.20"), "max_position")
        == []
    )
    # Buying back the short leg (selling the vertical) reduces it: never blocked.
    assert (
        blocks(desk, OrderIntent.for_combo(VERTICAL, SELL, 8, limit_price="1.20"), "max_position")
        == []
    )


def test_working_combos_count_on_their_legs_for_the_position_limit(desk: Desk) -> None:
    desk.limits(max_position_quantity=Decimal(10))
    open_orders = [working(OrderIntent.for_combo(VERTICAL, BUY, 5, limit_price="1.20"))]
    # The working vertical buys 5 C155: five more single ones are the limit, six pass it.
    assert blocks(desk, limit_buy(5, "2.50", C155), "max_position", open_orders) == []
    [single] = blocks(desk, limit_buy(6, "2.50", C155), "max_position", open_orders)
    assert "could reach 11" in single and "orders working 5" in single
    # A second vertical of 6 takes both legs past the limit.
    second = OrderIntent.for_combo(VERTICAL, BUY, 6, limit_price="1.20")
    assert len(blocks(desk, second, "max_position", open_orders)) == 2
