"""Settings › Keys: the window's actions with their keys; click a key and press the new one.

A key another action uses is refused at the field: the field keeps its key, turns red and the
line above the table names the action that has it. "Default" puts one action back on its
default key (refused the same way if another action took it meanwhile). Nothing applies until
OK / Apply; then the window rebinds at once and the file keeps only the keys that differ from
the defaults (``[keymap]``).
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from widgets.keymap import BINDINGS, BY_NAME, Keymap
from widgets.style_props import set_invalid, set_tone

_PORTABLE = QKeySequence.SequenceFormat.PortableText

NOTE = (
    "Click a key and press the new one. A key another action uses is refused. Trading keys "
    "stage orders from the ticket (its instrument and quantity) for approval; only “Approve the "
    "order just staged” approves, through the approval queue's checks. A pane's own keys "
    "(Enter in the ticket, Delete in the blotter…) are fixed: F1 lists them."
)


class KeymapPage(QWidget):
    """The Keys tab. :attr:`keymap` is what the fields hold (applied on OK / Apply)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_tab_keys")
        self.keymap = Keymap.defaults()
        self.edits: dict[str, QKeySequenceEdit] = {}
        self.reset_buttons: dict[str, QPushButton] = {}
        note = QLabel(NOTE, self)
        note.setWordWrap(True)
        set_tone(note, "muted")
        self.message = QLabel("", self)
        self.message.setObjectName("keymap_message")
        self.message.setWordWrap(True)
        table = QWidget(self)
        grid = QGridLayout(table)
        grid.setColumnStretch(0, 1)
        grid.setVerticalSpacing(4)
        for row, binding in enumerate(BINDINGS):
            name = binding.name
            where = binding.default.where
            text = binding.default.action
            label = QLabel(text if where == "anywhere" else f"{text} ({where})", table)
            edit = QKeySequenceEdit(table)
            edit.setObjectName(f"key_{name}")
            edit.setMaximumSequenceLength(1)
            edit.setFixedWidth(150)
            edit.setToolTip(f"Default: {binding.default.keys}")
            label.setBuddy(edit)
            edit.editingFinished.connect(lambda n=name: self._recorded(n))
            reset = QPushButton("Default", table)
            reset.setObjectName(f"key_reset_{name}")
            reset.setToolTip(f"Back to the default key, {binding.default.keys}")
            reset.clicked.connect(lambda _checked=False, n=name: self.reset(n))
            grid.addWidget(label, row, 0)
            grid.addWidget(edit, row, 1)
            grid.addWidget(reset, row, 2)
            self.edits[name] = edit
            self.reset_buttons[name] = reset
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(table)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.set_keymap(self.keymap)

    def set_keymap(self, keymap: Keymap) -> None:
        """Show ``keymap`` in the fields (no message, no marks)."""
        self.keymap = keymap
        for name in BY_NAME:
            self._show(name, invalid=False)
        self._say("", "muted")

    def rebind(self, name: str, keys: str) -> str | None:
        """Put ``name`` on ``keys``; return why not (and show it at the field) when refused."""
        problem = self.keymap.conflict(name, keys)
        if problem is not None:
            self._show(name, invalid=True, tooltip=problem)
            self._say(f"{BY_NAME[name].default.action}: not changed — {problem}", "critical")
            return problem
        self.keymap = self.keymap.rebound(name, keys)
        self._show(name, invalid=False)
        self._say(f"{BY_NAME[name].default.action}: {self.keymap.keys(name)} (on OK / Apply)", "ok")
        return None

    def reset(self, name: str) -> str | None:
        """Put ``name`` back on its default key (refused if another action has it now)."""
        return self.rebind(name, BY_NAME[name].default.keys)

    def reset_all(self) -> None:
        self.set_keymap(Keymap.defaults())

    def _recorded(self, name: str) -> None:
        keys = self.edits[name].keySequence().toString(_PORTABLE)
        if not keys:  # cleared: every action keeps a key
            self._show(name, invalid=False)
            return
        self.rebind(name, keys)

    def _show(self, name: str, *, invalid: bool, tooltip: str = "") -> None:
        edit = self.edits[name]
        edit.blockSignals(True)
        edit.setKeySequence(QKeySequence.fromString(self.keymap.keys(name), _PORTABLE))
        edit.blockSignals(False)
        set_invalid(edit, invalid)
        line = edit.findChild(QLineEdit)  # the themes colour an invalid line edit red
        if line is not None:
            set_invalid(line, invalid)
        default = BY_NAME[name].default.keys
        edit.setToolTip(tooltip or f"Default: {default}")
        self.reset_buttons[name].setEnabled(not self.keymap.is_default(name))

    def _say(self, text: str, tone: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        set_tone(self.message, tone)
