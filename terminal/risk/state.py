"""Trading state: whether new orders may be sent at all (the kill switch's memory).

The state machine only records and announces the state. The order manager listens to
``state_changed`` and does the side effects (audit record, broker-wide cancel, alert).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from eventkit import Event

from terminal.domain.clock import Clock


class TradingState(StrEnum):
    """What the risk engine lets through."""

    #: Every order is checked by the rules as usual.
    ACTIVE = "active"
    #: Only orders that shrink an existing position pass (no new positions, no flips).
    REDUCE_ONLY = "reduce_only"
    #: Nothing passes (kill switch).
    HALTED = "halted"


#: Shown when the kill switch is pressed without a reason: halting must never fail.
_NO_REASON = "no reason given"


class TradingStateMachine:
    """Hold the trading state and announce every change.

    Tightening (to REDUCE_ONLY or HALTED) is always allowed, so the kill switch cannot fail.
    Loosening (back to ACTIVE, or from HALTED to REDUCE_ONLY) needs a reason, which the order
    manager writes to the audit log.

    Events:
        state_changed(old: TradingState, new: TradingState, reason: str, by: str): the state
            moved from ``old`` to ``new``; ``by`` is the trader or ``"system"``.
    """

    def __init__(self, clock: Clock, state: TradingState = TradingState.ACTIVE) -> None:
        self._clock = clock
        self._state = state
        self._reason = ""
        self._by = ""
        self._changed_at: dt.datetime | None = None
        self.state_changed = Event("state_changed")

    @property
    def state(self) -> TradingState:
        """Return the current state."""
        return self._state

    @property
    def reason(self) -> str:
        """Return the reason given for the last change (empty when never changed)."""
        return self._reason

    @property
    def changed_by(self) -> str:
        """Return who made the last change (empty when never changed)."""
        return self._by

    @property
    def changed_at(self) -> dt.datetime | None:
        """Return when the last change happened, or ``None`` when never changed."""
        return self._changed_at

    def halt(self, reason: str, by: str) -> bool:
        """Stop all trading (kill switch).

        Args:
            reason: Why; a blank reason is recorded as "no reason given" rather than refused.
            by: Who pressed it (trader name or ``"system"``).

        Returns:
            True when the state changed, False when trading was already halted.
        """
        return self._move(TradingState.HALTED, reason.strip() or _NO_REASON, by)

    def reduce_only(self, reason: str, by: str) -> bool:
        """Allow only orders that shrink existing positions.

        Raises:
            ValueError: coming from HALTED (a loosening) without a reason.

        Returns:
            True when the state changed, False when already reduce-only.
        """
        if self._state is TradingState.HALTED:
            self._require_reason(reason, "leaving the halt for reduce-only")
        return self._move(TradingState.REDUCE_ONLY, reason.strip() or _NO_REASON, by)

    def rearm(self, reason: str, by: str) -> bool:
        """Return to ACTIVE trading.

        Raises:
            ValueError: the reason is empty or blank.

        Returns:
            True when the state changed, False when trading was already active.
        """
        self._require_reason(reason, "re-arming trading")
        return self._move(TradingState.ACTIVE, reason.strip(), by)

    def restore(
        self, state: TradingState, reason: str = "restored at start-up", by: str = "system"
    ) -> None:
        """Set the state saved by the previous session, without emitting ``state_changed``.

        Start-up is not a change: nothing happened that listeners need to act on.
        """
        self._state = TradingState(state)
        self._reason = reason
        self._by = by
        self._changed_at = self._clock.now()

    def _move(self, new: TradingState, reason: str, by: str) -> bool:
        old = self._state
        if old is new:
            return False
        self._state = new
        self._reason = reason
        self._by = by
        self._changed_at = self._clock.now()
        self.state_changed.emit(old, new, reason, by)
        return True

    @staticmethod
    def _require_reason(reason: str, action: str) -> None:
        if not reason or not reason.strip():
            raise ValueError(f"{action} needs a reason: say why it is safe to trade again")
