"""What the signed-in desk user may do: the order path asks this gate before staging, approving,
rejecting and re-arming (the :class:`~terminal.oms.ports.OrderGate` protocol).

Four-eyes: an order the policy names (:mod:`terminal.desk.policy`) is approved only by a user
who did not stage it, on a workstation it was not staged on, holding the approver or risk
manager role. The order path audits every refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from terminal.desk.policy import FourEyesPolicy
from terminal.desk.users import Role, User
from terminal.domain import Order, OrderIntent
from terminal.oms.book import OWNER, STAGED_BY, owner_of

#: ``Order.extra`` key: why the order needs a second approver (empty: it does not).
FOUR_EYES = "four_eyes"

type NotionalOf = Callable[[OrderIntent], Decimal | None]


class DeskGate:
    """The rules for ``user`` at ``workstation``; ``user`` None: a shared database without
    users (orders are still owned by the workstation that staged them, nobody signs in)."""

    def __init__(
        self,
        workstation: str,
        user: User | None = None,
        policy: FourEyesPolicy | None = None,
        notional_of: NotionalOf | None = None,
    ) -> None:
        self.workstation = workstation
        self.user = user
        self.policy = policy or FourEyesPolicy()
        self._notional_of = notional_of or (lambda _intent: None)

    def four_eyes(self, intent: OrderIntent) -> str | None:
        """Why ``intent`` needs a second approver now (None: it does not, or no desk users)."""
        if self.user is None or not self.policy.active:
            return None
        return self.policy.reason(intent, self._notional_of(intent))

    # -- the OrderGate protocol ---------------------------------------------------------------
    def annotate(self, intent: OrderIntent) -> Mapping[str, str]:
        return {OWNER: self.workstation, FOUR_EYES: self.four_eyes(intent) or ""}

    def stage_refusal(self, intent: OrderIntent) -> str | None:
        if self.user is not None and not self.user.role.may_stage:
            return f"{self.user.name} is a {self.user.role.value}: viewers cannot stage orders"
        return None

    def decision_refusal(self, order: Order, *, approving: bool) -> str | None:
        user = self.user
        if user is None:
            return None
        if not user.role.may_approve:
            return f"{user.name} is a {user.role.value}: viewers cannot approve or reject orders"
        if not approving:
            return None
        reason = self.four_eyes(order.intent)
        if reason is None:
            return None
        staged_by = order.extra.get(STAGED_BY)
        where = owner_of(order)
        rule = f"four-eyes ({reason})"
        if staged_by == user.name:
            return (
                f"{rule}: {user.name} staged {order.id} and cannot approve it; a second "
                "approver must, from another workstation"
            )
        if where == self.workstation:
            return (
                f"{rule}: {order.id} was staged on this workstation ({where}); it must be "
                "approved from another one"
            )
        if not user.role.may_approve_four_eyes:
            return f"{rule}: {user.name} is a {user.role.value}; an approver or risk manager must"
        return None

    def rearm_refusal(self) -> str | None:
        user = self.user
        if user is None or user.role.may_rearm:
            return None
        return (
            f"{user.name} is a {user.role.value}: only a risk manager may re-arm the desk "
            f"({Role.RISK_MANAGER.value})"
        )
