"""The order changes in the audit trail: how each is written, and how the trail is replayed.

Every change the order book applies writes one audit record whose subject is the order id and
whose details carry an ``order_state`` block: the status before and after, the quantity, the
filled quantity, the average fill price and the broker id. Replaying those blocks in order
(:func:`replay`) rebuilds every order's lifecycle from the audit trail alone, and checks that it
is continuous: each record must start where the previous one for that order ended, so a change
that escaped the trail shows up as a gap instead of a silently wrong history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain import InvariantError, Order, OrderStatus
from terminal.domain.lifecycle import can_transition

#: The key of the order-state block in an order change's audit details.
ORDER_STATE = "order_state"


def order_state(before: Order | None, after: Order) -> dict[str, object]:
    """Return the ``order_state`` block for a change from ``before`` (None: new) to ``after``."""
    return {
        "from": before.status.value if before is not None else None,
        "status": after.status.value,
        "quantity": after.intent.quantity,
        "filled": after.filled_quantity,
        "avg_fill_price": after.avg_fill_price,
        "broker_order_id": after.broker_order_id,
    }


class TrailGap(InvariantError):
    """The audit trail of an order is not continuous (a change is missing or out of order)."""


@dataclass(frozen=True, slots=True)
class ReplayedOrder:
    """An order as the audit trail tells it."""

    order_id: str
    status: OrderStatus
    quantity: Decimal
    filled: Decimal
    avg_fill_price: Decimal | None
    broker_order_id: str | None
    changes: int


def _decimal(value: object) -> Decimal | None:
    # Records read back from the database hold Decimals as strings; in memory they are Decimals.
    return None if value is None else Decimal(str(value))


def replay(records: Iterable[tuple[str, str, Mapping[str, object]]]) -> dict[str, ReplayedOrder]:
    """Rebuild every order from ``(action, subject, details)`` audit records, oldest first.

    Records without an ``order_state`` block (refusals, the kill switch, reconciliation
    summaries, fills of orders placed elsewhere) are skipped.

    Raises:
        TrailGap: a record does not continue from the previous one for its order, the filled
            quantity went down, or the step is not in the lifecycle table.
    """
    orders: dict[str, ReplayedOrder] = {}
    for action, subject, details in records:
        state = details.get(ORDER_STATE)
        if not isinstance(state, Mapping):
            continue
        previous = orders.get(subject)
        start = OrderStatus(str(state["from"])) if state.get("from") is not None else None
        status = OrderStatus(str(state["status"]))
        filled = _decimal(state["filled"]) or Decimal(0)
        where = f"{action} of {subject}"
        if start != (previous.status if previous else None):
            seen = previous.status.value if previous else "nothing"
            raise TrailGap(f"{where} starts from {start} but the trail left it at {seen}")
        if previous is not None:
            if filled < previous.filled:
                raise TrailGap(f"{where}: filled went down from {previous.filled} to {filled}")
            if status is not previous.status and not can_transition(previous.status, status):
                raise TrailGap(f"{where}: {previous.status.value} -> {status.value} is illegal")
        elif status is not OrderStatus.STAGED:
            raise TrailGap(f"{where}: the first record of an order must stage it")
        broker_id = state.get("broker_order_id")
        orders[subject] = ReplayedOrder(
            order_id=subject,
            status=status,
            quantity=_decimal(state["quantity"]) or Decimal(0),
            filled=filled,
            avg_fill_price=_decimal(state.get("avg_fill_price")),
            broker_order_id=str(broker_id) if broker_id is not None else None,
            changes=(previous.changes if previous else 0) + 1,
        )
    return orders
