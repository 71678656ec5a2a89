"""Kill switch, re-arm and flatten-all at the order manager."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from terminal.domain import OrderSide, OrderStatus, OrderType, Position
from terminal.oms.errors import OrderError, TradingHalted
from terminal.risk.state import TradingState
from tests.unit.oms_setup import AAPL, buy, make_desk, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def test_trip_halts_withdraws_pending_and_cancels_everything_at_broker() -> None:
    desk = await make_desk()
    working = desk.orders.stage(buy())
    await desk.orders.approve(working.id)
    await until_status(desk, working.id, S.ACCEPTED)
    pending = desk.orders.stage(buy(50, "149.00"))
    report = await desk.kill.trip("runaway algo", by="alice")
    assert desk.state.state is TradingState.HALTED
    assert (
        report.ok and report.withdrawn == (pending.id,) and report.cancel_requested == (working.id,)
    )
    assert desk.broker.cancel_all_calls == 1
    assert desk.orders.get(pending.id).status is S.CANCELLED
    assert desk.orders.get(working.id).status is S.CANCEL_REQUESTED
    await until_status(desk, working.id, S.CANCELLED)
    assert "kill_switch" in desk.audit.actions("trading")


async def test_trip_when_broker_unreachable_still_halts_and_reports(
    logged_errors: list[logging.LogRecord],
) -> None:
    desk = await make_desk()
    await desk.broker.disconnect()
    report = await desk.kill.trip("connection flapping")
    assert desk.state.state is TradingState.HALTED
    assert not report.ok and "not connected" in (report.broker_error or "")
    assert "kill_switch_cancel_failed" in desk.audit.actions("trading")
    assert [r.getMessage() for r in logged_errors] == [
        "kill switch: broker-wide cancel failed: fake broker is not connected"
    ]


async def test_rearm_needs_a_reason_and_then_allows_trading() -> None:
    desk = await make_desk()
    await desk.kill.trip("test")
    with pytest.raises(OrderError, match="reason"):
        desk.kill.rearm("  ")
    assert desk.state.state is TradingState.HALTED
    desk.kill.rearm("checked positions with risk desk")
    assert desk.state.state is TradingState.ACTIVE
    assert desk.orders.stage(buy()).status is S.PENDING_APPROVAL
    assert desk.audit.actions("trading")[-1] == "rearm"


async def test_flatten_all_stages_closing_orders_for_approval_only() -> None:
    desk = await make_desk()
    positions = [
        Position(AAPL, Decimal(300), Decimal(150)),
        Position(AAPL.__class__.stock("MSFT"), Decimal(-20), Decimal(400)),
        Position(AAPL.__class__.stock("NVDA"), Decimal(0), Decimal(0)),
    ]
    report = desk.kill.flatten_all(positions)
    assert len(report.staged) == 2
    staged = [desk.orders.get(i) for i in report.staged]
    assert [(o.key, o.intent.side, o.intent.quantity, o.intent.order_type) for o in staged] == [
        ("AAPL", OrderSide.SELL, Decimal(300), OrderType.MARKET),
        ("MSFT", OrderSide.BUY, Decimal(20), OrderType.MARKET),
    ]
    assert all(o.status is S.PENDING_APPROVAL for o in staged)
    assert desk.broker.placed == []


async def test_flatten_is_allowed_to_stage_while_halted_but_normal_orders_are_not() -> None:
    desk = await make_desk()
    await desk.kill.trip("test")
    report = desk.kill.flatten_all([Position(AAPL, Decimal(10), Decimal(150))])
    assert len(report.staged) == 1
    with pytest.raises(TradingHalted):
        desk.orders.stage(buy())
