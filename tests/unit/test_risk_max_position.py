"""The position limit counts the orders already working on the same side (issue 14 item 7)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from terminal.domain import Order, OrderIntent, OrderRole, OrderStatus, RiskReason, Verdict
from terminal.domain import VerdictLevel as Level
from tests.helpers.risk_fakes import (
    AAPL,
    MSFT,
    TRADING_MORNING,
    Desk,
    limit_buy,
    limit_sell,
    working,
)


@pytest.fixture
def desk() -> Desk:
    """A desk whose position limit is 100 shares."""
    desk = Desk()
    desk.limits(max_position_quantity=Decimal(100))
    return desk


def position_reasons(
    desk: Desk, intent: OrderIntent, orders: list[Order], oca_group: str | None = None
) -> list[RiskReason]:
    verdict = desk.engine.check(intent, orders, oca_group=oca_group)
    return [r for r in verdict.reasons if r.rule == "max_position"]


def levels(
    desk: Desk, intent: OrderIntent, orders: list[Order], oca_group: str | None = None
) -> list[Level]:
    return [r.level for r in position_reasons(desk, intent, orders, oca_group)]


def in_oca(order: Order, group: str) -> Order:
    return replace(order, oca_group=group, role=OrderRole.OCO_MEMBER)


def test_two_buys_that_each_pass_alone_are_blocked_together(desk: Desk) -> None:
    first = working(limit_buy(60))

    assert levels(desk, limit_buy(60), []) == []
    assert levels(desk, limit_buy(60), [first]) == [Level.BLOCK]
    assert levels(desk, limit_buy(40), [first]) == []  # exactly at the limit


def test_the_reason_names_position_working_quantity_order_and_limit(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 30)
    orders = [working(limit_buy(25)), working(limit_buy(15))]

    [reason] = position_reasons(desk, limit_buy(50), orders)

    assert reason.message == (
        "position in AAPL could reach 120, beyond the limit of 100: position 30, "
        "buy orders working 40, this order 50"
    )


def test_a_partly_filled_order_counts_its_remaining_quantity(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 40)  # the 40 filled are in the position already
    partly = replace(
        working(limit_buy(100)), filled_quantity=Decimal(40), status=OrderStatus.PARTIALLY_FILLED
    )

    assert levels(desk, limit_buy(1), [partly]) == [Level.BLOCK]  # 40 + 60 + 1
    assert levels(desk, limit_buy(1), [replace(partly, filled_quantity=Decimal(41))]) == []


def test_sells_are_counted_symmetrically_for_a_short(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, -50)
    sells = [working(limit_sell(30))]

    assert levels(desk, limit_sell(20), sells) == []
    assert levels(desk, limit_sell(21), sells) == [Level.BLOCK]


def test_a_sell_reducing_a_long_passes_whatever_buys_are_working(desk: Desk) -> None:
    desk.portfolio.hold(AAPL, 90)
    buys = [working(limit_buy(10))]  # 100 projected: at the limit

    assert levels(desk, limit_sell(50), buys) == []
    assert levels(desk, limit_buy(1), buys) == [Level.BLOCK]


def test_orders_on_the_other_side_do_not_add(desk: Desk) -> None:
    sells = [working(limit_sell(80)), working(limit_sell(80))]

    assert levels(desk, limit_buy(100), sells) == []
    assert levels(desk, limit_sell(30), sells) == [Level.BLOCK]  # -190


def test_orders_in_other_instruments_do_not_add(desk: Desk) -> None:
    assert levels(desk, limit_buy(60), [working(limit_buy(60, inst=MSFT))]) == []


def test_oca_siblings_count_once_as_their_largest_member(desk: Desk) -> None:
    siblings = [in_oca(working(limit_buy(50)), "G1"), in_oca(working(limit_buy(70)), "G1")]

    assert levels(desk, limit_buy(30), siblings) == []  # 70 + 30, not 50 + 70 + 30
    assert levels(desk, limit_buy(31), siblings) == [Level.BLOCK]
    other_group = [*siblings, in_oca(working(limit_buy(20)), "G2")]
    assert levels(desk, limit_buy(11), other_group) == [Level.BLOCK]  # 70 + 20 + 11


def test_an_order_joining_an_oca_group_is_weighed_against_its_siblings(desk: Desk) -> None:
    siblings = [in_oca(working(limit_buy(80)), "G1")]

    assert levels(desk, limit_buy(90), siblings, oca_group="G1") == []  # one of 80 or 90
    assert levels(desk, limit_buy(90), siblings) == [Level.BLOCK]  # alone, 80 + 90
    [reason] = position_reasons(desk, limit_buy(101), siblings, oca_group="G1")
    assert reason.message == (
        "position in AAPL could reach 101, beyond the limit of 100: position 0, buy orders "
        "working 80, this order 101 (one-cancels-other with 80 of them: it adds 21)"
    )


def test_bracket_children_add_only_what_their_open_parent_has_filled(desk: Desk) -> None:
    parent = replace(working(limit_buy(100)), role=OrderRole.PARENT, group_id="B")
    take_profit = replace(
        in_oca(working(limit_sell(100, "160.00")), "OCA-B"),
        role=OrderRole.TAKE_PROFIT,
        parent_id=parent.id,
    )
    stop_loss = replace(take_profit, id="SL", role=OrderRole.STOP_LOSS)
    bracket = [parent, take_profit, stop_loss]

    # Nothing filled: the children cannot sell, so a separate short of 100 fits.
    assert levels(desk, limit_sell(100), bracket) == []
    # The parent bought 60: the children sell those 60 (once for both), then the short.
    desk.portfolio.hold(AAPL, 60)
    filling = [replace(parent, filled_quantity=Decimal(60)), take_profit, stop_loss]
    assert levels(desk, limit_sell(100), filling) == []  # 60 - 60 - 100
    assert levels(desk, limit_sell(101), filling) == [Level.BLOCK]


@pytest.mark.parametrize("done", [OrderStatus.FILLED, OrderStatus.CANCELLED])
def test_a_finished_order_stops_counting(desk: Desk, done: OrderStatus) -> None:
    first = working(limit_buy(60))
    finished = first.with_status(done, TRADING_MORNING)

    assert levels(desk, limit_buy(60), [first]) == [Level.BLOCK]
    assert levels(desk, limit_buy(60), [finished]) == []


def test_orders_awaiting_approval_count_unless_their_verdict_blocks(desk: Desk) -> None:
    waiting = working(limit_buy(60), OrderStatus.PENDING_APPROVAL)
    passed = replace(waiting, verdict=Verdict(Level.PASS))
    blocked = replace(waiting, verdict=Verdict.of([RiskReason("test", Level.BLOCK, "test")]))

    assert levels(desk, limit_buy(60), [passed]) == [Level.BLOCK]
    assert levels(desk, limit_buy(60), [blocked]) == []
