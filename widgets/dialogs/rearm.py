"""Re-arm trading after the kill switch: a reason (required, audited) and the state to return to.

The dialog only collects the answer; the risk panel calls ``app.kill_switch.rearm`` with it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from terminal.risk.state import TradingState
from widgets.style_props import set_invalid


class RearmDialog(QDialog):
    """Ask why it is safe to trade again, and whether to come back ACTIVE or REDUCE-ONLY."""

    def __init__(
        self,
        state: TradingState,
        halted_reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rearm_dialog")
        self.setWindowTitle("Re-arm trading")
        current = state.value.replace("_", "-").upper()
        intro = QLabel(
            f"Trading is {current}"
            + (f" ({halted_reason})" if halted_reason else "")
            + ".\nSay why it is safe to trade again: the reason goes to the audit trail.",
            self,
        )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("rearm_reason")
        self.reason_edit.setPlaceholderText("Reason (required)")
        self.reason_edit.textChanged.connect(lambda _text: self._show_problem(""))
        self.problem = QLabel("", self)
        self.problem.setObjectName("rearm_problem")
        self.problem.setProperty("tone", "critical")
        self.problem.hide()
        self.active_button = QRadioButton("ACTIVE: every order checked by the rules as usual", self)
        self.active_button.setObjectName("rearm_active")
        self.reduce_only_button = QRadioButton(
            "REDUCE-ONLY: only orders that shrink existing positions", self
        )
        self.reduce_only_button.setObjectName("rearm_reduce_only")
        group = QButtonGroup(self)
        group.addButton(self.active_button)
        group.addButton(self.reduce_only_button)
        self.active_button.setChecked(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Re-arm")
        self.ok_button.setProperty("role", "primary")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # The dialog follows its contents, so the "reason required" line never clips anything.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addWidget(intro)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.active_button)
        layout.addWidget(self.reduce_only_button)
        layout.addWidget(buttons)
        self.reason_edit.setFocus()

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def reduce_only(self) -> bool:
        return self.reduce_only_button.isChecked()

    def _show_problem(self, text: str) -> None:
        invalid = bool(text)
        set_invalid(self.reason_edit, invalid)
        self.problem.setText(text)
        self.problem.setVisible(invalid)

    def accept(self) -> None:
        if not self.reason():
            self._show_problem("A reason is required to re-arm trading")
            self.reason_edit.setFocus()
            return
        super().accept()
