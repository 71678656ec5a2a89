"""What the chart draws over the candles: indicators, order/position levels, crosshair, last price.

An indicator overlay is two curves: the values over the completed bars (cached, recomputed only
when a bar completes) and a two-point tail from the last completed bar to the forming bar
(updated on refresh). Level lines are horizontal lines labelled like ``BUY 100 LMT 150.25``.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from terminal.domain import Bar
from widgets.chart.candles import CandlesItem, cosmetic_pen
from widgets.chart.indicators import Indicator
from widgets.chart.labels import Level
from widgets.chart.order_line import OrderLine, Snap
from widgets.chart.series import BarArrays

FloatArray = npt.NDArray[np.float64]


class IndicatorOverlay:
    """One indicator on the price plot: its curve over the completed bars, drawn (and cached)
    by the candles item, plus a small tail item from the last completed bar to the forming one.
    """

    def __init__(self, indicator: Indicator, plot: pg.PlotItem, host: CandlesItem) -> None:
        self.indicator = indicator
        self._host = host
        self._pen = cosmetic_pen(QColor("#888888"), 1.4)
        self.tail = pg.PlotCurveItem(connect="finite")
        self.tail.setZValue(5)
        self.tail.setVisible(False)
        plot.addItem(self.tail, ignoreBounds=True)
        self.values: FloatArray = np.zeros(0)
        self.forming_value = math.nan
        self.visible = False
        self._stale = True
        self._breaks: npt.NDArray[np.bool_] | None = None

    @property
    def name(self) -> str:
        return self.indicator.name

    def set_color(self, color: QColor) -> None:
        self._pen = cosmetic_pen(color, 1.4)
        self.tail.setPen(self._pen)
        if self.visible:
            self._draw()

    def set_visible(self, visible: bool, bars: BarArrays, forming: Bar | None) -> None:
        self.visible = visible
        self.tail.setVisible(visible)
        if not visible:
            self._host.set_curve(self.name, None, self._pen)
            return
        if self._stale:
            self.recompute(bars)
        else:
            self._draw()
        self.update_tail(bars, forming)

    def recompute(self, bars: BarArrays) -> None:
        """The completed bars changed: recompute (only while shown; later otherwise)."""
        if not self.visible:
            self._stale = True
            return
        self._stale = False
        self.values = self.indicator.compute(bars)
        self._breaks = self.indicator.breaks(bars)
        self._draw()

    def _draw(self) -> None:
        values = self.values
        finite = np.isfinite(values)
        if not finite.any():
            self._host.set_curve(self.name, None, self._pen)
            return
        # Draw only defined points; join neighbours unless a bar between them is undefined or
        # the indicator restarts there (VWAP at a session start).
        index = np.flatnonzero(finite)
        joined = np.diff(index) == 1
        if self._breaks is not None:
            joined &= ~self._breaks[index[1:]]
        connect = np.append(joined, False).astype(np.int32)
        x = index.astype(np.float64)
        path = pg.arrayToQPath(x, values[index], connect=connect, finiteCheck=False)
        self._host.set_curve(self.name, path, self._pen)

    def update_tail(self, bars: BarArrays, forming: Bar | None) -> None:
        """The forming bar changed: move the tail's end (O(1) in the history's length)."""
        if not self.visible or forming is None:
            self.forming_value = math.nan
            self.tail.setData(x=np.zeros(0), y=np.zeros(0))
            return
        value = self.indicator.extend(bars, self.values, forming)
        self.forming_value = value
        n = len(bars)
        last = float(self.values[-1]) if len(self.values) else math.nan
        self.tail.setData(x=np.array([n - 1.0, float(n)]), y=np.array([last, value]))


#: Pixels between a level label and the plot's left edge or the label before it.
LABEL_INSET = 6.0
#: Vertical pixels a level label needs.
LABEL_HEIGHT = 16.0


class LevelLines:
    """Keep one labelled horizontal line per :class:`Level`, reusing lines that did not move."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._lines: dict[str, tuple[Level, OrderLine]] = {}
        #: Rounds a dragged line's price to the instrument's tick (the pane sets it).
        self.snap: Snap = lambda price: price
        self.decimals = 2
        #: ``on_drop(key, price)``: a draggable line was released at ``price`` (None: no line
        #: is draggable).
        self.on_drop: Callable[[str, float], None] | None = None
        self._colors: dict[str, QColor] = {}
        self._fill = QColor()
        self._arranged = (math.nan, 0.0)

    def set_colors(self, colors: dict[str, QColor], fill: QColor) -> None:
        self._colors = dict(colors)
        self._fill = QColor(fill)
        levels = [level for level, _ in self._lines.values()]
        self.clear()
        self.set_levels(levels)

    def clear(self) -> None:
        for _, line in self._lines.values():
            self._plot.removeItem(line)
        self._lines.clear()

    def set_levels(self, levels: Sequence[Level]) -> None:
        wanted = {level.key: level for level in levels}
        for key in list(self._lines):
            level, line = self._lines[key]
            if wanted.get(key) != level:
                self._plot.removeItem(line)
                del self._lines[key]
        for key, level in wanted.items():
            if key not in self._lines:
                self._lines[key] = (level, self._make_line(level))
        self.arrange(*self._arranged)

    def _make_line(self, level: Level) -> pg.InfiniteLine:
        color = self._colors.get(level.kind, QColor("#888888"))
        pen = cosmetic_pen(color, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine if level.kind != "average" else Qt.PenStyle.DotLine)
        on_drop = self.on_drop
        dropped = None
        if level.field is not None and on_drop is not None:
            dropped = functools.partial(on_drop, level.key)
        line = OrderLine(
            level.price,
            level.text,
            self.snap,
            self.decimals,
            dropped,
            pen=pen,
            labelOpts={
                "position": 0.02,
                "anchors": [(0, 1), (0, 1)],
                "color": color,
                "fill": pg.mkBrush(self._fill),
            },
        )
        line.setHoverPen(cosmetic_pen(color, 2.4))
        line.setZValue(20)
        self._plot.addItem(line, ignoreBounds=True)
        return line

    def arrange(self, pixels_per_price: float, width: float) -> None:
        """Put labels of lines that are closer than a text line side by side, not on top."""
        self._arranged = (pixels_per_price, width)
        if width <= 0 or not math.isfinite(pixels_per_price):
            return
        x = LABEL_INSET
        previous = math.nan
        for level, line in sorted(self._lines.values(), key=lambda entry: entry[0].price):
            close = abs(level.price - previous) * pixels_per_price < LABEL_HEIGHT
            x = x if close else LABEL_INSET
            line.label.setPosition(min(x / width, 0.9))
            x += float(line.label.boundingRect().width()) + LABEL_INSET
            previous = level.price

    def prices(self) -> list[float]:
        return [level.price for level, _ in self._lines.values()]

    def levels(self) -> dict[str, tuple[float, str]]:
        """Return ``{key: (price, label text)}`` of the lines shown."""
        return {
            key: (float(line.value()), line.label.toPlainText())
            for key, (_, line) in self._lines.items()
        }

    def line(self, key: str) -> OrderLine | None:
        entry = self._lines.get(key)
        return entry[1] if entry is not None else None

    def cancel_drag(self) -> bool:
        """Put back a line being dragged (Escape); return whether one was."""
        return any([line.cancel_drag() for _, line in self._lines.values()])


class Crosshair:
    """A vertical line across the price and volume plots and a horizontal one on the price plot."""

    def __init__(self, price_plot: pg.PlotItem, volume_plot: pg.PlotItem) -> None:
        self.vertical = pg.InfiniteLine(angle=90, movable=False)
        self.horizontal = pg.InfiniteLine(angle=0, movable=False)
        self.volume_vertical = pg.InfiniteLine(angle=90, movable=False)
        for plot, line in (
            (price_plot, self.vertical),
            (price_plot, self.horizontal),
            (volume_plot, self.volume_vertical),
        ):
            line.setZValue(30)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)

    def set_color(self, color: QColor) -> None:
        pen = cosmetic_pen(color)
        pen.setStyle(Qt.PenStyle.DashLine)
        for line in (self.vertical, self.horizontal, self.volume_vertical):
            line.setPen(pen)

    def show_at(self, x: float, price: float | None) -> None:
        self.vertical.setValue(x)
        self.volume_vertical.setValue(x)
        self.vertical.setVisible(True)
        self.volume_vertical.setVisible(True)
        self.horizontal.setVisible(price is not None)
        if price is not None:
            self.horizontal.setValue(price)

    def hide(self) -> None:
        for line in (self.vertical, self.horizontal, self.volume_vertical):
            line.setVisible(False)

    @property
    def visible(self) -> bool:
        return bool(self.vertical.isVisible())


class AxisTag:
    """A filled label on the price axis at a price (the last price, the cursor's price)."""

    def __init__(self, axis: pg.AxisItem, view: pg.ViewBox) -> None:
        self._axis = axis
        self._view = view
        self.item = pg.TextItem("", anchor=(0, 0.5))
        self.item.setParentItem(axis)
        self.item.setZValue(50)
        self.item.setVisible(False)
        self.value = math.nan
        self._text = ""

    def set(self, value: float, text: str) -> None:
        """Show ``text`` at ``value`` (NaN hides the tag)."""
        self.value = value
        if text != self._text:
            self._text = text
            self.item.setText(text)
        self.place()

    def set_colors(self, fill: QColor, text: QColor) -> None:
        self.item.fill = pg.mkBrush(fill)
        self.item.setColor(text)

    def place(self) -> None:
        """Move to the value's height on the axis (after the view's range or size changed)."""
        value = self.value
        if not math.isfinite(value):
            self.item.setVisible(False)
            return
        scene = self._view.mapViewToScene(QPointF(0.0, value))
        y = float(self._axis.mapFromScene(scene).y())
        inside = 0.0 <= y <= float(self._axis.boundingRect().height())
        self.item.setVisible(inside)
        if inside:
            self.item.setPos(1.0, y)

    @property
    def text(self) -> str:
        return self._text


class LastPriceMarker:
    """A dotted line at the last price and its tag on the price axis, green or red."""

    def __init__(self, plot: pg.PlotItem, axis: pg.AxisItem) -> None:
        self.line = pg.InfiniteLine(angle=0, movable=False)
        self.line.setZValue(10)
        plot.addItem(self.line, ignoreBounds=True)
        self.tag = AxisTag(axis, plot.getViewBox())
        self._up = QColor()
        self._down = QColor()
        self._rising = True

    def set_colors(self, up: QColor, down: QColor) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self._apply_color()

    def _apply_color(self) -> None:
        color = self._up if self._rising else self._down
        pen = cosmetic_pen(color)
        pen.setStyle(Qt.PenStyle.DotLine)
        self.line.setPen(pen)
        self.tag.set_colors(color, QColor("#ffffff"))

    def set_price(self, price: float, text: str, rising: bool) -> None:
        self.line.setVisible(math.isfinite(price))
        if rising != self._rising:
            self._rising = rising
            self._apply_color()
        if math.isfinite(price) and price != self.tag.value:
            self.line.setValue(price)
        self.tag.set(price, text)

    @property
    def price(self) -> float:
        return self.tag.value
