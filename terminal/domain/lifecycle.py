"""The order lifecycle as one transition table.

Every status change of an order goes through :func:`check_transition`. The table includes the
edges the real world produces: a fill arriving after a cancel was requested, a cancel that the
broker refuses (back to working), a late fill reported after a cancel was confirmed.
"""

from __future__ import annotations

from enum import StrEnum

from terminal.domain.errors import IllegalTransition


class OrderStatus(StrEnum):
    STAGED = "staged"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED_BY_TRADER = "rejected_by_trader"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    REJECTED_BY_BROKER = "rejected_by_broker"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_working(self) -> bool:
        """At the broker and able to fill."""
        return self in WORKING

    @property
    def is_open(self) -> bool:
        """Not yet in a terminal state (includes staged and pending approval)."""
        return self not in TERMINAL


S = OrderStatus

TERMINAL = frozenset({S.FILLED, S.CANCELLED, S.REJECTED_BY_TRADER, S.REJECTED_BY_BROKER, S.EXPIRED})
WORKING = frozenset({S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED, S.CANCEL_REQUESTED})

_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.STAGED: frozenset({S.PENDING_APPROVAL, S.REJECTED_BY_TRADER, S.CANCELLED}),
    # CANCELLED from pending approval: withdrawn (kill switch, staged order expired unapproved).
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED_BY_TRADER, S.CANCELLED, S.EXPIRED}),
    # REJECTED_BY_BROKER from approved: the broker call itself failed (not connected, refused).
    S.APPROVED: frozenset({S.SUBMITTED, S.REJECTED_BY_BROKER, S.CANCELLED}),
    # A fast broker may report a fill before it reports acceptance.
    S.SUBMITTED: frozenset(
        {
            S.ACCEPTED,
            S.PARTIALLY_FILLED,
            S.FILLED,
            S.CANCEL_REQUESTED,
            S.CANCELLED,
            S.REJECTED_BY_BROKER,
            S.EXPIRED,
        }
    ),
    S.ACCEPTED: frozenset(
        {
            S.PARTIALLY_FILLED,
            S.FILLED,
            S.CANCEL_REQUESTED,
            S.CANCELLED,
            S.REJECTED_BY_BROKER,
            S.EXPIRED,
        }
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PARTIALLY_FILLED, S.FILLED, S.CANCEL_REQUESTED, S.CANCELLED, S.EXPIRED}
    ),
    # Fill after cancel request; cancel refused (back to ACCEPTED / PARTIALLY_FILLED); the
    # broker rejected the order while our cancel was on its way.
    S.CANCEL_REQUESTED: frozenset(
        {
            S.CANCELLED,
            S.PARTIALLY_FILLED,
            S.FILLED,
            S.ACCEPTED,
            S.EXPIRED,
            S.CANCEL_REQUESTED,
            S.REJECTED_BY_BROKER,
        }
    ),
    # A late fill reported after the cancel confirmation completes the order.
    S.CANCELLED: frozenset({S.FILLED}),
    S.FILLED: frozenset(),
    S.REJECTED_BY_TRADER: frozenset(),
    S.REJECTED_BY_BROKER: frozenset(),
    S.EXPIRED: frozenset(),
}


def can_transition(current: OrderStatus, new: OrderStatus) -> bool:
    return new in _TRANSITIONS[current]


def can_reach(current: OrderStatus, new: OrderStatus) -> bool:
    """Whether ``new`` follows ``current`` in one or more steps of the table (or is it).

    Another terminal of a desk may make several steps between two snapshots this one sees.
    """
    seen, frontier = {current}, [current]
    while frontier:
        for step in _TRANSITIONS[frontier.pop()]:
            if step not in seen:
                seen.add(step)
                frontier.append(step)
    return new in seen


def check_transition(current: OrderStatus, new: OrderStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> new`` is in the table."""
    if new not in _TRANSITIONS[current]:
        raise IllegalTransition(f"order cannot go from {current.value} to {new.value}")


def allowed_transitions(current: OrderStatus) -> frozenset[OrderStatus]:
    return _TRANSITIONS[current]
