"""Graphics items for bars: cached history (candles, volume) and the small forming-bar items.

The history items build their drawing once per change of the completed bars (counted in
``render_count``) as a few ``QPainterPath`` objects per chunk of bars, one per colour, so a
paint is one ``drawPath`` per colour per visible chunk, and Qt caches the result in device
coordinates (``DeviceCoordinateCache``) until the view pans or zooms. A live update touches only
the forming-bar item, whose repaint costs the same whatever the history's length.

Each history item also draws its plot's grid (under the bars) and the indicator curves over the
completed bars (over them): everything that changes only on pan, zoom or a completed bar shares
one device cache per plot. Separate cached items each held a viewport-sized pixmap and
overflowed Qt's pixmap cache (10 MB by default), which then repainted every one of them on
every forming-bar update.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from terminal.domain import Bar
from widgets.chart.series import BarArrays

FloatArray = npt.NDArray[np.float64]

#: Width of a candle body or volume bar, in bar spacings.
BODY_WIDTH = 0.7
#: Bars per cached path chunk: appending a bar rebuilds one chunk, a paint skips hidden chunks.
CHUNK = 2048
#: Below this many pixels per bar, bars are drawn as single lines (bodies would be specks whose
#: outlines cost far more to draw than they show).
COARSE_BELOW_PIXELS = 3.0

_RECT_CONNECT = np.array([1, 1, 1, 1, 0], dtype=np.int32)


def rects_path(x: FloatArray, bottom: FloatArray, top: FloatArray, half: float) -> QPainterPath:
    """Return one path holding an axis-aligned rectangle per bar (built in numpy)."""
    if len(x) == 0:
        return QPainterPath()
    left, right = x - half, x + half
    xs = np.column_stack((left, right, right, left, left)).ravel()
    ys = np.column_stack((bottom, bottom, top, top, bottom)).ravel()
    connect = np.tile(_RECT_CONNECT, len(x))
    path: QPainterPath = pg.arrayToQPath(xs, ys, connect=connect, finiteCheck=False)
    return path


def segments_path(x: FloatArray, y0: FloatArray, y1: FloatArray) -> QPainterPath:
    """Return one path holding a vertical segment per bar."""
    if len(x) == 0:
        return QPainterPath()
    xs = np.repeat(x, 2)
    ys = np.column_stack((y0, y1)).ravel()
    path: QPainterPath = pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)
    return path


def cosmetic_pen(color: QColor, width: float = 1.0) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    return pen


@dataclass(slots=True)
class _Chunk:
    first: int
    last: int
    rect: QRectF
    layers: list[QPainterPath]  # full detail: one per slot (see SLOTS)
    coarse: list[QPainterPath]  # zoomed out: one vertical line per bar, up and down


class _HistoryItem(pg.GraphicsObject):  # type: ignore[misc]
    """Many bars drawn from cached per-chunk paths with one pen and brush per colour slot."""

    SLOTS = 2

    def __init__(self) -> None:
        super().__init__()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self._chunks: list[_Chunk] = []
        self._rect = QRectF()
        self._size = 0
        self._pens = [QPen(Qt.PenStyle.NoPen)] * self.SLOTS
        self._brushes = [QBrush(Qt.BrushStyle.NoBrush)] * self.SLOTS
        self._coarse_pens = [QPen(Qt.PenStyle.NoPen)] * 2
        self._bars_rect = QRectF()
        self._grid_rect = QRectF()
        self._grid: list[QLineF] = []
        self._grid_pen = cosmetic_pen(QColor("#2a2f38"))
        self._curves: dict[str, tuple[QPainterPath, QPen]] = {}
        #: Times the cached paths were (re)built: a live update must not change it.
        self.render_count = 0
        #: Times the item was painted (cache misses only, with the device cache on).
        self.paint_count = 0

    def set_bars(self, bars: BarArrays) -> None:
        """Rebuild every chunk from ``bars``."""
        self._chunks.clear()
        self._rebuild_from(bars, 0)

    def extend(self, bars: BarArrays) -> None:
        """Bars were appended to ``bars``: rebuild only the chunks they touch."""
        first = min(self._size, len(bars)) // CHUNK
        del self._chunks[first:]
        self._rebuild_from(bars, first * CHUNK)

    def _rebuild_from(self, bars: BarArrays, start: int) -> None:
        n = len(bars)
        for first in range(start, n, CHUNK):
            last = min(first + CHUNK, n)
            self._chunks.append(self._build_chunk(bars, first, last))
        self._size = n
        rect = QRectF()
        for chunk in self._chunks:
            rect = rect.united(chunk.rect)
        self._bars_rect = rect
        self._update_rect()
        self.render_count += 1
        self.update()

    def _update_rect(self) -> None:
        rect = self._bars_rect.united(self._grid_rect)
        for path, _ in self._curves.values():
            rect = rect.united(path.boundingRect())
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    def set_grid(self, rect: QRectF, xs: Sequence[float], ys: Sequence[float]) -> None:
        """Draw grid lines at ``xs`` (vertical) and ``ys`` (horizontal) across ``rect``."""
        top, bottom, left, right = rect.top(), rect.bottom(), rect.left(), rect.right()
        self._grid = [QLineF(x, top, x, bottom) for x in xs]
        self._grid += [QLineF(left, y, right, y) for y in ys]
        self._grid_rect = QRectF(rect)
        self._update_rect()
        self.update()

    def set_grid_color(self, color: QColor) -> None:
        self._grid_pen = cosmetic_pen(color)
        self.update()

    def grid_lines(self) -> int:
        return len(self._grid)

    def set_curve(self, name: str, path: QPainterPath | None, pen: QPen) -> None:
        """Draw (or with None, stop drawing) the curve ``name`` over the bars."""
        if path is None:
            self._curves.pop(name, None)
        else:
            self._curves[name] = (path, pen)
        self._update_rect()
        self.update()

    def has_curve(self, name: str) -> bool:
        return name in self._curves

    def _build_chunk(self, bars: BarArrays, first: int, last: int) -> _Chunk:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._size

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        self.paint_count += 1
        if self._grid:
            painter.setPen(self._grid_pen)
            painter.drawLines(self._grid)
        # Qt hands a device-cached item its whole bounding rect as exposed: cull by the view.
        view = self.viewRect()
        shown = view if view is not None else option.exposedRect
        left, right = shown.left() - 1, shown.right() + 1
        coarse = abs(painter.worldTransform().m11()) < COARSE_BELOW_PIXELS
        for chunk in self._chunks:
            if chunk.last - 0.5 < left or chunk.first - 0.5 > right:
                continue
            if coarse:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for pen, path in zip(self._coarse_pens, chunk.coarse, strict=True):
                    painter.setPen(pen)
                    painter.drawPath(path)
                continue
            for slot, path in enumerate(chunk.layers):
                painter.setPen(self._pens[slot])
                painter.setBrush(self._brushes[slot])
                painter.drawPath(path)
        if self._curves:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for path, pen in self._curves.values():
                painter.setPen(pen)
                painter.drawPath(path)

    def dataBounds(
        self,
        ax: int,
        frac: float = 1.0,
        orthoRange: tuple[float, float] | None = None,  # noqa: N803  # pyqtgraph's name
    ) -> tuple[float, float] | tuple[None, None]:
        rect = self._bars_rect
        if rect.isNull():
            return (None, None)
        if ax == 0:
            return (rect.left(), rect.right())
        return (rect.top(), rect.bottom())


def _padded(left: float, right: float, low: float, high: float) -> QRectF:
    pad = max((high - low) * 0.02, abs(high) * 1e-6, 1e-9)
    return QRectF(QPointF(left, low - pad), QPointF(right, high + pad))


class CandlesItem(_HistoryItem):
    """The completed candles: bodies and wicks, up in one colour, down in another."""

    SLOTS = 4  # up bodies, down bodies, up wicks, down wicks

    def set_colors(self, up: QColor, down: QColor) -> None:
        self._pens = [cosmetic_pen(up), cosmetic_pen(down)] * 2
        self._brushes = [QBrush(up), QBrush(down)] + [QBrush(Qt.BrushStyle.NoBrush)] * 2
        self._coarse_pens = [cosmetic_pen(up), cosmetic_pen(down)]
        self.update()

    def _build_chunk(self, bars: BarArrays, first: int, last: int) -> _Chunk:
        x = np.arange(first, last, dtype=np.float64)
        o, h = bars.open[first:last], bars.high[first:last]
        low, c = bars.low[first:last], bars.close[first:last]
        up = c >= o
        down = ~up
        bottom, top = np.minimum(o, c), np.maximum(o, c)
        half = BODY_WIDTH / 2
        # Wicks go above and below the body only, so the body's fill is never crossed.
        wick_x = np.concatenate((x, x))
        wick_lo = np.concatenate((low, top))
        wick_hi = np.concatenate((bottom, h))
        wick_up = np.concatenate((up, up))
        layers = [
            rects_path(x[up], bottom[up], top[up], half),
            rects_path(x[down], bottom[down], top[down], half),
            segments_path(wick_x[wick_up], wick_lo[wick_up], wick_hi[wick_up]),
            segments_path(wick_x[~wick_up], wick_lo[~wick_up], wick_hi[~wick_up]),
        ]
        coarse = [segments_path(x[up], low[up], h[up]), segments_path(x[down], low[down], h[down])]
        rect = _padded(first - 0.5, last - 0.5, float(np.min(low)), float(np.max(h)))
        return _Chunk(first, last, rect, layers, coarse)


class VolumeItem(_HistoryItem):
    """The completed bars' volume, coloured like their candles."""

    SLOTS = 2

    def set_colors(self, up: QColor, down: QColor) -> None:
        self._pens = [cosmetic_pen(up), cosmetic_pen(down)]
        self._brushes = [QBrush(up), QBrush(down)]
        self._coarse_pens = list(self._pens)
        self.update()

    def _build_chunk(self, bars: BarArrays, first: int, last: int) -> _Chunk:
        x = np.arange(first, last, dtype=np.float64)
        volume = bars.volume[first:last]
        up = bars.close[first:last] >= bars.open[first:last]
        zero = np.zeros(len(x))
        half = BODY_WIDTH / 2
        layers = [
            rects_path(x[up], zero[up], volume[up], half),
            rects_path(x[~up], zero[~up], volume[~up], half),
        ]
        coarse = [
            segments_path(x[up], zero[up], volume[up]),
            segments_path(x[~up], zero[~up], volume[~up]),
        ]
        rect = QRectF(QPointF(first - 0.5, 0.0), QPointF(last - 0.5, float(np.max(volume))))
        return _Chunk(first, last, rect, layers, coarse)


class _FormingItem(pg.GraphicsObject):  # type: ignore[misc]
    """One bar, repainted on every refresh that changed it."""

    def __init__(self) -> None:
        super().__init__()
        self._index = 0.0
        self._bar: Bar | None = None
        self._rect = QRectF()
        self._up = QColor()
        self._down = QColor()
        self.paint_count = 0

    @property
    def bar(self) -> Bar | None:
        return self._bar

    @property
    def index(self) -> float:
        return self._index

    def set_colors(self, up: QColor, down: QColor) -> None:
        self._up, self._down = QColor(up), QColor(down)
        self.update()

    def set_bar(self, index: int, bar: Bar | None) -> None:
        """Show ``bar`` at x = ``index`` (None hides it)."""
        self._index = float(index)
        self._bar = bar
        rect = self._bar_rect(self._index, bar) if bar is not None else QRectF()
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self.update()

    def _bar_rect(self, x: float, bar: Bar) -> QRectF:
        raise NotImplementedError

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def _color(self, bar: Bar) -> QColor:
        return self._up if bar.close >= bar.open else self._down


class FormingCandleItem(_FormingItem):
    """The forming bar's candle."""

    def _bar_rect(self, x: float, bar: Bar) -> QRectF:
        return _padded(x - 0.5, x + 0.5, bar.low, bar.high)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        bar = self._bar
        if bar is None or not all(math.isfinite(v) for v in (bar.open, bar.high, bar.low)):
            return
        self.paint_count += 1
        color = self._color(bar)
        painter.setPen(cosmetic_pen(color))
        x, half = self._index, BODY_WIDTH / 2
        bottom, top = min(bar.open, bar.close), max(bar.open, bar.close)
        painter.drawLine(QPointF(x, bar.low), QPointF(x, bottom))
        painter.drawLine(QPointF(x, top), QPointF(x, bar.high))
        painter.setBrush(QBrush(color))
        painter.drawRect(QRectF(QPointF(x - half, bottom), QPointF(x + half, top)))


class FormingVolumeItem(_FormingItem):
    """The forming bar's volume."""

    def _bar_rect(self, x: float, bar: Bar) -> QRectF:
        return QRectF(QPointF(x - 0.5, 0.0), QPointF(x + 0.5, max(bar.volume, 0.0)))

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        bar = self._bar
        if bar is None:
            return
        self.paint_count += 1
        color = self._color(bar)
        painter.setPen(cosmetic_pen(color))
        painter.setBrush(QBrush(color))
        half = BODY_WIDTH / 2
        x = self._index
        painter.drawRect(QRectF(QPointF(x - half, 0.0), QPointF(x + half, bar.volume)))
