"""The order manager: the only owner of orders, from staging to a terminal state.

The order path::

    stage(intent) -> risk verdict -> PENDING_APPROVAL (approval queue)
        -> approve (human; WARN needs an override reason; BLOCK never) -> APPROVED
        -> broker.place_order -> SUBMITTED -> ACCEPTED -> (PARTIALLY_)FILLED / CANCELLED / ...

No order reaches a broker without passing :meth:`OrderManager.approve`. Every step is audited and
journaled. Broker reports (status updates, fills) arrive as events and go through the transition
table; fills are idempotent by execution id.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from eventkit import Event

from terminal.broker.base import Broker, BrokerError, ConnectionState, OrderStatusUpdate
from terminal.domain import (
    Clock,
    DomainError,
    Fill,
    Instrument,
    Order,
    OrderIntent,
    OrderRole,
    OrderStatus,
    VerdictLevel,
)
from terminal.oms.describe import intent_details, intent_summary
from terminal.oms.errors import (
    ApprovalRefused,
    SubmissionFailed,
    TradingHalted,
    UnknownOrder,
)
from terminal.oms.groups import GroupCoordinator
from terminal.oms.ports import AuditSink, OrderJournal, RiskCheck
from terminal.oms.reports import BrokerReports
from terminal.risk.state import TradingState, TradingStateMachine
from terminal.tasks import OwnedTasks

log = logging.getLogger(__name__)

#: Connection states in which orders may be sent (after 1100 or a drop, entry freezes).
LIVE_CONNECTION = frozenset({ConnectionState.CONNECTED, ConnectionState.DATA_LOST})

S = OrderStatus


def new_order_id() -> str:
    """Return a client order id unique across sessions and workstations."""
    return f"TT-{uuid.uuid4().hex[:16]}"


def counter_ids(prefix: str = "O") -> Callable[[], str]:
    """Return a deterministic id source (tests, benchmarks)."""
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers)}"


class OrderManager:
    """Stage, approve, submit and track orders.

    Events:
        order_updated(order: Order): a new snapshot of one order (any change).
        fill_recorded(fill: Fill): a fill seen for the first time (ours or placed elsewhere).
        approval_queue_changed(pending: list[Order]): the approval queue changed.
    """

    def __init__(
        self,
        broker: Broker,
        risk: RiskCheck,
        trading_state: TradingStateMachine,
        journal: OrderJournal,
        audit: AuditSink,
        clock: Clock,
        *,
        actor: str = "trader",
        ids: Callable[[], str] = new_order_id,
    ) -> None:
        self.broker = broker
        self.risk = risk
        self.trading_state = trading_state
        self.journal = journal
        self.audit = audit
        self.clock = clock
        self.actor = actor
        self._ids = ids
        self._orders: dict[str, Order] = {}
        self._by_broker_id: dict[str, str] = {}
        self._exec_ids: set[str] = set()
        self.tasks = OwnedTasks(self._task_failed)
        self.groups = GroupCoordinator(self)
        self.reports = BrokerReports(self)
        self.order_updated = Event("order_updated")
        self.fill_recorded = Event("fill_recorded")
        self.approval_queue_changed = Event("approval_queue_changed")
        broker.order_status_received += self._on_status
        broker.fill_received += self._on_fill

    # -- queries -----------------------------------------------------------------------------
    def get(self, order_id: str) -> Order:
        try:
            return self._orders[order_id]
        except KeyError:
            raise UnknownOrder(f"no order with id {order_id}") from None

    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(self) -> list[Order]:
        """Orders not in a terminal state (staged, pending approval, approved, working)."""
        return [o for o in self._orders.values() if o.status.is_open]

    def working_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if o.status.is_working]

    def pending_approvals(self) -> list[Order]:
        """The approval queue, oldest first; bracket children ride with their parent."""
        return [
            o
            for o in self._orders.values()
            if o.status is S.PENDING_APPROVAL and o.parent_id is None
        ]

    def group_members(self, group_id: str) -> list[Order]:
        return [o for o in self._orders.values() if o.group_id == group_id]

    def known_exec_ids(self) -> frozenset[str]:
        return frozenset(self._exec_ids)

    # -- start-up ----------------------------------------------------------------------------
    def restore(self, orders: Iterable[Order], exec_ids: Iterable[str]) -> None:
        """Load orders and seen execution ids from the database (before reconciliation)."""
        for order in orders:
            self._orders[order.id] = order
            if order.broker_order_id:
                self._by_broker_id[order.broker_order_id] = order.id
        self._exec_ids.update(exec_ids)
        self.approval_queue_changed.emit(self.pending_approvals())

    # -- staging -----------------------------------------------------------------------------
    def stage(self, intent: OrderIntent, *, allow_when_halted: bool = False) -> Order:
        """Check ``intent`` against risk and put it in the approval queue.

        Args:
            intent: A validated intent (bad prices/quantities fail when it is built).
            allow_when_halted: Stage even while HALTED (flatten-all); the verdict still BLOCKs
                until trading is re-armed, so nothing is sent.

        Raises:
            TradingHalted: trading is halted (kill switch); the attempt is audited.
        """
        state = self.trading_state.state
        if state is TradingState.HALTED and not allow_when_halted:
            self.audit.record(
                "stage_refused",
                intent.instrument.key,
                {"reason": "trading halted", "intent": intent_details(intent)},
            )
            raise TradingHalted(
                "trading is halted by the kill switch: re-arm before staging orders"
            )
        return self._stage_group([(intent, OrderRole.SINGLE, None)])[0]

    def stage_input(self, instrument: Instrument, **fields: Any) -> Order:
        """Build an intent from raw ticket input and stage it; audit a refusal.

        The order ticket, the ladder and the chain call this with what the trader typed, so a
        bad quantity or an off-tick price is refused with a message naming the problem *and*
        leaves an audit record, exactly like a refusal for risk or a halt.

        Raises:
            DomainError: the input does not make a valid order (nothing is staged or sent).
            TradingHalted: trading is halted.
        """
        try:
            intent = OrderIntent(instrument, **fields)
        except DomainError as exc:
            raw = {k: str(v) for k, v in fields.items()}
            self.audit.record("stage_refused", instrument.key, {"reason": str(exc), "input": raw})
            raise
        return self.stage(intent)

    def stage_bracket(
        self,
        parent: OrderIntent,
        take_profit: OrderIntent | None,
        stop_loss: OrderIntent | None,
    ) -> Order:
        """Stage a bracket: parent plus take-profit and/or stop-loss, approved as one.

        The children must be on the opposite side with the parent's quantity; they become
        live only after the parent fills and cancel each other (one-cancels-other).
        """
        children = [c for c in (take_profit, stop_loss) if c is not None]
        if not children:
            raise DomainError("a bracket needs a take-profit or a stop-loss")
        for child in children:
            if child.side is parent.side or child.quantity != parent.quantity:
                raise DomainError(
                    "bracket children must be on the opposite side with the parent's quantity"
                )
            if child.instrument.key != parent.instrument.key:
                raise DomainError("bracket children must be in the parent's instrument")
        if self.trading_state.state is TradingState.HALTED:
            self.audit.record("stage_refused", parent.instrument.key, {"reason": "trading halted"})
            raise TradingHalted(
                "trading is halted by the kill switch: re-arm before staging orders"
            )
        members: list[tuple[OrderIntent, OrderRole, str | None]] = [
            (parent, OrderRole.PARENT, None)
        ]
        if take_profit is not None:
            members.append((take_profit, OrderRole.TAKE_PROFIT, "oca"))
        if stop_loss is not None:
            members.append((stop_loss, OrderRole.STOP_LOSS, "oca"))
        return self._stage_group(members)[0]

    def stage_oco(self, intents: Sequence[OrderIntent]) -> list[Order]:
        """Stage a one-cancels-other group, approved together."""
        if len(intents) < 2:
            raise DomainError("an OCO group needs at least two orders")
        if self.trading_state.state is TradingState.HALTED:
            self.audit.record("stage_refused", intents[0].instrument.key, {"reason": "halted"})
            raise TradingHalted(
                "trading is halted by the kill switch: re-arm before staging orders"
            )
        return self._stage_group([(i, OrderRole.OCO_MEMBER, "oca") for i in intents])

    def _stage_group(self, members: list[tuple[OrderIntent, OrderRole, str | None]]) -> list[Order]:
        now = self.clock.now()
        first_id = self._ids()
        group_id = first_id if len(members) > 1 else None
        oca = f"OCA-{first_id}"
        staged: list[Order] = []
        open_orders = self.open_orders()
        for index, (intent, role, oca_flag) in enumerate(members):
            order_id = first_id if index == 0 else self._ids()
            # Children of a bracket reduce the parent's position: the parent's verdict covers them.
            parent_id = first_id if role in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS) else None
            verdict = self.risk.check(intent, open_orders) if parent_id is None else None
            order = Order(
                id=order_id,
                intent=intent,
                status=S.STAGED,
                created_at=now,
                updated_at=now,
                verdict=verdict,
                role=role,
                group_id=group_id,
                parent_id=parent_id,
                oca_group=oca if oca_flag else None,
            )
            self.risk.record_staged(intent)
            self._store(order, "staged", intent_summary(intent))
            self.audit.record(
                "stage",
                order_id,
                {
                    "intent": intent_details(intent),
                    "role": role.value,
                    "group_id": group_id,
                    "verdict": verdict.summary if verdict else "covered by parent",
                },
            )
            order = order.with_status(S.PENDING_APPROVAL, now)
            self._store(order, "pending approval", verdict.summary if verdict else "")
            staged.append(order)
            open_orders.append(order)
        self.approval_queue_changed.emit(self.pending_approvals())
        return staged

    # -- approval ----------------------------------------------------------------------------
    async def approve(self, order_id: str, *, override_reason: str | None = None) -> Order:
        """Approve a pending order (and its group) and send it to the broker.

        The risk check runs again at approval (the market may have moved); a BLOCK is refused,
        a WARN needs ``override_reason``. Approving an order that is no longer pending is
        refused, so a double click sends one order.

        Raises:
            ApprovalRefused: not pending, BLOCK, or WARN without an override reason.
            SubmissionFailed: the broker refused the order (it is marked rejected).
        """
        order = self.get(order_id)
        if order.parent_id is not None:
            order = self.get(order.parent_id)
        if order.status is not S.PENDING_APPROVAL:
            self.audit.record("approve_refused", order.id, {"reason": f"status {order.status}"})
            raise ApprovalRefused(f"order {order.id} is {order.status.value}, not pending approval")
        if self.broker.connection_state not in LIVE_CONNECTION:
            self.audit.record("approve_refused", order.id, {"reason": "broker connection down"})
            raise ApprovalRefused(
                "order entry is frozen while the broker connection is down; "
                "the order stays in the queue"
            )
        others = [
            o for o in self.open_orders() if o.group_id is None or o.group_id != order.group_id
        ]
        verdict = self.risk.check(
            order.intent, [o for o in others if o.id != order.id], recheck=True
        )
        if verdict.level is VerdictLevel.BLOCK:
            self.audit.record("approve_refused", order.id, {"verdict": verdict.summary})
            self._store(replace(order, verdict=verdict), "approval refused", verdict.summary)
            raise ApprovalRefused(f"blocked by risk: {verdict.summary}")
        reason = (override_reason or "").strip()
        if verdict.level is VerdictLevel.WARN and not reason:
            self.audit.record("approve_refused", order.id, {"verdict": verdict.summary})
            raise ApprovalRefused(f"needs an override reason: {verdict.summary}")
        now = self.clock.now()
        members = self.group_members(order.group_id) if order.group_id else [order]
        approved: list[Order] = []
        for member in members:
            if member.status is not S.PENDING_APPROVAL:
                continue
            updated = member.with_status(
                S.APPROVED,
                now,
                verdict=verdict if member.id == order.id else member.verdict,
                approved_by=self.actor,
                override_reason=reason or None,
            )
            self._store(updated, "approved", reason)
            approved.append(updated)
        self.audit.record(
            "approve",
            order.id,
            {
                "by": self.actor,
                "verdict": verdict.summary,
                "override_reason": reason or None,
                "members": [m.id for m in approved],
            },
        )
        self.approval_queue_changed.emit(self.pending_approvals())
        await self.groups.submit_approved(self.get(order.id))
        return self.get(order.id)

    def reject(self, order_id: str, reason: str = "") -> Order:
        """Reject a pending order (and its group) by the trader's decision."""
        order = self.get(order_id)
        if order.parent_id is not None:
            order = self.get(order.parent_id)
        if order.status is not S.PENDING_APPROVAL:
            raise ApprovalRefused(f"order {order.id} is {order.status.value}, not pending approval")
        now = self.clock.now()
        members = self.group_members(order.group_id) if order.group_id else [order]
        for member in members:
            if member.status is S.PENDING_APPROVAL:
                self._store(
                    member.with_status(S.REJECTED_BY_TRADER, now, reason=reason or "rejected"),
                    "rejected by trader",
                    reason,
                )
        self.audit.record("reject", order.id, {"by": self.actor, "reason": reason})
        self.approval_queue_changed.emit(self.pending_approvals())
        return self.get(order.id)

    def withdraw_pending(self, reason: str) -> list[Order]:
        """Cancel every order awaiting approval or held locally (kill switch)."""
        now = self.clock.now()
        withdrawn = []
        for order in list(self._orders.values()):
            if order.status in (S.STAGED, S.PENDING_APPROVAL) or (
                order.status is S.APPROVED and order.broker_order_id is None
            ):
                updated = order.with_status(S.CANCELLED, now, reason=reason)
                self._store(updated, "withdrawn", reason)
                withdrawn.append(updated)
        if withdrawn:
            self.audit.record(
                "withdraw", "pending", {"reason": reason, "orders": [o.id for o in withdrawn]}
            )
            self.approval_queue_changed.emit(self.pending_approvals())
        return withdrawn

    # -- submission (called by the group coordinator) -------------------------------------------
    async def submit(self, order: Order, *, more_follow: bool = False) -> Order:
        """Send one APPROVED order to the broker. Only approved orders can be sent.
        ``more_follow``: more members of its bracket are sent right after (see the port)."""
        if order.status is not S.APPROVED or order.approved_by is None:
            raise ApprovalRefused(f"order {order.id} has no approval record")
        try:
            broker_id = await self.broker.place_order(order, more_follow=more_follow)
        except (BrokerError, DomainError, OSError, TimeoutError) as exc:
            current = self.get(order.id)
            failed = current.with_status(S.REJECTED_BY_BROKER, self.clock.now(), reason=str(exc))
            self._store(failed, "submission failed", str(exc))
            self.audit.record("submit_failed", order.id, {"error": str(exc)})
            raise SubmissionFailed(f"{order.key}: {exc}") from exc
        current = self.get(order.id)
        self._by_broker_id[broker_id] = order.id
        if current.status is S.APPROVED:
            current = current.with_status(S.SUBMITTED, self.clock.now(), broker_order_id=broker_id)
        else:  # a report overtook the call's return; keep its status
            current = replace(current, broker_order_id=broker_id)
        self._store(current, "submitted", f"broker id {broker_id}")
        self.audit.record(
            "submit", order.id, {"broker": self.broker.name, "broker_order_id": broker_id}
        )
        return current

    # -- commands on working orders -------------------------------------------------------------
    async def cancel(self, order_id: str, reason: str = "cancelled by trader") -> Order:
        """Request cancellation; orders not yet at the broker are cancelled locally."""
        order = self.get(order_id)
        if order.status.is_terminal:
            raise UnknownOrder(f"order {order_id} is already {order.status.value}")
        now = self.clock.now()
        if order.status in (S.STAGED, S.PENDING_APPROVAL, S.APPROVED) and not order.broker_order_id:
            updated = order.with_status(S.CANCELLED, now, reason=reason)
            self._store(updated, "cancelled", reason)
            self.audit.record(
                "cancel", order_id, {"by": self.actor, "reason": reason, "local": True}
            )
            self.approval_queue_changed.emit(self.pending_approvals())
            return updated
        self.audit.record("cancel", order_id, {"by": self.actor, "reason": reason})
        if order.status is not S.CANCEL_REQUESTED:
            order = order.with_status(S.CANCEL_REQUESTED, now)
            self._store(order, "cancel requested", reason)
        await self.broker.cancel_order(order)
        return self.get(order_id)

    async def modify(
        self,
        order_id: str,
        *,
        quantity: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> Order:
        """Change quantity or prices of an order.

        A pending order is re-checked and stays pending; a working order is re-checked (a BLOCK
        refuses the change) and the change is sent to the broker.
        """
        order = self.get(order_id)
        if order.status.is_terminal or order.status is S.CANCEL_REQUESTED:
            raise ApprovalRefused(
                f"order {order_id} is {order.status.value} and cannot be modified"
            )
        changes: dict[str, object] = {}
        if quantity is not None:
            if quantity <= order.filled_quantity:
                raise DomainError(
                    f"new quantity {quantity} must exceed the filled quantity "
                    f"{order.filled_quantity}"
                )
            changes["quantity"] = quantity
        if limit_price is not None:
            changes["limit_price"] = limit_price
        if stop_price is not None:
            changes["stop_price"] = stop_price
        intent = replace(order.intent, **changes)  # type: ignore[arg-type]  # re-validates
        others = [o for o in self.open_orders() if o.id != order.id]
        verdict = self.risk.check(intent, others, recheck=True)
        details = {"by": self.actor, "changes": {k: str(v) for k, v in changes.items()}}
        if order.status.is_working and verdict.level is VerdictLevel.BLOCK:
            self.audit.record("modify_refused", order_id, {**details, "verdict": verdict.summary})
            raise ApprovalRefused(f"modification blocked by risk: {verdict.summary}")
        updated = replace(order, intent=intent, verdict=verdict, updated_at=self.clock.now())
        self._store(updated, "modified", intent_summary(intent))
        self.audit.record("modify", order_id, {**details, "verdict": verdict.summary})
        if updated.status.is_working:
            await self.broker.modify_order(updated)
        else:
            self.approval_queue_changed.emit(self.pending_approvals())
        return updated

    def mark_cancel_requested(self, reason: str) -> None:
        """Mark every working order CANCEL_REQUESTED (after a broker-wide cancel)."""
        now = self.clock.now()
        for order in self.working_orders():
            if order.status is not S.CANCEL_REQUESTED:
                self._store(order.with_status(S.CANCEL_REQUESTED, now), "cancel requested", reason)

    # -- broker reports (see reports.py) -------------------------------------------------------
    def _on_status(self, update: OrderStatusUpdate) -> None:
        self.reports.on_status(update)

    def _on_fill(self, fill: Fill) -> None:
        self.record_fill(fill)

    def apply_status(self, order: Order, update: OrderStatusUpdate) -> Order:
        """Apply a broker status report to ``order`` through the transition table."""
        return self.reports.apply_status(order, update)

    def record_fill(self, fill: Fill) -> bool:
        """Record a fill once (idempotent by exec id); return False for a duplicate."""
        return self.reports.record_fill(fill)

    def resolve(self, order_id: str | None, broker_order_id: str | None) -> Order | None:
        """Find one of our orders by client id or broker id."""
        if order_id and order_id in self._orders:
            return self._orders[order_id]
        if broker_order_id and broker_order_id in self._by_broker_id:
            return self._orders[self._by_broker_id[broker_order_id]]
        return None

    # -- plumbing ---------------------------------------------------------------------------------
    def _store(self, order: Order, event: str, detail: str = "") -> None:
        self._orders[order.id] = order
        self.journal.save_order(order)
        self.journal.append_order_event(order.id, order.updated_at, event, detail)
        self.order_updated.emit(order)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run ``coro`` as an owned task; errors are logged and audited, never lost."""
        self.tasks.spawn(coro, name)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        log.error("order task %s failed: %s", name, exc)
        self.audit.record("task_failed", name, {"error": str(exc)})

    async def aclose(self) -> None:
        """Cancel owned tasks and stop listening to the broker."""
        await self.tasks.cancel_all()
        self.broker.order_status_received -= self._on_status
        self.broker.fill_received -= self._on_fill

    async def idle(self) -> None:
        """Wait until owned tasks have finished (tests, shutdown)."""
        await self.tasks.idle()


__all__ = ["OrderManager", "counter_ids", "new_order_id"]
