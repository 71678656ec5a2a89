"""Grouped positions: leg positions put back together into the combos they were traded as."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from terminal.domain import (
    Combo,
    ComboLeg,
    Fill,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
)
from terminal.portfolio.strategies import group_positions

DEC = dt.date(2026, 12, 18)
BUY, SELL = OrderSide.BUY, OrderSide.SELL
P480, P490 = Instrument.option("SPY", DEC, 480, "P"), Instrument.option("SPY", DEC, 490, "P")
C510, C520 = Instrument.option("SPY", DEC, 510, "C"), Instrument.option("SPY", DEC, 520, "C")
CONDOR = Combo(
    (
        ComboLeg(P480, 1, BUY),
        ComboLeg(P490, 1, SELL),
        ComboLeg(C510, 1, SELL),
        ComboLeg(C520, 1, BUY),
    ),
    "iron condor",
)
VERTICAL = Combo((ComboLeg(C510, 1, BUY), ComboLeg(C520, 1, SELL)), "vertical")
T0 = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)


def filled(order_id: str, combo: Combo, side: OrderSide, units: int, minutes: int = 0) -> Order:
    intent = OrderIntent.for_combo(combo, side, units, order_type=OrderType.MARKET)
    at = T0 + dt.timedelta(minutes=minutes)
    return Order(order_id, intent, OrderStatus.FILLED, at, at, filled_quantity=Decimal(units))


def held(inst: Instrument, *fills: tuple[OrderSide, int, str]) -> Position:
    position = Position(inst)
    for n, (side, qty, price) in enumerate(fills):
        fill = Fill(
            f"E{inst.key}{n}", "O", inst, side, Decimal(qty), Decimal(price), Decimal(0), T0
        )
        position = position.apply(fill)
    return position


def test_an_iron_condor_bought_as_one_order_is_one_strategy_of_its_four_legs() -> None:
    positions = [
        held(P480, (BUY, 2, "1.00")),
        held(P490, (SELL, 2, "2.00")),
        held(C510, (SELL, 2, "2.50")),
        held(C520, (BUY, 2, "1.30")),
    ]
    grouping = group_positions([filled("O1", CONDOR, BUY, 2)], positions)
    (strategy,) = grouping.strategies
    assert strategy.key == CONDOR.key and strategy.units == 2
    assert {leg.key: leg.position.quantity for leg in strategy.legs} == {
        P480.key: 2,
        P490.key: -2,
        C510.key: -2,
        C520.key: 2,
    }
    assert strategy.net_cost() == Decimal("-2.20")  # a credit
    assert all(q == 0 for q in grouping.residual.values())
    marks = {
        P480.key: Decimal("0.50"),
        P490.key: Decimal("1.00"),
        C510.key: Decimal("2.00"),
        C520.key: Decimal("1.00"),
    }
    # Legs: 2×(0.50−1.00)×100 − 2×(1.00−2.00)×100 − 2×(2.00−2.50)×100 + 2×(1.00−1.30)×100
    assert strategy.unrealized_pnl(marks) == Decimal("-100") + 200 + 100 - 60
    assert strategy.net_mark(marks) == Decimal("-1.50")


def test_a_vertical_partly_closed_by_a_single_leg_order_keeps_the_units_its_legs_still_hold() -> (
    None
):
    positions = [
        held(C510, (BUY, 3, "4.00"), (SELL, 1, "5.00")),  # one long leg sold on its own
        held(C520, (SELL, 3, "1.00")),
    ]
    grouping = group_positions([filled("O1", VERTICAL, BUY, 3)], positions)
    (strategy,) = grouping.strategies
    assert strategy.units == 2
    assert {leg.key: leg.position.quantity for leg in strategy.legs} == {C510.key: 2, C520.key: -2}
    assert grouping.residual == {C510.key: 0, C520.key: -1}  # the extra short call stays single


def test_a_closing_combo_order_takes_its_units_off_and_legs_closed_one_by_one_end_the_group() -> (
    None
):
    positions = [held(C510, (BUY, 1, "4.00")), held(C520, (SELL, 1, "1.00"))]
    orders = [filled("O1", VERTICAL, BUY, 2), filled("O2", VERTICAL, SELL, 1, minutes=5)]
    (strategy,) = group_positions(orders, positions).strategies
    assert strategy.units == 1 and strategy.order_ids == ("O1", "O2")
    # Both legs closed individually: nothing left to group, whatever the orders said.
    assert group_positions(orders, [Position(C510), Position(C520)]).strategies == ()
    # A leg held the other way does not make a strategy either.
    flipped = [held(C510, (SELL, 1, "4.00")), held(C520, (SELL, 1, "1.00"))]
    assert group_positions(orders, flipped).strategies == ()


def test_the_reversed_combo_counts_against_the_combo_seen_first_and_a_sold_combo_closes_by_buying() -> (
    None
):
    positions = [held(C510, (SELL, 2, "4.00")), held(C520, (BUY, 2, "1.00"))]
    orders = [filled("O1", VERTICAL, SELL, 1), filled("O2", VERTICAL.reversed(), BUY, 1, minutes=1)]
    (strategy,) = group_positions(orders, positions).strategies
    assert strategy.combo == VERTICAL and strategy.units == -2
    intent = strategy.closing_intent(source="test")
    assert intent.combo == VERTICAL and intent.side is BUY and intent.quantity == 2
    assert intent.order_type is OrderType.MARKET


def test_two_strategies_sharing_a_contract_never_claim_the_same_contracts() -> None:
    positions = [
        held(P480, (BUY, 1, "1.00")),
        held(P490, (SELL, 1, "2.00")),
        held(C510, (SELL, 1, "2.50")),
        held(C520, (BUY, 1, "1.30")),
    ]
    orders = [filled("O1", CONDOR, BUY, 1), filled("O2", VERTICAL, BUY, 1, minutes=1)]
    grouping = group_positions(orders, positions)
    assert [s.key for s in grouping.strategies] == [CONDOR.key]  # the vertical's C510 is sold
