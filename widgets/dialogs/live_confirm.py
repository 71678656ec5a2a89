"""Confirm trading a LIVE Interactive Brokers account before any order can be approved.

``--live`` (or ``broker.live``) lets the adapter connect to a live account at all; this dialog
is the second key: the trader types the account number to go on. Escape, closing the dialog or
"Disconnect" end the session without trading. Opened with ``open()`` (no nested event loop).
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.style_props import set_tone


class LiveConfirmDialog(QDialog):
    def __init__(self, account_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.account_id = account_id
        self.setObjectName("live_confirm_dialog")
        self.setWindowTitle("Live account")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(440)
        warning = QLabel(
            f"<b>Connected to LIVE account {account_id}.</b><br>Orders you approve go to "
            "Interactive Brokers and trade real money.<br><br>"
            f"Type <b>{account_id}</b> to trade live, or disconnect."
        )
        warning.setObjectName("live_warning")
        warning.setWordWrap(True)
        set_tone(warning, "critical")
        self.account_edit = QLineEdit()
        self.account_edit.setObjectName("live_account_edit")
        self.account_edit.setPlaceholderText(account_id)
        buttons = QDialogButtonBox()
        self.trade_button = QPushButton("Trade live")
        self.trade_button.setObjectName("live_trade_button")
        self.trade_button.setEnabled(False)
        self.trade_button.setAutoDefault(False)
        self.disconnect_button = QPushButton("Disconnect")
        self.disconnect_button.setObjectName("live_disconnect_button")
        self.disconnect_button.setDefault(True)
        buttons.addButton(self.trade_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.disconnect_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept_if_typed)
        buttons.rejected.connect(self.reject)
        self.account_edit.textChanged.connect(self._typed)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(self.account_edit)
        layout.addWidget(buttons)

    def _typed(self, text: str) -> None:
        self.trade_button.setEnabled(text.strip().upper() == self.account_id.upper())

    def _accept_if_typed(self) -> None:
        if self.trade_button.isEnabled():
            self.accept()


async def confirm_live(account_id: str, parent: QWidget) -> bool:
    """Ask the trader to confirm the live account; True only for an explicit confirmation."""
    dialog = LiveConfirmDialog(account_id, parent)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answer.done():
            answer.set_result(result == QDialog.DialogCode.Accepted.value)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answer
    finally:
        dialog.deleteLater()
