"""Settings dialog (placeholder until built)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from widgets.session import Session


def open_settings_dialog(session: Session, path: Path, parent: QWidget) -> None:
    QMessageBox.information(parent, "Settings", f"Settings file: {path}")
