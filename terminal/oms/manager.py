"""The order manager: the trader's commands on orders, from staging to a terminal state.

The order path::

    stage(intent) -> risk verdict -> PENDING_APPROVAL (approval queue)
        -> approve (human; WARN needs an override reason; BLOCK never) -> APPROVED
        -> broker.place_order -> SUBMITTED -> ACCEPTED -> (PARTIALLY_)FILLED / CANCELLED / ...

No order reaches a broker without passing :meth:`OrderManager.approve`. The manager holds no
order state: it decides (risk, approval rules, halts) and hands the resulting changes to the
:class:`~terminal.oms.book.OrderBook`, which checks, journals, audits and publishes each one.
It builds the book's collaborators and points them one way::

    OrderManager -> Staging -> OrderBook                          (intents)
    OrderManager -> GroupCoordinator -> Dispatcher -> broker      (commands)
    broker -> BrokerIntake -> reports (translation) -> OrderBook  (reports)
    OrderBook --order_changed--> GroupCoordinator                 (reactions)
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from terminal.broker.base import Broker, ConnectionState
from terminal.domain import (
    Clock,
    DomainError,
    Fill,
    Instrument,
    Order,
    OrderIntent,
    OrderStatus,
    VerdictLevel,
)
from terminal.oms.book import OrderBook
from terminal.oms.changes import ChangeSource, OrderChange, cancellation
from terminal.oms.describe import intent_market, intent_summary
from terminal.oms.dispatch import Dispatcher
from terminal.oms.errors import ApprovalRefused, NotPermitted, SubmissionFailed
from terminal.oms.groups import GroupCoordinator
from terminal.oms.intake import BrokerIntake
from terminal.oms.ports import AuditSink, OrderGate, OrderJournal, QuoteLookup, RiskCheck
from terminal.oms.staging import Staging
from terminal.risk.state import TradingStateMachine
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
    """Stage, approve, reject, cancel and modify orders; every change goes to :attr:`book`.

    Events (the book's, re-exported so views subscribe where they always did):
        order_updated(order: Order): a new snapshot of one order (any change).
        fill_recorded(fill: Fill): a fill seen for the first time (ours or placed elsewhere).
        fill_corrected(before: Fill, after: Fill): the broker corrected a fill's commission.
        commission_unmatched(exec_id: str, commission: Decimal): a correction for an execution
            this session did not record (warned).
        approval_queue_changed(pending: list[Order]): the approval queue may have changed.
        error_occurred(where: str, message: str): a step nobody awaits failed (critical).
        modify_rejected(order: Order, reason: str): the broker refused a modification; the
            order is back at the terms the broker holds (``order``) and keeps working.
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
        gate: OrderGate | None = None,
        workstation: str | None = None,
        quotes: QuoteLookup | None = None,
    ) -> None:
        self.broker = broker
        #: The last quotes: the ``stage`` and ``approve`` records note the mid (analytics).
        self.quotes = quotes
        self.risk = risk
        self.trading_state = trading_state
        self.audit = audit
        self.clock = clock
        self.actor = actor
        self.book = OrderBook(journal, audit, clock, workstation=workstation)
        self.staging = Staging(self.book, risk, trading_state, clock, ids, gate, quotes)
        self.tasks = OwnedTasks(self._task_failed)
        self.dispatch = Dispatcher(self.book, broker)
        self.groups = GroupCoordinator(
            self.book,
            broker.capabilities,
            submit=self.dispatch.submit,
            cancel=self.dispatch.cancel,
            spawn=self.spawn,
        )
        self.intake = BrokerIntake(self.book, broker)
        #: Heads of groups another terminal approved that this one is sending (sent once).
        self._desk_sending: set[str] = set()
        self.order_updated = self.book.order_updated
        self.fill_recorded = self.book.fill_recorded
        self.fill_corrected = self.book.fill_corrected
        self.commission_unmatched = self.book.commission_unmatched
        self.approval_queue_changed = self.book.approval_queue_changed
        self.error_occurred = self.book.error_occurred
        self.modify_rejected = self.book.modify_rejected

    # -- queries (the book's) --------------------------------------------------------------------
    def get(self, order_id: str) -> Order:
        return self.book.get(order_id)

    def orders(self) -> list[Order]:
        return self.book.orders()

    def open_orders(self) -> list[Order]:
        return self.book.open_orders()

    def working_orders(self) -> list[Order]:
        return self.book.working_orders()

    def pending_approvals(self) -> list[Order]:
        return self.book.pending_approvals()

    def group_members(self, group_id: str) -> list[Order]:
        return self.book.group_members(group_id)

    def withdraw_pending(
        self, reason: str, *, by: str | None = None, source: ChangeSource = ChangeSource.TRADER
    ) -> list[Order]:
        """Cancel every order of this terminal not yet at the broker (staged, awaiting approval
        or held), each one a change of the book; return them as they were. On a desk, every
        other terminal withdraws its own."""
        withdrawn = [o for o in self.book.local_orders() if self.book.owns(o)]
        for order in withdrawn:
            self.book.apply(
                cancellation(
                    order.id,
                    source,
                    status=S.CANCELLED,
                    by=by or self.actor,
                    reason=reason,
                    action="withdraw",
                )
            )
        return withdrawn

    # -- start-up ----------------------------------------------------------------------------
    def restore(
        self, orders: Iterable[Order], exec_ids: Iterable[str], fills: Iterable[Fill] = ()
    ) -> None:
        """Load orders, seen execution ids and recent fills from the database (before
        reconciliation; see :meth:`OrderBook.restore`)."""
        self.book.restore(orders, exec_ids, fills)

    # -- staging (see terminal.oms.staging) -----------------------------------------------------
    def stage(self, intent: OrderIntent, *, allow_when_halted: bool = False) -> Order:
        """Check ``intent`` against risk and queue it for approval (see :class:`Staging`)."""
        return self.staging.stage(intent, by=self.actor, allow_when_halted=allow_when_halted)

    def stage_input(self, instrument: Instrument, **fields: Any) -> Order:
        """Stage what the trader typed; a bad input is refused and audited."""
        return self.staging.stage_input(instrument, by=self.actor, **fields)

    def stage_bracket(
        self,
        parent: OrderIntent,
        take_profit: OrderIntent | None,
        stop_loss: OrderIntent | None,
    ) -> Order:
        """Stage a bracket, approved as one (:meth:`Staging.stage_bracket`)."""
        return self.staging.stage_bracket(parent, take_profit, stop_loss, by=self.actor)

    def stage_oco(self, intents: Sequence[OrderIntent]) -> list[Order]:
        """Stage a one-cancels-other group, approved together."""
        return self.staging.stage_oco(intents, by=self.actor)

    @property
    def gate(self) -> OrderGate:
        """What the signed-in desk user may do (the staging's gate; one place)."""
        return self.staging.gate

    @gate.setter
    def gate(self, gate: OrderGate) -> None:
        self.staging.gate = gate

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
        order = self._group_head(order_id)
        if order.status is not S.PENDING_APPROVAL:
            self.audit.record("approve_refused", order.id, {"reason": f"status {order.status}"})
            raise ApprovalRefused(f"order {order.id} is {order.status.value}, not pending approval")
        if order.intent.combo is not None and not self.broker.capabilities.combos:
            why = f"the {self.broker.name} broker does not take combo orders yet"
            self.audit.record("approve_refused", order.id, {"reason": why, "by": self.actor})
            raise ApprovalRefused(f"{why}; the order stays in the queue (reject it to remove it)")
        if self.broker.connection_state not in LIVE_CONNECTION:
            self.audit.record("approve_refused", order.id, {"reason": "broker connection down"})
            raise ApprovalRefused(
                "order entry is frozen while the broker connection is down; "
                "the order stays in the queue"
            )
        refusal = self.gate.decision_refusal(order, approving=True)
        if refusal is not None:
            self.audit.record(
                "approve_refused", order.id, {"reason": refusal, "by": self.actor, "rule": "desk"}
            )
            raise NotPermitted(refusal)
        others = [
            o
            for o in self.book.open_orders()
            if o.id != order.id and (o.group_id is None or o.group_id != order.group_id)
        ]
        verdict = self.risk.check(order.intent, others, recheck=True)
        if verdict.level is VerdictLevel.BLOCK:
            self.book.apply(
                OrderChange(
                    order_id=order.id,
                    action="approve_refused",
                    source=ChangeSource.TRADER,
                    verdict=verdict,
                    details={"verdict": verdict.summary, "by": self.actor},
                    note=verdict.summary,
                )
            )
            raise ApprovalRefused(f"blocked by risk: {verdict.summary}")
        reason = (override_reason or "").strip()
        if verdict.level is VerdictLevel.WARN and not reason:
            self.audit.record("approve_refused", order.id, {"verdict": verdict.summary})
            raise ApprovalRefused(f"needs an override reason: {verdict.summary}")
        members = self._pending_members(order)
        for member in members:
            self.book.apply(
                OrderChange(
                    order_id=member.id,
                    action="approve",
                    source=ChangeSource.TRADER,
                    status=S.APPROVED,
                    verdict=verdict if member.id == order.id else None,
                    approved_by=self.actor,
                    override_reason=reason or None,
                    details={
                        "by": self.actor,
                        "verdict": verdict.summary,
                        "override_reason": reason or None,
                        "decision": order.id,
                        "members": [m.id for m in members],
                        **self._market(member),
                    },
                    note=reason,
                )
            )
        approved = self.book.get(order.id)
        if self.book.owns(approved):
            await self.groups.submit_approved(approved)
        # Else the terminal that staged it sends it when it hears of the approval.
        return self.book.get(order.id)

    def submit_desk_approval(self, order: Order) -> bool:
        """Send an order of ours that another terminal approved, once its whole group is.

        Called by the desk sync after it applied the approval. Returns whether the group went
        out now (False: not ours, not a group head, or members still awaiting approval).
        """
        head = self._group_head(order.id)
        if not self.book.owns(head) or head.status is not S.APPROVED:
            return False
        if head.broker_order_id is not None or head.id in self._desk_sending:
            return False
        members = self.book.group_members(head.group_id) if head.group_id else [head]
        if any(m.status is S.PENDING_APPROVAL for m in members):
            return False
        self._desk_sending.add(head.id)
        self.spawn(self.groups.submit_approved(head), f"desk-approved-{head.id}")
        return True

    def reject(self, order_id: str, reason: str = "") -> Order:
        """Reject a pending order (and its group) by the trader's decision."""
        order = self._group_head(order_id)
        if order.status is not S.PENDING_APPROVAL:
            raise ApprovalRefused(f"order {order.id} is {order.status.value}, not pending approval")
        refusal = self.gate.decision_refusal(order, approving=False)
        if refusal is not None:
            self.audit.record(
                "reject_refused", order.id, {"reason": refusal, "by": self.actor, "rule": "desk"}
            )
            raise NotPermitted(refusal)
        for member in self._pending_members(order):
            self.book.apply(
                OrderChange(
                    order_id=member.id,
                    action="reject",
                    source=ChangeSource.TRADER,
                    status=S.REJECTED_BY_TRADER,
                    reason=reason or "rejected",
                    details={"by": self.actor, "reason": reason, "decision": order.id},
                    note=reason,
                )
            )
        return self.book.get(order.id)

    def _market(self, order: Order) -> dict[str, str]:
        """The market an approval saw (an OCO group may span instruments: each its own)."""
        if self.quotes is None:
            return {}
        return intent_market(order.intent, self.quotes.last_quote)

    def _group_head(self, order_id: str) -> Order:
        """The order a decision is about: a bracket child is decided with its parent."""
        order = self.book.get(order_id)
        return self.book.get(order.parent_id) if order.parent_id is not None else order

    def _pending_members(self, head: Order) -> list[Order]:
        members = self.book.group_members(head.group_id) if head.group_id else [head]
        return [m for m in members if m.status is S.PENDING_APPROVAL]

    # -- commands on working orders -------------------------------------------------------------
    async def cancel(self, order_id: str, reason: str = "cancelled by trader") -> Order:
        """Request cancellation; orders not yet at the broker are cancelled locally.

        Raises:
            UnknownOrder: no such order, or it is already closed.
        """
        return await self.dispatch.cancel(
            order_id, reason=reason, by=self.actor, source=ChangeSource.TRADER
        )

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
        order = self.book.get(order_id)
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
        others = [o for o in self.book.open_orders() if o.id != order.id]
        verdict = self.risk.check(intent, others, recheck=True, oca_group=order.oca_group)
        details: Mapping[str, object] = {
            "by": self.actor,
            "changes": {k: str(v) for k, v in changes.items()},
            "verdict": verdict.summary,
        }
        if order.status.is_working and verdict.level is VerdictLevel.BLOCK:
            self.audit.record("modify_refused", order_id, details)
            raise ApprovalRefused(f"modification blocked by risk: {verdict.summary}")
        return await self.dispatch.modify(
            order_id, intent, verdict, details=dict(details), note=intent_summary(intent)
        )

    # -- plumbing ---------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run ``coro`` as an owned task; a failure is reported through the book."""
        self.tasks.spawn(coro, name)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        if isinstance(exc, SubmissionFailed):
            # The order is marked rejected by the broker, which alerts the trader already.
            log.warning("order task %s: %s", name, exc)
            self.audit.record("task_failed", name, {"error": str(exc)})
            return
        self.book.report_failure(f"task {name}", exc)

    async def aclose(self) -> None:
        """Cancel owned tasks and stop listening to the broker and the book."""
        await self.tasks.cancel_all()
        self.intake.close()
        self.groups.close()

    async def idle(self) -> None:
        """Wait until owned tasks have finished (tests, shutdown)."""
        await self.tasks.idle()


__all__ = ["OrderManager", "counter_ids", "new_order_id"]
