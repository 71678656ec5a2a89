"""The risk panel: trading state, the KILL SWITCH, re-arm, flatten-all, every limit's use, and
the portfolio's Greeks by underlying.

The kill switch acts in one click (no confirmation: speed matters); Ctrl+Shift+K does the same
from anywhere (bound by the main window). Re-arming asks for a reason; flatten-all only *stages*
closing orders, which still need approval. Limit bars and exposures are recomputed about four
times a second from the refresh clock, never per tick; a change of trading state is shown on the
next refresh.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import DomainError
from terminal.oms.kill_switch import FlattenReport, KillReport
from terminal.risk.state import TradingState
from terminal.risk.usage import UsageLevel
from widgets import formatting as fmt
from widgets import shortcuts
from widgets.dialogs.rearm import RearmDialog
from widgets.panes.base import Pane
from widgets.panes.risk_greeks import GreeksTable
from widgets.panes.risk_limits import TONES, LimitBars
from widgets.resources import icon
from widgets.session import Session
from widgets.style_props import set_style_property, set_tone

#: Refresh on every Nth flush of the refresh clock (30 Hz / 8 ≈ 4 Hz).
EVERY_NTH_FLUSH = 8

STATE_TEXT = {
    TradingState.ACTIVE: "ACTIVE",
    TradingState.REDUCE_ONLY: "REDUCE-ONLY",
    TradingState.HALTED: "HALTED",
}
STATE_TONE = {
    TradingState.ACTIVE: "ok",
    TradingState.REDUCE_ONLY: "warning",
    TradingState.HALTED: "critical",
}
KILL_TEXT = f"KILL SWITCH  ({shortcuts.KILL_SWITCH.keys})"
HALTED_TEXT = "HALTED — trading stopped"


class RiskPanel(Pane):
    """Trading state, kill switch, re-arm, flatten-all, limit utilisation, Greeks, exposure, P&L.

    Attributes:
        kill_button: Trips the kill switch in one click (objectName ``kill_switch``).
        rearm_button: Opens the re-arm dialog (enabled while HALTED or REDUCE-ONLY).
        flatten_button: Asks, then stages a closing order per open position.
        limits: The utilisation bars, by limit name.
        greeks: Delta, gamma, vega and theta of each underlying held.
    """

    pane_id = "risk"
    title = "Risk"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        app = session.app
        self.state_label = QLabel("", self)
        self.state_label.setObjectName("risk_state")
        self.state_label.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.state_detail = QLabel("", self)
        self.state_detail.setObjectName("risk_state_detail")
        self.state_detail.setWordWrap(True)
        self.state_detail.setProperty("tone", "muted")

        self.kill_button = QPushButton(icon("risk-kill"), KILL_TEXT, self)
        self.kill_button.setObjectName("kill_switch")
        self.kill_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.kill_button.setMinimumHeight(48)
        self.kill_button.clicked.connect(lambda _checked=False: self.trip())
        self.rearm_button = QPushButton(icon("risk-rearm"), "Re-arm…", self)
        self.rearm_button.setObjectName("risk_rearm")
        self.rearm_button.setToolTip("Resume trading (ACTIVE or REDUCE-ONLY) with a reason")
        self.rearm_button.clicked.connect(lambda _checked=False: self.open_rearm())
        self.flatten_button = QPushButton(icon("risk-flatten"), "Flatten all…", self)
        self.flatten_button.setObjectName("risk_flatten")
        self.flatten_button.setToolTip(
            "Stage a market order closing every position (they wait in the approval queue)"
        )
        self.flatten_button.clicked.connect(lambda _checked=False: self.confirm_flatten())
        self.last_action = QLabel("", self)
        self.last_action.setObjectName("risk_last_action")
        self.last_action.setWordWrap(True)
        self.last_action.setProperty("tone", "muted")

        self.limits = LimitBars(self)
        self.greeks = GreeksTable(self)
        self.gross_label = self._value_label("risk_gross")
        self.net_label = self._value_label("risk_net")
        self.equity_label = self._value_label("risk_equity")
        self.day_pnl_label = self._value_label("risk_day_pnl")
        self.loss_limit_label = self._value_label("risk_loss_limit")
        self._build_layout()

        #: The open re-arm dialog / flatten confirmation, if any (tests answer them).
        self.rearm_dialog: RearmDialog | None = None
        self.flatten_box: QMessageBox | None = None
        self.flatten_confirm_button: QAbstractButton | None = None
        self._state_dirty = True
        self.subscribe(app.trading_state.state_changed, self._on_state_changed)
        self.subscribe(app.kill_switch.tripped, self._on_tripped)
        self.register_flush(self._on_flush)
        self.setFocusProxy(self.kill_button)
        self.refresh()

    def _value_label(self, name: str) -> QLabel:
        label = QLabel("", self)
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return label

    def _build_layout(self) -> None:
        actions = QHBoxLayout()
        actions.addWidget(self.rearm_button)
        actions.addWidget(self.flatten_button)

        limits_box = QGroupBox("Limits", self)
        limits_layout = QVBoxLayout(limits_box)
        limits_layout.addWidget(self.limits)
        greeks_box = QGroupBox("Greeks by underlying", self)
        greeks_layout = QVBoxLayout(greeks_box)
        greeks_layout.addWidget(self.greeks)
        exposure_box = QGroupBox("Exposure and P&&L", self)
        form = QFormLayout(exposure_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Gross exposure", self.gross_label)
        form.addRow("Net exposure", self.net_label)
        form.addRow("Equity", self.equity_label)
        form.addRow("Day P&&L", self.day_pnl_label)
        form.addRow("Daily loss limit", self.loss_limit_label)

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(limits_box)
        body_layout.addWidget(greeks_box)
        body_layout.addWidget(exposure_box)
        body_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("risk_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.state_label)
        layout.addWidget(self.state_detail)
        layout.addWidget(self.kill_button)
        layout.addLayout(actions)
        layout.addWidget(self.last_action)
        layout.addWidget(scroll, 1)

    # -- core events (record only) --------------------------------------------------------
    def _on_state_changed(self, *_args: object) -> None:
        self._state_dirty = True

    def _on_tripped(self, report: KillReport) -> None:
        if report.ok:
            text = (
                f"Kill switch: trading HALTED ({report.reason}); "
                f"{len(report.cancel_requested)} working order(s) cancelled at the broker, "
                f"{len(report.withdrawn)} staged order(s) withdrawn"
            )
        else:
            text = (
                f"Kill switch: trading HALTED, but the broker-wide cancel FAILED: "
                f"{report.broker_error}. Check working orders at the broker!"
            )
        self.last_action.setText(text)
        self.session.message.emit(text)
        self._state_dirty = True

    def _on_flush(self) -> None:
        if self._state_dirty or self.session.refresh.flush_count % EVERY_NTH_FLUSH == 0:
            self.refresh()

    # -- showing --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the trading state, every limit's utilisation, exposure and P&L now."""
        self._state_dirty = False
        app = self.session.app
        self._show_state()
        self.limits.show_usages(app.risk.utilisation(app.orders.open_orders()))
        self.greeks.show_greeks(app.risk.portfolio_greeks(), app.risk.limits)
        pnl = app.portfolio.snapshot()
        self.gross_label.setText(fmt.money(pnl.gross_exposure))
        self.net_label.setText(fmt.signed(pnl.net_exposure))
        self.equity_label.setText(fmt.money(pnl.equity))
        self.day_pnl_label.setText(fmt.signed(pnl.day_pnl))
        set_tone(self.day_pnl_label, "up" if pnl.day_pnl >= 0 else "down")
        limit = app.risk.limits.daily_loss_limit
        loss = max(-pnl.day_pnl, Decimal(0))
        used = float(loss / limit) if limit > 0 else 0.0
        self.loss_limit_label.setText(f"{fmt.money(limit)}  ({used:.0%} used)")
        usage = self.limits.usages.get("daily_loss")
        ok = usage is None or usage.level is UsageLevel.OK
        set_tone(self.loss_limit_label, "muted" if ok or usage is None else TONES[usage.level])
        self.flatten_button.setEnabled(bool(app.portfolio.positions()))

    def _show_state(self) -> None:
        machine = self.session.app.trading_state
        state = machine.state
        self.state_label.setText(STATE_TEXT[state])
        set_tone(self.state_label, STATE_TONE[state])
        detail = "Trading armed · no halt this session"
        if machine.reason or machine.changed_by:
            when = fmt.clock_time(machine.changed_at)
            detail = f"{machine.reason} — by {machine.changed_by or 'system'} at {when}"
        self.state_detail.setText(detail)
        halted = state is TradingState.HALTED
        self.kill_button.setText(HALTED_TEXT if halted else KILL_TEXT)
        set_style_property(self.kill_button, "halted", halted)
        self.kill_button.setToolTip(
            "Trading is halted. Click again to repeat the broker-wide cancel; Re-arm… resumes."
            if halted
            else "Halt trading now: withdraw staged orders and cancel every working order"
        )
        self.rearm_button.setEnabled(state is not TradingState.ACTIVE)

    # -- actions --------------------------------------------------------------------------
    def trip(self) -> asyncio.Task[Any]:
        """HALT now (one click, no confirmation)."""
        self.last_action.setText("Kill switch pressed: halting and cancelling…")
        return self.session.trip_kill_switch("kill switch pressed in the risk panel")

    def rearm(self, reason: str, reduce_only: bool = False) -> None:
        """Leave HALTED (to ACTIVE or REDUCE-ONLY) with a reason; refusals go to the status bar."""
        app = self.session.app
        try:
            app.kill_switch.rearm(reason, by=app.actor, reduce_only=reduce_only)
        except (DomainError, ValueError) as exc:
            self.session.fail("re-arm", exc)
            return
        state = "REDUCE-ONLY" if reduce_only else "ACTIVE"
        text = f"Trading re-armed to {state}: {reason.strip()}"
        self.last_action.setText(text)
        self.session.message.emit(text)
        self._state_dirty = True

    def open_rearm(self) -> RearmDialog:
        """Ask for the reason and the state to return to (the dialog does not block the loop)."""
        machine = self.session.app.trading_state
        if self.rearm_dialog is not None:
            self.rearm_dialog.close()
        dialog = RearmDialog(machine.state, machine.reason, self)
        dialog.accepted.connect(lambda: self.rearm(dialog.reason(), dialog.reduce_only()))
        dialog.finished.connect(lambda _result: self._forget_rearm(dialog))
        self.rearm_dialog = dialog
        dialog.open()
        return dialog

    def _forget_rearm(self, dialog: RearmDialog) -> None:
        if self.rearm_dialog is dialog:
            self.rearm_dialog = None
        dialog.deleteLater()

    def confirm_flatten(self) -> QMessageBox | None:
        """Ask before staging a closing order for every open position."""
        positions = self.session.app.portfolio.positions()
        if not positions:
            self.session.message.emit("Flatten all: no open positions")
            return None
        names = ", ".join(
            f"{p.key} {fmt.quantity(p.quantity)}" for p in sorted(positions, key=lambda p: p.key)
        )
        box = QMessageBox(self)
        box.setObjectName("flatten_confirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Flatten all positions")
        box.setText(f"Stage market orders closing {len(positions)} position(s)?")
        box.setInformativeText(
            f"{names}\n\nThe orders go to the approval queue: nothing is sent until approved."
        )
        confirm = box.addButton("Stage closing orders", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda button: self.flatten_all() if button is confirm else None)
        box.finished.connect(lambda _result: self._forget_flatten(box))
        self.flatten_box, self.flatten_confirm_button = box, confirm
        box.open()
        return box

    def _forget_flatten(self, box: QMessageBox) -> None:
        if self.flatten_box is box:
            self.flatten_box = self.flatten_confirm_button = None
        box.deleteLater()

    def flatten_all(self) -> FlattenReport:
        """Stage a closing market order per open position (no confirmation) and say how many."""
        app = self.session.app
        report = app.kill_switch.flatten_all(app.portfolio.positions(), by=app.actor)
        text = f"Flatten all: staged {len(report.staged)} closing order(s) for approval"
        if app.trading_state.state is TradingState.HALTED:
            text += " (blocked until trading is re-armed)"
        if report.errors:
            text += f"; {len(report.errors)} failed: " + "; ".join(report.errors)
            self.session.fail("flatten all", text)
        else:
            self.session.message.emit(text)
        self.last_action.setText(text)
        return report
