"""The kill switch, re-arming, and flatten-all.

Tripping is one action: trading state HALTED first (so nothing new can pass), then every order
awaiting approval is withdrawn and every working order is cancelled at the broker with one
broker-wide cancel (IB ``reqGlobalCancel``). The critical alert comes from the trading state's
``state_changed`` event (see the alerts wiring). Re-arming needs a reason. Flatten-all only
stages closing orders: they still go through the approval queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from eventkit import Event

from terminal.broker.base import BrokerError
from terminal.domain import (
    DomainError,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    TimeInForce,
)
from terminal.oms.changes import ChangeSource, cancellation
from terminal.oms.errors import NotPermitted, OrderError
from terminal.oms.manager import OrderManager
from terminal.oms.ports import AuditSink
from terminal.risk.state import TradingState, TradingStateMachine

log = logging.getLogger(__name__)

KILL = ChangeSource.KILL_SWITCH


def closing_intent(position: Position, *, source: str) -> OrderIntent:
    """A DAY market order closing all of ``position`` (it still needs approval).

    Raises:
        DomainError: the position is flat (no quantity to close).
    """
    side = OrderSide.SELL if position.quantity > 0 else OrderSide.BUY
    return OrderIntent(
        position.instrument,
        side,
        abs(position.quantity),
        OrderType.MARKET,
        tif=TimeInForce.DAY,
        source=source,
    )


@dataclass(frozen=True, slots=True)
class KillReport:
    reason: str
    withdrawn: tuple[str, ...] = ()
    cancel_requested: tuple[str, ...] = ()
    broker_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.broker_error is None


@dataclass(frozen=True, slots=True)
class FlattenReport:
    staged: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)


class KillSwitch:
    """Halt trading, cancel everything, and later re-arm with a reason.

    Events:
        tripped(report: KillReport): after the broker-wide cancel was sent (or failed).
    """

    def __init__(
        self,
        orders: OrderManager,
        state: TradingStateMachine,
        audit: AuditSink,
        *,
        actor: str = "trader",
        rearm_gate: Callable[[], str | None] | None = None,
    ) -> None:
        #: Why the signed-in user may not re-arm (desk: only a risk manager may); None: may.
        self.rearm_gate = rearm_gate or (lambda: None)
        self._orders = orders
        self._state = state
        self._audit = audit
        self.actor = actor
        self.tripped = Event("tripped")

    @property
    def is_tripped(self) -> bool:
        return self._state.state is TradingState.HALTED

    async def trip(self, reason: str, *, by: str | None = None) -> KillReport:
        """Halt trading and cancel every working order at the broker. Safe to call twice."""
        who = by or self.actor
        reason = reason.strip() or "kill switch"
        self._state.halt(reason, who)  # first: from here on nothing new passes
        self._audit.record("kill_switch", "trading", {"reason": reason, "by": who})
        withdrawn = self._orders.withdraw_pending(f"kill switch: {reason}", by=who, source=KILL)
        book = self._orders.book
        working = [o.id for o in book.working_orders() if book.owns(o)]
        error: str | None = None
        try:
            await self._orders.broker.cancel_all()
        except (BrokerError, OSError, TimeoutError) as exc:
            error = str(exc)
            log.error("kill switch: broker-wide cancel failed: %s", exc)
            self._audit.record("kill_switch_cancel_failed", "trading", {"error": error})
        else:
            self._mark_cancel_requested(f"kill switch: {reason}", who)
        report = KillReport(reason, tuple(o.id for o in withdrawn), tuple(working), error)
        self.tripped.emit(report)
        return report

    def _mark_cancel_requested(self, reason: str, who: str) -> None:
        """Mark every working order CANCEL_REQUESTED: the broker-wide cancel covers it."""
        book = self._orders.book
        for order in book.working_orders():
            if order.status is not OrderStatus.CANCEL_REQUESTED and book.owns(order):
                status = OrderStatus.CANCEL_REQUESTED
                book.apply(
                    cancellation(
                        order.id, KILL, status=status, by=who, reason=reason, broker_wide=True
                    )
                )

    def rearm(self, reason: str, *, by: str | None = None, reduce_only: bool = False) -> None:
        """Leave HALTED (to ACTIVE, or REDUCE-ONLY). A reason is required and audited."""
        who = by or self.actor
        if not reason or not reason.strip():
            raise OrderError("re-arming needs a reason")
        refusal = self.rearm_gate()
        if refusal is not None:
            self._audit.record("rearm_refused", "trading", {"reason": refusal, "by": who})
            raise NotPermitted(refusal)
        if reduce_only:
            self._state.reduce_only(reason.strip(), who)
        else:
            self._state.rearm(reason.strip(), who)
        self._audit.record(
            "rearm", "trading", {"reason": reason.strip(), "by": who, "reduce_only": reduce_only}
        )

    def flatten_all(self, positions: list[Position], *, by: str | None = None) -> FlattenReport:
        """Stage a market order closing each non-flat position; approval is still required."""
        who = by or self.actor
        staged: list[str] = []
        errors: list[str] = []
        for position in positions:
            if position.is_flat:
                continue
            try:
                intent = closing_intent(position, source="flatten")
                order = self._orders.stage(intent, allow_when_halted=True)
            except DomainError as exc:
                errors.append(f"{position.key}: {exc}")
                continue
            staged.append(order.id)
        self._audit.record(
            "flatten_all", "trading", {"by": who, "staged": staged, "errors": errors}
        )
        return FlattenReport(tuple(staged), tuple(errors))
