"""The order book: the one holder of this session's orders and the one place that changes them.

Every change to an order, whoever causes it (the trader, a broker report, bracket/OCO
coordination, reconciliation, the kill switch, a restart), arrives here as an
:class:`~terminal.oms.changes.OrderChange` and goes through :meth:`OrderBook.apply`, which:

1. checks it against the lifecycle table (an illegal step raises before anything is written),
2. stores the new snapshot and keeps the broker-id and execution-id maps,
3. journals it (order row, order event, fill row),
4. writes exactly one audit record (with the order-state block of :mod:`terminal.oms.trail`),
5. publishes it.

A broker's late correction of an execution's commission (IB: a commission report that came
after the adapter stopped waiting for it) is not an order change;
:meth:`OrderBook.correct_commission` is its one write path: the recorded fill is replaced,
journaled, audited once and published.

Collaborators hold the book and hand it changes; none of them keeps or writes order state.

On a desk (docs/desk-mode.md) the book also holds the orders of the other terminals, and each
order has an owner: the workstation that staged it (``extra["workstation"]``), the only one that
talks to the broker about it. A change another terminal made arrives as a DESK change carrying
its stored snapshot: the book checks that the snapshot follows what it holds in the lifecycle,
stores and publishes it, and neither journals nor audits it (its maker did, once, in the same
database).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from eventkit import Event

from terminal.domain import Clock, Fill, Order, OrderIntent, OrderStatus
from terminal.domain.combo_fills import add_leg_fill
from terminal.domain.lifecycle import can_reach
from terminal.oms.changes import ChangeSource, OrderChange
from terminal.oms.errors import OrderBookError, UnknownOrder
from terminal.oms.ports import AuditSink, OrderJournal
from terminal.oms.trail import ORDER_STATE, order_state

log = logging.getLogger(__name__)

S = OrderStatus


def is_local(order: Order) -> bool:
    """Not at a broker yet: staged, awaiting approval, or approved and held on this desk."""
    return order.status in (S.STAGED, S.PENDING_APPROVAL) or (
        order.status is S.APPROVED and order.broker_order_id is None
    )


#: ``Order.extra`` key naming the workstation that staged (and owns) an order.
OWNER = "workstation"
#: ``Order.extra`` key naming who staged it.
STAGED_BY = "staged_by"


def owner_of(order: Order) -> str | None:
    return order.extra.get(OWNER) or None


def fill_details(fill: Fill) -> dict[str, object]:
    return {
        "exec_id": fill.exec_id,
        "instrument": fill.key,
        "side": fill.side.value,
        "quantity": fill.quantity,
        "price": fill.price,
        "commission": fill.commission,
    }


class OrderBook:
    """Orders by client id, the broker-id and execution-id maps, and :meth:`apply`.

    Events:
        order_updated(order: Order): a new snapshot of one order (after every change).
        order_changed(before: Order | None, after: Order, change: OrderChange): the same change
            with its cause; bracket/OCO coordination reacts to it.
        fill_recorded(fill: Fill): an execution seen for the first time (ours or placed
            elsewhere).
        fill_corrected(before: Fill, after: Fill): the broker corrected the commission of an
            execution recorded this session; ``after`` is the fill as it now stands.
        commission_unmatched(exec_id: str, commission: Decimal): a commission correction for an
            execution this session did not record (logged and audited; the trader is warned).
        approval_queue_changed(pending: list[Order]): an order not yet at a broker (staged,
            awaiting approval, or held) changed, so the approval queue may have.
        error_occurred(where: str, message: str): a step of the order path failed where nobody
            awaits it (a broker report, a group reaction, a background task): a bug or a
            failure the trader must hear about; the composition root raises a critical alert.
    """

    def __init__(
        self,
        journal: OrderJournal,
        audit: AuditSink,
        clock: Clock,
        *,
        workstation: str | None = None,
    ) -> None:
        #: This terminal's workstation: it owns the orders staged here (None: every order).
        self.workstation = workstation
        self._journal = journal
        self._audit = audit
        self._clock = clock
        self._orders: dict[str, Order] = {}
        self._by_broker_id: dict[str, str] = {}
        self._exec_ids: set[str] = set()
        #: The fills recorded this session, by exec id (what a commission correction replaces).
        self._fills: dict[str, Fill] = {}
        #: The terms of working orders before their last modification, while the broker may
        #: still refuse it (what a refusal that reports no terms returns the order to).
        self._before_modify: dict[str, OrderIntent] = {}
        self.order_updated = Event("order_updated")
        self.order_changed = Event("order_changed")
        self.fill_recorded = Event("fill_recorded")
        self.fill_corrected = Event("fill_corrected")
        self.commission_unmatched = Event("commission_unmatched")
        self.approval_queue_changed = Event("approval_queue_changed")
        self.error_occurred = Event("error_occurred")
        self.modify_rejected = Event("modify_rejected")

    @property
    def audit(self) -> AuditSink:
        """The audit log the book writes to; collaborators record refusals and notes here."""
        return self._audit

    # -- queries -----------------------------------------------------------------------------
    def owns(self, order: Order) -> bool:
        """Whether this terminal talks to the broker about ``order`` (it staged it)."""
        owner = owner_of(order)
        return owner is None or self.workstation is None or owner == self.workstation

    def get(self, order_id: str) -> Order:
        """Return the order.

        Raises:
            UnknownOrder: no order with that id (the trader named an order that is not here).
        """
        try:
            return self._orders[order_id]
        except KeyError:
            raise UnknownOrder(f"no order with id {order_id}") from None

    def find(self, order_id: str | None, broker_order_id: str | None = None) -> Order | None:
        """Find one of our orders by client id, else by broker id."""
        if order_id and order_id in self._orders:
            return self._orders[order_id]
        if broker_order_id and broker_order_id in self._by_broker_id:
            return self._orders[self._by_broker_id[broker_order_id]]
        return None

    def orders(self) -> list[Order]:
        return list(self._orders.values())

    def open_orders(self) -> list[Order]:
        """Orders not in a terminal state (staged, pending approval, approved, working)."""
        return [o for o in self._orders.values() if o.status.is_open]

    def working_orders(self) -> list[Order]:
        return [o for o in self._orders.values() if o.status.is_working]

    def local_orders(self) -> list[Order]:
        """Orders not at a broker yet (see :func:`is_local`)."""
        return [o for o in self._orders.values() if is_local(o)]

    def pending_approvals(self) -> list[Order]:
        """The approval queue, oldest first; bracket children ride with their parent."""
        return [
            o
            for o in self._orders.values()
            if o.status is S.PENDING_APPROVAL and o.parent_id is None
        ]

    def group_members(self, group_id: str) -> list[Order]:
        return [o for o in self._orders.values() if o.group_id == group_id]

    def has_fill(self, exec_id: str) -> bool:
        return exec_id in self._exec_ids

    def known_exec_ids(self) -> frozenset[str]:
        return frozenset(self._exec_ids)

    def terms_before_modify(self, order_id: str) -> OrderIntent | None:
        """The terms ``order_id`` had before its last modification at the broker (None when
        none was made, or a refusal already restored them)."""
        return self._before_modify.get(order_id)

    def fill(self, exec_id: str) -> Fill | None:
        """The fill recorded this session under ``exec_id``, as it now stands."""
        return self._fills.get(exec_id)

    # -- start-up ----------------------------------------------------------------------------
    def restore(
        self, orders: Iterable[Order], exec_ids: Iterable[str], fills: Iterable[Fill] = ()
    ) -> None:
        """Load what the journal kept (before reconciliation); nothing changes, nothing is
        audited: these snapshots were journaled and audited when they were applied.

        ``fills`` are the recent ones (those a broker may still report again, with a commission
        it had not sent before the restart): a repeat then corrects them (see :meth:`apply`).
        """
        for fill in fills:
            self._fills[fill.exec_id] = fill
        for order in orders:
            self._orders[order.id] = order
            if order.broker_order_id:
                self._by_broker_id[order.broker_order_id] = order.id
        self._exec_ids.update(exec_ids)
        self.approval_queue_changed.emit(self.pending_approvals())

    # -- the one write path ------------------------------------------------------------------
    def apply(self, change: OrderChange) -> Order | None:
        """Apply ``change``: check, store, journal, audit once, publish.

        Returns the order's new snapshot; ``None`` when nothing was applied (an execution seen
        before) or when the change is a fill of an order placed elsewhere.

        Raises:
            IllegalTransition: the lifecycle table does not allow the step.
            OrderBookError: the change names no order the book holds, or stages one twice.
        """
        fill = change.fill
        if fill is not None and fill.exec_id in self._exec_ids:
            self.repeated_fill(fill, change.source)
            return None
        if change.source is ChangeSource.DESK:
            return self._apply_desk(change)
        before, after = self._next(change)  # raises before anything is written
        if fill is not None:
            self._exec_ids.add(fill.exec_id)
            self._fills[fill.exec_id] = fill
            self._journal.save_fill(fill)
        if after is not None:
            self._orders[after.id] = after
            if after.broker_order_id:
                self._by_broker_id[after.broker_order_id] = after.id
            self._remember_terms(change, before, after)
            self._journal.save_order(after)
            self._journal.append_order_event(after.id, after.updated_at, change.action, change.note)
        self._audit.record(
            change.action, self._subject(change, after), self._details(change, before, after)
        )
        if after is not None:
            self.order_updated.emit(after)
            self.order_changed.emit(before, after, change)
            if change.action == "modify_rejected":
                self.modify_rejected.emit(after, str(change.details.get("reason", "")))
            if (before is not None and is_local(before)) or is_local(after):
                self.approval_queue_changed.emit(self.pending_approvals())
        if fill is not None:
            self.fill_recorded.emit(fill)
        return after

    def _apply_desk(self, change: OrderChange) -> Order | None:
        """Another terminal's change: store and publish its snapshot, or its execution."""
        fill, after = change.fill, change.snapshot
        if fill is not None:
            self._exec_ids.add(fill.exec_id)
            self._fills[fill.exec_id] = fill
        before = None
        if after is not None:
            before = self._orders.get(after.id)
            if before is not None and not follows(before, after):
                after = None  # stale, or what we hold already: nothing to apply
        if after is not None:
            self._orders[after.id] = after
            if after.broker_order_id:
                self._by_broker_id[after.broker_order_id] = after.id
            self.order_updated.emit(after)
            self.order_changed.emit(before, after, change)
            if (before is not None and is_local(before)) or is_local(after):
                self.approval_queue_changed.emit(self.pending_approvals())
        if fill is not None:
            self.fill_recorded.emit(fill)
        return after

    def correct_commission(
        self, exec_id: str, commission: Decimal, source: ChangeSource
    ) -> Fill | None:
        """The broker says execution ``exec_id`` cost ``commission`` (its whole commission):
        replace the recorded fill's, journal it, audit ``commission_corrected`` once, publish
        ``fill_corrected``. Return the corrected fill; ``None`` when nothing changed (the same
        commission again) or no such execution was recorded this session, which is logged,
        audited and published as ``commission_unmatched`` (never dropped silently).
        """
        booked = self._fills.get(exec_id)
        if booked is None:
            log.warning(
                "commission correction for execution %s (%s) not applied: no such execution "
                "recorded this session",
                exec_id,
                commission,
            )
            self._audit.record(
                "commission_correction_ignored",
                f"execution:{exec_id}",
                {
                    "exec_id": exec_id,
                    "commission": commission,
                    "reason": "no such execution recorded this session",
                    "source": source.value,
                },
            )
            self.commission_unmatched.emit(exec_id, commission)
            return None
        if booked.commission == commission:
            return None
        corrected = replace(booked, commission=commission)
        self._fills[exec_id] = corrected
        self._journal.save_fill_commission(exec_id, commission)
        order = self.find(booked.order_id, booked.broker_order_id)
        self._audit.record(
            "commission_corrected",
            order.id if order is not None else f"external:{booked.broker_order_id}",
            {
                "exec_id": exec_id,
                "order_id": order.id if order is not None else None,
                "old": booked.commission,
                "new": commission,
                "source": source.value,
            },
        )
        self.fill_corrected.emit(booked, corrected)
        return corrected

    def repeated_fill(self, fill: Fill, source: ChangeSource) -> None:
        """An execution reported again (after a reconnect or a restart) is not booked twice,
        but its commission is taken when the first report had none (IB's report came after
        the fallback, or after the terminal restarted). A repeat without a commission never
        wipes the one recorded; one for a fill not held (older than what was restored) is
        left alone."""
        booked = self._fills.get(fill.exec_id)
        if booked is not None and fill.commission > 0 and fill.commission != booked.commission:
            self.correct_commission(fill.exec_id, fill.commission, source)

    def report_failure(self, where: str, exc: BaseException) -> None:
        """Log, audit and publish a failure nobody awaits (see ``error_occurred``)."""
        message = f"{type(exc).__name__}: {exc}"
        log.error("order path: %s failed: %s", where, message, exc_info=exc)
        self._audit.record("order_path_failed", where, {"error": message})
        self.error_occurred.emit(where, message)

    def _remember_terms(self, change: OrderChange, before: Order | None, after: Order) -> None:
        if change.action == "modify" and before is not None and before.status.is_working:
            self._before_modify[after.id] = before.intent
        elif change.action == "modify_rejected" or after.status.is_terminal:
            self._before_modify.pop(after.id, None)

    def _next(self, change: OrderChange) -> tuple[Order | None, Order | None]:
        if change.created is not None:
            order = change.created
            if order.id != change.order_id or order.id in self._orders:
                raise OrderBookError(f"order {order.id} is already in the book")
            if order.status is not S.STAGED:
                raise OrderBookError(f"order {order.id} must enter the book staged")
            return None, order
        if change.order_id is None:
            if change.fill is None:
                raise OrderBookError(f"{change.action}: a change without an order")
            return None, None
        current = self._orders.get(change.order_id)
        if current is None:
            raise OrderBookError(f"{change.action}: no order {change.order_id} in the book")
        fields: dict[str, object] = {
            name: value
            for name in (
                "broker_order_id",
                "reason",
                "intent",
                "verdict",
                "approved_by",
                "override_reason",
            )
            if (value := getattr(change, name)) is not None
        }
        if change.fill is not None:
            fields.update(_add_fill(current, change.fill))
        status = change.status or current.status
        return current, current.with_status(status, change.at or self._clock.now(), **fields)

    @staticmethod
    def _subject(change: OrderChange, after: Order | None) -> str:
        if after is not None:
            return after.id
        broker_id = change.fill.broker_order_id if change.fill is not None else None
        return f"external:{broker_id}"

    @staticmethod
    def _details(
        change: OrderChange, before: Order | None, after: Order | None
    ) -> dict[str, object]:
        details = dict(change.details)
        if change.fill is not None:
            details.update(fill_details(change.fill))
        if change.reason:
            details.setdefault("reason", change.reason)
        details["source"] = change.source.value
        if after is not None:
            details[ORDER_STATE] = order_state(before, after)
        return details


def follows(current: Order, snapshot: Order) -> bool:
    """Whether another terminal's ``snapshot`` of an order is newer than ``current``.

    It must differ, its status must be reachable from ours in the lifecycle (a terminal may see
    only some of another's steps), and its filled quantity must not go down. Clocks are not
    compared: two workstations' clocks may disagree.
    """
    if snapshot == current and snapshot.extra == current.extra:
        return False
    if snapshot.status is not current.status and not can_reach(current.status, snapshot.status):
        return False
    return snapshot.filled_quantity >= current.filled_quantity


def _add_fill(order: Order, fill: Fill) -> dict[str, object]:
    combo = order.intent.combo
    if combo is not None:
        # A leg's execution: the order counts complete combo units at the legs' net price.
        progress = add_leg_fill(combo, order.intent.side, order.legs_filled, fill)
        return {
            "filled_quantity": progress.units,
            "avg_fill_price": progress.avg_price,
            "legs_filled": progress.legs,
        }
    filled = order.filled_quantity + fill.quantity
    previous_value = (order.avg_fill_price or Decimal(0)) * order.filled_quantity
    return {
        "filled_quantity": filled,
        "avg_fill_price": (previous_value + fill.price * fill.quantity) / filled,
    }
