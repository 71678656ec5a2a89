"""The order path: stage -> verdict -> human approval -> broker -> lifecycle."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.broker.base import NotConnected
from terminal.domain import OrderStatus, VerdictLevel
from terminal.oms.errors import ApprovalRefused, SubmissionFailed, TradingHalted, UnknownOrder
from tests.unit.oms_setup import buy, make_desk, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def test_staged_order_waits_for_approval_and_reaches_no_broker() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    assert order.status is S.PENDING_APPROVAL
    assert desk.orders.pending_approvals() == [order]
    assert desk.broker.placed == []
    assert desk.audit.actions(order.id) == ["stage", "verdict"]
    assert desk.journal.orders[order.id].status is S.PENDING_APPROVAL


async def test_approve_sends_once_and_follows_broker_acknowledgement() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    approved = await desk.orders.approve(order.id)
    assert approved.status is S.SUBMITTED
    assert approved.approved_by == "alice"
    assert [o.id for o in desk.broker.placed] == [order.id]
    await until_status(desk, order.id, S.ACCEPTED)
    assert desk.orders.pending_approvals() == []
    assert desk.audit.actions(order.id) == [
        "stage",
        "verdict",
        "approve",
        "submit",
        "order_accepted",
    ]


async def test_double_approval_sends_one_order() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    results = await asyncio.gather(
        desk.orders.approve(order.id), desk.orders.approve(order.id), return_exceptions=True
    )
    assert sum(isinstance(r, ApprovalRefused) for r in results) == 1
    assert len(desk.broker.placed) == 1
    assert "approve_refused" in desk.audit.actions(order.id)


async def test_block_verdict_cannot_be_approved_even_with_override() -> None:
    desk = await make_desk()
    desk.risk.set(VerdictLevel.BLOCK, "order notional above limit")
    order = desk.orders.stage(buy())
    assert order.verdict is not None and order.verdict.level is VerdictLevel.BLOCK
    with pytest.raises(ApprovalRefused, match="notional above limit"):
        await desk.orders.approve(order.id, override_reason="I know better")
    assert desk.broker.placed == []
    assert desk.orders.get(order.id).status is S.PENDING_APPROVAL
    assert desk.audit.actions(order.id)[-1] == "approve_refused"


async def test_warn_verdict_needs_an_override_reason() -> None:
    desk = await make_desk()
    desk.risk.set(VerdictLevel.WARN, "price 4% from last")
    order = desk.orders.stage(buy())
    with pytest.raises(ApprovalRefused, match="override reason"):
        await desk.orders.approve(order.id)
    with pytest.raises(ApprovalRefused):
        await desk.orders.approve(order.id, override_reason="   ")
    assert desk.broker.placed == []
    approved = await desk.orders.approve(order.id, override_reason="news just out")
    assert approved.override_reason == "news just out"
    assert len(desk.broker.placed) == 1
    approve_record = next(r for r in desk.audit.records if r[0] == "approve")
    assert approve_record[2]["override_reason"] == "news just out"


async def test_verdict_is_rechecked_at_approval() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    desk.risk.set(VerdictLevel.BLOCK, "price band: market moved")
    with pytest.raises(ApprovalRefused, match="market moved"):
        await desk.orders.approve(order.id)
    assert desk.broker.placed == []


async def test_trader_rejection_is_final_and_audited() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    rejected = desk.orders.reject(order.id, "wrong size")
    assert rejected.status is S.REJECTED_BY_TRADER
    with pytest.raises(ApprovalRefused):
        await desk.orders.approve(order.id)
    assert desk.broker.placed == []
    reject = next(d for a, o, d in desk.audit.records if a == "reject" and o == order.id)
    assert (reject["by"], reject["reason"]) == ("alice", "wrong size")


async def test_staging_while_halted_is_refused_and_audited() -> None:
    desk = await make_desk()
    await desk.kill.trip("test")
    with pytest.raises(TradingHalted, match="halted"):
        desk.orders.stage(buy())
    assert desk.orders.orders() == []
    assert "stage_refused" in desk.audit.actions()


async def test_unknown_order_id_is_a_clear_error() -> None:
    desk = await make_desk()
    with pytest.raises(UnknownOrder, match="no order with id nope"):
        await desk.orders.approve("nope")


async def test_broker_failure_at_submission_marks_order_rejected() -> None:
    desk = await make_desk()
    desk.broker.fail_next_place(NotConnected("gateway down"))
    order = desk.orders.stage(buy())
    with pytest.raises(SubmissionFailed, match="gateway down"):
        await desk.orders.approve(order.id)
    current = desk.orders.get(order.id)
    assert current.status is S.REJECTED_BY_BROKER
    assert "gateway down" in current.reason
    assert "submit_failed" in desk.audit.actions(order.id)


async def test_approval_is_frozen_while_the_connection_is_down_and_the_order_waits() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    desk.broker.drop_connection()
    with pytest.raises(ApprovalRefused, match="frozen"):
        await desk.orders.approve(order.id)
    assert desk.broker.placed == []
    assert desk.orders.get(order.id).status is S.PENDING_APPROVAL
    desk.broker.restore_connection(data_lost=False)
    assert (await desk.orders.approve(order.id)).status is S.SUBMITTED


async def test_partial_then_full_fill_with_average_price_and_no_duplicates() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    first = desk.broker.fill(order.id, 40, "150.00")
    assert desk.orders.get(order.id).status is S.PARTIALLY_FILLED
    desk.broker.fill_received.emit(first)  # the broker repeats an execution
    desk.broker.fill(order.id, 60, "149.50")
    done = desk.orders.get(order.id)
    assert done.status is S.FILLED
    assert done.filled_quantity == 100
    assert done.avg_fill_price == Decimal("149.70")
    assert len(desk.journal.fills) == 2


async def test_fill_after_cancel_request_completes_the_order() -> None:
    desk = await make_desk(auto_cancel=False)
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    await desk.orders.cancel(order.id)
    assert desk.orders.get(order.id).status is S.CANCEL_REQUESTED
    desk.broker.fill(order.id, 100, "150.00")
    assert desk.orders.get(order.id).status is S.FILLED


async def test_refused_cancel_returns_order_to_working() -> None:
    desk = await make_desk(auto_cancel=False)
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    await desk.orders.cancel(order.id)
    desk.broker.refuse_cancel(order.id)
    assert desk.orders.get(order.id).status is S.ACCEPTED
    assert "cancel_rejected" in desk.audit.actions(order.id)


async def test_broker_rejection_keeps_reason() -> None:
    desk = await make_desk(auto_accept=False)
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    desk.broker.reject(order.id, "201: insufficient buying power")
    current = desk.orders.get(order.id)
    assert current.status is S.REJECTED_BY_BROKER
    assert current.reason == "201: insufficient buying power"


async def test_cancel_pending_order_is_local() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    cancelled = await desk.orders.cancel(order.id)
    assert cancelled.status is S.CANCELLED
    assert desk.broker.cancel_requests == []
    assert desk.orders.pending_approvals() == []


async def test_modify_working_order_is_rechecked_and_sent() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    modified = await desk.orders.modify(order.id, limit_price=Decimal("151.00"))
    assert modified.intent.limit_price == Decimal("151.00")
    assert desk.broker.modified[-1].intent.limit_price == Decimal("151.00")
    desk.risk.set(VerdictLevel.BLOCK, "too big")
    with pytest.raises(ApprovalRefused, match="too big"):
        await desk.orders.modify(order.id, quantity=Decimal(100000))
    assert desk.orders.get(order.id).intent.quantity == 100


async def test_modify_cannot_go_below_filled_quantity() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 60)
    with pytest.raises(ValueError, match="filled quantity 60"):
        await desk.orders.modify(order.id, quantity=Decimal(50))


async def test_every_change_is_published_and_journaled() -> None:
    desk = await make_desk()
    seen: list[OrderStatus] = []
    desk.orders.order_updated += lambda o: seen.append(o.status)
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id)
    assert seen == [S.STAGED, S.PENDING_APPROVAL, S.APPROVED, S.SUBMITTED, S.ACCEPTED, S.FILLED]
    events = [e[1] for e in desk.journal.events if e[0] == order.id]
    assert events == ["stage", "verdict", "approve", "submit", "order_accepted", "fill"]


async def test_bad_ticket_input_is_refused_with_the_problem_and_audited() -> None:
    from terminal.domain import InvalidPrice, InvalidQuantity, OrderSide, OrderType
    from tests.unit.oms_setup import AAPL

    desk = await make_desk()
    with pytest.raises(InvalidQuantity, match="fractional"):
        desk.orders.stage_input(AAPL, side=OrderSide.BUY, quantity="1.5", limit_price="150")
    with pytest.raises(InvalidPrice, match="tick"):
        desk.orders.stage_input(AAPL, side=OrderSide.BUY, quantity=10, limit_price="150.001")
    with pytest.raises(InvalidPrice, match="finite"):
        desk.orders.stage_input(AAPL, side=OrderSide.SELL, quantity=10, limit_price="nan")
    refused = [r for r in desk.audit.records if r[0] == "stage_refused"]
    assert len(refused) == 3 and "fractional" in str(refused[0][2]["reason"])
    assert desk.orders.orders() == [] and desk.broker.placed == []
    ok = desk.orders.stage_input(
        AAPL, side=OrderSide.BUY, quantity="10", order_type=OrderType.LIMIT, limit_price="150.01"
    )
    assert ok.status is S.PENDING_APPROVAL
