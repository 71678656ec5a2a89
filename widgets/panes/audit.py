"""Audit trail pane (placeholder until built)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from widgets.panes.base import Pane
from widgets.session import Session


class AuditTrailPane(Pane):
    pane_id = "audit"
    title = "Audit trail"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Audit trail"))
