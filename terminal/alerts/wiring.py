"""System alerts: turn core events (connection, orders, fills, risk, database) into alerts.

:class:`SystemAlerts` has one plain method per core event; the composition root connects them.
It imports nothing from the core but the domain and the broker port, so the risk package's
trading states arrive as their string values.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from decimal import Decimal

from terminal.alerts.service import AlertService
from terminal.broker.base import ConnectionState
from terminal.domain.alerts import Severity
from terminal.domain.fills import Fill
from terminal.domain.formatting import format_money
from terminal.domain.formatting import format_quantity as _qty
from terminal.domain.lifecycle import OrderStatus
from terminal.domain.orders import Order

#: Dedup key of the connection-lost alert.
CONNECTION_LOST_KEY = "connection:lost"
#: Dedup key of the "not connected yet" alert (the first connection, being retried).
NOT_CONNECTED_KEY = "connection:not-yet"
#: Dedup key of the "day P&L not established" alert.
DAY_PNL_KEY = "pnl:not-established"
#: Dedup key of the stale-feeds alert.
STALE_FEEDS_KEY = "feeds:stale"
#: Stale feeds named in the alert; the rest are counted.
_STALE_NAMED = 5
#: Order ids / execution ids remembered so a replayed report (reconciliation) alerts once.
_SEEN_MEMORY = 10_000

_TRADING_STATES = frozenset({"active", "reduce_only", "halted"})


class _Seen:
    """A bounded set of recently seen strings."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, None] = OrderedDict()

    def add(self, item: str) -> bool:
        """Remember ``item``; return False when it was seen already."""
        if item in self._items:
            return False
        self._items[item] = None
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return True


class SystemAlerts:
    """Raise alerts for what the system does: connection, orders, fills, risk, database, errors."""

    def __init__(self, service: AlertService) -> None:
        self._service = service
        self._connected = False
        self._lost_alert_id: str | None = None
        self._not_connected_id: str | None = None
        self._day_pnl_alert_id: str | None = None
        self._stale_alert_id: str | None = None
        self._seen = _Seen(_SEEN_MEMORY)

    # -- connection ---------------------------------------------------------------------------

    def on_connection_changed(self, state: ConnectionState, message: str) -> None:
        """Alert when an established connection is lost, and when it comes back."""
        state = ConnectionState(state)
        if state is ConnectionState.DISCONNECTED:
            if self._connected:
                self._connected = False
                detail = message or "no reason given"
                alert = self._service.raise_alert(
                    Severity.CRITICAL,
                    "connection",
                    f"Connection lost: {detail}",
                    CONNECTION_LOST_KEY,
                )
                self._lost_alert_id = alert.id
            return
        if state is ConnectionState.CONNECTING:
            return
        was_lost = self._lost_alert_id is not None
        self._connected = True
        self._clear_not_connected()
        if state is ConnectionState.DATA_LOST:
            self._service.raise_alert(
                Severity.WARNING,
                "connection",
                "Connection restored, market data was lost and is being re-subscribed",
            )
        elif was_lost:
            self._service.raise_alert(Severity.INFO, "connection", "Connection restored")
        self._clear_lost()

    def on_connect_retrying(self, message: str) -> None:
        """The first connection failed and is tried again: one warning saying why, kept up to
        date with each attempt, cleared once connected."""
        alert = self._service.raise_alert(
            Severity.WARNING, "connection", f"Not connected yet: {message}", NOT_CONNECTED_KEY
        )
        previous, self._not_connected_id = self._not_connected_id, alert.id
        if previous is not None and previous != alert.id:  # not folded (outside the window)
            with contextlib.suppress(KeyError):
                self._service.clear(previous)

    def on_day_pnl(self, established: bool) -> None:
        """Warn while day P&L has no start of day to rest on (the broker's own figure has not
        come): the daily-loss limit does not act meanwhile. Cleared once it is established."""
        if not established and self._day_pnl_alert_id is None:
            alert = self._service.raise_alert(
                Severity.WARNING,
                "risk",
                "Day P&L not established yet (waiting for the broker's account P&L): it shows "
                "0 and the daily-loss limit does not act until it is",
                DAY_PNL_KEY,
            )
            self._day_pnl_alert_id = alert.id
        elif established and self._day_pnl_alert_id is not None:
            alert_id, self._day_pnl_alert_id = self._day_pnl_alert_id, None
            with contextlib.suppress(KeyError):
                self._service.clear(alert_id)

    def _clear_not_connected(self) -> None:
        alert_id, self._not_connected_id = self._not_connected_id, None
        if alert_id is not None:
            with contextlib.suppress(KeyError):  # cleared by the trader meanwhile
                self._service.clear(alert_id)

    def _clear_lost(self) -> None:
        if self._lost_alert_id is None:
            return
        alert_id, self._lost_alert_id = self._lost_alert_id, None
        # KeyError: cleared by the trader long ago and forgotten; nothing left to clear.
        with contextlib.suppress(KeyError):
            self._service.clear(alert_id)

    # -- market data ----------------------------------------------------------------------------

    def on_stale_feeds(self, stale: list[str]) -> None:
        """Warn while market-data feeds are stale (one alert, kept up to date); clear it and say
        so when every feed updates again. ``stale`` describes each stale feed, worst first."""
        if stale:
            named = "; ".join(stale[:_STALE_NAMED])
            more = f" and {len(stale) - _STALE_NAMED} more" if len(stale) > _STALE_NAMED else ""
            noun = "feed" if len(stale) == 1 else "feeds"
            alert = self._service.raise_alert(
                Severity.WARNING,
                "market data",
                f"Stale market data, {len(stale)} {noun}: {named}{more}",
                STALE_FEEDS_KEY,
            )
            previous, self._stale_alert_id = self._stale_alert_id, alert.id
            if previous is not None and previous != alert.id:  # not folded (outside the window)
                with contextlib.suppress(KeyError):
                    self._service.clear(previous)
            return
        if self._stale_alert_id is None:
            return
        alert_id, self._stale_alert_id = self._stale_alert_id, None
        with contextlib.suppress(KeyError):  # cleared by the trader meanwhile
            self._service.clear(alert_id)
        self._service.raise_alert(Severity.INFO, "market data", "Market data is updating again")

    # -- orders and fills ---------------------------------------------------------------------

    def on_order_updated(self, order: Order) -> None:
        """Alert when the broker rejects an order (WARNING) or an order expires (INFO)."""
        status = order.status
        if status not in (OrderStatus.REJECTED_BY_BROKER, OrderStatus.EXPIRED):
            return
        if not self._seen.add(f"order:{order.id}:{status.value}"):
            return
        intent = order.intent
        what = f"{intent.side.value} {_qty(intent.quantity)} {order.key}"
        if status is OrderStatus.REJECTED_BY_BROKER:
            reason = order.reason or "no reason given"
            self._service.raise_alert(
                Severity.WARNING,
                "orders",
                f"Order rejected by broker: {what} — {reason}",
                f"order:{order.id}:rejected",
            )
            return
        filled = ""
        if order.filled_quantity > 0:
            filled = f" ({_qty(order.filled_quantity)} of {_qty(intent.quantity)} filled)"
        self._service.raise_alert(
            Severity.INFO, "orders", f"Order expired: {what}{filled}", f"order:{order.id}:expired"
        )

    def on_modify_rejected(self, order: Order, reason: str) -> None:
        """Warn when the broker refused a modification: the order stands at the terms shown
        (those the broker holds), not at the ones the trader asked for."""
        intent = order.intent
        what = f"{intent.side.value} {_qty(intent.quantity)} {order.key}"
        terms = ", ".join(
            f"{name} {order.instrument.format_price(price)}"
            for name, price in (("limit", intent.limit_price), ("stop", intent.stop_price))
            if price is not None
        )
        stands = f"; it stands at {terms}" if terms else ""
        if not order.status.is_terminal:
            stands += " and keeps working"
        self._service.raise_alert(
            Severity.WARNING,
            "orders",
            f"Modify refused by broker: {what} — {reason}{stands}",
            f"order:{order.id}:modify_rejected",
        )

    def on_fill(self, fill: Fill) -> None:
        """Report each execution once (a replayed execution id is ignored)."""
        if not self._seen.add(f"fill:{fill.exec_id}"):
            return
        self._service.raise_alert(
            Severity.INFO,
            "fills",
            f"Filled {fill.side.value} {_qty(fill.quantity)} {fill.key} @ "
            f"{fill.instrument.format_price(fill.price)} "
            f"(commission {format_money(fill.commission)})",
            f"fill:{fill.exec_id}",
        )

    def on_commission_unmatched(self, exec_id: str, commission: Decimal) -> None:
        """A broker's commission correction found no fill to correct: the trader should know
        the commission shown and booked may be wrong."""
        self._service.raise_alert(
            Severity.WARNING,
            "fills",
            f"Commission {format_money(commission)} for execution {exec_id} not applied: "
            "no such fill recorded this session",
            f"commission:{exec_id}",
        )

    # -- risk -----------------------------------------------------------------------------------

    def on_trading_state_changed(self, old: str, new: str, reason: str, by: str) -> None:
        """Alert on the kill switch (CRITICAL), reduce-only (WARNING) and re-arming (INFO).

        Args:
            old: The previous trading state: ``"active"``, ``"reduce_only"`` or ``"halted"``.
            new: The new trading state, one of the same.
            reason: Why it changed, as given by the trader or the rule that tripped.
            by: Who changed it (a trader's name, or the rule).

        Raises:
            ValueError: a state is not one of the three.
        """
        old, new = str(old), str(new)
        for state in (old, new):
            if state not in _TRADING_STATES:
                raise ValueError(f"unknown trading state {state!r}")
        if old == new:
            return
        if new == "halted":
            self._service.raise_alert(
                Severity.CRITICAL, "risk", f"KILL SWITCH: trading halted — {reason} (by {by})"
            )
        elif new == "reduce_only":
            self._service.raise_alert(
                Severity.WARNING, "risk", f"Trading reduce-only: {reason} (by {by})"
            )
        else:
            self._service.raise_alert(
                Severity.INFO, "risk", f"Trading re-armed: {reason} (by {by})"
            )

    def on_utilisation(self, name: str, label: str, fraction: float, level: str) -> None:
        """Alert on a live limit's utilisation: ``"warn"`` is a WARNING, ``"breach"`` CRITICAL.

        Other levels (``"ok"``) raise nothing. One alert per limit ``name`` folds repeats and
        keeps the worst severity until it is cleared.
        """
        if level == "warn":
            severity, suffix = Severity.WARNING, ""
        elif level == "breach":
            severity, suffix = Severity.CRITICAL, " — limit breached"
        else:
            return
        self._service.raise_alert(
            severity, "risk", f"{label} at {fraction:.0%} of limit{suffix}", f"utilisation:{name}"
        )

    # -- infrastructure -------------------------------------------------------------------------

    def on_write_failed(self, description: str, error: str) -> None:
        """Alert that a database write failed and is kept for retry (repeats fold into one)."""
        self._service.raise_alert(
            Severity.CRITICAL,
            "database",
            f"Database write failed (kept for retry): {description}: {error}",
            "database:write_failed",
        )

    def on_error(self, source: str, message: str) -> None:
        """Alert on an unexpected error (e.g. caught by the application's exception hook)."""
        self._service.raise_alert(Severity.CRITICAL, source, message)
