"""The base class of every pane: built from the Session, shown in a dock by the main window."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtWidgets import QWidget

from widgets.session import Session


class Pane(QWidget):
    """A dockable pane. ``pane_id`` names it in the saved layout; ``title`` is its dock title.

    Subclasses subscribe to core events through ``session.subscribe`` (so closing detaches them)
    and register their flush with ``session.refresh`` instead of repainting per event.
    """

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName(f"pane_{self.pane_id}")
