"""Brackets and OCO groups, on brokers with and without native support."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.broker.base import BrokerCapabilities
from terminal.domain import OrderRole, OrderStatus, OrderType
from tests.unit.oms_setup import buy, make_desk, sell, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus
MANAGED = BrokerCapabilities(native_brackets=False, native_oca=False)
NATIVE = BrokerCapabilities(native_brackets=True, native_oca=True)


async def stage_bracket(desk):  # type: ignore[no-untyped-def]
    return desk.orders.stage_bracket(
        buy(100, "150.00"), sell(100, "160.00"), sell(100, "145.00", OrderType.STOP)
    )


async def test_bracket_is_approved_as_one_and_children_ride_with_parent() -> None:
    desk = await make_desk(MANAGED)
    parent = await stage_bracket(desk)
    assert parent.role is OrderRole.PARENT
    members = desk.orders.group_members(parent.group_id)
    assert {m.role for m in members} == {
        OrderRole.PARENT,
        OrderRole.TAKE_PROFIT,
        OrderRole.STOP_LOSS,
    }
    assert desk.orders.pending_approvals() == [parent]
    await desk.orders.approve(parent.id)
    assert all(m.approved_by == "alice" for m in desk.orders.group_members(parent.group_id))


async def test_managed_bracket_holds_children_until_parent_fills() -> None:
    desk = await make_desk(MANAGED)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    await until_status(desk, parent.id, S.ACCEPTED)
    assert [o.id for o in desk.broker.placed] == [parent.id]
    desk.broker.fill(parent.id, 100, "150.00")
    await desk.orders.idle()  # the release tasks: each child is sent
    placed_roles = [o.role for o in desk.broker.placed]
    assert placed_roles == [OrderRole.PARENT, OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS]


async def test_managed_bracket_children_sized_to_partial_fill_when_parent_cancelled() -> None:
    desk = await make_desk(MANAGED)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    await until_status(desk, parent.id, S.ACCEPTED)
    desk.broker.fill(parent.id, 30, "150.00")
    await desk.orders.cancel(parent.id)
    await until_status(desk, parent.id, S.CANCELLED)
    await desk.orders.idle()
    children = [o for o in desk.broker.placed if o.role is not OrderRole.PARENT]
    assert len(children) == 2
    assert all(c.intent.quantity == Decimal(30) for c in children)
    for child in children:  # the resize is a change like any other: audited
        resize = [d for a, _, d in desk.audit.changes(child.id) if a == "resize"]
        assert len(resize) == 1 and (resize[0]["quantity"], resize[0]["was"]) == (30, 100)


async def test_managed_bracket_children_cancelled_when_parent_rejected() -> None:
    desk = await make_desk(MANAGED, auto_accept=False)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    desk.broker.reject(parent.id, "no permissions")
    children = [m for m in desk.orders.group_members(parent.group_id) if m.id != parent.id]
    assert all(c.status is S.CANCELLED for c in children)
    assert len(desk.broker.placed) == 1


async def test_managed_bracket_take_profit_fill_cancels_stop_loss() -> None:
    desk = await make_desk(MANAGED)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    await until_status(desk, parent.id, S.ACCEPTED)
    desk.broker.fill(parent.id)
    await desk.orders.idle()
    tp, sl = (
        next(m for m in desk.orders.group_members(parent.group_id) if m.role is r)
        for r in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS)
    )
    await until_status(desk, sl.id, S.ACCEPTED)
    desk.broker.fill(tp.id, 100, "160.00")
    assert desk.orders.get(tp.id).status is S.FILLED
    await until_status(desk, sl.id, S.CANCELLED)
    assert sl.id in desk.broker.cancel_requests


async def test_native_bracket_sends_all_members_at_approval() -> None:
    desk = await make_desk(NATIVE)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    placed = desk.broker.placed
    assert [o.role for o in placed] == [
        OrderRole.PARENT,
        OrderRole.TAKE_PROFIT,
        OrderRole.STOP_LOSS,
    ]
    assert placed[1].parent_id == parent.id and placed[1].oca_group == placed[2].oca_group
    # The broker may hold the bracket until its last member arrives (IB's transmit flag).
    assert [desk.broker.more_follow[o.id] for o in placed] == [True, True, False]


async def test_native_bracket_with_one_child_marks_that_child_last() -> None:
    desk = await make_desk(NATIVE)
    parent = desk.orders.stage_bracket(
        buy(100, "150.00"), None, sell(100, "145.00", OrderType.STOP)
    )
    await desk.orders.approve(parent.id)
    assert [desk.broker.more_follow[o.id] for o in desk.broker.placed] == [True, False]


async def test_managed_oco_fill_cancels_siblings() -> None:
    desk = await make_desk(MANAGED)
    a, b = desk.orders.stage_oco([sell(100, "160.00"), sell(100, "140.00", OrderType.STOP)])
    assert desk.orders.pending_approvals() == [a, b]
    await desk.orders.approve(a.id)
    assert len(desk.broker.placed) == 2
    await until_status(desk, b.id, S.ACCEPTED)
    desk.broker.fill(b.id, 10, "140.00")
    await until_status(desk, a.id, S.CANCELLED)
    assert a.id in desk.broker.cancel_requests


async def test_bracket_children_must_close_the_parent() -> None:
    desk = await make_desk(MANAGED)
    with pytest.raises(ValueError, match="opposite side"):
        desk.orders.stage_bracket(buy(100), buy(100, "160.00"), None)
    with pytest.raises(ValueError, match="take-profit or a stop-loss"):
        desk.orders.stage_bracket(buy(100), None, None)


async def test_held_children_cancelled_with_their_parent_are_audited_and_leave_the_queue() -> None:
    desk = await make_desk(MANAGED, auto_accept=False)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    queue_events: list[object] = []
    desk.orders.approval_queue_changed += queue_events.append
    desk.broker.reject(parent.id, "no permissions")
    children = [m for m in desk.orders.group_members(parent.group_id) if m.id != parent.id]
    for child in children:
        action, _, details = desk.audit.changes(child.id)[-1]
        assert (action, details["source"]) == ("cancel", "group")
        assert details["reason"] == "parent rejected_by_broker"
    assert len(queue_events) >= len(children)


async def test_a_parent_reported_filled_before_its_executions_releases_children_after_them() -> (
    None
):
    desk = await make_desk(MANAGED)
    parent = await stage_bracket(desk)
    await desk.orders.approve(parent.id)
    await until_status(desk, parent.id, S.ACCEPTED)
    # Like the simulator and IB: the status report overtakes the execution it reports.
    desk.broker.report(parent.id, S.FILLED)
    await desk.orders.idle()
    assert [o.id for o in desk.broker.placed] == [parent.id]  # no fill yet: nothing to cover
    desk.broker.fill(parent.id, 100, "150.00", emit_status=False)
    await desk.orders.idle()
    children = [o for o in desk.broker.placed if o.id != parent.id]
    assert len(children) == 2 and all(c.intent.quantity == 100 for c in children)
