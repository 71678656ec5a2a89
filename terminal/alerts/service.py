"""The alert service: owns every alert, folds repeats and throttles floods.

Lifecycle (one table, :data:`_TRANSITIONS`)::

    RAISED ──acknowledge──> ACKNOWLEDGED ──clear──> CLEARED
       └────────────────────clear──────────────────────┘
    ACKNOWLEDGED ──a repeat is folded in──> RAISED

A cleared alert never comes back: a repeat after clearing is a new alert.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import replace

from eventkit import Event

from terminal.domain.alerts import Alert, AlertState, Severity
from terminal.domain.clock import Clock
from terminal.settings import AlertSettings

#: Dedup key of the alert that summarises suppressed alerts.
FLOOD_KEY = "alerts:flood"
#: Cleared alerts remembered in memory (so a late acknowledge gets a clear error, not a KeyError).
_CLEARED_MEMORY = 1000

_TRANSITIONS: dict[AlertState, frozenset[AlertState]] = {
    AlertState.RAISED: frozenset({AlertState.ACKNOWLEDGED, AlertState.CLEARED}),
    AlertState.ACKNOWLEDGED: frozenset({AlertState.RAISED, AlertState.CLEARED}),
    AlertState.CLEARED: frozenset(),
}


def _new_id() -> str:
    return uuid.uuid4().hex


def _last_raised(alert: Alert) -> dt.datetime:
    return alert.last_raised_at or alert.raised_at


class AlertService:
    """Raise, fold, acknowledge and clear alerts; the one owner of :class:`Alert` snapshots.

    Flood protection has two parts. A repeat of an open alert (same ``dedup_key``, last raised
    within ``flood_window_seconds``) is folded into it: its count goes up, it takes the newest
    message and the higher severity, and it returns to RAISED if it had been acknowledged. And at
    most ``max_alerts_per_window`` new non-critical alerts are created per sliding window; the
    rest are counted in one WARNING "N alerts suppressed (flood)" alert. CRITICAL alerts are
    never suppressed.

    Every change is handed to ``persist`` (the database writer) before the event is emitted.

    Events:
        alert_raised(alert: Alert): a new alert was created.
        alert_updated(alert: Alert): an alert was folded, acknowledged or cleared.
    """

    def __init__(
        self,
        clock: Clock,
        settings: AlertSettings,
        persist: Callable[[Alert], None] | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        self._clock = clock
        self._window = dt.timedelta(seconds=settings.flood_window_seconds)
        self._cap = settings.max_alerts_per_window
        self._persist = persist
        self._ids = ids or _new_id
        #: Alerts not cleared, by id, in creation order.
        self._active: dict[str, Alert] = {}
        #: Recently cleared alerts, oldest first (bounded).
        self._cleared: OrderedDict[str, Alert] = OrderedDict()
        #: dedup_key -> id of the newest open alert with that key.
        self._by_key: dict[str, str] = {}
        #: Creation times of recent new non-critical alerts (the global cap's window).
        self._recent: deque[dt.datetime] = deque()
        self.alert_raised = Event("alert_raised")
        self.alert_updated = Event("alert_updated")

    # -- raising ----------------------------------------------------------------------------

    def update_settings(self, settings: AlertSettings) -> None:
        """Use new flood limits from the next alert on."""
        self._window = dt.timedelta(seconds=settings.flood_window_seconds)
        self._cap = settings.max_alerts_per_window

    def raise_alert(
        self, severity: Severity, source: str, message: str, dedup_key: str | None = None
    ) -> Alert:
        """Raise an alert, or fold it into an open alert with the same dedup key.

        Args:
            severity: How bad it is; CRITICAL alerts are never suppressed by the flood cap.
            source: What raised it (``"connection"``, ``"risk"``, a rule...).
            message: One sentence for the trader.
            dedup_key: Repeats with this key fold into one alert; default ``source + message``.

        Returns:
            The new or folded alert, or the flood summary when this alert was suppressed.
        """
        severity = Severity(severity)
        key = dedup_key if dedup_key is not None else f"{source}:{message}"
        now = self._clock.now()
        open_alert = self._foldable(key, now)
        if open_alert is not None:
            return self._fold(open_alert, severity, message, now)
        if severity is not Severity.CRITICAL and not self._admit(now):
            return self._suppress(now)
        return self._create(severity, source, message, key, now)

    def _foldable(self, key: str, now: dt.datetime) -> Alert | None:
        alert_id = self._by_key.get(key)
        if alert_id is None:
            return None
        alert = self._active[alert_id]
        return alert if now - _last_raised(alert) <= self._window else None

    def _admit(self, now: dt.datetime) -> bool:
        """Count a new non-critical alert against the cap; return False when over it."""
        recent = self._recent
        while recent and now - recent[0] > self._window:
            recent.popleft()
        if len(recent) >= self._cap:
            return False
        recent.append(now)
        return True

    def _suppress(self, now: dt.datetime) -> Alert:
        summary = self._foldable(FLOOD_KEY, now)
        count = summary.count + 1 if summary is not None else 1
        noun = "alert" if count == 1 else "alerts"
        message = f"{count} {noun} suppressed (flood)"
        if summary is not None:
            return self._fold(summary, Severity.WARNING, message, now)
        return self._create(Severity.WARNING, "alerts", message, FLOOD_KEY, now)

    def _create(
        self, severity: Severity, source: str, message: str, key: str, now: dt.datetime
    ) -> Alert:
        alert = Alert(
            id=self._ids(),
            severity=severity,
            source=source,
            message=message,
            raised_at=now,
            dedup_key=key,
            last_raised_at=now,
        )
        if alert.id in self._active or alert.id in self._cleared:
            raise ValueError(f"alert id {alert.id!r} is already in use")
        self._active[alert.id] = alert
        self._by_key[key] = alert.id
        self._save(alert)
        self.alert_raised.emit(alert)
        return alert

    def _fold(self, alert: Alert, severity: Severity, message: str, now: dt.datetime) -> Alert:
        folded = replace(
            alert,
            severity=max(alert.severity, severity),
            message=message,
            count=alert.count + 1,
            last_raised_at=now,
            state=AlertState.RAISED,
            acknowledged_at=None,
            acknowledged_by=None,
        )
        return self._update(folded)

    # -- lifecycle ----------------------------------------------------------------------------

    def acknowledge(self, alert_id: str, by: str) -> Alert:
        """Mark an alert as seen by ``by``; acknowledging twice changes nothing.

        Raises:
            KeyError: no alert has this id.
            ValueError: the alert is already cleared.
        """
        alert = self.get(alert_id)
        if alert.state is AlertState.ACKNOWLEDGED:
            return alert
        self._check(alert, AlertState.ACKNOWLEDGED)
        return self._update(
            replace(
                alert,
                state=AlertState.ACKNOWLEDGED,
                acknowledged_at=self._clock.now(),
                acknowledged_by=by,
            )
        )

    def acknowledge_all(self, by: str) -> int:
        """Acknowledge every raised alert; return how many were acknowledged."""
        raised = [a.id for a in self._active.values() if a.state is AlertState.RAISED]
        for alert_id in raised:
            self.acknowledge(alert_id, by)
        return len(raised)

    def clear(self, alert_id: str) -> Alert:
        """Clear an alert (raised or acknowledged); clearing a cleared alert changes nothing.

        Raises:
            KeyError: no alert has this id.
        """
        alert = self.get(alert_id)
        if alert.state is AlertState.CLEARED:
            return alert
        self._check(alert, AlertState.CLEARED)
        return self._update(replace(alert, state=AlertState.CLEARED, cleared_at=self._clock.now()))

    def clear_acknowledged(self) -> int:
        """Clear every acknowledged alert; return how many were cleared."""
        acked = [a.id for a in self._active.values() if a.state is AlertState.ACKNOWLEDGED]
        for alert_id in acked:
            self.clear(alert_id)
        return len(acked)

    @staticmethod
    def _check(alert: Alert, new: AlertState) -> None:
        if new not in _TRANSITIONS[alert.state]:
            raise ValueError(
                f"alert {alert.id} ({alert.message!r}) is {alert.state.value} "
                f"and cannot become {new.value}"
            )

    def _update(self, alert: Alert) -> Alert:
        if alert.state is AlertState.CLEARED:
            del self._active[alert.id]
            if self._by_key.get(alert.dedup_key) == alert.id:
                del self._by_key[alert.dedup_key]
            self._remember_cleared(alert)
        else:
            self._active[alert.id] = alert
        self._save(alert)
        self.alert_updated.emit(alert)
        return alert

    def _remember_cleared(self, alert: Alert) -> None:
        self._cleared[alert.id] = alert
        self._cleared.move_to_end(alert.id)
        while len(self._cleared) > _CLEARED_MEMORY:
            self._cleared.popitem(last=False)

    def _save(self, alert: Alert) -> None:
        if self._persist is not None:
            self._persist(alert)

    # -- queries ------------------------------------------------------------------------------

    def get(self, alert_id: str) -> Alert:
        """Return the alert with this id (open, or cleared recently).

        Raises:
            KeyError: no alert has this id.
        """
        alert = self._active.get(alert_id) or self._cleared.get(alert_id)
        if alert is None:
            raise KeyError(f"no alert with id {alert_id!r}")
        return alert

    def active(self) -> list[Alert]:
        """Return the alerts not cleared, most recently raised first."""
        ordered = list(self._active.values())
        ordered.reverse()  # newer creation first among equal times
        ordered.sort(key=_last_raised, reverse=True)
        return ordered

    def unacknowledged_count(self) -> int:
        """Return how many alerts are raised and not yet acknowledged."""
        return sum(1 for a in self._active.values() if a.state is AlertState.RAISED)

    # -- the desk -----------------------------------------------------------------------------

    def apply_desk(self, alert: Alert) -> None:
        """Show an alert another terminal of the desk raised or changed (it saved it already).

        Its repeats are folded where it was raised: here it is shown as it is stored, never
        folded with this terminal's own alerts.
        """
        known = alert.id in self._active or alert.id in self._cleared
        if alert.id in self._cleared and alert.state is not AlertState.CLEARED:
            # Read back before this terminal's own clear reached the database (a resync right
            # after start-up, or after a reconnect): a cleared alert never comes back.
            return
        if alert.state is AlertState.CLEARED:
            if alert.id in self._active:
                del self._active[alert.id]
            self._remember_cleared(alert)
        else:
            self._cleared.pop(alert.id, None)
            self._active[alert.id] = alert
        if known:
            self.alert_updated.emit(alert)
        else:
            self.alert_raised.emit(alert)

    # -- start-up -----------------------------------------------------------------------------

    def restore(self, alerts: Iterable[Alert]) -> None:
        """Load alerts kept in the database at start-up, without persisting or emitting.

        Views read :meth:`active` when they are built; a restored alert folds repeats like
        any other.
        """
        for alert in sorted(alerts, key=_last_raised):
            if alert.state is AlertState.CLEARED:
                self._active.pop(alert.id, None)
                if self._by_key.get(alert.dedup_key) == alert.id:
                    del self._by_key[alert.dedup_key]
                self._remember_cleared(alert)
                continue
            self._cleared.pop(alert.id, None)
            self._active[alert.id] = alert
            self._by_key[alert.dedup_key] = alert.id
