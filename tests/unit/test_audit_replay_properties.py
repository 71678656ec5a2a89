"""Property: whatever the trader does and the broker reports, the audit trail alone rebuilds
every order's final status and filled quantity, and no step of it is a broken invariant."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.broker.base import BrokerCapabilities, BrokerError
from terminal.domain import DomainError, Order, OrderStatus, OrderType
from terminal.oms.reconcile import reconcile
from terminal.oms.trail import replay
from tests.unit.oms_setup import Desk, buy, make_desk, sell

S = OrderStatus

TRADER = ["stage", "bracket", "oco", "approve", "reject", "cancel", "modify", "kill", "rearm"]
BROKER = ["accept", "fill_part", "fill_rest", "confirm", "refuse", "reject_b", "expire", "repeat"]
OTHER = ["reconcile", "fail_next", "idle"]
#: Repeats weight the draw towards what moves orders along (a kill switch every few steps
#: would leave nothing to fill).
POOL = TRADER + BROKER + OTHER + ["stage", "approve", "approve", "accept", "fill_part", "fill_rest"]
STEPS = st.lists(st.tuples(st.sampled_from(POOL), st.integers(0, 7)), min_size=10, max_size=40)
CAPABILITIES = st.sampled_from(
    [
        BrokerCapabilities(native_brackets=False, native_oca=False),
        BrokerCapabilities(native_brackets=True, native_oca=True),
    ]
)


async def trader_step(desk: Desk, step: str, order_id: str | None) -> None:
    orders = desk.orders
    if step == "stage":
        orders.stage(buy(10))
    elif step == "bracket":
        orders.stage_bracket(buy(10), sell(10, "160.00"), sell(10, "145.00", OrderType.STOP))
    elif step == "oco":
        orders.stage_oco([sell(10, "160.00"), sell(10, "140.00", OrderType.STOP)])
    elif step == "kill":
        await desk.kill.trip("property")
    elif step == "rearm":
        desk.kill.rearm("property")
    elif order_id is None:
        return
    elif step == "approve":
        await orders.approve(order_id)
    elif step == "reject":
        orders.reject(order_id, "no")
    elif step == "cancel":
        await orders.cancel(order_id)
    elif step == "modify":
        await orders.modify(order_id, limit_price=Decimal("149.00"))


def broker_step(desk: Desk, step: str, order_id: str | None, last_fill: list[object]) -> None:
    broker = desk.broker
    if step == "repeat" and last_fill:
        broker.fill_received.emit(last_fill[-1])  # an execution reported twice
    if order_id is None:
        return
    record = broker._by_client_id(order_id)
    remaining = record.order.intent.quantity - record.filled
    working = record.status.is_working
    if step == "accept":
        broker.accept(order_id)
    elif step == "fill_part" and working and remaining > 1:
        last_fill.append(broker.fill(order_id, 1, "150.00"))
    elif step == "fill_rest" and working and remaining > 0:
        last_fill.append(broker.fill(order_id, remaining, "150.00"))
    elif step == "confirm" and order_id in broker.cancel_requests:
        broker.confirm_cancel(order_id)
    elif step == "refuse" and working and order_id in broker.cancel_requests:
        broker.refuse_cancel(order_id)
    elif step == "reject_b" and working:
        broker.reject(order_id)
    elif step == "expire" and working:
        broker.expire(order_id)


def _candidates(desk: Desk, step: str) -> list[Order]:
    """The orders ``step`` makes sense for (the index picks one of them)."""
    if step in ("approve", "reject"):
        return desk.orders.pending_approvals()
    if step in ("cancel", "modify"):
        return desk.orders.open_orders()
    placed = {o.id for o in desk.broker.placed}
    return [o for o in desk.orders.orders() if o.id in placed]


async def scenario(capabilities: BrokerCapabilities, steps: list[tuple[str, int]]) -> None:
    desk = await make_desk(capabilities, auto_accept=False, auto_cancel=False)
    errors: list[str] = []
    desk.orders.error_occurred += lambda where, message: errors.append(f"{where}: {message}")
    last_fill: list[object] = []
    for step, index in steps:
        candidates = [o.id for o in _candidates(desk, step)]
        order_id = candidates[index % len(candidates)] if candidates else None
        try:
            if step in TRADER:
                await trader_step(desk, step, order_id)
            elif step in BROKER:
                broker_step(desk, step, order_id, last_fill)
            elif step == "reconcile":
                await reconcile(desk.orders.book, desk.broker)
            elif step == "fail_next":
                desk.broker.fail_next_place(BrokerError("gateway down"))
            else:
                await desk.orders.idle()
        except DomainError:
            pass  # a refusal the trader sees (halted, not pending, blocked...): part of the game
    await desk.orders.idle()
    assert errors == [], errors
    replayed = replay(desk.audit.records)
    book = {o.id: (o.status, o.filled_quantity) for o in desk.orders.orders()}
    assert {i: (r.status, r.filled) for i, r in replayed.items()} == book


@settings(max_examples=300, deadline=None)
@given(CAPABILITIES, STEPS)
def test_the_audit_trail_alone_rebuilds_every_order(
    capabilities: BrokerCapabilities, steps: list[tuple[str, int]]
) -> None:
    asyncio.run(scenario(capabilities, steps))
