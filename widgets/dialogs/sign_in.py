"""Sign in to a desk (a shared database with users) before the terminal connects.

Opened with ``open()`` (no nested event loop); :func:`sign_in` awaits the trader's answer. The
password check (a database read and Argon2, slow on purpose) runs in an executor, never on the
GUI thread. A refused sign-in says so in the dialog and is audited; Quit ends the session.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.app import TradingApp
from terminal.desk.users import SignInRefused
from terminal.startup import sign_in_blocking
from widgets.style_props import set_tone


class SignInDialog(QDialog):
    """User name and password for the desk.

    Signals:
        submitted(name: str, password: str): Sign in was pressed with both filled in.
    """

    submitted = Signal(str, str)

    def __init__(
        self, workstation: str, database: str, user: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sign_in_dialog")
        self.setWindowTitle(f"Sign in to the desk — {workstation}")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)
        intro = QLabel(
            "<h3>Sign in to the desk</h3>"
            f"<b>Database</b> {database}<br><b>Workstation</b> {workstation}<br><br>"
            "Every order you stage or approve is recorded under your name.",
            self,
        )
        intro.setObjectName("sign_in_intro")
        intro.setWordWrap(True)
        self.user_edit = QLineEdit(user, self)
        self.user_edit.setObjectName("sign_in_user")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("sign_in_password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("User", self.user_edit)
        form.addRow("Password", self.password_edit)
        self.message = QLabel("", self)
        self.message.setObjectName("sign_in_message")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.sign_in_button = QPushButton("Sign in", self)
        self.sign_in_button.setObjectName("sign_in_button")
        self.sign_in_button.setDefault(True)
        self.quit_button = QPushButton("Quit", self)
        self.quit_button.setObjectName("sign_in_quit")
        self.quit_button.setAutoDefault(False)
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.password_edit if user else self.user_edit).setFocus()

    def _submit(self) -> None:
        name, password = self.user_edit.text().strip(), self.password_edit.text()
        if not name or not password:
            self.say("Enter your user name and password.", "warning")
            return
        self.set_busy(True)
        self.submitted.emit(name, password)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.user_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not busy)
        if busy:
            self.say("Checking…", "muted")

    def say(self, text: str, tone: str) -> None:
        self.message.setText(text)
        set_tone(self.message, tone)


async def sign_in(
    core: TradingApp, parent: QWidget, user: str = "", closed: SignalInstance | None = None
) -> bool:
    """Ask for a desk user until one signs in (True) or the trader quits (False); ``closed``
    (the main window's) ends the wait too, so closing the window never leaves it hanging."""
    loop = asyncio.get_running_loop()
    dialog = SignInDialog(core.workstation, core.database.url, user, parent)
    attempts: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
    dialog.submitted.connect(lambda name, password: attempts.put_nowait((name, password)))
    dialog.rejected.connect(lambda: attempts.put_nowait(None))
    if closed is not None:
        closed.connect(dialog.reject)
    dialog.open()
    try:
        while (attempt := await attempts.get()) is not None:
            name, password = attempt
            try:
                await loop.run_in_executor(None, sign_in_blocking, core, name, password)
            except SignInRefused as exc:
                dialog.set_busy(False)
                dialog.password_edit.clear()
                dialog.password_edit.setFocus()
                dialog.say(f"Sign-in refused: {exc}.", "critical")
                continue
            dialog.accept()
            return True
        return False
    finally:
        dialog.deleteLater()
