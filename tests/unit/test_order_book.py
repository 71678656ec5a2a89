"""The order book: one write path, and broken invariants kept apart from refusals."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from terminal.broker.base import OrderStatusUpdate
from terminal.domain import (
    DomainError,
    Fill,
    IllegalTransition,
    InvariantError,
    OrderSide,
    OrderStatus,
    VerdictLevel,
)
from terminal.oms.changes import ChangeSource, OrderChange
from terminal.oms.errors import (
    MissingApproval,
    OrderBookError,
    TradingHalted,
    UnknownOrderReport,
)
from terminal.oms.trail import ORDER_STATE
from tests.unit.oms_setup import buy, make_desk, sell, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def test_invariant_errors_are_not_refusals() -> None:
    # The window shows DomainErrors as a yellow warning; a bug must never be one of them.
    for error in (IllegalTransition, UnknownOrderReport, OrderBookError, MissingApproval):
        assert issubclass(error, InvariantError) and not issubclass(error, DomainError)
        assert not issubclass(error, ValueError)
    assert issubclass(TradingHalted, DomainError)


async def test_an_illegal_change_raises_and_writes_nothing() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    seen: list[object] = []
    desk.orders.order_updated += seen.append
    records, events = len(desk.audit.records), len(desk.journal.events)
    change = OrderChange(
        order_id=order.id, action="order_filled", source=ChangeSource.BROKER, status=S.FILLED
    )
    with pytest.raises(IllegalTransition, match="pending_approval to filled"):
        desk.orders.book.apply(change)
    assert desk.orders.get(order.id) == order
    assert (len(desk.audit.records), len(desk.journal.events), seen) == (records, events, [])


async def test_a_change_for_an_order_not_in_the_book_is_a_bug() -> None:
    desk = await make_desk()
    with pytest.raises(OrderBookError, match="no order X9"):
        desk.orders.book.apply(
            OrderChange(order_id="X9", action="cancel", source=ChangeSource.TRADER)
        )


async def test_each_change_writes_one_audit_record_with_the_order_state() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 40, "150.00")
    _, subject, details = desk.audit.records[-1]
    assert subject == order.id and details["source"] == "broker"
    assert details[ORDER_STATE] == {
        "from": "accepted",
        "status": "partially_filled",
        "quantity": Decimal(100),
        "filled": Decimal(40),
        "avg_fill_price": Decimal("150.00"),
        "broker_order_id": "1",
    }
    assert (details["exec_id"], details["quantity"]) == ("E1", Decimal(40))


async def test_a_broker_report_for_one_of_our_ids_the_book_lacks_is_a_critical_bug(
    logged_errors: list[logging.LogRecord],
) -> None:
    desk = await make_desk()
    errors: list[tuple[str, str]] = []
    desk.orders.error_occurred += lambda where, message: errors.append((where, message))
    desk.broker.order_status_received.emit(OrderStatusUpdate("TT-gone", "77", S.ACCEPTED))
    assert len(errors) == 1 and "UnknownOrderReport" in errors[0][1] and "TT-gone" in errors[0][1]
    assert "order_path_failed" in desk.audit.actions()
    (record,) = logged_errors
    assert record.exc_info is not None  # logged with its traceback
    # An order placed elsewhere (no client id of ours) is not a bug: it changes nothing.
    desk.broker.order_status_received.emit(OrderStatusUpdate(None, "78", S.ACCEPTED))
    assert len(errors) == 1 and desk.orders.orders() == []


async def test_a_broker_report_for_an_order_never_sent_is_a_bug_and_changes_nothing(
    logged_errors: list[logging.LogRecord],
) -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())  # awaiting approval: no broker may know it
    errors: list[str] = []
    desk.orders.error_occurred += lambda where, message: errors.append(message)
    desk.broker.order_status_received.emit(OrderStatusUpdate(order.id, "5", S.ACCEPTED))
    assert errors and "IllegalTransition" in errors[0]
    assert ["IllegalTransition" in r.getMessage() for r in logged_errors] == [True]
    assert desk.orders.get(order.id).status is S.PENDING_APPROVAL
    assert desk.orders.pending_approvals() == [order]


async def test_a_stale_report_changes_nothing_and_is_audited_as_ignored() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 100, "150.00")
    before = len(desk.audit.changes(order.id))
    # A cancel confirmation crossing the fill, then an echo of acceptance.
    desk.broker.order_status_received.emit(OrderStatusUpdate(order.id, "1", S.CANCELLED))
    desk.broker.order_status_received.emit(OrderStatusUpdate(order.id, "1", S.SUBMITTED))
    assert desk.orders.get(order.id).status is S.FILLED
    assert len(desk.audit.changes(order.id)) == before
    assert desk.audit.actions(order.id)[-2:] == ["status_ignored", "status_ignored"]


async def test_a_rejection_crossing_a_cancel_request_closes_the_order() -> None:
    desk = await make_desk(auto_cancel=False)
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    await desk.orders.cancel(order.id)
    desk.broker.reject(order.id, "203: not allowed")
    assert desk.orders.get(order.id).status is S.REJECTED_BY_BROKER


async def test_a_rejection_after_a_partial_fill_cancels_the_rest() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 30, "150.00")
    desk.broker.reject(order.id, "exchange closed the order")
    current = desk.orders.get(order.id)
    assert (current.status, current.filled_quantity) == (S.CANCELLED, Decimal(30))
    assert current.reason == "exchange closed the order"


async def test_an_order_cancelled_while_it_is_being_sent_is_cancelled_at_the_broker() -> None:
    desk = await make_desk()
    gate = asyncio.Event()
    desk.broker.place_gate = gate
    order = desk.orders.stage(buy())
    approving = asyncio.ensure_future(desk.orders.approve(order.id))
    await until_status(desk, order.id, S.APPROVED)
    await desk.kill.trip("flash crash")  # withdraws what no broker has acknowledged yet
    assert desk.orders.get(order.id).status is S.CANCELLED
    gate.set()
    await approving
    assert [o.id for o in desk.broker.placed] == [order.id]
    assert order.id in desk.broker.cancel_requests
    assert desk.orders.get(order.id).status is S.CANCELLED


async def test_only_an_approved_order_is_ever_sent() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    with pytest.raises(MissingApproval):
        await desk.orders.dispatch.submit(order.id, source=ChangeSource.TRADER)
    assert desk.broker.placed == []


async def test_the_halt_check_refuses_every_way_of_staging_alike() -> None:
    desk = await make_desk()
    await desk.kill.trip("test")
    attempts = (
        lambda: desk.orders.stage(buy()),
        lambda: desk.orders.stage_bracket(buy(), sell(), None),
        lambda: desk.orders.stage_oco([sell(), sell(100, "170.00")]),
    )
    messages = []
    for attempt in attempts:
        with pytest.raises(TradingHalted) as refused:
            attempt()
        messages.append(str(refused.value))
    reasons = [d["reason"] for a, _, d in desk.audit.records if a == "stage_refused"]
    assert len(set(messages)) == 1 and "re-arm" in messages[0]
    assert reasons == ["trading halted"] * 3
    assert desk.orders.orders() == []


async def test_a_block_at_approval_is_recorded_once_with_the_new_verdict() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    desk.risk.set(VerdictLevel.BLOCK, "market moved")
    with pytest.raises(DomainError):
        await desk.orders.approve(order.id)
    action, _, details = desk.audit.records[-1]
    assert action == "approve_refused" and details["verdict"].endswith("market moved")
    verdict = desk.orders.get(order.id).verdict
    assert verdict is not None and verdict.level is VerdictLevel.BLOCK


async def test_a_commission_correction_of_a_fill_placed_elsewhere_is_journaled_and_audited_once() -> (
    None
):
    desk = await make_desk()
    external = Fill(
        exec_id="X1",
        order_id=None,
        instrument=buy().instrument,
        side=OrderSide.BUY,
        quantity=Decimal(5),
        price=Decimal("150"),
        commission=Decimal(0),
        time=desk.clock.now(),
        broker_order_id="perm:77",
    )
    desk.broker.fill_received.emit(external)  # placed in TWS: no order of ours
    corrected: list[tuple[Fill, Fill]] = []
    desk.orders.fill_corrected += lambda before, after: corrected.append((before, after))

    desk.broker.commission_corrected.emit("X1", Decimal("1.05"))
    desk.broker.commission_corrected.emit("X1", Decimal("1.05"))

    assert desk.journal.fills["X1"].commission == Decimal("1.05")
    assert [(b.commission, a.commission) for b, a in corrected] == [(0, Decimal("1.05"))]
    [(subject, details)] = [(s, d) for a, s, d in desk.audit.records if a == "commission_corrected"]
    assert subject == "external:perm:77"
    assert (details["order_id"], details["old"], details["new"]) == (None, 0, Decimal("1.05"))
