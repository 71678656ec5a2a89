"""Fill markers on the price plot: a trade's (or an order's) executions, and its time span.

A buy is an arrow pointing up whose tip is at the fill price, a sell one pointing down, outlined
in the text colour so it reads over candles of either colour; an entry is filled in the side's
colour, an exit hollow. A label beside the tip says the side and quantity ("B 60", "S 50").
x is the fill's time as a fractional bar index
(:meth:`widgets.chart.series.ChartSeries.positions_of`), so a fill sits where it happened inside
its bar, and a fill older than the loaded bars sits where the time axis extrapolates its time.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPainterPath

from terminal.analytics.fill_marks import FillMark, Role
from widgets import formatting

type FloatArray = npt.NDArray[np.float64]

#: Symbol size in pixels; the arrow fills the half of the symbol box on one side of its tip.
SIZE = 34
#: Fills beyond this many are drawn without their side-and-quantity labels.
MAX_LABELS = 40


def _arrow(up: bool) -> QPainterPath:
    """An arrow whose tip is the symbol's origin (the fill price), its body below (up) or above.

    Symbol coordinates run y down and must stay within +-0.5 (pyqtgraph renders symbols into a
    box of the symbol's size centred on the point).
    """
    s = 1 if up else -1
    path = QPainterPath()
    path.moveTo(0, 0)
    path.lineTo(0.3, 0.28 * s)
    path.lineTo(0.11, 0.28 * s)
    path.lineTo(0.11, 0.5 * s)
    path.lineTo(-0.11, 0.5 * s)
    path.lineTo(-0.11, 0.28 * s)
    path.lineTo(-0.3, 0.28 * s)
    path.closeSubpath()
    return path


BUY_ARROW = _arrow(up=True)
SELL_ARROW = _arrow(up=False)


class FillMarkers:
    """The fill arrows and the shaded span of one trade or order on ``plot``."""

    def __init__(self, plot: pg.PlotItem, timezone: str) -> None:
        self._plot = plot
        self._zone = ZoneInfo(timezone)
        self.span = pg.LinearRegionItem(movable=False)
        self.span.setZValue(-20)  # under the candles
        for line in self.span.lines:
            line.setPen(pg.mkPen(None))
        self.scatter = pg.ScatterPlotItem(size=SIZE, pxMode=True, hoverable=True, tip=self._tip)
        self.scatter.setZValue(30)  # over the candles and level lines
        plot.addItem(self.span)
        plot.addItem(self.scatter)
        self.labels: list[pg.TextItem] = []
        self.marks: tuple[FillMark, ...] = ()
        self.xs: FloatArray = np.empty(0)
        self.prices: FloatArray = np.empty(0)
        self._colors = {"buy": QColor("#6fa8dc"), "sell": QColor("#f0564a")}
        self._background = QColor("#14171c")
        self._outline = QColor("#d8dee9")
        self._decimals = 2
        self.clear()

    def set_colors(self, buy: QColor, sell: QColor, text: QColor, background: QColor) -> None:
        self._colors = {"buy": QColor(buy), "sell": QColor(sell)}
        self._background = QColor(background)
        self._outline = QColor(text)
        fill = QColor(text)
        fill.setAlpha(28)
        self.span.setBrush(pg.mkBrush(fill))
        self._draw()

    def show(
        self,
        marks: Sequence[FillMark],
        xs: FloatArray,
        span: tuple[float, float],
        decimals: int,
    ) -> None:
        """Draw ``marks`` at x = ``xs`` and shade ``span`` (x from, x to)."""
        self.marks = tuple(marks)
        self.xs = np.asarray(xs, dtype=np.float64)
        self.prices = np.array([float(m.price) for m in self.marks], dtype=np.float64)
        self._decimals = decimals
        self.span.setRegion(span)
        self.span.show()
        self._draw()

    def clear(self) -> None:
        self.marks = ()
        self.xs = np.empty(0)
        self.prices = np.empty(0)
        self.scatter.clear()
        self._drop_labels()
        self.span.hide()

    def _drop_labels(self) -> None:
        for label in self.labels:
            self._plot.removeItem(label)
        self.labels = []

    @property
    def shown(self) -> bool:
        return bool(self.marks)

    def prices_between(self, lo: float, hi: float) -> list[float]:
        """The prices of the fills with x in ``[lo, hi]`` (the y range keeps them in sight)."""
        inside = (self.xs >= lo) & (self.xs <= hi)
        return [float(p) for p in self.prices[inside]]

    def _draw(self) -> None:
        self._drop_labels()
        if not self.marks:
            self.scatter.clear()
            return
        spots = []
        outline = pg.mkPen(self._outline, width=1.2)
        labelled = len(self.marks) <= MAX_LABELS
        backdrop = QColor(self._background)
        backdrop.setAlpha(210)
        for index, (mark, x) in enumerate(zip(self.marks, self.xs, strict=True)):
            buy = mark.sign > 0
            colour = self._colors["buy" if buy else "sell"]
            spots.append(
                {
                    "pos": (float(x), float(mark.price)),
                    "symbol": BUY_ARROW if buy else SELL_ARROW,
                    "brush": pg.mkBrush(self._background if mark.role is Role.EXIT else colour),
                    "pen": outline,
                    "data": index,
                }
            )
            if labelled:
                # Beside the arrow's body: below the tip for a buy, above it for a sell.
                text = f"{'B' if buy else 'S'} {formatting.quantity(mark.quantity)}"
                label = pg.TextItem(
                    text,
                    color=colour,
                    fill=pg.mkBrush(backdrop),  # readable over a candle of its own colour
                    anchor=(-0.25, -0.1 if buy else 1.1),
                )
                label.setPos(float(x), float(mark.price))
                label.setZValue(31)
                self._plot.addItem(label)
                self.labels.append(label)
        self.scatter.setData(spots)

    def _tip(self, x: float, y: float, data: object) -> str:
        if not isinstance(data, int) or not 0 <= data < len(self.marks):
            return ""
        mark = self.marks[data]
        role = "" if mark.role is Role.FILL else f"{mark.role.value.title()}: "
        return (
            f"{role}{mark.side} {formatting.quantity(mark.quantity)} @ "
            f"{formatting.price(float(mark.price), self._decimals)}\n"
            f"{mark.time.astimezone(self._zone).strftime('%Y-%m-%d %H:%M:%S %Z')}"
        )
