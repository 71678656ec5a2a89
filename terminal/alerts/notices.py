"""Which events make a sound or a desktop notification: the ``[notify]`` settings, per kind.

An event is one of seven kinds — a fill (an order now completely filled), a partial fill, a
broker's reject, an alert by severity (info, warning, critical) and a lost connection — and each
kind's setting says what it does: ``"both"``, ``"sound"``, ``"desktop"`` or ``"off"``. The rules
turn order updates and alerts into :class:`Notice` values; the window plays and shows them.

The alerts the terminal raises itself for fills, rejects and a lost connection are not counted
again as alerts: they are their own kinds. An alert notifies when it is new, when it rose to
its severity, or when it came back after it was acknowledged; a repeat the trader has not looked
at yet stays quiet. Each kind notifies at most once per ``min_interval`` seconds; the next one
says how many were held back. Muting silences the sounds of every kind; desktop notifications
still show (a lost connection must not go unseen), and they make no sound of their own here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from terminal.alerts.wiring import CONNECTION_LOST_KEY
from terminal.domain import Alert, AlertState, Order, OrderStatus, Severity
from terminal.domain.formatting import format_quantity

#: At most one notice per kind per this many seconds; a burst is summarised in the next one.
MIN_INTERVAL_SECONDS = 2.0

_REJECTED_KEY = re.compile(r"order:.+:rejected")


class NoticeKind(StrEnum):
    """The kinds of event a trader can give a sound or a desktop notification."""

    FILL = "fill"
    PARTIAL_FILL = "partial_fill"
    REJECT = "reject"
    ALERT_INFO = "alert_info"
    ALERT_WARNING = "alert_warning"
    ALERT_CRITICAL = "alert_critical"
    DISCONNECT = "disconnect"


class NoticeOutput(StrEnum):
    """What one kind does."""

    BOTH = "both"
    SOUND = "sound"
    DESKTOP = "desktop"
    OFF = "off"

    @property
    def sound(self) -> bool:
        return self in (NoticeOutput.BOTH, NoticeOutput.SOUND)

    @property
    def desktop(self) -> bool:
        return self in (NoticeOutput.BOTH, NoticeOutput.DESKTOP)


_ALERT_KINDS = {
    Severity.INFO: NoticeKind.ALERT_INFO,
    Severity.WARNING: NoticeKind.ALERT_WARNING,
    Severity.CRITICAL: NoticeKind.ALERT_CRITICAL,
}


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification to give: its kind, its text, and how (sound, desktop or both)."""

    kind: NoticeKind
    title: str
    message: str
    sound: bool
    desktop: bool

    @property
    def urgent(self) -> bool:
        """Shown with the critical icon: a reject, a critical alert, a lost connection."""
        return self.kind in (
            NoticeKind.REJECT,
            NoticeKind.ALERT_CRITICAL,
            NoticeKind.DISCONNECT,
        )


class NoticeRules:
    """Turn order updates and alerts into notices, as the settings say, rate-limited per kind.

    Args:
        outputs: Returns the current output of a kind (read at each event, so a change in
            Settings applies at once).
        now: Monotonic seconds (for the rate limit).
        min_interval: Seconds between two notices of one kind.
    """

    def __init__(
        self,
        outputs: Callable[[NoticeKind], NoticeOutput],
        *,
        now: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        self._outputs = outputs
        self._now = now
        self._min_interval = min_interval
        self.muted = False
        self._last: dict[NoticeKind, float] = {}
        self._held: dict[NoticeKind, int] = {}
        self._filled: dict[str, Decimal] = {}
        self._rejected: set[str] = set()

    def on_order(self, order: Order) -> Notice | None:
        """The notice an order update calls for (a new fill, a broker's reject), or None."""
        status = order.status
        if status is OrderStatus.REJECTED_BY_BROKER:
            if order.id in self._rejected:
                return None
            self._rejected.add(order.id)
            what = _describe(order, order.intent.quantity)
            return self._notice(NoticeKind.REJECT, "Order rejected", f"{what} — {order.reason}")
        before = self._filled.get(order.id, Decimal(0))
        filled = order.filled_quantity
        if filled <= before:
            return None
        if status.is_terminal:
            self._filled.pop(order.id, None)
        else:
            self._filled[order.id] = filled
        price = order.avg_fill_price
        at = f" @ {order.instrument.format_price(price)}" if price is not None else ""
        if status is OrderStatus.FILLED:
            return self._notice(NoticeKind.FILL, "Filled", f"{_describe(order, filled)}{at}")
        of = format_quantity(order.intent.quantity)
        text = f"{_describe(order, filled)} of {of}{at}"
        return self._notice(NoticeKind.PARTIAL_FILL, "Partly filled", text)

    def on_alert(self, alert: Alert, previous: Alert | None) -> Notice | None:
        """The notice an alert (new or changed; ``previous`` is what it was) calls for."""
        if alert.state is not AlertState.RAISED:
            return None
        key = alert.dedup_key
        if key.startswith("fill:") or _REJECTED_KEY.fullmatch(key):
            return None  # the order's own notice (fill, reject) covers it
        if (
            previous is not None
            and previous.state is AlertState.RAISED
            and previous.severity >= alert.severity
        ):
            return None  # a repeat the trader has not looked at yet: no new noise
        if key == CONNECTION_LOST_KEY:
            return self._notice(NoticeKind.DISCONNECT, "Connection lost", alert.message)
        kind = _ALERT_KINDS[alert.severity]
        return self._notice(kind, f"{alert.severity.name} — {alert.source}", alert.message)

    def _notice(self, kind: NoticeKind, title: str, message: str) -> Notice | None:
        output = self._outputs(kind)
        sound, desktop = output.sound and not self.muted, output.desktop
        if not (sound or desktop):
            return None
        now = self._now()
        if now - self._last.get(kind, -float("inf")) < self._min_interval:
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        self._last[kind] = now
        held = self._held.pop(kind, 0)
        more = f" (+{held} more)" if held else ""
        return Notice(kind, title, f"{message}{more}", sound, desktop)


def _describe(order: Order, quantity: Decimal) -> str:
    return f"{order.intent.side.value} {format_quantity(quantity)} {order.key}"
