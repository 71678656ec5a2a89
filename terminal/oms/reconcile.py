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
from collections.abc import Callable
from dataclasses import dataclass

from terminal.broker.base import Broker, OrderStatusUpdate
from terminal.domain import InvariantError, Order, OrderStatus
from terminal.oms.book import OrderBook
from terminal.oms.changes import ChangeSource, OrderChange
from terminal.oms.intake import apply_fill, apply_status

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


async def reconcile(
    book: OrderBook,
    broker: Broker,
    *,
    since: dt.datetime | None = None,
    source: ChangeSource = ChangeSource.RECONCILE,
) -> ReconcileReport:
    """Fetch the broker's open orders and executions and bring the book in line.

    Fills first (so quantities are right), then statuses: a local working order the broker no
    longer lists is FILLED when its fills cover it, else CANCELLED ("not found at broker").
    Every change goes to the book tagged ``source`` (RESTART for the reconciliation after a
    restart), so bracket children follow their parent here as anywhere else.
    """
    open_at_broker = list(await broker.open_orders())
    executions = list(await broker.executions(since))

    recovered = 0
    for fill in sorted(executions, key=lambda f: f.time):
        # An execution seen before is not booked again (its commission may correct the fill).
        if _guarded(book, f"reconcile execution {fill.exec_id}", apply_fill, fill, source):
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
    # Only the orders this terminal sent: another terminal's are at its broker connection.
    for order in [o for o in book.open_orders() if book.owns(o)]:
        update: OrderStatusUpdate | None = by_id.get(order.id)
        if update is None and order.broker_order_id:
            update = by_broker_id.get(order.broker_order_id)
        if update is not None:
            matched.add(update.broker_order_id)
            if update.status is not order.status or update.broker_order_id != order.broker_order_id:
                where = f"reconcile {order.id}"
                if _guarded(book, where, apply_status, update, source):
                    updated.append(order.id)
            continue
        current = book.get(order.id)
        if current.status.is_working:
            _close_missing(book, current, source)
            missing.append(order.id)
        elif current.status is S.APPROVED and not _left_to_group(book, current):
            reason = "interrupted between approval and submission; stage it again"
            book.apply(
                OrderChange(
                    order_id=current.id,
                    action="approval_interrupted",
                    source=source,
                    status=S.CANCELLED,
                    reason=reason,
                    note=reason,
                )
            )
            interrupted.append(order.id)

    unknown = tuple(u.broker_order_id for u in open_at_broker if u.broker_order_id not in matched)
    result = ReconcileReport(
        recovered, already, tuple(updated), tuple(missing), tuple(interrupted), unknown
    )
    book.audit.record("reconcile", "orders", {"summary": result.summary(), "source": source.value})
    return result


def _guarded[T](
    book: OrderBook,
    where: str,
    step: Callable[[OrderBook, T, ChangeSource], bool],
    report: T,
    source: ChangeSource,
) -> bool:
    """Apply one broker report; a broken invariant is reported and the rest goes on."""
    try:
        return step(book, report, source)
    except InvariantError as exc:
        book.report_failure(where, exc)
        return False


def _left_to_group(book: OrderBook, order: Order) -> bool:
    """A bracket child held for a parent in the book: its coordinator sends or cancels it."""
    return order.parent_id is not None and book.find(order.parent_id) is not None


def _close_missing(book: OrderBook, order: Order, source: ChangeSource) -> None:
    if order.filled_quantity >= order.intent.quantity:
        status, reason = S.FILLED, "filled (found on reconciliation)"
    else:
        status, reason = S.CANCELLED, "not found at the broker on reconciliation"
    book.apply(
        OrderChange(
            order_id=order.id,
            action="reconcile_closed",
            source=source,
            status=status,
            reason=reason,
            note=reason,
        )
    )
