"""Critical alerts reach the trader outside the window: a system tray message and a beep."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon, QWidget

from terminal.domain import Alert, AlertState, Severity
from widgets.resources import icon, resource_path

#: At most one notification per this many seconds; a burst of criticals is summarised.
MIN_INTERVAL_SECONDS = 2.0


class TrayNotification:
    """Show a message through one system tray icon (created on first use) and beep.

    Args:
        parent: Owns the tray icon (it goes away with it).
    """

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent
        self._tray: QSystemTrayIcon | None = None

    @property
    def tray(self) -> QSystemTrayIcon | None:
        """The tray icon, once one was needed and the desktop has a tray."""
        return self._tray

    def __call__(self, title: str, message: str) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = self._tray or self._make_tray()
            tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Critical, 15_000)
        QApplication.beep()

    def _make_tray(self) -> QSystemTrayIcon:
        self._tray = QSystemTrayIcon(self._app_icon(), self._parent)
        self._tray.setToolTip("Trading Terminal")
        self._tray.show()
        return self._tray

    def _app_icon(self) -> QIcon:
        if resource_path("icons", "app.svg").exists():
            return icon("app")
        if resource_path("icons", "alerts-critical.svg").exists():
            return icon("alerts-critical")
        return self._parent.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)


class CriticalNotifier:
    """Decide which alerts notify: a new CRITICAL alert, or one that became CRITICAL.

    Args:
        notify: Called with ``(title, message)``; the pane passes :class:`TrayNotification`,
            tests a recorder.
        now: Monotonic seconds (for the rate limit).
    """

    def __init__(
        self,
        notify: Callable[[str, str], None],
        *,
        now: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_INTERVAL_SECONDS,
    ) -> None:
        self.notify = notify
        self._now = now
        self._min_interval = min_interval
        self._last = -float("inf")
        self._held = 0

    def on_alert(self, alert: Alert, previous: Alert | None) -> bool:
        """Notify when ``alert`` needs it; return True when a notification went out."""
        if alert.severity is not Severity.CRITICAL or alert.state is not AlertState.RAISED:
            return False
        if (
            previous is not None
            and previous.severity is Severity.CRITICAL
            and previous.state is AlertState.RAISED
        ):
            return False  # a repeat the trader has not looked at yet: no new noise
        now = self._now()
        if now - self._last < self._min_interval:
            self._held += 1
            return False
        self._last = now
        held, self._held = self._held, 0
        more = f" (+{held} more critical)" if held else ""
        self.notify(f"CRITICAL — {alert.source}", f"{alert.message}{more}")
        return True
