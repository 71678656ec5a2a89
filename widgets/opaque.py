"""Labels that repaint alone: a live label's new text repaints the label, not the window.

The theme gives every widget a styled background (``QWidget { background: … }``), and Qt counts
a widget with only a styled background as see-through: a label whose text changed 30 times a
second had Qt repaint its pane, the pane's layout firewall, its dock and the main window under
it, each through the style sheet (``bench/gui_load.py``: the main window painted 34 times a
second). :class:`LiveLabel` paints its own background, the palette's brush and the style
sheet's over it, as Qt would have, and tells Qt so (``WA_OpaquePaintEvent``). The style sheet
keeps ``autoFillBackground`` off, so that alone would not do.

Only for rectangular, plain labels: a rounded badge would get square corners of its colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStyle, QStyleOption, QWidget


class LiveLabel(QLabel):
    """A QLabel for text that changes often (quotes, readouts); it repaints without its
    ancestors."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().brush(self.backgroundRole()))
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        painter.end()
        super().paintEvent(event)
