"""Apply what another terminal of the desk committed: orders through the one write path, fills,
alerts, the trading state (a desk-wide halt), and the audit records it wrote.

Runs on the event loop; the :class:`~terminal.desk.listener.DeskListener` thread hands it
:class:`~terminal.desk.listener.DeskBatch` es. Orders arrive as DESK changes (see
:mod:`terminal.oms.book`); an order of ours that another terminal approved is then sent from
here, by the terminal that staged it (docs/desk-mode.md, "Who sends an order to the broker").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from eventkit import Event

from terminal.alerts.service import AlertService
from terminal.desk.listener import DeskBatch
from terminal.domain import Order, OrderStatus, Severity
from terminal.oms.changes import desk_fill, desk_snapshot
from terminal.oms.kill_switch import KillSwitch
from terminal.oms.manager import OrderManager
from terminal.persistence.audit import AuditLog, ChainHead
from terminal.risk.state import TradingState, TradingStateMachine

log = logging.getLogger(__name__)

#: The settings key of the trading state (shared by the whole desk).
TRADING_STATE_KEY = "trading_state"


class DeskSync:
    """Apply desk batches to this terminal's core.

    Events:
        desk_recorded(records: list[AuditRecord]): audit records other terminals committed.
        status_changed(connected: bool, message: str): the desk connection came or went.
    """

    def __init__(
        self,
        orders: OrderManager,
        alerts: AlertService,
        trading_state: TradingStateMachine,
        kill_switch: KillSwitch,
        audit: AuditLog,
        spawn: Callable[[Coroutine[Any, Any, Any], str], object],
        applying_state: Callable[[bool], None],
    ) -> None:
        self._orders = orders
        self._alerts = alerts
        self._state = trading_state
        self._kill = kill_switch
        self._audit = audit
        self._spawn = spawn
        self._applying_state = applying_state
        self.connected = False
        self._lost = False
        self._closed = False
        #: Executions another terminal booked (heard here, not reported by our own broker).
        self._desk_fills: set[str] = set()
        self.desk_recorded = Event("desk_recorded")
        self.status_changed = Event("status_changed")

    def close(self) -> None:
        """Hear nothing more (shutdown): what the listener already queued is dropped, since the
        core it would change is stopping and its writer closing."""
        self._closed = True

    def is_desk_fill(self, exec_id: str) -> bool:
        """Whether another terminal booked this execution (it reached us through the desk)."""
        return exec_id in self._desk_fills

    def on_status(self, connected: bool, message: str) -> None:
        if self._closed:
            return
        was, self.connected = self.connected, connected
        if was == connected:
            return
        if connected and self._lost:
            self._alerts.raise_alert(
                Severity.INFO, "desk", f"desk connection back: {message}", "desk-connection-back"
            )
        elif not connected:
            self._lost = True
            self._alerts.raise_alert(
                Severity.CRITICAL,
                "desk",
                f"{message}: other terminals' orders, approvals and halts are not heard "
                "until it is back",
                "desk-connection-lost",
            )
        self.status_changed.emit(connected, message)

    def on_batch(self, batch: DeskBatch) -> None:
        """Apply one batch; a failure is reported through the book (a critical alert)."""
        if self._closed:
            return
        try:
            self._apply(batch)
        except Exception as exc:  # called from the loop: must not vanish
            self._orders.book.report_failure("desk update", exc)

    def _apply(self, batch: DeskBatch) -> None:
        book = self._orders.book
        for fill in batch.fills:
            if not book.has_fill(fill.exec_id):
                self._desk_fills.add(fill.exec_id)
                book.apply(desk_fill(fill))
        approved: list[Order] = []
        for order in batch.orders:
            before = book.find(order.id)
            after = book.apply(desk_snapshot(order))
            if (
                after is not None
                and after.status is OrderStatus.APPROVED
                and (before is None or before.status is not OrderStatus.APPROVED)
            ):
                approved.append(after)
        for order in approved:
            self._orders.submit_desk_approval(order)
        for alert in batch.alerts:
            self._alerts.apply_desk(alert)
        saved = batch.settings.get(TRADING_STATE_KEY)
        if isinstance(saved, dict):
            self._apply_state(saved)
        own = self._audit.workstation
        records = [r for r in batch.audit if r.workstation != own]
        if batch.audit:
            last = batch.audit[-1]
            self._audit.saw(ChainHead(last.seq, last.hash))
        if records:
            self.desk_recorded.emit(records)

    def _apply_state(self, saved: dict[str, Any]) -> None:
        try:
            state = TradingState(str(saved.get("state")))
        except ValueError:
            log.warning("ignored an unreadable desk trading state: %r", saved)
            return
        reason, by = str(saved.get("reason", "")), str(saved.get("by", "desk"))
        if state is self._state.state:
            return
        self._applying_state(True)  # the state came from the desk: not saved back to it
        try:
            if state is TradingState.HALTED:
                # The desk halted: halt here at once, then withdraw our own orders and cancel
                # at our broker (the kill switch's trip finds the state halted already).
                self._state.halt(reason, by)
                self._spawn(self._kill.trip(f"desk halt: {reason}", by=by), "desk-kill-switch")
            elif state is TradingState.REDUCE_ONLY:
                self._state.reduce_only(reason or "desk re-armed reduce-only", by)
            else:
                self._state.rearm(reason or "desk re-armed", by)
        finally:
            self._applying_state(False)
