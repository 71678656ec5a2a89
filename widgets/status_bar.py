"""The status bar: broker and connection, mode (IB LIVE in red), trading state, clock, equity and
day P&L, unacknowledged alerts, and the health summary ("Health OK", or the problems; a click
opens the health view). Refreshed a few times a second from the refresh clock."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStatusBar, QWidget

from terminal.broker.base import ConnectionState
from terminal.risk.state import TradingState
from widgets import formatting as fmt
from widgets.health_rows import level_tone, short_summary, summary
from widgets.layout_firewall import LayoutFirewall
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


_DIGIT = re.compile(r"[0-9]")


def hold_width(label: QLabel) -> None:
    """Keep the room ``label`` needs for its text as if every digit were the font's widest,
    growing only while the text keeps its shape (the same words, the same number of digits).

    The status bar's width is part of the window's minimum width. A label whose text changed
    width with its digits (the clock every second, equity, P&L) changed that minimum, and a
    window at its minimum width re-laid out every dock, resizing every pane by a few pixels and
    repainting the whole window, about twice a second under a storm. Now a label's width moves
    only when its text changes shape (a state change, one more digit), so the strip's layout
    firewall passes a change up only then.
    """
    text = label.text()
    if label.property("held_text") == text:
        return  # nothing to measure: most refreshes change no label
    label.setProperty("held_text", text)
    shape = _DIGIT.sub("0", text)
    metrics = label.fontMetrics()
    widest = max("0123456789", key=metrics.horizontalAdvance)
    extra = metrics.horizontalAdvance(_DIGIT.sub(widest, text)) - metrics.horizontalAdvance(text)
    held = label.minimumWidth()
    label.setMinimumWidth(0)  # a label's size hint includes its minimum width
    needed = label.sizeHint().width() + extra
    if label.property("held_shape") != shape:
        label.setProperty("held_shape", shape)
        held = needed
    label.setMinimumWidth(max(held, needed))


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
        # The permanent labels sit in one strip behind a layout firewall: a label's new text
        # re-lays out the strip, not the status bar and with it the whole main window.
        self._strip = QWidget()
        self._strip.setObjectName("status_strip")
        self._strip_layout = QHBoxLayout(self._strip)
        self._strip_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout = self.layout()
        self._strip_layout.setSpacing(bar_layout.spacing() if bar_layout is not None else 6)
        self._strip_layout.addStretch(1)  # labels packed right, as permanent widgets are
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
        self.health = ClickableLabel(self._strip)
        self.health.setObjectName("status_health")
        self.health.setCursor(Qt.CursorShape.PointingHandCursor)
        self._strip_layout.addWidget(self.health)
        self.clock = self._label("status_clock")
        self.addPermanentWidget(LayoutFirewall(self._strip, hold_on_screen=False))
        self._live = (
            self.broker,
            self.mode,
            self.trading,
            self.equity,
            self.day_pnl,
            self.alerts,
            self.health,
            self.clock,
        )
        session.register_flush(self._maybe_refresh, owner=self)
        session.subscribe(session.message, self._show_message, owner=self)
        self.refresh()

    def _label(self, name: str) -> QLabel:
        label = QLabel(self._strip)
        label.setObjectName(name)
        self._strip_layout.addWidget(label)
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
        for label in self._live:
            hold_width(label)
