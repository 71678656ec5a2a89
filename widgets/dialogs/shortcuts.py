"""F1: every keyboard shortcut, read from :mod:`widgets.shortcuts`, with the keys the trader
rebound in Settings › Keys."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets import shortcuts
from widgets.keymap import Keymap


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, keymap: Keymap | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcuts_dialog")
        table = QTableWidget(len(shortcuts.ALL), 3, self)
        table.setObjectName("shortcuts_table")
        table.setHorizontalHeaderLabels(["Keys", "Action", "Where"])
        keymap = keymap or Keymap.defaults()
        for row, default in enumerate(shortcuts.ALL):
            shortcut = keymap.shortcut(default)
            for column, text in enumerate((shortcut.keys, shortcut.action, shortcut.where)):
                table.setItem(row, column, QTableWidgetItem(text))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.table = table
        self.resize(640, 560)
