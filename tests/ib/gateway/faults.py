"""Scripted faults a test switches on: rejects, refused modifications, held replies, repeated messages, silenced
feeds, order refs left out, late commission reports, refused connections."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal, get_args

DEFAULT_REJECT_TEXT = "Order rejected - reason:Insufficient buying power"

#: Messages TWS is known to send more than once (each kind is sent twice while switched on):
#:
#: - ``open_orders``: each order's openOrder/orderStatus in a reqOpenOrders / reqAllOpenOrders
#:   answer (TWS pushes an order again when its status changes while the answer goes out).
#: - ``order_updates``: the openOrder/orderStatus pair pushed on every status change (TWS
#:   documents that duplicate orderStatus messages may arrive).
#: - ``fills``: the live execDetails of a fill.
#: - ``commissions``: the commissionReport of a fill (live, and in a reqExecutions answer).
#: - ``executions``: each execDetails in a reqExecutions answer.
#: - ``positions``: each position in a reqPositions answer (a position pushed to the open
#:   subscription while the answer goes out).
#: - ``completed_orders``: each completedOrder in a reqCompletedOrders answer.
Repeat = Literal[
    "open_orders",
    "order_updates",
    "fills",
    "commissions",
    "executions",
    "positions",
    "completed_orders",
]
REPEATS: frozenset[str] = frozenset(get_args(Repeat))


@dataclass(frozen=True, slots=True)
class Reject:
    """How the next placeOrder is refused."""

    code: int
    text: str


@dataclass(frozen=True, slots=True)
class ModifyRefusal:
    """How the next modification of a working order is refused: ``error(orderId, code,
    text)``, then (``report_order``) openOrder and orderStatus with the terms kept."""

    code: int
    text: str
    report_order: bool = True


@dataclass(slots=True)
class Faults:
    """The fault switches; read by the server on every reply and connection."""

    rejects: deque[Reject] = field(default_factory=deque)
    modify_refusals: deque[ModifyRefusal] = field(default_factory=deque)
    #: Replies are queued per connection, not written, until released (a slow TWS, exactly:
    #: a test decides when the answer comes instead of guessing how long a delay lasts).
    holding: bool = False
    repeats: frozenset[str] = frozenset()
    #: conIds whose streams (ticks, depth, bars) stopped while the connection stays up: the
    #: failure IB users report most. A new request for one still gets its first answer.
    silenced: set[int] = field(default_factory=set)
    #: Where TWS leaves orderRef out: "executions" (execDetails), "orders" (openOrder and
    #: completedOrder): as with orders placed elsewhere, or a TWS that drops the ref.
    omit_refs: frozenset[str] = frozenset()
    #: Commission reports are kept back (in order, per client id) until released: a report
    #: that comes long after its execution.
    hold_commissions: bool = False
    held_commissions: list[tuple[int, list[object]]] = field(default_factory=list)
    refuse: bool = False
    refuse_mode: str = "close"

    def take_reject(self) -> Reject | None:
        """The reject queued for the next new order, if any (consumed)."""
        return self.rejects.popleft() if self.rejects else None

    def take_modify_refusal(self) -> ModifyRefusal | None:
        """The refusal queued for the next modification of a working order (consumed)."""
        return self.modify_refusals.popleft() if self.modify_refusals else None

    def order_ref(self, where: str, ref: str) -> str:
        """The orderRef sent in a message of ``where`` ("executions" or "orders")."""
        return "" if where in self.omit_refs else ref

    def times(self, kind: Repeat) -> int:
        """How many times a message of ``kind`` is sent (1, or 2 while it is repeated)."""
        return 2 if kind in self.repeats else 1
