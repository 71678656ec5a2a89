"""Broker reports in: each status update and execution is translated and handed to the book.

The intake listens to the broker's ``order_status_received``, ``fill_received`` and
``commission_corrected`` (a late commission, handed to :meth:`OrderBook.correct_commission`),
finds the
order in the book, asks :mod:`terminal.oms.reports` what the report changes, and applies that.
A report the book cannot take (it names one of our orders the book does not hold, or the
translation produced a step the lifecycle forbids) is a bug: it is reported through the book's
``error_occurred`` (logged with its traceback, audited, a critical alert), never dropped.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from terminal.broker.base import Broker, OrderStatusUpdate
from terminal.domain import Fill
from terminal.oms.book import OrderBook
from terminal.oms.changes import ChangeSource
from terminal.oms.errors import UnknownOrderReport
from terminal.oms.reports import fill_changes, stale_reason, status_changes

log = logging.getLogger(__name__)


def apply_status(book: OrderBook, update: OrderStatusUpdate, source: ChangeSource) -> bool:
    """Apply one status report; return whether it changed an order.

    A report for an order placed elsewhere (no client id we know of, no broker id we know of)
    changes nothing. A stale report changes nothing and is audited as ignored.

    Raises:
        UnknownOrderReport: the report names a client order id of ours the book does not hold.
        IllegalTransition: the translated step is not in the lifecycle table (a bug).
    """
    order = book.find(update.order_id, update.broker_order_id)
    if order is None:
        if update.order_id is not None:
            raise UnknownOrderReport(
                f"{update.status.value} report for order {update.order_id} "
                f"(broker id {update.broker_order_id}), which the order book does not hold"
            )
        log.info("status for an order not placed here: %s", update)
        return False
    if not book.owns(order):
        # Another terminal of the desk sent it and reports it; its outcome arrives from there.
        log.info("status for %s left to the terminal that sent it: %s", order.id, update)
        return False
    changes = status_changes(order, update, source, book.terms_before_modify(order.id))
    if not changes:
        reason = stale_reason(order, update)
        if reason is not None:
            log.info("ignored a stale broker report for %s: %s", order.id, reason)
            book.audit.record(
                "status_ignored", order.id, {"report": update.status.value, "reason": reason}
            )
        return False
    for change in changes:
        book.apply(change)
    return True


def apply_fill(book: OrderBook, fill: Fill, source: ChangeSource) -> bool:
    """Apply one execution once (by exec id); return False when it was seen before.

    Raises:
        UnknownOrderReport: the fill names a client order id of ours the book does not hold.
    """
    if book.has_fill(fill.exec_id):
        book.repeated_fill(fill, source)  # its commission may be new
        return False
    order = book.find(fill.order_id, fill.broker_order_id)
    if order is not None and not book.owns(order):
        log.info("execution %s of %s left to the terminal that sent it", fill.exec_id, order.id)
        return False
    if order is None and fill.order_id is not None:
        raise UnknownOrderReport(
            f"execution {fill.exec_id} for order {fill.order_id}, "
            "which the order book does not hold"
        )
    for change in fill_changes(order, fill, source):
        book.apply(change)
    return True


class BrokerIntake:
    """Feed one broker's live reports into the book."""

    def __init__(self, book: OrderBook, broker: Broker) -> None:
        self._book = book
        self._broker = broker
        self.open()

    def open(self) -> None:
        """Listen to the broker's reports (done on construction)."""
        self._broker.order_status_received += self.on_status
        self._broker.fill_received += self.on_fill
        self._broker.commission_corrected += self.on_commission_corrected

    def close(self) -> None:
        self._broker.order_status_received -= self.on_status
        self._broker.fill_received -= self.on_fill
        self._broker.commission_corrected -= self.on_commission_corrected

    def on_status(self, update: OrderStatusUpdate) -> None:
        try:
            apply_status(self._book, update, ChangeSource.BROKER)
        except Exception as exc:  # an event handler: the failure must not vanish in eventkit
            self._book.report_failure(f"broker report {update.status.value}", exc)

    def on_fill(self, fill: Fill) -> None:
        try:
            apply_fill(self._book, fill, ChangeSource.BROKER)
        except Exception as exc:
            self._book.report_failure(f"execution {fill.exec_id}", exc)

    def on_commission_corrected(self, exec_id: str, commission: Decimal) -> None:
        try:
            self._book.correct_commission(exec_id, commission, ChangeSource.BROKER)
        except Exception as exc:
            self._book.report_failure(f"commission correction of execution {exec_id}", exc)
