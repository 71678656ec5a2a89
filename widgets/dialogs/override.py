"""Ask the trader why a WARN order should go out anyway; an empty reason is refused at the field.

The dialog is opened with ``open()`` (window-modal, no nested event loop) and reports the reason
through :attr:`OverrideDialog.confirmed`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.style_props import set_invalid

#: Reasons shorter than this are not a reason ("ok", "x").
MIN_REASON_LENGTH = 3


class OverrideDialog(QDialog):
    """Confirm a WARN order with a written reason (recorded with the approval in the audit).

    Signals:
        confirmed(order_id: str, reason: str): the trader gave a reason and pressed Override.
    """

    confirmed = Signal(str, str)

    def __init__(
        self, order_id: str, summary: str, reasons: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.order_id = order_id
        self.setObjectName("override_dialog")
        self.setWindowTitle(f"Override risk warning — {order_id}")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        what = QLabel(f"<b>{order_id}</b>  {summary}", self)
        what.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(what)
        warning = QLabel("\n".join(f"• {r}" for r in reasons.split("; ") if r), self)
        warning.setObjectName("override_reasons")
        warning.setWordWrap(True)
        warning.setProperty("tone", "warning")
        layout.addWidget(warning)
        layout.addWidget(QLabel("Why should this order go out anyway?", self))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("override_reason")
        self.reason.setPlaceholderText("reason for the audit trail")
        self.reason.textEdited.connect(self._clear_error)
        layout.addWidget(self.reason)
        self.error = QLabel("", self)
        self.error.setObjectName("override_reason_error")
        self.error.setProperty("tone", "down")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.override_button = QPushButton("Override and approve", self)
        self.override_button.setObjectName("override_confirm")
        self.override_button.setProperty("role", "primary")
        self.override_button.setDefault(True)
        buttons.addButton(self.override_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reason.setFocus()

    def accept(self) -> None:
        """Close and report the reason, unless it is empty (then say so at the field)."""
        reason = self.reason.text().strip()
        if len(reason) < MIN_REASON_LENGTH:
            self._set_error(
                "enter a reason for the override" if not reason else "give a real reason"
            )
            return
        super().accept()
        self.confirmed.emit(self.order_id, reason)

    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""

    def _set_error(self, message: str) -> None:
        set_invalid(self.reason, bool(message))
        self.error.setText(message)
        self.error.setVisible(bool(message))
        if message:
            self.reason.setFocus()

    def _clear_error(self, _text: str) -> None:
        if self.error.isVisibleTo(self):
            self._set_error("")
