"""A level line the trader can drag: a working order's price, moved with the mouse.

The line snaps to the instrument's tick while it moves and its label shows where it would go
(``BUY 100 LMT 150.25 → 150.40``). On release it goes back to the order's price at once and
reports the snapped price it was dropped at: the chart pane sends the modify through the order
manager, and the line moves when the order book says the order changed, never on its own.
Escape (or pyqtgraph's right click) while dragging puts it back and reports nothing.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

from collections.abc import Callable
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

#: Round a price to the instrument's tick (the chart pane sets the instrument's).
Snap = Callable[[float], float]


class OrderLine(pg.InfiniteLine):  # type: ignore[misc]
    """A horizontal level line; draggable when ``on_drop`` is given.

    ``on_drop(price)`` is called with the snapped price the line was released at, unless the
    drag was cancelled or the line was released where it started.
    """

    def __init__(
        self,
        price: float,
        text: str,
        snap: Snap,
        decimals: int,
        on_drop: Callable[[float], None] | None,
        **options: Any,
    ) -> None:
        super().__init__(pos=price, angle=0, movable=on_drop is not None, label=text, **options)
        self.price = price
        self.text = text
        self._snap = snap
        self._decimals = decimals
        self._on_drop = on_drop
        #: Whether the mouse is dragging the line now.
        self.dragging = False
        self._offset = 0.0
        if on_drop is not None:
            self.setCursor(Qt.CursorShape.SizeVerCursor)
            self.setToolTip("Drag to move the order (Escape cancels)")

    def mouseDragEvent(self, ev: Any) -> None:
        """Follow the mouse on ticks; on release, go back and report the price."""
        if not self.movable or ev.button() != Qt.MouseButton.LeftButton:
            return
        ev.accept()
        if ev.isStart():
            self.dragging = True
            self._offset = self.price - float(self.mapToParent(ev.buttonDownPos()).y())
        if not self.dragging:
            return  # cancelled with Escape: the rest of this drag is ignored
        y = float(self.mapToParent(ev.pos()).y())
        target = self._snap(y + self._offset)
        self._show_at(target)
        if ev.isFinish():
            self.dragging = False
            self._show_at(self.price)
            if target != self.price and self._on_drop is not None:
                self._on_drop(target)

    def mouseClickEvent(self, ev: Any) -> None:
        """A right click while dragging cancels the drag (pyqtgraph's convention)."""
        if self.dragging and ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            self.cancel_drag()
            return
        super().mouseClickEvent(ev)

    def cancel_drag(self) -> bool:
        """Put the line back where the order is; return whether a drag was under way."""
        if not self.dragging:
            return False
        self.dragging = False
        self._show_at(self.price)
        return True

    def _show_at(self, price: float) -> None:
        self.setPos(QPointF(0.0, price))
        if price == self.price:
            self.label.setFormat(self.text)
        else:
            self.label.setFormat(f"{self.text} → {price:,.{self._decimals}f}")
