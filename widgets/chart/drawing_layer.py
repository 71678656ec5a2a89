"""The trader's drawings on the price plot: one pyqtgraph item per horizontal or trend line.

The layer holds the drawings as values (:mod:`widgets.chart.drawings`) and draws them against
the series shown: a trend line's anchors are times, placed at the bars they fall in (and
extrapolated past the bars, as the time axis does), so changing the timeframe or loading more
history keeps it on the same moments. A click on a drawing selects it (a wider, brighter pen);
:meth:`DrawingLayer.delete_selected` removes it. Which drawings exist and when they are saved
is the chart pane's business; the layer only reports a click.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from widgets.chart.candles import cosmetic_pen
from widgets.chart.drawings import Drawing, HorizontalLine, TrendLine
from widgets.chart.series import ChartSeries

#: Pixels either side of a trend line that still count as a click on it.
CLICK_WIDTH = 8


def time_at(series: ChartSeries, x: float) -> float:
    """The epoch time at fractional bar position ``x`` (bar ``i`` spans ``i - 0.5 .. i + 0.5``
    from its start to its end): the inverse of :meth:`ChartSeries.positions_of`."""
    index = math.floor(x + 0.5)
    start = float(series.times_at(np.array([index], dtype=np.int64))[0])
    return start + (x - index + 0.5) * float(series.timeframe.seconds)


class DrawingLayer:
    """The items of the drawings shown, by drawing id, and which one is selected."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._drawings: dict[str, Drawing] = {}
        self._items: dict[str, pg.GraphicsObject] = {}
        self._series = ChartSeries()
        self._color = QColor("#f1b82d")
        self._selected_color = QColor("#ffffff")
        self._fill = QColor("#000000")
        self.decimals = 2
        #: The id of the selected drawing (None: none).
        self.selected: str | None = None
        #: Called with the id of a drawing the trader clicked (after it was selected).
        self.on_selected: Callable[[str | None], None] | None = None

    # -- what is drawn --------------------------------------------------------------------------
    def drawings(self) -> list[Drawing]:
        return list(self._drawings.values())

    def set_drawings(self, drawings: Sequence[Drawing]) -> None:
        """Show exactly ``drawings`` (another instrument; its saved drawings loaded)."""
        self.clear()
        for drawing in drawings:
            self.add(drawing)

    def clear(self) -> None:
        for item in self._items.values():
            self._plot.removeItem(item)
        self._items.clear()
        self._drawings.clear()
        self.selected = None

    def add(self, drawing: Drawing) -> None:
        self._drawings[drawing.id] = drawing
        item = self._make_item(drawing)
        self._items[drawing.id] = item
        self._plot.addItem(item, ignoreBounds=True)
        self._restyle(drawing.id)

    def remove(self, drawing_id: str) -> Drawing | None:
        drawing = self._drawings.pop(drawing_id, None)
        item = self._items.pop(drawing_id, None)
        if item is not None:
            self._plot.removeItem(item)
        if self.selected == drawing_id:
            self.selected = None
        return drawing

    def delete_selected(self) -> Drawing | None:
        """Remove the selected drawing and return it (None when none is selected)."""
        return self.remove(self.selected) if self.selected is not None else None

    def item(self, drawing_id: str) -> pg.GraphicsObject | None:
        return self._items.get(drawing_id)

    def horizontal_near(self, price: float, tolerance: float) -> HorizontalLine | None:
        """The horizontal line closest to ``price`` within ``tolerance`` (None: none)."""
        near = [
            d
            for d in self._drawings.values()
            if isinstance(d, HorizontalLine) and abs(d.price - price) <= tolerance
        ]
        return min(near, key=lambda d: abs(d.price - price), default=None)

    # -- selection ------------------------------------------------------------------------------
    def select(self, drawing_id: str | None) -> None:
        previous, self.selected = self.selected, drawing_id
        for changed in {previous, drawing_id} - {None}:
            if changed in self._items:
                self._restyle(changed)

    def _clicked(self, drawing_id: str, _item: object, ev: Any) -> None:
        ev.accept()
        self.select(drawing_id)
        if self.on_selected is not None:
            self.on_selected(drawing_id)

    # -- drawing --------------------------------------------------------------------------------
    def set_series(self, series: ChartSeries) -> None:
        """Place trend lines against ``series`` (a load replaced the bars shown)."""
        self._series = series
        for drawing in self._drawings.values():
            if isinstance(drawing, TrendLine):
                self._place(drawing)

    def set_colors(self, color: QColor, selected: QColor, fill: QColor) -> None:
        """Draw in ``color``, the selected drawing in ``selected``; labels on ``fill``."""
        self._color, self._selected_color, self._fill = QColor(color), QColor(selected), fill
        for drawing_id in self._items:
            self._restyle(drawing_id)

    def _make_item(self, drawing: Drawing) -> pg.GraphicsObject:
        if isinstance(drawing, HorizontalLine):
            line = pg.InfiniteLine(
                pos=drawing.price,
                angle=0,
                movable=False,
                label=f"{drawing.price:,.{self.decimals}f}",
                labelOpts={
                    "position": 0.97,
                    "anchors": [(1, 1), (1, 1)],
                    "fill": pg.mkBrush(self._fill),
                },
            )
            line.setZValue(15)
            line.sigClicked.connect(lambda item, ev, key=drawing.id: self._clicked(key, item, ev))
            return line
        curve = pg.PlotCurveItem(clickable=True, antialias=True)
        curve.setClickable(True, width=CLICK_WIDTH)
        curve.setZValue(15)
        curve.sigClicked.connect(lambda item, ev, key=drawing.id: self._clicked(key, item, ev))
        self._items[drawing.id] = curve
        self._place(drawing)
        return curve

    def _place(self, drawing: TrendLine) -> None:
        curve = self._items.get(drawing.id)
        if not isinstance(curve, pg.PlotCurveItem):
            return
        xs = self._series.positions_of(np.array([drawing.t1, drawing.t2], dtype=np.float64))
        if not np.all(np.isfinite(xs)):  # no bars to place it against yet
            curve.setData(x=np.zeros(0), y=np.zeros(0))
            return
        curve.setData(x=xs, y=np.array([drawing.p1, drawing.p2]))

    def _restyle(self, drawing_id: str) -> None:
        item = self._items[drawing_id]
        selected = drawing_id == self.selected
        color = self._selected_color if selected else self._color
        pen = cosmetic_pen(color, 2.6 if selected else 1.4)
        if isinstance(item, pg.InfiniteLine):
            item.setPen(pen)
            item.setHoverPen(cosmetic_pen(self._color, 2.6))
            item.label.setColor(pen.color())
            item.label.fill = pg.mkBrush(self._fill)
        else:
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            item.setPen(pen)
