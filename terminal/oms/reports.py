"""Broker reports translated into order changes: pure functions, no state, no side effects.

A status report and an execution each become the changes to apply to the order as it is now.
The real world's edges are settled here, so the book only ever sees steps the lifecycle table
allows:

- a report that overtook ``place_order``'s return first marks the order SUBMITTED;
- fills drive quantities and prices (a status report alone never changes them), so a late
  "partially filled" for a filled order changes nothing; a combo order's executions arrive per
  leg and it is filled when every leg has filled all its units
  (:mod:`terminal.domain.combo_fills`);
- a refused cancel puts the order back to working;
- a refused modification puts the order back to the terms the broker still holds (those the
  report carries, else the terms before the modification): the book never shows terms the
  broker does not hold, and the order keeps working (or stays as it ended);
- a report that lags behind what the book already knows (a "submitted" echo for an accepted
  order, anything but a late fill for a closed one) is stale and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace

from terminal.broker.base import BrokerTerms, OrderStatusUpdate
from terminal.domain import Fill, Order, OrderIntent, OrderStatus
from terminal.domain.combo_fills import filled_after
from terminal.domain.lifecycle import can_transition
from terminal.oms.changes import ChangeSource, OrderChange

S = OrderStatus

#: How far a working order has come; a report of an earlier stage is an echo of the past.
_PROGRESS = {S.SUBMITTED: 0, S.ACCEPTED: 1, S.CANCEL_REQUESTED: 1, S.PARTIALLY_FILLED: 2}
_REPORTED_PROGRESS = frozenset({S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED})


def _submitted(order: Order, source: ChangeSource, broker_order_id: str | None) -> OrderChange:
    """The SUBMITTED step a report implies when it overtook ``place_order``'s return."""
    return OrderChange(
        order_id=order.id,
        action="order_submitted",
        source=source,
        status=S.SUBMITTED,
        broker_order_id=broker_order_id,
        note="reported before the broker call returned",
    )


def reported_status(order: Order, update: OrderStatusUpdate) -> OrderStatus:
    """The status ``update`` means for ``order`` (a refused cancel or modification, a rejected
    remainder)."""
    if update.modify_rejected:
        return order.status  # the order stands as it was; only its terms go back
    if update.cancel_rejected:
        # The cancel was refused: the order keeps working in its pre-cancel state.
        if order.status is not S.CANCEL_REQUESTED:
            return order.status
        return S.PARTIALLY_FILLED if order.filled_quantity > 0 else S.ACCEPTED
    if update.status is S.REJECTED_BY_BROKER and order.filled_quantity > 0:
        return S.CANCELLED  # the broker ended the rest; what filled stands
    return update.status


def stale_reason(order: Order, update: OrderStatusUpdate) -> str | None:
    """Why ``update`` says less than the book already knows about ``order`` (None: it does not).

    A working order's report of an earlier stage is an echo; a closed order takes nothing but
    the late fill the lifecycle allows (a contradiction such as "accepted" for an order the
    book holds cancelled is ignored too, and the caller audits it).
    """
    status = reported_status(order, update)
    if order.status is S.APPROVED or status is order.status:
        return None
    if status is S.PARTIALLY_FILLED and order.status is S.FILLED:
        return None  # fills drive quantities: a late "partial" says nothing new, nor wrong
    if order.status in _PROGRESS and status in _REPORTED_PROGRESS:
        if _PROGRESS[status] < _PROGRESS[order.status]:
            return f"{status.value} reported for an order already {order.status.value}"
        return None
    if order.status.is_terminal and not can_transition(order.status, status):
        return f"{status.value} reported for an order already {order.status.value}"
    return None


def held_intent(previous: OrderIntent, terms: BrokerTerms | None) -> OrderIntent:
    """The intent the broker holds: ``previous`` (our terms before the refused modification)
    with every term the broker reported in its place."""
    if terms is None:
        return previous
    fields: dict[str, object] = {"quantity": terms.quantity}
    if terms.limit_price is not None and previous.limit_price is not None:
        fields["limit_price"] = terms.limit_price
    if terms.stop_price is not None and previous.stop_price is not None:
        fields["stop_price"] = terms.stop_price
    return replace(previous, **fields)  # type: ignore[arg-type]  # re-validates


def modify_rejected(
    order: Order,
    update: OrderStatusUpdate,
    source: ChangeSource,
    previous: OrderIntent | None = None,
) -> tuple[OrderChange, ...]:
    """The change a refused modification makes: ``order`` goes back to the terms the broker
    holds (``update.terms`` over ``previous``, the terms before the modification), keeps its
    status, and says why while it works. A repeat that changes nothing changes nothing."""
    held = held_intent(previous or order.intent, update.terms)
    working = not order.status.is_terminal
    reason = update.reason or "modification refused by the broker"
    if held == order.intent and (not working or reason == order.reason):
        return ()
    return (
        OrderChange(
            order_id=order.id,
            action="modify_rejected",
            source=source,
            intent=held,
            reason=reason if working else None,  # a closed order keeps saying why it closed
            details={
                "broker_order_id": update.broker_order_id,
                "reported": update.status.value,
                "reason": reason,
                "refused": _terms(order.intent),
                "held": _terms(held),
                "terms_reported": update.terms is not None,
            },
            note=reason,
            at=update.time,
        ),
    )


def _terms(intent: OrderIntent) -> dict[str, str | None]:
    def text(value: object) -> str | None:
        return None if value is None else str(value)

    return {
        "quantity": str(intent.quantity),
        "limit_price": text(intent.limit_price),
        "stop_price": text(intent.stop_price),
    }


def status_changes(
    order: Order,
    update: OrderStatusUpdate,
    source: ChangeSource = ChangeSource.BROKER,
    previous: OrderIntent | None = None,
) -> tuple[OrderChange, ...]:
    """Return the changes a broker status report makes to ``order`` (none when it is stale).

    ``previous``: the order's terms before a modification still in flight (what a refused
    modification returns to where the broker does not report its terms).
    """
    if update.modify_rejected:
        return modify_rejected(order, update, source, previous)
    if stale_reason(order, update) is not None:
        return ()
    status = reported_status(order, update)
    if status is S.PARTIALLY_FILLED and order.status is S.FILLED:
        return ()  # fills drive quantities; a late "partial" report changes nothing
    broker_id = update.broker_order_id or None
    if broker_id == order.broker_order_id:
        broker_id = None
    if status is order.status and broker_id is None and update.reason in ("", order.reason):
        return ()
    changes: list[OrderChange] = []
    if order.status is S.APPROVED and status is not S.REJECTED_BY_BROKER:
        changes.append(_submitted(order, source, broker_id))
        broker_id = None
    changes.append(
        OrderChange(
            order_id=order.id,
            action="cancel_rejected" if update.cancel_rejected else f"order_{status.value}",
            source=source,
            status=status,
            broker_order_id=broker_id,
            reason=update.reason or None,
            details={"broker_order_id": update.broker_order_id, "reported": update.status.value},
            note=update.reason,
            at=update.time,
        )
    )
    return tuple(changes)


def fill_changes(
    order: Order | None, fill: Fill, source: ChangeSource = ChangeSource.BROKER
) -> tuple[OrderChange, ...]:
    """Return the changes an execution makes: its order's quantities and status (if ours)."""
    if order is None:
        return (OrderChange(order_id=None, action="fill", source=source, fill=fill),)
    changes: list[OrderChange] = []
    current = order.status
    if current is S.APPROVED:  # the fill overtook place_order's return
        changes.append(_submitted(order, source, fill.broker_order_id))
        current = S.SUBMITTED
    complete = filled_after(order, fill) >= order.intent.quantity
    if complete and current is not S.FILLED and can_transition(current, S.FILLED):
        target = S.FILLED
    elif not complete and current in (S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED):
        target = S.PARTIALLY_FILLED
    else:
        # CANCEL_REQUESTED stays until the broker answers; a late partial fill of a cancelled
        # or expired order is recorded without reopening it.
        target = current
    changes.append(
        OrderChange(
            order_id=order.id,
            action="fill",
            source=source,
            status=target,
            fill=fill,
            note=f"{fill.quantity} @ {fill.price}",
            at=fill.time,
        )
    )
    return tuple(changes)
