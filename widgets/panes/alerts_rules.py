"""The "Price alerts" tab of the alerts pane: the trader's alert rules, removed and re-armed here.

The core saves the rules on every change and restores them at start; this tab only shows them
and calls :class:`~terminal.alerts.rules.AlertRules`.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.alerts.rule_kinds import AlertRule
from widgets import shortcuts
from widgets.panes.alerts_model import RulesModel, rule_condition
from widgets.resources import icon
from widgets.session import Session
from widgets.table_model import FastTableView


class PriceAlertsTab(QWidget):
    """Symbol, condition, level, armed / fired, severity and note of every alert rule.

    Attributes:
        model: The rules (:class:`RulesModel`).
        view: Their table.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("price_alerts_tab")
        self.session = session
        self.model = RulesModel(lambda: self.session.palette, self)
        self.view = FastTableView(self.model, parent=self)
        self.view.bind_key(shortcuts.REMOVE_PRICE_ALERT.keys, self.remove_selected)
        self.view.setObjectName("price_alerts_table")
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)

        self.new_button = self._button("price_alert_new", "New…", "watchlist-add")
        self.new_button.setToolTip("New price alert for the active instrument")
        self.new_button.clicked.connect(lambda _checked=False: self.request_new())
        self.rearm_button = self._button("price_alert_rearm", "Re-arm", "alerts-rearm")
        self.rearm_button.setToolTip("Arm the selected fired alert again")
        self.rearm_button.clicked.connect(lambda _checked=False: self.rearm_selected())
        self.remove_button = self._button("price_alert_remove", "Remove", "watchlist-remove")
        self.remove_button.setToolTip("Remove the selected price alert (Delete)")
        self.remove_button.clicked.connect(lambda _checked=False: self.remove_selected())
        self.summary = QLabel(self)
        self.summary.setObjectName("price_alerts_summary")
        self.summary.setProperty("tone", "muted")

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.new_button, self.rearm_button, self.remove_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.setFocusProxy(self.view)

        self._dirty = True
        session.subscribe(session.app.alert_rules.rules_changed, self._on_rules_changed, owner=self)
        self.refresh()

    def _button(self, name: str, text: str, icon_name: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        return button

    # -- data --------------------------------------------------------------------------------
    def _on_rules_changed(self) -> None:
        self._dirty = True

    def refresh(self) -> None:
        """Show the rules if they changed since the last call (the pane's flush calls this)."""
        if not self._dirty:
            return
        self._dirty = False
        rules = self.session.app.alert_rules.rules()
        self.model.show(rules)
        self.model.flush()
        armed = sum(1 for r in rules if r.armed)
        self.summary.setText(f"{armed} armed, {len(rules) - armed} fired" if rules else "")
        self._update_buttons()

    @property
    def armed_count(self) -> int:
        return sum(1 for r in self.model.rows() if r.armed)

    # -- actions -----------------------------------------------------------------------------
    def selected_rule(self) -> AlertRule | None:
        row: AlertRule | None = self.view.selected_row()
        return row

    def request_new(self) -> None:
        """Ask for a price alert on the active instrument near its last price."""
        instrument = self.session.active
        if instrument is None:
            self.session.message.emit("choose an instrument in the watchlist first")
            return
        quote = self.session.app.market.last_quote(instrument.key)
        price = quote.mark if quote is not None else float("nan")
        self.session.request_price_alert(instrument, price)

    def rearm_selected(self) -> None:
        rule = self.selected_rule()
        if rule is None:
            return
        try:
            self.session.app.alert_rules.rearm(rule.id)
        except KeyError as exc:
            self.session.message.emit(f"re-arm: {exc}")
        else:
            self.session.message.emit(f"Price alert re-armed: {rule.key} {rule_condition(rule)}")
        self.refresh()

    def remove_selected(self) -> None:
        rule = self.selected_rule()
        if rule is None:
            return
        try:
            self.session.app.alert_rules.remove(rule.id)
        except KeyError as exc:
            self.session.message.emit(f"remove: {exc}")
        else:
            self.session.message.emit(f"Price alert removed: {rule.key} {rule_condition(rule)}")
        self.refresh()

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        rule = self.selected_rule()
        self.remove_button.setEnabled(rule is not None)
        self.rearm_button.setEnabled(rule is not None and not rule.armed)
