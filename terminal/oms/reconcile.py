"""Reconciliation: align local orders and fills with the broker's view.

Run at start-up and after every reconnect (crash-only design: one path for both). The broker is
the source of truth for what is working and what was executed; the local database is the source
of truth for approvals. Nothing is re-sent here: an order approved but never acknowledged by the
broker (the process died between approval and submission) is cancelled with a clear reason, so
a stale approval never turns into an order after a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from terminal.broker.base import OrderStatusUpdate
from terminal.domain import IllegalTransition, Order, OrderStatus
from terminal.oms.manager import OrderManager

log = logging.getLogger(__name__)

S = OrderStatus


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    fills_recovered: int = 0
    fills_already_known: int = 0
    orders_updated: tuple[str, ...] = ()
    orders_closed_missing: tuple[str, ...] = ()
    approvals_interrupted: tuple[str, ...] = ()
    unknown_broker_orders: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.fills_recovered
            or self.orders_updated
            or self.orders_closed_missing
            or self.approvals_interrupted
        )

    def summary(self) -> str:
        return (
            f"{self.fills_recovered} fill(s) recovered, "
            f"{len(self.orders_updated)} order(s) updated, "
            f"{len(self.orders_closed_missing)} closed (not at broker), "
            f"{len(self.approvals_interrupted)} interrupted approval(s) cancelled, "
            f"{len(self.unknown_broker_orders)} broker order(s) not placed here"
        )


async def reconcile(orders: OrderManager, since: dt.datetime | None = None) -> ReconcileReport:
    """Fetch the broker's open orders and executions and bring local state in line.

    Fills first (so quantities are right), then statuses: a local working order the broker no
    longer lists is FILLED when its fills cover it, else CANCELLED ("not found at broker").
    """
    broker = orders.broker
    open_at_broker = list(await broker.open_orders())
    executions = list(await broker.executions(since))

    known = orders.known_exec_ids()
    recovered = 0
    for fill in sorted(executions, key=lambda f: f.time):
        if fill.exec_id in known:
            continue
        if orders.record_fill(fill):
            recovered += 1
    already = len(executions) - recovered

    by_id: dict[str, OrderStatusUpdate] = {}
    by_broker_id: dict[str, OrderStatusUpdate] = {}
    for report in open_at_broker:
        if report.order_id:
            by_id[report.order_id] = report
        by_broker_id[report.broker_order_id] = report

    updated: list[str] = []
    missing: list[str] = []
    interrupted: list[str] = []
    matched: set[str] = set()
    now = orders.clock.now()
    for order in orders.open_orders():
        update: OrderStatusUpdate | None = by_id.get(order.id)
        if update is None and order.broker_order_id:
            update = by_broker_id.get(order.broker_order_id)
        if update is not None:
            matched.add(update.broker_order_id)
            if update.status is not order.status or update.broker_order_id != order.broker_order_id:
                try:
                    orders.apply_status(order, update)
                    updated.append(order.id)
                except IllegalTransition as exc:
                    log.warning("reconcile: %s: %s", order.id, exc)
            continue
        current = orders.get(order.id)
        if current.status.is_working:
            _close_missing(orders, current, now)
            missing.append(order.id)
        elif current.status is S.APPROVED and not _held_child(orders, current):
            reason = "interrupted between approval and submission; stage it again"
            orders._store(current.with_status(S.CANCELLED, now, reason=reason), "cancelled", reason)
            orders.audit.record("approval_interrupted", current.id, {"reason": reason})
            interrupted.append(order.id)

    unknown = tuple(u.broker_order_id for u in open_at_broker if u.broker_order_id not in matched)
    result = ReconcileReport(
        recovered, already, tuple(updated), tuple(missing), tuple(interrupted), unknown
    )
    orders.audit.record("reconcile", "orders", {"summary": result.summary()})
    return result


def _held_child(orders: OrderManager, order: Order) -> bool:
    """A managed bracket child waiting for its parent is legitimately APPROVED and not sent."""
    if order.parent_id is None:
        return False
    parent = orders.get(order.parent_id)
    return not parent.status.is_terminal


def _close_missing(orders: OrderManager, order: Order, now: dt.datetime) -> None:
    if order.filled_quantity >= order.intent.quantity:
        status, reason = S.FILLED, "filled (found on reconciliation)"
    else:
        status, reason = S.CANCELLED, "not found at the broker on reconciliation"
    orders._store(order.with_status(status, now, reason=reason), status.value, reason)
    orders.audit.record("reconcile_closed", order.id, {"status": status.value, "reason": reason})
    orders.groups.on_order_changed(orders.get(order.id))
