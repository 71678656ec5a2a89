"""Broker reports (status updates and fills) applied to the order manager's orders.

Every status change goes through the transition table; fills are recorded once per execution id
and drive filled quantities and average prices (a status report alone never changes them).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.broker.base import OrderStatusUpdate
from terminal.domain import Fill, IllegalTransition, Order, OrderStatus
from terminal.domain.lifecycle import can_transition

if TYPE_CHECKING:
    from terminal.oms.manager import OrderManager

log = logging.getLogger(__name__)

S = OrderStatus


class BrokerReports:
    """Apply a broker's order status reports and executions to the manager's orders."""

    def __init__(self, manager: OrderManager) -> None:
        self._m = manager

    def on_status(self, update: OrderStatusUpdate) -> None:
        order = self._m.resolve(update.order_id, update.broker_order_id)
        if order is None:
            log.info("status for an order not placed here: %s", update)
            return
        try:
            self.apply_status(order, update)
        except IllegalTransition as exc:
            log.warning("ignored broker report for %s: %s", order.id, exc)
            self._m.audit.record(
                "status_ignored", order.id, {"report": update.status.value, "error": str(exc)}
            )

    def apply_status(self, order: Order, update: OrderStatusUpdate) -> Order:
        """Apply a broker status report to ``order`` through the transition table."""
        now = update.time or self._m.clock.now()
        changes: dict[str, object] = {}
        if update.broker_order_id and order.broker_order_id != update.broker_order_id:
            changes["broker_order_id"] = update.broker_order_id
            self._m._by_broker_id[update.broker_order_id] = order.id
        status = update.status
        if update.cancel_rejected:
            # The cancel was refused: the order keeps working in its pre-cancel state.
            status = S.PARTIALLY_FILLED if order.filled_quantity > 0 else S.ACCEPTED
            if order.status is not S.CANCEL_REQUESTED:
                status = order.status
        if status is S.PARTIALLY_FILLED and order.status is S.FILLED:
            return order  # fills drive quantities; a late "partial" report changes nothing
        if order.status is S.APPROVED and status is not S.REJECTED_BY_BROKER:
            order = order.with_status(S.SUBMITTED, now, **changes)
            changes = {}
        if status is order.status and not changes and not update.reason:
            return order
        updated = order.with_status(status, now, reason=update.reason or order.reason, **changes)
        self._m._store(updated, status.value, update.reason)
        if status.is_terminal or update.cancel_rejected:
            self._m.audit.record(
                f"order_{status.value}" if not update.cancel_rejected else "cancel_rejected",
                order.id,
                {"reason": update.reason, "broker_order_id": update.broker_order_id},
            )
        self._m.groups.on_order_changed(updated)
        return updated

    def record_fill(self, fill: Fill) -> bool:
        """Record a fill once (idempotent by exec id); return False for a duplicate."""
        if fill.exec_id in self._m._exec_ids:
            return False
        self._m._exec_ids.add(fill.exec_id)
        self._m.journal.save_fill(fill)
        order = self._m.resolve(fill.order_id, fill.broker_order_id)
        self._m.audit.record(
            "fill",
            order.id if order else f"external:{fill.broker_order_id}",
            {
                "exec_id": fill.exec_id,
                "instrument": fill.key,
                "side": fill.side.value,
                "quantity": fill.quantity,
                "price": fill.price,
                "commission": fill.commission,
            },
        )
        if order is not None:
            self._apply_fill_to_order(order, fill)
        self._m.fill_recorded.emit(fill)
        return True

    def _apply_fill_to_order(self, order: Order, fill: Fill) -> None:
        filled = order.filled_quantity + fill.quantity
        previous_value = (order.avg_fill_price or Decimal(0)) * order.filled_quantity
        avg = (previous_value + fill.price * fill.quantity) / filled
        if order.status is S.APPROVED:  # the fill overtook place_order's return
            order = order.with_status(S.SUBMITTED, fill.time)
        complete = filled >= order.intent.quantity
        if complete and order.status is not S.FILLED and can_transition(order.status, S.FILLED):
            target = S.FILLED
        elif not complete and order.status in (S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED):
            target = S.PARTIALLY_FILLED
        else:
            # CANCEL_REQUESTED stays until the broker answers; a late partial fill of a
            # cancelled or expired order is recorded without reopening it.
            target = order.status
        updated = order.with_status(target, fill.time, filled_quantity=filled, avg_fill_price=avg)
        self._m._store(updated, "fill", f"{fill.quantity} @ {fill.price}")
        self._m.groups.on_order_changed(updated, fill)
