"""A pane's stand-in in its dock until the window builds the pane, just after it is first shown.

Why: the chart is built on pyqtgraph, whose import and the chart's own construction cost about a
third of the window's cold start. The launcher's window shows every dock at once and builds the
chart in place of this stand-in as soon as the window has been painted
(:meth:`widgets.main_window.MainWindow.build_pending`); meanwhile the dock says it is loading.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from terminal.domain import Instrument
from widgets.panes.base import Pane
from widgets.session import Session


class PendingPane(Pane):
    """Holds the place of the pane ``pane_id`` (its dock title ``kind_title``) until it is built.

    It follows the link group like the pane it stands for, so what a restored layout or the
    trader gives it meanwhile is kept: the group lives in the session under the same pane id,
    the instrument of an unlinked pane in :attr:`linked_instrument`, for the pane to take over.
    """

    def __init__(
        self, session: Session, pane_id: str, kind_title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(session, parent)
        self.assign_id(pane_id)
        self.kind_title = kind_title
        self.label = QLabel(f"Loading {kind_title.lower()}…", self)
        self.label.setObjectName("pending_label")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        busy = QProgressBar(self)
        busy.setObjectName("pending_progress")
        busy.setRange(0, 0)  # busy
        busy.setFixedSize(90, 10)
        busy.setTextVisible(False)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.follow_link(self._keep)

    def _keep(self, _instrument: Instrument) -> None:
        """Nothing to draw: :meth:`Pane.show_linked` has kept the instrument for the pane."""

    def kind_name(self) -> str:
        return self.kind_title
