"""Staging: an intent is checked against risk and enters the approval queue.

Each staged order enters the book as two changes, each one audit record: ``stage`` (the intent,
its role in a group, who staged it) and ``verdict`` (the pre-trade risk verdict, which puts it in
the approval queue). The halt check lives here once, for every way of staging.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from terminal.domain import (
    Clock,
    DomainError,
    Instrument,
    Order,
    OrderIntent,
    OrderRole,
    OrderStatus,
)
from terminal.oms.book import STAGED_BY, OrderBook
from terminal.oms.changes import ChangeSource, OrderChange
from terminal.oms.describe import intent_details, intent_market, intent_summary
from terminal.oms.errors import NotPermitted, TradingHalted
from terminal.oms.ports import OpenGate, OrderGate, QuoteLookup, RiskCheck
from terminal.risk.state import TradingState, TradingStateMachine

S = OrderStatus


class Staging:
    """Stage single orders, brackets and OCO groups into the book's approval queue."""

    def __init__(
        self,
        book: OrderBook,
        risk: RiskCheck,
        trading_state: TradingStateMachine,
        clock: Clock,
        ids: Callable[[], str],
        gate: OrderGate | None = None,
        quotes: QuoteLookup | None = None,
    ) -> None:
        self.gate: OrderGate = gate or OpenGate()
        #: The market the ``stage`` record notes (its mid: the order's arrival price).
        self._quotes = quotes
        self._book = book
        self._audit = book.audit
        self._risk = risk
        self._trading_state = trading_state
        self._clock = clock
        self._ids = ids

    def stage(self, intent: OrderIntent, *, by: str, allow_when_halted: bool = False) -> Order:
        """Check ``intent`` against risk and put it in the approval queue.

        Args:
            intent: A validated intent (bad prices/quantities fail when it is built).
            allow_when_halted: Stage even while HALTED (flatten-all); the verdict still BLOCKs
                until trading is re-armed, so nothing is sent.

        Raises:
            TradingHalted: trading is halted (kill switch); the attempt is audited.
        """
        members = [(intent, OrderRole.SINGLE, False)]
        return self._stage_group(members, by, allow_when_halted=allow_when_halted)[0]

    def stage_input(self, instrument: Instrument, *, by: str, **fields: Any) -> Order:
        """Build an intent from raw ticket input and stage it; audit a refusal.

        The order ticket, the ladder and the chain call this with what the trader typed, so a
        bad quantity or an off-tick price is refused with a message naming the problem *and*
        leaves an audit record, exactly like a refusal for risk or a halt.

        Raises:
            DomainError: the input does not make a valid order (nothing is staged or sent).
            TradingHalted: trading is halted.
        """
        try:
            intent = OrderIntent(instrument, **fields)
        except DomainError as exc:
            raw = {k: str(v) for k, v in fields.items()}
            self._audit.record("stage_refused", instrument.key, {"reason": str(exc), "input": raw})
            raise
        return self.stage(intent, by=by)

    def stage_bracket(
        self,
        parent: OrderIntent,
        take_profit: OrderIntent | None,
        stop_loss: OrderIntent | None,
        *,
        by: str,
    ) -> Order:
        """Stage a bracket: parent plus take-profit and/or stop-loss, approved as one.

        The children must be on the opposite side with the parent's quantity; they become
        live only after the parent fills and cancel each other (one-cancels-other).
        """
        children = [c for c in (take_profit, stop_loss) if c is not None]
        if not children:
            raise DomainError("a bracket needs a take-profit or a stop-loss")
        for child in children:
            if child.side is parent.side or child.quantity != parent.quantity:
                raise DomainError(
                    "bracket children must be on the opposite side with the parent's quantity"
                )
            if child.instrument.key != parent.instrument.key:
                raise DomainError("bracket children must be in the parent's instrument")
        members = [(parent, OrderRole.PARENT, False)]
        if take_profit is not None:
            members.append((take_profit, OrderRole.TAKE_PROFIT, True))
        if stop_loss is not None:
            members.append((stop_loss, OrderRole.STOP_LOSS, True))
        return self._stage_group(members, by)[0]

    def stage_oco(self, intents: Sequence[OrderIntent], *, by: str) -> list[Order]:
        """Stage a one-cancels-other group, approved together."""
        if len(intents) < 2:
            raise DomainError("an OCO group needs at least two orders")
        return self._stage_group([(i, OrderRole.OCO_MEMBER, True) for i in intents], by)

    def _market(self, intent: OrderIntent) -> dict[str, str]:
        if self._quotes is None:
            return {}
        return intent_market(intent, self._quotes.last_quote)

    def _refuse_when_halted(self, intents: Sequence[OrderIntent]) -> None:
        """The one halt check of staging: refuse, audit it, say how to get out of it."""
        if self._trading_state.state is not TradingState.HALTED:
            return
        self._audit.record(
            "stage_refused",
            intents[0].instrument.key,
            {"reason": "trading halted", "intents": [intent_details(i) for i in intents]},
        )
        raise TradingHalted("trading is halted by the kill switch: re-arm before staging orders")

    def _stage_group(
        self,
        members: Sequence[tuple[OrderIntent, OrderRole, bool]],
        by: str,
        *,
        allow_when_halted: bool = False,
    ) -> list[Order]:
        if not allow_when_halted:
            self._refuse_when_halted([intent for intent, _, _ in members])
        if len(members) > 1 and any(intent.combo is not None for intent, _, _ in members):
            # A combo's fills come per leg, so a bracket child or an OCO sibling would not know
            # its parent's units; combos trade on their own for now (docs/combos.md).
            intents = [intent_details(intent) for intent, _, _ in members]
            reason = "a combo order is staged on its own: not in a bracket or an OCO group"
            self._audit.record(
                "stage_refused",
                members[0][0].instrument.key,
                {"reason": reason, "by": by, "intents": intents},
            )
            raise DomainError(reason)
        refusal = self.gate.stage_refusal(members[0][0])
        if refusal is not None:
            intents = [intent_details(intent) for intent, _, _ in members]
            self._audit.record(
                "stage_refused",
                members[0][0].instrument.key,
                {"reason": refusal, "by": by, "intents": intents},
            )
            raise NotPermitted(refusal)
        now = self._clock.now()
        first_id = self._ids()
        group_id = first_id if len(members) > 1 else None
        staged: list[Order] = []
        open_orders = self._book.open_orders()
        for index, (intent, role, in_oca) in enumerate(members):
            order_id = first_id if index == 0 else self._ids()
            # Children of a bracket reduce the parent's position: the parent's verdict covers them.
            parent_id = first_id if role in (OrderRole.TAKE_PROFIT, OrderRole.STOP_LOSS) else None
            oca_group = f"OCA-{first_id}" if in_oca else None
            verdict = (
                self._risk.check(intent, open_orders, oca_group=oca_group)
                if parent_id is None
                else None
            )
            order = Order(
                id=order_id,
                intent=intent,
                status=S.STAGED,
                created_at=now,
                updated_at=now,
                verdict=verdict,
                role=role,
                group_id=group_id,
                parent_id=parent_id,
                oca_group=oca_group,
                extra={STAGED_BY: by, **self.gate.annotate(intent)},
            )
            self._risk.record_staged(intent)
            summary = verdict.summary if verdict else "covered by parent"
            self._book.apply(
                OrderChange(
                    order_id=order_id,
                    action="stage",
                    source=ChangeSource.TRADER,
                    created=order,
                    details={
                        "intent": intent_details(intent),
                        "role": role.value,
                        "group_id": group_id,
                        "by": by,
                        **self._market(intent),
                    },
                    note=intent_summary(intent),
                    at=now,
                )
            )
            self._book.apply(
                OrderChange(
                    order_id=order_id,
                    action="verdict",
                    source=ChangeSource.TRADER,
                    status=S.PENDING_APPROVAL,
                    details={"verdict": summary},
                    note=summary,
                    at=now,
                )
            )
            pending = self._book.get(order_id)
            staged.append(pending)
            open_orders.append(pending)
        return staged
