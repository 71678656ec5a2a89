"""A question before an action that cannot be undone, with a "don't ask again" box.

Window-modal and opened with ``open()``, never ``exec()``: a nested event loop would run the
order flow's callbacks inside the slot that asked. The caller listens to ``accepted``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.style_props import set_tone


class ConfirmDialog(QDialog):
    """Ask ``question``; ``details`` are listed under it; ``warning`` is shown in red.

    Attributes:
        confirm_button: Does the action (not the default: Enter keeps things as they are).
        keep_button: Closes the dialog and does nothing.
        dont_ask: "Don't ask again" (the caller turns the setting off when it is ticked); hidden
            when ``can_turn_off`` is False (a question that is always asked).
    """

    def __init__(
        self,
        name: str,
        title: str,
        question: str,
        *,
        confirm: str,
        keep: str,
        details: Sequence[str] = (),
        warning: str = "",
        can_turn_off: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        self.question = QLabel(f"<b>{question}</b>", self)
        self.question.setObjectName("confirm_question")
        self.question.setWordWrap(True)
        layout.addWidget(self.question)
        self.warning = QLabel(warning, self)
        self.warning.setObjectName("confirm_warning")
        self.warning.setWordWrap(True)
        set_tone(self.warning, "critical")
        self.warning.setVisible(bool(warning))
        layout.addWidget(self.warning)
        self.details = QLabel("\n".join(f"• {line}" for line in details), self)
        self.details.setObjectName("confirm_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(bool(details))
        layout.addWidget(self.details)
        self.dont_ask = QCheckBox("Don't ask again (File → Settings → Orders turns it back on)")
        self.dont_ask.setObjectName("confirm_dont_ask")
        self.dont_ask.setVisible(can_turn_off)
        layout.addWidget(self.dont_ask)
        buttons = QDialogButtonBox(self)
        self.confirm_button = QPushButton(confirm, self)
        self.confirm_button.setObjectName("confirm_yes")
        self.confirm_button.setAutoDefault(False)
        self.keep_button = QPushButton(keep, self)
        self.keep_button.setObjectName("confirm_no")
        self.keep_button.setDefault(True)
        buttons.addButton(self.confirm_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
