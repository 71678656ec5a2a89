"""The order lifecycle table: legal paths work, illegal ones raise, terminal states stay put."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal.domain import (
    IllegalTransition,
    Instrument,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
)
from terminal.domain.lifecycle import TERMINAL, allowed_transitions, can_transition

S = OrderStatus
T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def new_order() -> Order:
    intent = OrderIntent(
        Instrument.stock("AAPL"), OrderSide.BUY, Decimal(1), limit_price=Decimal(1)
    )
    return Order("O1", intent, S.STAGED, T0, T0)


def test_happy_path_is_legal() -> None:
    order = new_order()
    for status in (
        S.PENDING_APPROVAL,
        S.APPROVED,
        S.SUBMITTED,
        S.ACCEPTED,
        S.PARTIALLY_FILLED,
        S.FILLED,
    ):
        order = order.with_status(status, T0)
    assert order.status is S.FILLED


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.STAGED, S.SUBMITTED),  # nothing reaches a broker without approval
        (S.PENDING_APPROVAL, S.SUBMITTED),
        (S.REJECTED_BY_TRADER, S.APPROVED),
        (S.FILLED, S.CANCELLED),
        (S.REJECTED_BY_BROKER, S.ACCEPTED),
        (S.EXPIRED, S.FILLED),
    ],
)
def test_illegal_transitions_raise(start: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(IllegalTransition, match=f"from {start.value} to {target.value}"):
        new_order().__class__("O1", new_order().intent, start, T0, T0).with_status(target, T0)


def test_real_world_edges_exist() -> None:
    assert can_transition(S.CANCEL_REQUESTED, S.FILLED)  # fill after cancel request
    assert can_transition(S.CANCEL_REQUESTED, S.ACCEPTED)  # cancel refused
    assert can_transition(S.CANCELLED, S.FILLED)  # late fill after cancel confirmation
    assert can_transition(S.SUBMITTED, S.FILLED)  # fill before acknowledgement
    assert can_transition(S.CANCEL_REQUESTED, S.REJECTED_BY_BROKER)  # rejected, cancel crossing


@given(st.lists(st.sampled_from(list(OrderStatus)), max_size=30))
def test_random_commands_never_leave_the_table(commands: list[OrderStatus]) -> None:
    order = new_order()
    reached_submitted_without_approval = False
    for target in commands:
        before = order.status
        try:
            order = order.with_status(target, T0)
        except IllegalTransition:
            assert target not in allowed_transitions(before) and target is not before
            continue
        assert target is before or target in allowed_transitions(before)
        if order.status is S.SUBMITTED and before is not S.APPROVED and before is not S.SUBMITTED:
            reached_submitted_without_approval = True
    assert not reached_submitted_without_approval
    if order.status in TERMINAL - {S.CANCELLED}:
        assert all(not can_transition(order.status, s) for s in OrderStatus)
