"""The audit pane's filter bar: words, kind, actor and a from-time, producing an
:class:`~widgets.panes.audit_model.AuditFilter`.

Typing refilters once the trader pauses (one pass over the rows, not one per key); the combos
and the time apply at once. The kind and actor choices grow as records with new values arrive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from PySide6.QtCore import QDateTime, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLineEdit,
    QWidget,
)

from widgets.panes.audit_model import AuditFilter

#: Typing in the filter box refilters once the trader pauses this long.
FILTER_DELAY_MS = 150


class AuditFilterBar(QWidget):
    """Filter box, kind and actor combos, "From" time.

    Signals:
        changed(): the filter changed (after the typing pause for the text box).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kinds: set[str] = set()
        self._actors: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self.changed.emit)

        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("audit_filter")
        self.text_edit.setPlaceholderText("Filter: order id, symbol, kind, any word…")
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.textChanged.connect(lambda _t: self._timer.start())
        self.text_edit.returnPressed.connect(self.emit_now)

        self.kind_combo = _combo(self, "audit_kind", "All kinds", "Show one kind of record", 130)
        self.actor_combo = _combo(
            self, "audit_actor", "All actors", "Show what one person (or the system) did", 100
        )
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.emit_now())
        self.actor_combo.currentIndexChanged.connect(lambda _i: self.emit_now())

        self.since_check = QCheckBox("From", self)
        self.since_check.setObjectName("audit_since_enabled")
        self.since_check.setToolTip("Show only records at or after this local time")
        self.since_edit = QDateTimeEdit(self)
        self.since_edit.setObjectName("audit_since")
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        today = QDateTime.currentDateTime()
        today.setTime(QTime(0, 0))
        self.since_edit.setDateTime(today)
        self.since_edit.setEnabled(False)
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.since_check.toggled.connect(lambda _on: self.emit_now())
        self.since_edit.dateTimeChanged.connect(lambda _d: self.emit_now())

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.text_edit, 1)
        row.addWidget(self.kind_combo)
        row.addWidget(self.actor_combo)
        row.addWidget(self.since_check)
        row.addWidget(self.since_edit)
        self.setFocusProxy(self.text_edit)

    def emit_now(self) -> None:
        """Publish the filter at once (no typing pause)."""
        self._timer.stop()
        self.changed.emit()

    def criteria(self) -> AuditFilter:
        """The filter as set in the bar."""
        since: dt.datetime | None = None
        if self.since_check.isChecked():
            chosen = self.since_edit.dateTime().toPython()
            if isinstance(chosen, dt.datetime):
                since = chosen.astimezone()  # naive local time -> aware
        return AuditFilter.of(
            self.text_edit.text(),
            self.kind_combo.currentData(),
            self.actor_combo.currentData(),
            since,
        )

    def note(self, kinds: Iterable[str], actors: Iterable[str]) -> None:
        """Offer any new kinds and actors in the combos (the current choice stays)."""
        new_kinds = set(kinds) - self._kinds
        new_actors = set(actors) - self._actors
        if new_kinds:
            self._kinds |= new_kinds
            _refill(self.kind_combo, "All kinds", sorted(self._kinds))
        if new_actors:
            self._actors |= new_actors
            _refill(self.actor_combo, "All actors", sorted(self._actors))

    def set_text(self, text: str) -> None:
        self.text_edit.setText(text)
        self.emit_now()

    def set_kind(self, kind: str | None) -> None:
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(kind)))

    def set_actor(self, actor: str | None) -> None:
        self.actor_combo.setCurrentIndex(max(0, self.actor_combo.findData(actor)))


def _combo(parent: QWidget, name: str, all_label: str, tip: str, width: int) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    combo.addItem(all_label, None)
    combo.setMinimumWidth(width)
    combo.setToolTip(tip)
    return combo


def _refill(combo: QComboBox, all_label: str, values: list[str]) -> None:
    """Replace a combo's choices, keeping the current one (no change signal fired)."""
    current = combo.currentData()
    combo.blockSignals(True)
    try:
        combo.clear()
        combo.addItem(all_label, None)
        for value in values:
            combo.addItem(value, value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
    finally:
        combo.blockSignals(False)
