"""One audit record in full: every field and the details as indented JSON, selectable and
copyable."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.persistence.audit import AuditRecord


def record_as_json(record: AuditRecord) -> str:
    """The whole record as indented JSON (details parsed, time in UTC)."""
    try:
        details: Any = json.loads(record.details_json)
    except ValueError:  # a tampered row may hold anything: show it as stored
        details = record.details_json
    data = {
        "seq": record.seq,
        "time_utc": record.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": record.actor,
        "workstation": record.workstation,
        "kind": record.action,
        "subject": record.subject,
        "details": details,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


class AuditDetailsDialog(QDialog):
    """A non-modal window showing one record; closes with Esc and deletes itself."""

    def __init__(self, record: AuditRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audit_details")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Audit record #{record.seq} — {record.action}")
        self.record = record
        heading = QLabel(f"#{record.seq}  {record.action}  ·  {record.subject}", self)
        heading.setObjectName("audit_details_heading")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("audit_details_text")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(record_as_json(record))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = QPushButton("Copy", self)
        copy.setObjectName("audit_details_copy")
        copy.setToolTip("Copy the record as JSON")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(720, 480)

    def copy(self) -> None:
        """Put the record's JSON on the clipboard."""
        QGuiApplication.clipboard().setText(self.text.toPlainText())
