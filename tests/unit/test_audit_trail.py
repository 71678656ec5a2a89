"""Every order change, from every source, leaves exactly one audit record that replays it."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from terminal.broker.base import BrokerCapabilities
from terminal.domain import Order, OrderStatus, OrderType
from terminal.oms.changes import ChangeSource
from terminal.oms.reconcile import reconcile
from terminal.oms.trail import ORDER_STATE, TrailGap, replay
from tests.unit.oms_setup import Desk, buy, make_desk, sell, until_status

pytestmark = pytest.mark.asyncio
S = OrderStatus
MANAGED = BrokerCapabilities(native_brackets=False, native_oca=False)


class Watch:
    """Every snapshot the book published, to compare with the audit trail."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.updates: list[Order] = []
        desk.orders.order_updated += self.updates.append

    def assert_one_record_per_change(self) -> Counter[str]:
        """Check the trail against the published changes; return the records per source."""
        records = self.desk.audit.changes()
        assert len(records) == len(self.updates)
        for (_, subject, details), order in zip(records, self.updates, strict=True):
            state = details[ORDER_STATE]
            assert isinstance(state, dict)
            assert (subject, state["status"], state["filled"]) == (
                order.id,
                order.status.value,
                order.filled_quantity,
            )
        return Counter(str(details["source"]) for _, _, details in records)


async def test_every_source_of_change_writes_one_record_per_change() -> None:
    desk = await make_desk(MANAGED, auto_cancel=False)
    watch = Watch(desk)

    # The trader: stage, modify, reject, approve, cancel (local and at the broker).
    rejected = desk.orders.stage(buy(10))
    await desk.orders.modify(rejected.id, limit_price=Decimal("149.00"))
    desk.orders.reject(rejected.id, "changed my mind")
    local = desk.orders.stage(buy(10))
    await desk.orders.cancel(local.id)
    working = desk.orders.stage(buy(100))
    await desk.orders.approve(working.id)

    # The broker: acknowledgement, executions, a refused cancel, an expiry.
    await until_status(desk, working.id, S.ACCEPTED)
    desk.broker.fill(working.id, 40, "150.00")
    await desk.orders.cancel(working.id)
    desk.broker.refuse_cancel(working.id)
    desk.broker.expire(working.id)

    # Group coordination: a parent fills in part and ends; its children are resized and sent.
    parent = desk.orders.stage_bracket(
        buy(100), sell(100, "160.00"), sell(100, "145.00", OrderType.STOP)
    )
    await desk.orders.approve(parent.id)
    await until_status(desk, parent.id, S.ACCEPTED)
    desk.broker.fill(parent.id, 30, "150.00")
    desk.broker.expire(parent.id)
    await desk.orders.idle()

    # Reconciliation: an order the broker no longer lists.
    gone = desk.orders.stage(buy(5))
    await desk.orders.approve(gone.id)
    await until_status(desk, gone.id, S.ACCEPTED)
    desk.broker.orders.pop(desk.orders.get(gone.id).broker_order_id or "")
    await reconcile(desk.orders.book, desk.broker)

    # The kill switch: withdraw what awaits approval, cancel what works.
    desk.orders.stage(buy(1))
    await desk.kill.trip("drill")

    per_source = watch.assert_one_record_per_change()
    assert set(per_source) == {"trader", "broker", "group", "reconcile", "kill_switch"}
    assert set(replay(desk.audit.records)) == {o.id for o in desk.orders.orders()}


async def test_a_restart_and_its_reconciliation_write_one_record_per_change() -> None:
    before = await make_desk()
    order = before.orders.stage(buy())
    interrupted = order.with_status(S.APPROVED, before.clock.now(), approved_by="alice")
    desk = await make_desk()
    watch = Watch(desk)
    desk.orders.restore([interrupted], [])
    await reconcile(desk.orders.book, desk.broker, source=ChangeSource.RESTART)
    assert watch.assert_one_record_per_change() == Counter({"restart": 1})
    assert desk.audit.changes(order.id)[0][0] == "approval_interrupted"


async def test_replay_rebuilds_each_order_from_the_trail() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    desk.broker.fill(order.id, 40, "150.00")
    desk.broker.fill(order.id, 60, "149.50")
    (replayed,) = replay(desk.audit.records).values()
    assert (replayed.order_id, replayed.status, replayed.filled) == (order.id, S.FILLED, 100)
    assert replayed.avg_fill_price == Decimal("149.70") and replayed.broker_order_id == "1"
    assert replayed.changes == len(desk.audit.changes(order.id))


async def test_replay_finds_a_change_missing_from_the_trail() -> None:
    desk = await make_desk()
    order = desk.orders.stage(buy(100))
    await desk.orders.approve(order.id)
    await until_status(desk, order.id, S.ACCEPTED)
    records = [r for r in desk.audit.records if r[0] != "submit"]
    with pytest.raises(TrailGap, match="starts from submitted but the trail left it at approved"):
        replay(records)
