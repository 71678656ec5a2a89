"""Execution metrics per order, against hand-worked values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.analytics.execution import order_execution
from terminal.analytics.records import OrderRecord
from tests.unit.analytics_fixtures import at, fill


def order(**fields: object) -> OrderRecord:
    base: dict[str, object] = {
        "order_id": "O1",
        "instrument": "AAPL",
        "sign": 1,
        "quantity": Decimal(100),
        "order_type": "LMT",
        "source": "ticket",
        "status": "filled",
        "staged_at": at(0),
    }
    base.update(fields)
    return OrderRecord(**base)  # type: ignore[arg-type]


def test_buy_filled_in_two_parts_against_arrival_and_approval() -> None:
    e = order_execution(
        order(
            arrival_price=Decimal("10.00"),
            approval_price=Decimal("10.02"),
            approved_at=at(12),
            acknowledged_at=at(12.5),
            fills=(
                fill("BUY", 60, "10.03", seconds=13, commission="0.60"),
                fill("BUY", 40, "10.05", seconds=15, commission="0.40"),
            ),
        )
    )
    assert e.avg_fill_price == Decimal("10.038") and e.fill_rate == 1
    assert e.commission == Decimal("1.00")
    assert e.vs_arrival is not None and e.vs_approval is not None
    assert (e.vs_arrival.ticks, e.vs_arrival.bps, e.vs_arrival.money) == (
        Decimal("3.8"),
        Decimal("38"),
        Decimal("3.8"),
    )
    assert e.vs_approval.ticks == Decimal("1.8") and e.vs_approval.money == Decimal("1.8")
    assert float(e.vs_approval.bps) == pytest.approx(0.018 / 10.02 * 10_000)
    assert e.approval_delay_cost == Decimal("2.00")  # the mid rose 0.02 while it waited
    assert e.shortfall == Decimal("4.8")
    assert (e.approval_latency, e.ack_latency, e.first_fill_latency, e.fill_duration) == (
        12.0,
        0.5,
        1.0,
        2.0,
    )


def test_partly_filled_sell_counts_a_falling_market_as_cost() -> None:
    e = order_execution(
        order(
            sign=-1,
            quantity=Decimal(10),
            arrival_price=Decimal("20.00"),
            approval_price=Decimal("19.90"),
            fills=(fill("SELL", 4, "19.85"),),
        )
    )
    assert e.fill_rate == Decimal("0.4")
    assert e.vs_arrival is not None and e.vs_arrival.money == Decimal("0.60")
    assert e.approval_delay_cost == Decimal("0.40")


def test_option_slippage_in_ticks_and_money_uses_tick_and_multiplier() -> None:
    e = order_execution(
        order(
            quantity=Decimal(1),
            tick_size=Decimal("0.05"),
            multiplier=Decimal(100),
            arrival_price=Decimal("2.00"),
            fills=(fill("BUY", 1, "2.05", multiplier=100),),
        )
    )
    assert e.vs_arrival is not None
    assert e.vs_arrival.ticks == 1 and e.vs_arrival.money == Decimal(5)


def test_without_recorded_prices_the_costs_are_unknown_not_zero() -> None:
    e = order_execution(order(fills=(fill("BUY", 100, "10"),)))
    assert e.vs_arrival is None and e.vs_approval is None
    assert e.approval_delay_cost is None and e.shortfall is None
    assert e.approval_latency is None and e.fill_rate == 1


def test_unfilled_order_has_no_average_price_and_zero_fill_rate() -> None:
    e = order_execution(order(arrival_price=Decimal(10), approved_at=at(3)))
    assert e.avg_fill_price is None and e.fill_rate == 0 and e.vs_arrival is None
    assert e.approval_latency == 3.0 and e.first_fill_latency is None


def test_slippage_money_is_exact_when_the_average_price_is_not() -> None:
    # Average 10.0033...: money from the exact fill value, 0.01 x 1 x 100 = 1, not 0.99999...
    e = order_execution(
        order(
            quantity=Decimal(3),
            multiplier=Decimal(100),
            arrival_price=Decimal("10.00"),
            approval_price=Decimal("10.01"),
            fills=(
                fill("BUY", 1, "10.00", seconds=1),
                fill("BUY", 1, "10.00", seconds=2),
                fill("BUY", 1, "10.01", seconds=3),
            ),
        )
    )
    assert e.vs_arrival is not None and e.vs_approval is not None
    assert e.vs_arrival.money == Decimal(1) and e.shortfall == Decimal(1)
    assert e.vs_approval.money == Decimal(-2)  # 2 units 0.01 below the approval mid
    assert e.fill_duration == 2.0
