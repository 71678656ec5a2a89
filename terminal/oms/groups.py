"""Brackets and one-cancels-other groups, native where the broker has them, managed otherwise.

Native (``BrokerCapabilities.native_brackets`` / ``native_oca``): every member is sent at approval
and the broker activates children and cancels siblings itself.

Managed: the bracket's children are held locally (APPROVED, no broker id) until the parent
fills, then sent for the filled quantity; when any member of an OCO group fills, the working
siblings are cancelled at once. A broker without native OCO cannot guarantee that two siblings
never both fill (a race at the exchange); the managed path narrows it to the cancel latency.

The coordinator owns no order state. It is handed the book (to read and to hand changes to) and
callables to submit, cancel and run tasks, and it reacts to the book's ``order_changed`` event:
whatever ended a parent (a broker report, reconciliation, the kill switch, a failed submission),
its held children follow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from terminal.broker.base import BrokerCapabilities
from terminal.domain import Order, OrderRole, OrderStatus
from terminal.oms.book import OrderBook
from terminal.oms.changes import ChangeSource, OrderChange, cancellation

log = logging.getLogger(__name__)

S = OrderStatus

#: Who the audit trail names for what the coordinator does on its own.
BY = "group coordination"


class SubmitOrder(Protocol):
    def __call__(
        self, order_id: str, *, source: ChangeSource, more_follow: bool = False
    ) -> Coroutine[Any, Any, Order]: ...


class CancelOrder(Protocol):
    def __call__(
        self, order_id: str, *, reason: str, by: str, source: ChangeSource
    ) -> Coroutine[Any, Any, Order]: ...


Spawn = Callable[[Coroutine[Any, Any, Any], str], object]


def _held(order: Order) -> bool:
    return order.status is S.APPROVED and order.broker_order_id is None


def _cancellable(order: Order) -> bool:
    return order.status.is_working and order.status is not S.CANCEL_REQUESTED


class GroupCoordinator:
    """Submit approved groups and keep their members consistent as the book changes."""

    def __init__(
        self,
        book: OrderBook,
        capabilities: BrokerCapabilities,
        *,
        submit: SubmitOrder,
        cancel: CancelOrder,
        spawn: Spawn,
    ) -> None:
        self._book = book
        self._caps = capabilities
        self._submit = submit
        self._cancel = cancel
        self._spawn = spawn
        book.order_changed += self._on_changed

    def close(self) -> None:
        self._book.order_changed -= self._on_changed

    # -- at approval -------------------------------------------------------------------------
    async def submit_approved(self, order: Order) -> None:
        """Send a freshly approved order or group according to the broker's capabilities."""
        trader = ChangeSource.TRADER
        if order.group_id is None:
            await self._submit(order.id, source=trader)
            return
        members = self._book.group_members(order.group_id)
        if order.role is OrderRole.PARENT:
            children = [m.id for m in members if m.parent_id == order.id]
            native = self._caps.native_brackets
            # A parent that fails takes its held children with it (see _parent_changed).
            await self._submit(order.id, source=trader, more_follow=native and bool(children))
            for i, child_id in enumerate(children):
                if not _held(self._book.get(child_id)):
                    continue  # the parent ended meanwhile and took its children with it
                if native:
                    await self._submit(child_id, source=trader, more_follow=i < len(children) - 1)
                else:
                    self._note_held(child_id, order.id)
            return
        # OCO group: every member goes out; siblings are cancelled on fill (natively or here).
        for member in members:
            if _held(self._book.get(member.id)):
                await self._submit(member.id, source=trader)

    def _note_held(self, child_id: str, parent_id: str) -> None:
        self._book.apply(
            OrderChange(
                order_id=child_id,
                action="held",
                source=ChangeSource.GROUP,
                details={"until": "parent fills", "parent": parent_id},
                note=f"held until {parent_id} fills",
            )
        )

    # -- reactions to the book -----------------------------------------------------------------
    def _on_changed(self, before: Order | None, after: Order, change: OrderChange) -> None:
        try:
            if after.group_id is None:
                return
            if after.role is OrderRole.PARENT:
                self._parent_changed(after)
            if change.fill is not None and after.oca_group and not self._caps.native_oca:
                self._cancel_siblings(after)
        except Exception as exc:  # an event handler: the failure must not vanish in eventkit
            self._book.report_failure(f"group reaction to {change.action} of {after.id}", exc)

    def _parent_changed(self, parent: Order) -> None:
        if not parent.status.is_terminal:
            return
        if parent.status is S.FILLED and parent.filled_quantity < parent.intent.quantity:
            return  # reported filled before its executions arrived: wait for the quantities
        held = [
            c
            for c in self._book.group_members(parent.group_id or "")
            if c.parent_id == parent.id and _held(c)
        ]
        if not held:
            return
        if parent.filled_quantity == 0:
            # Whatever ended the parent unfilled, its unsent children must never go out.
            self._cancel_held(held, f"parent {parent.status.value}")
        elif not self._caps.native_brackets:
            self._release(held, parent.filled_quantity)

    def _release(self, children: list[Order], quantity: Decimal) -> None:
        for child in children:
            if child.intent.quantity != quantity:
                self._book.apply(
                    OrderChange(
                        order_id=child.id,
                        action="resize",
                        source=ChangeSource.GROUP,
                        intent=replace(child.intent, quantity=quantity),
                        details={"quantity": quantity, "was": child.intent.quantity},
                        note=f"to parent's filled quantity {quantity}",
                    )
                )
            self._spawn(self._submit_held(child.id), f"release-{child.id}")

    async def _submit_held(self, order_id: str) -> None:
        if _held(self._book.get(order_id)):
            await self._submit(order_id, source=ChangeSource.GROUP)

    def _cancel_held(self, orders: list[Order], reason: str) -> None:
        for order in orders:
            if not _held(self._book.get(order.id)):
                continue
            self._book.apply(
                cancellation(order.id, ChangeSource.GROUP, status=S.CANCELLED, by=BY, reason=reason)
            )

    def _cancel_siblings(self, filled: Order) -> None:
        reason = f"one-cancels-other: {filled.id} filled"
        for sibling in self._book.group_members(filled.group_id or ""):
            if sibling.id == filled.id or sibling.oca_group != filled.oca_group:
                continue
            if _held(sibling):
                self._cancel_held([sibling], reason)
            elif _cancellable(sibling):
                self._spawn(self._cancel_working(sibling.id, reason), f"oca-cancel-{sibling.id}")

    async def _cancel_working(self, order_id: str, reason: str) -> None:
        if _cancellable(self._book.get(order_id)):  # it may have ended since
            await self._cancel(order_id, reason=reason, by=BY, source=ChangeSource.GROUP)
