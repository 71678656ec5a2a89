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
pane's limits with what it last passed up and calls its own ``updateGeometry`` only when they
changed. While the window is on screen it holds the preferred size the window was laid out with
and lets minimums only grow: the chart's readout or the chain's header changing width by a digit
(or a line coming and going) resized every dock of the window under a storm, and a trader's
panes should not move because a label got longer. The pane still lays itself out as before;
the window only when a pane needs more room than it ever did.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

Limits = tuple[QSize, QSize, QSize, QSize, QSizePolicy]


class LayoutFirewall(QWidget):
    """Holds ``content`` at its own size; passes its size limits up only when they change.

    Args:
        hold_on_screen: On screen, hold the preferred size and let minimums only grow (a pane
            in a dock); False passes every change of the limits up (the status bar's strip,
            whose labels hold their own widths).

    Attributes:
        content: The held widget.
        passed_up: How many times a change of the content's limits was passed to the parent
            (tests read it).
    """

    def __init__(
        self,
        content: QWidget | None = None,
        parent: QWidget | None = None,
        *,
        hold_on_screen: bool = True,
    ) -> None:
        super().__init__(parent)
        self.passed_up = 0
        self.hold_on_screen = hold_on_screen
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

    def _held(self, limits: Limits) -> Limits:
        """On screen: the preferred size the window was laid out with, and minimums that only
        grow. A minimum that came and went (the chain's header toggling a 64 px wider line) and
        a longer label re-laid out every dock of the window each time."""
        _hint, min_hint, minimum, maximum, policy = limits
        held_hint, held_min_hint, held_minimum, _, _ = self._limits
        return (
            held_hint,
            min_hint.expandedTo(held_min_hint),
            minimum.expandedTo(held_minimum),
            maximum,
            policy,
        )

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
            if self.hold_on_screen and self.isVisible():
                limits = self._held(limits)
            if limits != self._limits:
                self._limits = limits
                self._apply(limits)
                self.passed_up += 1
                self.updateGeometry()
            return True
        return super().event(event)
