"""The status bar: broker and connection, mode (IB LIVE in red), trading state, clock, equity and
day P&L, unacknowledged alerts, and the health summary ("Health OK", or the problems; a click
opens the health view). Refreshed a few times a second from the refresh clock."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from terminal.broker.base import ConnectionState
from terminal.risk.state import TradingState
from widgets import formatting as fmt
from widgets.health_rows import level_tone, short_summary, summary
from widgets.session import Mode, Session
from widgets.style_props import set_tone

#: Refresh the status labels on every Nth flush of the refresh clock (30 Hz / 8 ≈ 4 Hz).
EVERY_NTH_FLUSH = 8
#: How long a UI action's message stays in the status bar.
MESSAGE_MS = 8000

_STATE_STYLE = {
    TradingState.ACTIVE: "ok",
    TradingState.REDUCE_ONLY: "warning",
    TradingState.HALTED: "critical",
}


#: What the status bar says about the broker connection, and its tone. After a loss the
#: connection comes back as DATA_LOST (every stream renewed): connected again, said so.
_CONNECTION = {
    ConnectionState.CONNECTED: ("connected", "ok"),
    ConnectionState.DATA_LOST: ("connected, data renewed", "ok"),
    ConnectionState.CONNECTING: ("connecting…", "warning"),
    ConnectionState.DISCONNECTED: ("DISCONNECTED: order entry frozen", "critical"),
}


class ClickableLabel(QLabel):
    """A label that says when it is clicked (the health summary opens the health view).

    Signals:
        clicked(): the left button was pressed on it (a double click presses it too).
    """

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)


class StatusBar(QStatusBar):
    """The window's status line.

    Attributes:
        health: The health summary; its ``clicked`` signal opens the health view.
        muted: "Sounds muted", shown while the mute key has the sounds off.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.session = session
        self.broker = self._label("status_broker")
        self.mode = self._label("status_mode")
        self.trading = self._label("status_trading")
        self.equity = self._label("status_equity")
        self.day_pnl = self._label("status_day_pnl")
        self.alerts = self._label("status_alerts")
        self.muted = self._label("status_muted")
        self.muted.setText("Sounds muted")
        set_tone(self.muted, "warning")
        self.muted.hide()
        self.health = ClickableLabel(self)
        self.health.setObjectName("status_health")
        self.health.setCursor(Qt.CursorShape.PointingHandCursor)
        self.addPermanentWidget(self.health)
        self.clock = self._label("status_clock")
        session.register_flush(self._maybe_refresh, owner=self)
        session.subscribe(session.message, self._show_message, owner=self)
        self.refresh()

    def _label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        self.addPermanentWidget(label)
        return label

    def _show_message(self, text: str) -> None:
        self.showMessage(text, MESSAGE_MS)

    def _maybe_refresh(self) -> None:
        if self.session.refresh.flush_count % EVERY_NTH_FLUSH == 0:
            self.refresh()

    def refresh(self) -> None:
        app = self.session.app
        text, tone = _CONNECTION[app.broker.connection_state]
        wait = app.connection_status().seconds_to_next_attempt(app.clock.now())
        if wait is not None:  # waiting to (re)connect: when, and how not to wait
            text = f"not connected, next try in {wait:.0f} s (File → Connect now)"
        self.broker.setText(f"{app.broker.name.upper()}: {text}")
        set_tone(self.broker, tone)
        mode = self.session.mode
        self.mode.setText(f" {mode.value} ")
        set_tone(self.mode, "live" if mode is Mode.IB_LIVE else "mode")
        trading = app.trading_state.state
        self.trading.setText(trading.value.replace("_", "-").upper())
        set_tone(self.trading, _STATE_STYLE.get(trading, ""))
        pnl = app.portfolio.snapshot()
        self.equity.setText(f"Equity {fmt.money(pnl.equity)}")
        self.day_pnl.setText(f"Day P&L {fmt.signed(pnl.day_pnl)}")
        set_tone(self.day_pnl, "up" if pnl.day_pnl >= 0 else "down")
        count = app.alerts.unacknowledged_count()
        self.alerts.setText(f"Alerts {count}")
        set_tone(self.alerts, "critical" if count else "")
        report = app.health.report(loop_lag=self.session.refresh.loop_lag.lag)
        self.health.setText(short_summary(report))
        self.health.setToolTip(f"{summary(report)}\n\nClick to open the health view")
        set_tone(self.health, level_tone(report.level))
        self.clock.setText(fmt.clock_time(app.clock.now()))
