"""Events reach the trader outside the window: a desktop notification and a sound.

Which events, and how, is the core's decision (:mod:`terminal.alerts.notices`: fills, partial
fills, rejects, alerts by severity, a lost connection, each as the ``[notify]`` settings say).
Here a :class:`Notice` is given: the desktop notification through the system tray where the
desktop has one (``QSystemTrayIcon.showMessage``); where it has none, the status bar says so
once. The sound is ``QApplication.beep()``: PySide6-Essentials has no QtMultimedia (no
QSoundEffect to play a WAV), and the system bell needs no extra dependency; it is one sound for
every kind.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon, QWidget

from terminal.alerts.notices import Notice, NoticeRules
from terminal.domain import Alert, Order
from widgets.resources import icon, resource_path

NO_TRAY_MESSAGE = (
    "Desktop notifications: this desktop has no system tray, so fills, rejects and alerts "
    "notify only inside the window (and by sound where set)"
)


class TrayNotification:
    """Give a notice: a message through one system tray icon (created on first use), a beep.

    Args:
        parent: Owns the tray icon (it goes away with it).
        say: Tells the trader something in the status bar (used once, when there is no tray).
    """

    def __init__(self, parent: QWidget, say: Callable[[str], None] = lambda _text: None) -> None:
        self._parent = parent
        self._say = say
        self._tray: QSystemTrayIcon | None = None
        self._told_no_tray = False

    @property
    def tray(self) -> QSystemTrayIcon | None:
        """The tray icon, once one was needed and the desktop has a tray."""
        return self._tray

    def __call__(self, notice: Notice) -> None:
        if notice.desktop:
            if QSystemTrayIcon.isSystemTrayAvailable():
                tray = self._tray or self._make_tray()
                kind = (
                    QSystemTrayIcon.MessageIcon.Critical
                    if notice.urgent
                    else QSystemTrayIcon.MessageIcon.Information
                )
                tray.showMessage(notice.title, notice.message, kind, 15_000)
            elif not self._told_no_tray:
                self._told_no_tray = True
                self._say(NO_TRAY_MESSAGE)
        if notice.sound:
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


class EventNotifier:
    """Feed order updates and alerts to the core's rules and give the notices they make.

    Args:
        rules: Decide which events notify, and how (they hold the mute).
        give: Called with each :class:`Notice`; the pane passes :class:`TrayNotification`,
            tests a recorder.
    """

    def __init__(self, rules: NoticeRules, give: Callable[[Notice], None]) -> None:
        self.rules = rules
        self.give = give

    @property
    def muted(self) -> bool:
        """Sounds are silenced (desktop notifications still show)."""
        return self.rules.muted

    def set_muted(self, muted: bool) -> None:
        self.rules.muted = muted

    def on_alert(self, alert: Alert, previous: Alert | None) -> bool:
        """Notify when ``alert`` needs it; return True when a notice was given."""
        return self._give(self.rules.on_alert(alert, previous))

    def on_order(self, order: Order) -> bool:
        """Notify a new fill or a broker's reject; return True when a notice was given."""
        return self._give(self.rules.on_order(order))

    def _give(self, notice: Notice | None) -> bool:
        if notice is None:
            return False
        self.give(notice)
        return True
