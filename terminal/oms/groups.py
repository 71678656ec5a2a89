"""Brackets and one-cancels-other groups, native where the broker has them, managed otherwise.

Native (``BrokerCapabilities.native_brackets`` / ``native_oca``): every member is sent at approval
and the broker activates children and cancels siblings itself.

Managed: the bracket's children are held locally (APPROVED, no broker id) until the parent
fills, then sent for the filled quantity; when any member of an OCO group fills, the working
siblings are cancelled at once. A broker without native OCO cannot guarantee that two siblings
never both fill (a race at the exchange); the managed path narrows it to the cancel latency.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from terminal.broker.base import BrokerCapabilities
from terminal.domain import Fill, Order, OrderRole, OrderStatus

if TYPE_CHECKING:
    from terminal.oms.manager import OrderManager

log = logging.getLogger(__name__)

S = OrderStatus


class GroupCoordinator:
    """Submit approved groups and keep their members consistent as reports arrive."""

    def __init__(self, manager: OrderManager) -> None:
        self._manager = manager

    @property
    def _caps(self) -> BrokerCapabilities:
        return self._manager.broker.capabilities

    def _siblings(self, order: Order) -> list[Order]:
        if order.group_id is None:
            return []
        return [o for o in self._manager.group_members(order.group_id) if o.id != order.id]

    async def submit_approved(self, order: Order) -> None:
        """Send a freshly approved order or group according to the broker's capabilities."""
        manager = self._manager
        if order.group_id is None:
            await manager.submit(order)
            return
        members = manager.group_members(order.group_id)
        if order.role is OrderRole.PARENT:
            children = [m for m in members if m.parent_id == order.id]
            native = self._caps.native_brackets
            try:
                await manager.submit(order, more_follow=native and bool(children))
            except Exception:
                self._cancel_held(children, "parent order was not accepted")
                raise
            if native:
                for i, child in enumerate(children):
                    last = i == len(children) - 1
                    await manager.submit(manager.get(child.id), more_follow=not last)
            else:
                for child in children:
                    manager.audit.record(
                        "held", child.id, {"until": "parent fills", "parent": order.id}
                    )
            return
        # OCO group: every member goes out; siblings are cancelled on fill (natively or here).
        for member in members:
            current = manager.get(member.id)
            if current.status is S.APPROVED:
                await manager.submit(current)

    def on_order_changed(self, order: Order, fill: Fill | None = None) -> None:
        """React to a member's new state: release or cancel held children, cancel siblings."""
        if order.group_id is None:
            return
        if order.role is OrderRole.PARENT and not self._caps.native_brackets:
            self._parent_changed(order)
        if fill is not None and order.oca_group and not self._caps.native_oca:
            self._cancel_siblings(order)

    def _parent_changed(self, parent: Order) -> None:
        held = [
            c
            for c in self._siblings(parent)
            if c.parent_id == parent.id and c.status is S.APPROVED and c.broker_order_id is None
        ]
        if not held:
            return
        if parent.status is S.FILLED:
            self._release(held, parent.filled_quantity)
        elif parent.status.is_terminal:
            if parent.filled_quantity > 0:
                self._release(held, parent.filled_quantity)
            else:
                self._cancel_held(held, f"parent {parent.status.value}")

    def _release(self, children: list[Order], quantity: Decimal) -> None:
        manager = self._manager
        for child in children:
            if child.intent.quantity != quantity:
                resized = replace(child, intent=replace(child.intent, quantity=quantity))
                manager._store(resized, "resized", f"to parent's filled quantity {quantity}")
            manager.spawn(self._submit_child(child.id), name=f"release-{child.id}")

    async def _submit_child(self, order_id: str) -> None:
        current = self._manager.get(order_id)
        if current.status is S.APPROVED:
            await self._manager.submit(current)

    def _cancel_held(self, orders: list[Order], reason: str) -> None:
        manager = self._manager
        now = manager.clock.now()
        for order in orders:
            current = manager.get(order.id)
            if current.status is S.APPROVED and current.broker_order_id is None:
                manager._store(
                    current.with_status(S.CANCELLED, now, reason=reason), "cancelled", reason
                )

    def _cancel_siblings(self, filled: Order) -> None:
        manager = self._manager
        for sibling in self._siblings(filled):
            if sibling.oca_group != filled.oca_group:
                continue
            if sibling.status is S.APPROVED and sibling.broker_order_id is None:
                self._cancel_held([sibling], f"one-cancels-other: {filled.id} filled")
            elif sibling.status.is_working and sibling.status is not S.CANCEL_REQUESTED:
                manager.spawn(
                    manager.cancel(sibling.id, reason=f"one-cancels-other: {filled.id} filled"),
                    name=f"oca-cancel-{sibling.id}",
                )
