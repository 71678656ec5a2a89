"""Keep a pane's own re-layouts inside the pane: the window is laid out again only when the
pane's size limits change.

Why: Qt passes every label's new text up the widget tree. ``QLabel.setText`` calls
``updateGeometry``, the pane's layout re-runs, and at the end of that it calls
``updateGeometry`` on the pane, which invalidates the dock, which invalidates the main window's
dock layout. Under a market-data storm the ladder's "Last · Spread" line, the chart's OHLC
readout, the tape's summary and the ticket's quote line changed every refresh, so the whole
window (every dock's title and size from content) was laid out 15–20 times a second: py-spy put
a quarter of the GUI thread in ``QLayout::activate`` → ``QDockWidgetLayout::sizeFromContent``.

:class:`LayoutFirewall` sits between a dock and its pane and has no layout of its own. Qt then
only *posts* it a ``LayoutRequest`` when the pane's layout has run; the firewall compares the
pane's size hint, minimum and maximum with what it last passed up and calls its own
``updateGeometry`` only when one of them changed. The pane still lays itself out as before;
the window only when a pane really needs more (or less) room.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

Limits = tuple[QSize, QSize, QSize, QSize, QSizePolicy]


class LayoutFirewall(QWidget):
    """Holds ``content`` at its own size; passes its size limits up only when they change.

    Attributes:
        content: The held widget.
        passed_up: How many times a change of the content's limits was passed to the parent
            (tests read it).
    """

    def __init__(self, content: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.passed_up = 0
        if content is not None:
            self.hold(content)

    def hold(self, content: QWidget) -> None:
        """Hold ``content``: best built with this firewall as its parent (the main window does),
        since a widget moved to another parent is polished again with everything in it."""
        self.content = content
        if content.parentWidget() is not self:
            content.setParent(self)
        self._limits = self._read()
        self._apply(self._limits)

    def _read(self) -> Limits:
        content = self.content
        return (
            content.sizeHint(),
            content.minimumSizeHint(),
            content.minimumSize(),
            content.maximumSize(),
            content.sizePolicy(),
        )

    def _apply(self, limits: Limits) -> None:
        _hint, _min_hint, minimum, maximum, policy = limits
        self.setMinimumSize(minimum)
        self.setMaximumSize(maximum)
        self.setSizePolicy(policy)

    def sizeHint(self) -> QSize:
        return self._limits[0]

    def minimumSizeHint(self) -> QSize:
        return self._limits[1]

    def hasHeightForWidth(self) -> bool:
        return self.content.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        return self.content.heightForWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.content.setGeometry(self.rect())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            limits = self._read()
            if limits != self._limits:
                self._limits = limits
                self._apply(limits)
                self.passed_up += 1
                self.updateGeometry()
            return True
        return super().event(event)
