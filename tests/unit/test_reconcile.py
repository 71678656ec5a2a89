"""Reconciliation after a restart or reconnect: no lost fills, no duplicates, no stale approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.broker.base import BrokerCapabilities
from terminal.domain import OrderStatus
from terminal.oms.changes import ChangeSource
from terminal.oms.reconcile import reconcile
from tests.unit.oms_setup import buy, make_desk, sell, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus


async def test_fills_missed_while_disconnected_are_recovered_once() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 40, "150.00")
    # The connection drops; the rest fills at the broker without us hearing it.
    desk.orders.intake.close()
    desk.broker.fill(order.id, 60, "150.00")
    desk.orders.intake.open()
    recorded = []
    desk.orders.fill_recorded += recorded.append
    report = await reconcile(desk.orders.book, desk.broker)
    assert report.fills_recovered == 1 and report.fills_already_known == 1
    assert desk.orders.get(order.id).status is S.FILLED
    assert desk.orders.get(order.id).filled_quantity == Decimal(100)
    again = await reconcile(desk.orders.book, desk.broker)
    assert again.fills_recovered == 0 and len(recorded) == 1
    assert len(desk.journal.fills) == 2


async def test_working_order_the_broker_no_longer_has_is_closed_with_reason() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.orders.clear()  # e.g. a DAY order dropped during the nightly reset
    report = await reconcile(desk.orders.book, desk.broker)
    assert report.orders_closed_missing == (order.id,)
    current = desk.orders.get(order.id)
    assert current.status is S.CANCELLED and "not found at the broker" in current.reason


async def test_approval_interrupted_before_submission_is_not_sent_after_restart() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    approved = order.with_status(S.APPROVED, desk.clock.now(), approved_by="alice")
    fresh = await make_desk()
    fresh.orders.restore([approved], [])
    report = await reconcile(fresh.orders.book, fresh.broker, source=ChangeSource.RESTART)
    assert report.approvals_interrupted == (order.id,)
    assert fresh.orders.get(order.id).status is S.CANCELLED
    assert fresh.broker.placed == []


async def test_restored_working_order_follows_broker_status() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    snapshot = desk.orders.get(order.id)
    desk.broker.fill(order.id, 30, "150.00")
    # A restarted terminal knows the order (from its database) and the first fill's id.
    restarted = await make_desk()
    restarted.orders.restore([snapshot], [])
    report = await reconcile(restarted.orders.book, desk.broker, source=ChangeSource.RESTART)
    current = restarted.orders.get(order.id)
    assert report.fills_recovered == 1
    assert current.status is S.PARTIALLY_FILLED and current.filled_quantity == 30


async def test_unknown_orders_at_broker_are_reported() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy())
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    fresh = await make_desk()
    report = await reconcile(fresh.orders.book, desk.broker, source=ChangeSource.RESTART)
    assert report.unknown_broker_orders == (desk.orders.get(order.id).broker_order_id,)


@pytest.mark.parametrize("children_first", [True, False])
async def test_an_interrupted_bracket_approval_takes_its_held_children_with_it(
    children_first: bool,
) -> None:
    desk = await make_desk(BrokerCapabilities(native_brackets=False))
    parent = desk.orders.stage_bracket(buy(100), sell(100, "160.00"), None)
    members = desk.orders.group_members(parent.group_id or "")
    now = desk.clock.now()
    # The process died after the approval record, before anything reached the broker.
    approved = [m.with_status(S.APPROVED, now, approved_by="alice") for m in members]
    if children_first:  # whatever order the database returns them in
        approved.reverse()
    fresh = await make_desk(BrokerCapabilities(native_brackets=False))
    fresh.orders.restore(approved, [])
    report = await reconcile(fresh.orders.book, fresh.broker, source=ChangeSource.RESTART)
    assert report.approvals_interrupted == (parent.id,)
    assert {m.status for m in fresh.orders.group_members(parent.group_id or "")} == {S.CANCELLED}
    child = next(m for m in members if m.id != parent.id)
    action, _, details = fresh.audit.changes(child.id)[-1]
    assert (action, details["source"]) == ("cancel", "group")
    assert fresh.broker.placed == []
