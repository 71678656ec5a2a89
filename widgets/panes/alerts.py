"""The alerts pane: open alerts by severity (acknowledge one / all, clear the acknowledged) and the
trader's price alerts.

Alert events only record the newest snapshot per alert; the refresh clock applies them (one
insert, update or removal per alert, then one ranged ``dataChanged``). Alerts, fills, partial
fills, rejects and a lost connection also reach the trader as a sound and a desktop
notification, each kind as the ``[notify]`` settings say (``alerts_notify.EventNotifier`` over
the core's ``NoticeRules``; the window's mute key silences the sounds). A price alert
requested by another pane opens the price alert dialog (``widgets.dialogs.price_alert``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from terminal.alerts.notices import Notice, NoticeKind, NoticeOutput, NoticeRules
from terminal.alerts.rule_kinds import PriceCrossRule
from terminal.domain import Alert, AlertState, Instrument
from widgets import formatting as fmt
from widgets import shortcuts
from widgets.dialogs.price_alert import PriceAlertDialog
from widgets.panes.alerts_model import AlertsModel, rule_condition
from widgets.panes.alerts_notify import EventNotifier, TrayNotification
from widgets.panes.alerts_rules import PriceAlertsTab
from widgets.panes.base import Pane
from widgets.panes.watchlist_model import price_decimals
from widgets.resources import icon
from widgets.session import Session
from widgets.style_props import set_tone
from widgets.table_model import FastTableView


class AlertsPane(Pane):
    """Open alerts (Time, Severity, Source, Message, Count, State) and price alert rules.

    Args:
        session: The window's session.
        notify: Where notices go; default the system tray and a beep.

    Attributes:
        model: The open alerts (:class:`AlertsModel`).
        view: Their table.
        rules: The "Price alerts" tab.
        notifier: Decides which alerts and order updates notify (and holds the mute).
        price_alert_dialog: The last price alert dialog opened (None before).
    """

    pane_id = "alerts"
    title = "Alerts"

    def __init__(
        self,
        session: Session,
        parent: QWidget | None = None,
        *,
        notify: Callable[[Notice], None] | None = None,
    ) -> None:
        super().__init__(session, parent)
        app = session.app

        def output(kind: NoticeKind) -> NoticeOutput:
            return NoticeOutput(getattr(app.settings.notify, kind.value))  # Settings apply at once

        self.notifier = EventNotifier(
            NoticeRules(output), notify or TrayNotification(self, session.message.emit)
        )
        self.price_alert_dialog: PriceAlertDialog | None = None
        self._pending: dict[str, Alert] = {}

        self.model = AlertsModel(lambda: self.session.palette, self)
        self.view = FastTableView(self.model, parent=self)
        for keys in ("Space", "Return", "Enter"):  # shortcuts.ACK_ALERT
            self.view.bind_key(keys, self.acknowledge_selected)
        self.view.setObjectName("alerts_table")
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.view.sortByColumn(self.model.column_of("Time"), Qt.SortOrder.DescendingOrder)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(False)  # the message takes the room, not the state
        header.setSectionResizeMode(self.model.column_of("Message"), QHeaderView.ResizeMode.Stretch)

        self.ack_button = self._button("alerts_ack", "Acknowledge", "alerts-ack")
        self.ack_button.setToolTip("Acknowledge the selected alert (Space / Enter)")
        self.ack_button.clicked.connect(lambda _checked=False: self.acknowledge_selected())
        self.ack_all_button = self._button("alerts_ack_all", "Acknowledge all", "alerts-ack-all")
        self.ack_all_button.setToolTip(f"Acknowledge every alert ({shortcuts.ACK_ALL.keys})")
        self.ack_all_button.clicked.connect(lambda _checked=False: self.acknowledge_all())
        self.clear_button = self._button("alerts_clear", "Clear acknowledged", "alerts-clear")
        self.clear_button.setToolTip("Remove the acknowledged alerts from the list")
        self.clear_button.clicked.connect(lambda _checked=False: self.clear_acknowledged())
        self.summary = QLabel(self)
        self.summary.setObjectName("alerts_summary")

        alerts_tab = QWidget(self)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.ack_button, self.ack_all_button, self.clear_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        alerts_layout = QVBoxLayout(alerts_tab)
        alerts_layout.setContentsMargins(0, 4, 0, 0)
        alerts_layout.setSpacing(4)
        alerts_layout.addLayout(bar)
        alerts_layout.addWidget(self.view, 1)
        alerts_tab.setFocusProxy(self.view)

        self.rules = PriceAlertsTab(session, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("alerts_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(alerts_tab, icon("alerts-bell"), "Alerts")
        self.tabs.addTab(self.rules, "Price alerts")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.setFocusProxy(self.view)

        self.subscribe(app.alerts.alert_raised, self._on_alert)
        self.subscribe(app.alerts.alert_updated, self._on_alert)
        self.subscribe(app.orders.order_updated, self.notifier.on_order)
        self.register_flush(self._flush)
        self.subscribe(session.price_alert_requested, self.open_price_alert_dialog)
        self.subscribe(session.theme_changed, self._on_theme_changed)
        self.model.set_rows(app.alerts.active())
        self._resort()
        self._update_controls()

    def _button(self, name: str, text: str, icon_name: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        return button

    # -- live alerts -------------------------------------------------------------------------
    def _on_alert(self, alert: Alert) -> None:
        """Record the newest snapshot (shown on the next flush); notify a critical at once."""
        previous = self._pending.get(alert.id) or self.model.get(alert.id)
        self.notifier.on_alert(alert, previous)
        self._pending[alert.id] = alert

    def _flush(self) -> None:
        self.apply_pending()
        self.rules.refresh()

    def apply_pending(self) -> None:
        """Show the alert changes recorded since the last flush."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        moved = False
        for alert in pending.values():
            if alert.state is AlertState.CLEARED:
                self.model.remove(alert.id)
                continue
            old = self.model.get(alert.id)
            moved = moved or old is None or old.last_raised_at != alert.last_raised_at
            self.model.update(alert)
        self.model.flush()
        if moved:
            self._resort()
        self._update_controls()

    def _resort(self) -> None:
        """Re-apply the sort (new and repeated alerts go to the top when sorted by time)."""
        self.view.resort()

    # -- actions -----------------------------------------------------------------------------
    def selected_alert(self) -> Alert | None:
        row: Alert | None = self.view.selected_row()
        return row

    def acknowledge_selected(self) -> None:
        """Acknowledge the selected alert and move the selection to the next one."""
        alert = self.selected_alert()
        if alert is None:
            return
        view_row = self.view.currentIndex().row()
        try:
            self.session.app.alerts.acknowledge(alert.id, self.session.app.actor)
        except (KeyError, ValueError) as exc:
            self.session.message.emit(f"acknowledge: {exc}")
        self.apply_pending()
        count = self.view.model().rowCount()
        if 0 <= view_row < count - 1:
            self.view.selectRow(view_row + 1)

    def acknowledge_all(self) -> int:
        """Acknowledge every raised alert; return how many."""
        count = self.session.app.alerts.acknowledge_all(self.session.app.actor)
        self.apply_pending()
        return count

    def clear_acknowledged(self) -> int:
        """Clear every acknowledged alert (they leave the list); return how many."""
        count = self.session.app.alerts.clear_acknowledged()
        self.apply_pending()
        return count

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_controls()

    def _update_controls(self) -> None:
        rows = self.model.rows()
        raised = sum(1 for a in rows if a.state is AlertState.RAISED)
        acknowledged = len(rows) - raised
        selected = self.selected_alert()
        self.ack_button.setEnabled(selected is not None and selected.state is AlertState.RAISED)
        self.ack_all_button.setEnabled(raised > 0)
        self.clear_button.setEnabled(acknowledged > 0)
        if raised:
            self.summary.setText(f"{raised} unacknowledged")
        else:
            self.summary.setText(f"{len(rows)} acknowledged" if rows else "No alerts")
        set_tone(self.summary, "critical" if raised else "muted")
        self.tabs.setTabText(0, f"Alerts ({raised})" if raised else "Alerts")

    def _on_theme_changed(self, _palette: object) -> None:
        self.model.mark_all_dirty()
        self.rules.model.mark_all_dirty()

    # -- price alerts ------------------------------------------------------------------------
    def open_price_alert_dialog(self, instrument: Instrument, price: float) -> PriceAlertDialog:
        """Open the price alert dialog for ``instrument`` near ``price`` (not modal-blocking)."""
        quote = self.session.app.market.last_quote(instrument.key)
        last = quote.last if quote is not None and quote.last > 0 else math.nan
        if self.price_alert_dialog is not None:
            self.price_alert_dialog.close()
        dialog = PriceAlertDialog(
            instrument,
            price,
            last,
            self._create_rule,
            decimals=price_decimals(instrument),
            parent=self.window(),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.price_alert_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: PriceAlertDialog) -> None:
        if self.price_alert_dialog is dialog:
            self.price_alert_dialog = None

    def _create_rule(self, rule: PriceCrossRule) -> None:
        self.session.app.alert_rules.add(rule)
        self.rules.refresh()
        self.session.message.emit(
            f"Price alert set: {rule.key} {rule_condition(rule)} {fmt.price(rule.level)}"
        )
