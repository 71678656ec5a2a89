"""Property: whatever a broker reports, in any order, an order stays inside the lifecycle table."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.domain import OrderStatus
from terminal.domain.lifecycle import allowed_transitions
from tests.unit.oms_setup import buy, make_desk

S = OrderStatus
EVENTS = st.lists(
    st.sampled_from(
        ["accept", "fill_part", "fill_rest", "cancel", "refuse", "reject", "expire", "repeat"]
    ),
    max_size=12,
)


async def scenario(events: list[str]) -> None:
    desk = await make_desk(auto_accept=False, auto_cancel=False)
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    history = [desk.orders.get(order.id).status]
    desk.orders.order_updated += lambda o: history.append(o.status)
    last_fill = None
    for event in events:
        remaining = order.intent.quantity - desk.orders.get(order.id).filled_quantity
        broker_side = desk.broker._by_client_id(order.id)
        if event == "accept":
            desk.broker.accept(order.id)
        elif event == "fill_part" and remaining > 1 and not broker_side.status.is_terminal:
            last_fill = desk.broker.fill(order.id, 1, "150.00")
        elif event == "fill_rest" and remaining > 0 and not broker_side.status.is_terminal:
            last_fill = desk.broker.fill(order.id, remaining, "150.00")
        elif event == "cancel" and not desk.orders.get(order.id).status.is_terminal:
            await desk.orders.cancel(order.id)
        elif event == "refuse" and broker_side.status.is_working:
            desk.broker.refuse_cancel(order.id)
        elif event == "reject" and broker_side.status.is_working:
            desk.broker.reject(order.id)
        elif event == "expire" and broker_side.status.is_working:
            desk.broker.expire(order.id)
        elif event == "repeat" and last_fill is not None:
            desk.broker.fill_received.emit(last_fill)  # duplicate execution report
        current = desk.orders.get(order.id)
        fills_total = sum((f.quantity for f in desk.journal.fills.values()), Decimal(0))
        assert current.filled_quantity == fills_total <= order.intent.quantity
        if current.status is S.FILLED:
            assert current.filled_quantity == order.intent.quantity
    for before, after in itertools.pairwise(history):
        assert after is before or after in allowed_transitions(before), (before, after)
    assert len(desk.broker.placed) == 1


@settings(max_examples=150, deadline=None)
@given(EVENTS)
def test_any_broker_report_sequence_keeps_the_order_consistent(events: list[str]) -> None:
    asyncio.run(scenario(events))
