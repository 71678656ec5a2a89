"""What the order book applies: one change to one order, and who asked for it.

A change names the action (it becomes the audit record's action and the journal's event), the
source, the new status (or none to keep it) and the fields it sets. The book turns it into the
next snapshot of the order; nobody else builds snapshots that are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from terminal.domain import Fill, Order, OrderIntent, OrderStatus, Verdict


class ChangeSource(StrEnum):
    """Who caused a change; every audit record of an order change carries it."""

    #: The trader's commands: stage, approve, reject, cancel, modify.
    TRADER = "trader"
    #: A broker's status report or execution.
    BROKER = "broker"
    #: Bracket/OCO coordination: children held, released, resized or cancelled.
    GROUP = "group"
    #: Reconciliation after a reconnect.
    RECONCILE = "reconcile"
    #: The kill switch: withdrawals and the broker-wide cancel.
    KILL_SWITCH = "kill_switch"
    #: The reconciliation that follows a restart (interrupted approvals are cancelled here).
    RESTART = "restart"
    #: Another terminal of the desk made the change (its snapshot, heard through the database);
    #: that terminal journaled and audited it, so this one only applies and publishes it.
    DESK = "desk"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderChange:
    """One change to one order, applied (checked, journaled, audited, published) by the book.

    Attributes:
        order_id: The client order id. ``None`` only for a fill of an order placed elsewhere
            (the book records the execution; no order changes).
        action: The audit action and journal event (``"approve"``, ``"fill"``...).
        source: Who caused it.
        status: The new status, checked against the lifecycle table; ``None`` keeps it.
        created: A new order entering the book (staging); it must be STAGED.
        fill: An execution: the book adds it to the filled quantity and average price once
            per execution id.
        details: What else the audit record should say (who, why, the verdict...).
        note: Free text for the journal's event row.
        at: When it happened (a broker's report time); the clock's time when ``None``.
        snapshot: The order as another terminal stored it (``source`` DESK): it replaces ours
            when it follows it in the lifecycle.
    """

    order_id: str | None
    action: str
    source: ChangeSource
    status: OrderStatus | None = None
    created: Order | None = None
    fill: Fill | None = None
    broker_order_id: str | None = None
    reason: str | None = None
    intent: OrderIntent | None = None
    verdict: Verdict | None = None
    approved_by: str | None = None
    override_reason: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    note: str = ""
    at: dt.datetime | None = None
    snapshot: Order | None = None


def cancellation(
    order_id: str,
    source: ChangeSource,
    *,
    status: OrderStatus | None,
    by: str,
    reason: str,
    action: str = "cancel",
    **details: object,
) -> OrderChange:
    """A cancel as a change: final when ``status`` is CANCELLED (no broker has the order), else
    a request that waits for the broker's word (CANCEL_REQUESTED, or ``None`` when repeated)."""
    final = status is OrderStatus.CANCELLED
    return OrderChange(
        order_id=order_id,
        action=action,
        source=source,
        status=status,
        reason=reason if final else None,  # the order says why only once it is closed
        details={"by": by, "reason": reason, "local": final, **details},
        note=reason,
    )


def desk_snapshot(order: Order) -> OrderChange:
    """Another terminal's stored snapshot of ``order`` as a change (see the book)."""
    return OrderChange(order_id=order.id, action="desk", source=ChangeSource.DESK, snapshot=order)


def desk_fill(fill: Fill) -> OrderChange:
    """An execution another terminal booked (seen once per execution id)."""
    return OrderChange(order_id=None, action="desk_fill", source=ChangeSource.DESK, fill=fill)
