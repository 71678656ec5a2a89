"""Commands to the broker: send an approved order, cancel, modify; the book records each.

Only an APPROVED order with an approval record is ever sent. What the broker call returns (its
order id, or its refusal) is applied to the book as one change; reports that follow arrive
through the broker's events (see :mod:`terminal.oms.intake`).
"""

from __future__ import annotations

import logging

from terminal.broker.base import Broker, BrokerError, OrderStatusUpdate
from terminal.domain import DomainError, Order, OrderIntent, OrderStatus, Verdict
from terminal.oms.book import OrderBook, is_local, owner_of
from terminal.oms.changes import ChangeSource, OrderChange, cancellation
from terminal.oms.errors import (
    MissingApproval,
    ModifyFailed,
    NotPermitted,
    SubmissionFailed,
    UnknownOrder,
)
from terminal.oms.reports import modify_rejected

log = logging.getLogger(__name__)

S = OrderStatus


class Dispatcher:
    """Send orders, cancels and modifications to ``broker``, applying the outcome to ``book``."""

    def __init__(self, book: OrderBook, broker: Broker) -> None:
        self._book = book
        self._broker = broker

    async def submit(
        self, order_id: str, *, source: ChangeSource, more_follow: bool = False
    ) -> Order:
        """Send one APPROVED order. ``more_follow``: more members of its bracket follow at once
        (see the Broker port).

        Raises:
            MissingApproval: the order is not APPROVED or has no approver (a bug upstream).
            SubmissionFailed: the broker refused or failed the call; the order is rejected.
        """
        order = self._book.get(order_id)
        if order.status is not S.APPROVED or order.approved_by is None:
            raise MissingApproval(f"order {order.id} ({order.status.value}) has no approval")
        try:
            broker_id = await self._broker.place_order(order, more_follow=more_follow)
        except (BrokerError, DomainError, OSError, TimeoutError) as exc:
            self._book.apply(
                OrderChange(
                    order_id=order_id,
                    action="submit_failed",
                    source=source,
                    status=S.REJECTED_BY_BROKER if self._still_approved(order_id) else None,
                    reason=str(exc),
                    details={"error": str(exc)},
                    note=str(exc),
                )
            )
            raise SubmissionFailed(f"{order.key}: {exc}") from exc
        current = self._book.get(order_id)
        # Cancelled here while the call was on its way (the kill switch, the trader): the order
        # is at the broker all the same, so it is cancelled there too.
        withdrawn = current.status is S.CANCELLED and current.broker_order_id is None
        self._book.apply(
            OrderChange(
                order_id=order_id,
                action="submit",
                source=source,
                # A report that overtook the call's return already moved the order on.
                status=S.SUBMITTED if current.status is S.APPROVED else None,
                broker_order_id=broker_id,
                details={"broker": self._broker.name, "broker_order_id": broker_id},
                note=f"broker id {broker_id}",
            )
        )
        submitted = self._book.get(order_id)
        if withdrawn:
            log.warning("order %s was cancelled while it was being sent: cancelling it", order_id)
            await self._broker.cancel_order(submitted)
        return submitted

    def _refuse_foreign(self, order: Order, what: str) -> None:
        """Only the terminal that staged an order talks to the broker about it (desk mode)."""
        if not self._book.owns(order):
            raise NotPermitted(
                f"{what} {order.id}: it was staged on workstation {owner_of(order)}, "
                "which sends it; ask there (the kill switch reaches every terminal)"
            )

    def _still_approved(self, order_id: str) -> bool:
        return self._book.get(order_id).status is S.APPROVED

    async def cancel(self, order_id: str, *, reason: str, by: str, source: ChangeSource) -> Order:
        """Cancel an order: locally when no broker has it yet, else request it at the broker.

        Raises:
            UnknownOrder: no such order, or it is already closed.
        """
        order = self._book.get(order_id)
        if order.status.is_terminal:
            raise UnknownOrder(f"order {order_id} is already {order.status.value}")
        self._refuse_foreign(order, "cannot cancel")
        if is_local(order):
            change = cancellation(order_id, source, status=S.CANCELLED, by=by, reason=reason)
            self._book.apply(change)
            return self._book.get(order_id)
        # Asked again while the first request is pending: sent again, recorded again.
        status = S.CANCEL_REQUESTED if order.status is not S.CANCEL_REQUESTED else None
        self._book.apply(cancellation(order_id, source, status=status, by=by, reason=reason))
        await self._broker.cancel_order(self._book.get(order_id))
        return self._book.get(order_id)

    async def modify(
        self,
        order_id: str,
        intent: OrderIntent,
        verdict: Verdict,
        *,
        details: dict[str, object],
        note: str,
    ) -> Order:
        """Change a pending or working order; a working one is changed at the broker too.

        The book takes the new terms at once (the trader sees what was asked for while it is on
        its way). When the broker refuses the call, the order goes back to the terms it had,
        which the broker still holds: it keeps working, the refusal is audited
        (``modify_rejected``) and raised. A refusal the broker reports later goes the same way
        (:func:`terminal.oms.reports.modify_rejected`).

        Raises:
            ModifyFailed: the broker refused or failed the call; the order is as it was.
        """
        before = self._book.get(order_id)
        self._refuse_foreign(before, "cannot modify")
        self._book.apply(
            OrderChange(
                order_id=order_id,
                action="modify",
                source=ChangeSource.TRADER,
                intent=intent,
                verdict=verdict,
                details=details,
                note=note,
            )
        )
        updated = self._book.get(order_id)
        if not updated.status.is_working:
            return updated
        try:
            await self._broker.modify_order(updated)
        except (BrokerError, DomainError, OSError, TimeoutError) as exc:
            self._modify_failed(order_id, before.intent, exc)
            raise ModifyFailed(f"{updated.key}: modification not made: {exc}") from exc
        return self._book.get(order_id)

    def _modify_failed(self, order_id: str, previous: OrderIntent, exc: BaseException) -> None:
        """The broker call failed: put the terms back (what the broker still holds)."""
        current = self._book.get(order_id)
        update = OrderStatusUpdate(
            order_id,
            current.broker_order_id or "",
            current.status,
            reason=f"modification refused by {self._broker.name}: {exc}",
            modify_rejected=True,
        )
        log.warning("order %s: %s", order_id, update.reason)
        for change in modify_rejected(current, update, ChangeSource.BROKER, previous):
            self._book.apply(change)
