"""Desk rules in the core: another terminal's snapshots through the one write path, ownership
(only the terminal that staged an order sends it), and the four-eyes gate."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from terminal.desk.gate import FOUR_EYES, DeskGate
from terminal.desk.policy import FourEyesPolicy
from terminal.desk.users import Role, User
from terminal.domain import AssetClass, Fill, Order, OrderStatus, OrderType
from terminal.domain.lifecycle import can_reach
from terminal.oms.book import OWNER, STAGED_BY
from terminal.oms.changes import desk_fill, desk_snapshot
from terminal.oms.errors import NotPermitted
from terminal.oms.kill_switch import KillSwitch
from tests.unit.oms_setup import AAPL, buy, make_desk

S = OrderStatus


def test_a_status_is_reachable_through_several_steps_but_never_backwards() -> None:
    assert can_reach(S.PENDING_APPROVAL, S.FILLED)  # approved, submitted, filled: unseen steps
    assert can_reach(S.APPROVED, S.APPROVED)
    assert not can_reach(S.SUBMITTED, S.APPROVED)
    assert not can_reach(S.FILLED, S.CANCELLED)


def foreign(order: Order, **changes: object) -> Order:
    """``order`` as another terminal (desk-2) stored it, with ``changes``."""
    return dataclasses.replace(order, **changes)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_a_desk_snapshot_is_applied_and_published_but_neither_journaled_nor_audited() -> None:
    desk = await make_desk()
    book = desk.orders.book
    mine = desk.orders.stage(buy())
    records, events = len(desk.audit.records), len(desk.journal.events)
    seen: list[Order] = []
    book.order_updated += seen.append
    theirs = foreign(
        mine,
        id="REMOTE-1",
        extra={OWNER: "desk-2", STAGED_BY: "bob"},
    )
    book.apply(desk_snapshot(theirs))
    later = foreign(theirs, status=S.APPROVED, approved_by="rita")
    book.apply(desk_snapshot(later))
    assert [o.status for o in seen] == [S.PENDING_APPROVAL, S.APPROVED]
    assert book.get("REMOTE-1").approved_by == "rita"
    # The terminal that made these changes journaled and audited them, once, in the database.
    assert (len(desk.audit.records), len(desk.journal.events)) == (records, events)
    assert "REMOTE-1" not in desk.journal.orders


@pytest.mark.asyncio
async def test_a_stale_desk_snapshot_is_ignored() -> None:
    desk = await make_desk()
    book = desk.orders.book
    order = foreign(desk.orders.stage(buy()), id="R", extra={OWNER: "desk-2"})
    book.apply(desk_snapshot(foreign(order, status=S.SUBMITTED, approved_by="rita")))
    assert book.apply(desk_snapshot(foreign(order, status=S.APPROVED))) is None  # an echo
    assert book.apply(desk_snapshot(book.get("R"))) is None  # what we hold already
    assert book.get("R").status is S.SUBMITTED


@pytest.mark.asyncio
async def test_a_desk_execution_is_booked_once_whoever_reports_it_first() -> None:
    desk = await make_desk()
    fills: list[Fill] = []
    desk.orders.book.fill_recorded += fills.append
    fill = Fill(
        "X1", None, AAPL, buy().side, Decimal(5), Decimal(150), Decimal(0), desk.clock.now()
    )
    desk.orders.book.apply(desk_fill(fill))
    desk.orders.book.apply(desk_fill(fill))
    assert fills == [fill] and desk.orders.book.has_fill("X1")


@pytest.mark.asyncio
async def test_only_the_terminal_that_staged_an_order_sends_cancels_or_withdraws_it() -> None:
    desk = await make_desk()
    book = desk.orders.book
    book.workstation = "desk-1"
    staged = desk.orders.stage(buy())
    theirs = foreign(staged, id="R", extra={OWNER: "desk-2"})
    book.apply(desk_snapshot(theirs))
    with pytest.raises(NotPermitted, match="staged on workstation desk-2"):
        await desk.orders.cancel("R")
    # An approval here is recorded, but the order is left for desk-2 to send.
    approved = await desk.orders.approve("R")
    assert approved.status is S.APPROVED and approved.broker_order_id is None
    assert desk.broker.placed == [] or all(o.id != "R" for o in desk.broker.placed)
    # The kill switch withdraws this terminal's own order only; desk-2 withdraws its own.
    kill = KillSwitch(desk.orders, desk.state, desk.audit, actor="alice")
    report = await kill.trip("drill")
    assert report.withdrawn == ("O1",)
    assert book.get("R").status is S.APPROVED


def gate(user: User, workstation: str = "desk-2") -> DeskGate:
    policy = FourEyesPolicy(
        notional=Decimal(10_000), asset_classes=frozenset({AssetClass.OPTION}),
        order_types=frozenset({OrderType.MARKET}),
    )  # fmt: skip
    return DeskGate(workstation, user, policy, lambda intent: intent.quantity * Decimal(150))


def staged(quantity: int, by: str = "alice", where: str = "desk-1") -> Order:
    intent = buy(quantity)
    at = __import__("datetime").datetime(2026, 1, 5, tzinfo=__import__("datetime").UTC)
    return Order("O1", intent, S.PENDING_APPROVAL, at, at, extra={STAGED_BY: by, OWNER: where})


def test_four_eyes_names_the_rule_and_who_may_approve() -> None:
    big, small = staged(100), staged(10)
    rita, alice = User("rita", Role.RISK_MANAGER), User("alice", Role.TRADER)
    assert "notional 15,000.00 above 10,000.00" in (gate(rita).four_eyes(big.intent) or "")
    assert gate(rita).four_eyes(small.intent) is None
    assert gate(rita).annotate(big.intent)[FOUR_EYES].startswith("notional")
    assert gate(rita).decision_refusal(big, approving=True) is None
    # Self-approval, the same workstation, and a mere trader are each refused.
    assert "alice staged O1" in (gate(alice, "desk-9").decision_refusal(big, approving=True) or "")
    same_ws = gate(rita, "desk-1").decision_refusal(big, approving=True) or ""
    assert "staged on this workstation" in same_ws
    bob = User("bob", Role.TRADER)
    assert "an approver or risk manager must" in (
        gate(bob).decision_refusal(big, approving=True) or ""
    )
    # Below the policy anyone but a viewer approves; the stager may always reject.
    assert gate(bob).decision_refusal(small, approving=True) is None
    assert gate(alice, "desk-1").decision_refusal(big, approving=False) is None
    viewer = gate(User("vera", Role.VIEWER))
    assert "viewers cannot" in (viewer.decision_refusal(small, approving=True) or "")
    assert "viewers cannot stage" in (viewer.stage_refusal(small.intent) or "")


def test_only_a_risk_manager_re_arms_and_a_desk_without_users_has_no_rules() -> None:
    assert gate(User("rita", Role.RISK_MANAGER)).rearm_refusal() is None
    assert "only a risk manager" in (gate(User("ann", Role.APPROVER)).rearm_refusal() or "")
    open_desk = DeskGate("desk-1")
    assert open_desk.decision_refusal(staged(1000), approving=True) is None
    assert open_desk.rearm_refusal() is None
    assert open_desk.annotate(buy()) == {OWNER: "desk-1", FOUR_EYES: ""}


@pytest.mark.asyncio
async def test_a_refused_approval_is_audited_and_nothing_is_sent() -> None:
    desk = await make_desk()
    desk.orders.gate = gate(User("alice", Role.TRADER), "desk-1")
    order = desk.orders.stage(buy(100))
    with pytest.raises(NotPermitted, match="four-eyes"):
        await desk.orders.approve(order.id)
    assert desk.orders.get(order.id).status is S.PENDING_APPROVAL
    action, subject, details = desk.audit.records[-1]
    assert (action, subject, details["rule"]) == ("approve_refused", order.id, "desk")
    kill = KillSwitch(desk.orders, desk.state, desk.audit, actor="alice",
                      rearm_gate=desk.orders.gate.rearm_refusal)  # type: ignore[attr-defined]  # fmt: skip
    await kill.trip("drill")
    with pytest.raises(NotPermitted, match="only a risk manager"):
        kill.rearm("back to work")
    assert desk.audit.records[-1][0] == "rearm_refused"
