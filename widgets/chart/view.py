"""The chart view: candles over volume with linked x, overlays, crosshair and follow mode.

Everything here is drawing and view state; where the bars come from (history requests, live
subscriptions, the active instrument) is the chart pane's business. The pane hands the view a
full history with :meth:`ChartView.load` and batches of live bars with
:meth:`ChartView.apply_updates` from its refresh flush.

Following: after a load the view shows the newest bars and scrolls by one bar whenever a bar
completes. Moving the view so that the newest bar is out of sight (dragging, zooming, or any
range change the view did not make itself) stops following; :meth:`ChartView.set_follow`
returns to the newest bars. The y range always fits the visible bars.
"""

from __future__ import annotations

import PySide6  # noqa: F401  # before pyqtgraph, which uses the Qt binding already imported

# isort: split

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QWidget

from terminal.analytics.fill_marks import FillMark
from terminal.domain import Bar, Timeframe
from widgets import formatting
from widgets.chart.axis import PriceAxis, TimeAxis, VolumeAxis, grid_values
from widgets.chart.candles import CandlesItem, FormingCandleItem, FormingVolumeItem, VolumeItem
from widgets.chart.drawing_layer import DrawingLayer
from widgets.chart.indicators import EMA, SMA, VWAP, Indicator
from widgets.chart.labels import Level
from widgets.chart.marks import SIZE as MARK_SIZE
from widgets.chart.marks import FillMarkers
from widgets.chart.overlays import (
    AxisTag,
    Crosshair,
    IndicatorOverlay,
    LastPriceMarker,
    LevelLines,
)
from widgets.chart.series import ChartSeries
from widgets.chart.style import ChartColors

#: Bars shown after a load or when following starts from a degenerate range.
DEFAULT_VISIBLE_BARS = 120
#: Empty bar slots kept right of the newest bar while following.
RIGHT_MARGIN = 4.0
#: The narrowest zoom, in bars.
MIN_VISIBLE_BARS = 10
#: Fraction of the visible price range added above and below the bars.
Y_PADDING = 0.06
AXIS_WIDTH = 72
#: Pixmap cache the chart needs for a full-screen 4K chart (history per plot, axes), in KB.
PIXMAP_CACHE_KB = 96 * 1024
#: Zoom factor of one + or - key press.
ZOOM_STEP = 1.25
#: Pixels kept above and below the fills marked: an arrow and its label beyond its tip.
MARK_PIXELS = MARK_SIZE / 2 + 6
#: Level lines within this fraction of the bars' price range beyond it widen the y range.
LEVEL_REACH = 0.5


class ChartView(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """Candlesticks with a volume sub-plot, indicator overlays, level lines and a crosshair.

    Signals:
        follow_changed(bool): following the newest bar started or stopped.
        hovered(object, float): the mouse is over the bar at index (int) and price (NaN off the
            price plot); (None, NaN) when it left the plots.
        context_requested(float, QPoint): right click on the price plot at price, global pos.
        level_dropped(str, float): the draggable level line ``key`` (an order id) was dragged
            and released at the price (snapped to the tick); the line is back at its level.
        plot_clicked(float, float): a left click on the price plot that no line took, at the
            fractional bar position and price.
        escape_pressed(): Escape with no line being dragged.
        delete_pressed(): Delete or Backspace.
    """

    follow_changed = Signal(bool)
    hovered = Signal(object, float)
    context_requested = Signal(float, QPoint)
    level_dropped = Signal(str, float)
    plot_clicked = Signal(float, float)
    escape_pressed = Signal()
    delete_pressed = Signal()

    def __init__(
        self, colors: ChartColors, timezone: str = "America/New_York", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("chart_view")
        # The view fills what it repaints with its (opaque) background brush: telling Qt so
        # spares the pane, its dock and the main window a styled repaint under every frame.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        # Device caches (history per plot, axes) each hold a pixmap of their visible area;
        # Qt's default 10 MB pixmap cache evicts them on a large screen, and an evicted
        # history repaints on every forming-bar update.
        if QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
            QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
        self.series = ChartSeries()
        self.colors = colors
        self.follow = True
        self._own_range_change = False
        self._visible_bars = DEFAULT_VISIBLE_BARS
        self.ci.setContentsMargins(2, 4, 2, 2)
        self.ci.setSpacing(0)

        self.price_axis = PriceAxis()
        self.price_plot: pg.PlotItem = self.addPlot(
            row=0, col=0, axisItems={"right": self.price_axis}
        )
        self.time_axis = TimeAxis(self._times_at, Timeframe.M1.seconds)
        self.volume_axis = VolumeAxis()
        self.volume_plot: pg.PlotItem = self.addPlot(
            row=1, col=0, axisItems={"bottom": self.time_axis, "right": self.volume_axis}
        )
        self.ci.layout.setRowStretchFactor(0, 4)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.volume_plot.setXLink(self.price_plot)
        font = QFont()
        font.setPointSizeF(8.5)
        for plot in (self.price_plot, self.volume_plot):
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            vb = plot.getViewBox()
            vb.setMenuEnabled(False)
            vb.setMouseEnabled(x=True, y=False)
            vb.disableAutoRange()
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setTickFont(font)
                axis.enableAutoSIPrefix(False)
                # Replaying an axis' text costs ~1 ms; the last-price tag repaints it per update.
                axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.price_plot.hideAxis("bottom")
        self.volume_plot.getAxis("right").setStyle(maxTickLevel=0)
        self.volume_plot.setMinimumHeight(60)

        self.candles = CandlesItem()
        self.forming_candle = FormingCandleItem()
        self.volume = VolumeItem()
        self.forming_volume = FormingVolumeItem()
        self.price_plot.addItem(self.candles)
        self.price_plot.addItem(self.forming_candle)
        self.volume_plot.addItem(self.volume)
        self.volume_plot.addItem(self.forming_volume)
        self.overlays: dict[str, IndicatorOverlay] = {
            ind.name: IndicatorOverlay(ind, self.price_plot, self.candles)
            for ind in _indicators(timezone)
        }
        self.levels = LevelLines(self.price_plot)
        self.levels.on_drop = self.level_dropped.emit
        #: The trader's horizontal and trend lines (the chart pane says which and saves them).
        self.drawings = DrawingLayer(self.price_plot)
        self.last_price = LastPriceMarker(self.price_plot, self.price_axis)
        self.cursor_tag = AxisTag(self.price_axis, self.price_vb)
        self.crosshair = Crosshair(self.price_plot, self.volume_plot)
        #: A trade's or an order's fills (:meth:`show_fill_marks`).
        self.fill_marks = FillMarkers(self.price_plot, timezone)
        self.decimals = 2

        self.price_vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.price_vb.sigTransformChanged.connect(self._place_tags)
        self.price_vb.sigResized.connect(lambda _vb: self.fit_y())
        for vb in (self.price_vb, self.volume_vb):
            vb.sigRangeChanged.connect(self._update_grid)
            vb.sigResized.connect(self._update_grid)
        self.scene().sigMouseMoved.connect(self.on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.set_colors(colors)

    # -- parts ----------------------------------------------------------------------------------
    @property
    def price_vb(self) -> pg.ViewBox:
        return self.price_plot.getViewBox()

    @property
    def volume_vb(self) -> pg.ViewBox:
        return self.volume_plot.getViewBox()

    def _times_at(self, indices: np.ndarray) -> np.ndarray:
        return self.series.times_at(indices)

    def x_range(self) -> tuple[float, float]:
        lo, hi = self.price_vb.viewRange()[0]
        return float(lo), float(hi)

    def y_range(self) -> tuple[float, float]:
        lo, hi = self.price_vb.viewRange()[1]
        return float(lo), float(hi)

    # -- theme ----------------------------------------------------------------------------------
    def set_colors(self, colors: ChartColors) -> None:
        """Re-colour everything (the theme changed)."""
        self.colors = colors
        self.setBackground(colors.background)
        for plot in (self.price_plot, self.volume_plot):
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(colors.grid))
                axis.setTextPen(pg.mkPen(colors.axis))
        self.candles.set_colors(colors.up, colors.down)
        self.forming_candle.set_colors(colors.up, colors.down)
        self.volume.set_colors(colors.volume_up, colors.volume_down)
        self.forming_volume.set_colors(colors.volume_up, colors.volume_down)
        for name, overlay in self.overlays.items():
            overlay.set_color(colors.overlays[name])
        self.levels.set_colors(
            {"buy": colors.buy, "sell": colors.sell, "average": colors.average}, colors.label_fill
        )
        self.last_price.set_colors(colors.up, colors.down)
        self.drawings.set_colors(colors.drawing, colors.selected, colors.label_fill)
        self.cursor_tag.set_colors(colors.axis, colors.background)
        self.crosshair.set_color(colors.crosshair)
        self.fill_marks.set_colors(colors.buy, colors.sell, colors.text, colors.background)
        self.candles.set_grid_color(colors.grid)
        self.volume.set_grid_color(colors.grid)

    # -- data -----------------------------------------------------------------------------------
    def load(self, bars: Sequence[Bar], timeframe: Timeframe, decimals: int = 2) -> None:
        """Show ``bars`` (oldest first; the last one is forming) and follow the newest."""
        series = ChartSeries(timeframe)
        series.load(bars)
        self.load_series(series, decimals)

    def load_series(self, series: ChartSeries, decimals: int = 2) -> None:
        """Show ``series`` (replacing what was shown) and follow its newest bar."""
        timeframe = series.timeframe
        self.series = series
        self.fill_marks.clear()  # positioned against the series replaced
        self.decimals = decimals
        self.levels.decimals = decimals
        self.drawings.decimals = decimals
        self.drawings.set_series(series)
        self.price_axis.decimals = decimals
        self.time_axis.bar_seconds = timeframe.seconds
        self.candles.set_bars(series.history)
        self.volume.set_bars(series.history)
        for overlay in self.overlays.values():
            overlay.recompute(series.history)
        self._update_limits()
        self._show_forming()
        self.time_axis.invalidate()
        self.set_follow(True, reset_width=True)

    def show_no_bars(self) -> None:
        """Show no bars (while a different instrument loads).

        Not ``clear``: pyqtgraph's layout widget binds that name to removing every plot.
        """
        self.load([], self.series.timeframe, self.decimals)

    def apply_updates(self, bars: Sequence[Bar]) -> bool:
        """Apply live bars (oldest first); return True when a bar completed.

        Only the forming-bar items change unless a bar completed; then the completed bar is
        added to the cached history (rebuilding only its chunk) and, when following, the view
        scrolls by one bar.
        """
        series = self.series
        before = len(series.history)
        completed = False
        for bar in bars:
            completed |= series.apply(bar)
        if completed:
            added = len(series.history) - before
            self.candles.extend(series.history)
            self.volume.extend(series.history)
            for overlay in self.overlays.values():
                overlay.recompute(series.history)
            self._update_limits()
            self.time_axis.invalidate()
            if self.follow:
                lo, hi = self.x_range()
                self._set_x_range(lo + added, hi + added)
        self._show_forming()
        return completed

    def _show_forming(self) -> None:
        series = self.series
        forming = series.forming
        index = len(series.history)
        self.forming_candle.set_bar(index, forming)
        self.forming_volume.set_bar(index, forming)
        for overlay in self.overlays.values():
            overlay.update_tail(series.history, forming)
        last = forming or (series.bar_at(series.last_index) if series.last_index >= 0 else None)
        if last is None:
            self.last_price.set_price(math.nan, "", True)
        else:
            text = formatting.price(last.close, self.decimals)
            self.last_price.set_price(last.close, text, last.close >= last.open)
        if forming is not None and not self._covers(forming):
            self.fit_y()

    def _covers(self, bar: Bar) -> bool:
        """Whether the visible ranges already show all of ``bar`` (if it is in view)."""
        lo, hi = self.x_range()
        index = len(self.series.history)
        if not lo <= index <= hi:
            return True
        ylo, yhi = self.y_range()
        _, vhi = self.volume_vb.viewRange()[1]
        return ylo <= bar.low and bar.high <= yhi and bar.volume <= vhi

    def set_levels(self, levels: Sequence[Level]) -> None:
        """Show these order and position lines (replacing the previous ones)."""
        self.levels.set_levels(levels)
        self.fit_y()

    def set_indicator(self, name: str, visible: bool) -> None:
        self.overlays[name].set_visible(visible, self.series.history, self.series.forming)

    def show_fill_marks(
        self, marks: Sequence[FillMark], start: dt.datetime, end: dt.datetime
    ) -> bool:
        """Mark ``marks`` at their times and prices, shade ``start`` .. ``end`` and bring it
        into view (following stops); return whether bars are loaded for that span.

        Without bars for the span the fills are still drawn, where the time axis extrapolates
        their times, and the y range fits their prices.
        """
        series = self.series
        begin, finish = start.timestamp(), end.timestamp()
        xs = series.positions_of(np.array([m.time.timestamp() for m in marks], dtype=np.float64))
        lo, hi = (float(x) for x in series.positions_of(np.array([begin, finish])))
        if not (math.isfinite(lo) and math.isfinite(hi)):
            self.fill_marks.clear()
            return False
        self.fill_marks.show(marks, xs, (lo, hi), self.decimals)
        self._update_limits()
        margin = max((hi - lo) * 0.25, MIN_VISIBLE_BARS / 2)
        self.set_follow(False)
        self._set_x_range(lo - margin, hi + margin)
        return series.covers(begin, finish)

    def clear_fill_marks(self) -> None:
        self.fill_marks.clear()
        self._update_limits()
        self.fit_y()

    # -- ranges ---------------------------------------------------------------------------------
    def _update_limits(self) -> None:
        n = max(len(self.series), 1)
        x_min = -RIGHT_MARGIN - 1
        if self.fill_marks.shown:  # marks older than the bars stay reachable
            x_min = min(x_min, float(self.fill_marks.span.getRegion()[0]) - 2 * MIN_VISIBLE_BARS)
        limits = {
            "xMin": x_min,
            "xMax": n + max(RIGHT_MARGIN, n * 0.5),
            "minXRange": MIN_VISIBLE_BARS,
        }
        self.price_vb.setLimits(**limits)

    def _set_x_range(self, lo: float, hi: float) -> None:
        self._own_range_change = True
        try:
            self.price_vb.setXRange(lo, hi, padding=0)
        finally:
            self._own_range_change = False
        self.fit_y()

    def set_follow(self, follow: bool, *, reset_width: bool = False) -> None:
        """Start (scroll to the newest bar, keeping the zoom) or stop following."""
        if follow:
            lo, hi = self.x_range()
            width = hi - lo
            if reset_width or not MIN_VISIBLE_BARS <= width <= len(self.series) + 2 * RIGHT_MARGIN:
                width = float(self._visible_bars)
            right = self.series.last_index + 0.5 + RIGHT_MARGIN
            self.follow = True
            self._set_x_range(right - width, right)
        else:
            self.follow = False
        self.follow_changed.emit(self.follow)

    def _on_x_range_changed(self, _vb: object, _range: object) -> None:
        if not self._own_range_change:
            hi = self.x_range()[1]
            following = hi >= self.series.last_index + 0.5
            if following != self.follow:
                self.follow = following
                self.follow_changed.emit(following)
            self.fit_y()

    def _update_grid(self, *_: object) -> None:
        xlo, xhi = self.x_range()
        width = float(self.price_vb.width())
        if xhi <= xlo or width <= 0:
            return
        levels = self.time_axis.tickValues(xlo, xhi, width)
        xs = list(levels[0][1]) if levels else []
        for grid, vb, axis in (
            (self.candles, self.price_vb, self.price_axis),
            (self.volume, self.volume_vb, self.volume_axis),
        ):
            ylo, yhi = (float(v) for v in vb.viewRange()[1])
            height = float(vb.height())
            if height < 1 or yhi <= ylo:
                continue
            ys = grid_values(axis.tickValues(ylo, yhi, height), height, yhi - ylo)
            grid.set_grid(QRectF(xlo, ylo, xhi - xlo, yhi - ylo), xs, ys)

    def _place_tags(self, *_: object) -> None:
        self.last_price.tag.place()
        self.cursor_tag.place()

    def fit_y(self) -> None:
        """Fit the price and volume ranges to the visible bars."""
        lo, hi = self.x_range()
        first, last = math.ceil(lo - 0.5), math.floor(hi + 0.5)
        prices = self.series.price_range(first, last)
        marked = self.fill_marks.prices_between(lo, hi)
        if marked:  # fills in view stay in sight, with or without bars around them
            lows, highs = [*marked], [*marked]
            if prices is not None:
                lows.append(prices[0])
                highs.append(prices[1])
            prices = (min(lows), max(highs))
        if prices is not None:
            low, high = prices
            # Order and position lines near the bars stay in sight; far ones would squash them.
            reach = (high - low) * LEVEL_REACH
            near = [p for p in self.levels.prices() if low - reach <= p <= high + reach]
            low, high = min([low, *near]), max([high, *near])
            pad = max((high - low) * Y_PADDING, abs(high) * 1e-4, 1e-6)
            height = float(self.price_vb.height())
            if marked and height > 4 * MARK_PIXELS:  # room for the arrows beyond their tips
                pad = max(pad, (high - low) * MARK_PIXELS / (height - 2 * MARK_PIXELS))
            self.price_vb.setYRange(low - pad, high + pad, padding=0)
            self.levels.arrange(height / (high - low + 2 * pad), float(self.price_vb.width()))
        volume = self.series.volume_max(first, last)
        self.volume_vb.setYRange(0.0, volume * 1.15 if volume > 0 else 1.0, padding=0)

    # -- mouse ----------------------------------------------------------------------------------
    def index_at(self, scene_pos: QPointF) -> int | None:
        """Return the bar index under ``scene_pos`` if it is over either plot."""
        for plot in (self.price_plot, self.volume_plot):
            if plot.vb.sceneBoundingRect().contains(scene_pos):
                return round(float(plot.vb.mapSceneToView(scene_pos).x()))
        return None

    def price_at(self, scene_pos: QPointF) -> float | None:
        """Return the price under ``scene_pos`` if it is over the price plot."""
        vb = self.price_vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        return float(vb.mapSceneToView(scene_pos).y())

    def scene_pos_of(self, index: float, price: float) -> QPointF:
        """Return the scene position of bar ``index`` at ``price`` (tests, keyboard menus)."""
        point: QPointF = self.price_vb.mapViewToScene(QPointF(index, price))
        return point

    def on_mouse_moved(self, scene_pos: QPointF) -> None:
        """Move the crosshair to ``scene_pos`` and report the bar and price under it."""
        index = self.index_at(scene_pos)
        if index is None:
            self.crosshair.hide()
            self.cursor_tag.set(math.nan, "")
            self.hovered.emit(None, math.nan)
            return
        price = self.price_at(scene_pos)
        self.crosshair.show_at(float(index), price)
        if price is None:
            self.cursor_tag.set(math.nan, "")
        else:
            self.cursor_tag.set(price, formatting.price(price, self.decimals))
        self.hovered.emit(index, math.nan if price is None else price)

    # -- keyboard -------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Left/Right pan (Shift: by half a screen), +/- zoom, Escape cancels a line drag; the
        pane binds End and 1 … 5."""
        key = event.key()
        if key == Qt.Key.Key_Escape:
            if not self.levels.cancel_drag():
                self.escape_pressed.emit()
            event.accept()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            event.accept()
            return
        lo, hi = self.x_range()
        width = hi - lo
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            step = width * (0.5 if shift else 0.1) * (-1 if key == Qt.Key.Key_Left else 1)
            self.price_vb.setXRange(lo + step, hi + step, padding=0)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            factor = 1 / ZOOM_STEP if key != Qt.Key.Key_Minus else ZOOM_STEP
            new_width = max(float(MIN_VISIBLE_BARS), width * factor)
            if self.follow:  # keep the newest bar where it is
                self._set_x_range(hi - new_width, hi)
            else:
                middle = (lo + hi) / 2
                self.price_vb.setXRange(middle - new_width / 2, middle + new_width / 2, padding=0)
        else:
            super().keyPressEvent(event)

    def leaveEvent(self, event: object) -> None:
        self.crosshair.hide()
        self.cursor_tag.set(math.nan, "")
        self.hovered.emit(None, math.nan)
        super().leaveEvent(event)

    def _on_mouse_clicked(self, event: object) -> None:
        button = event.button()  # type: ignore[attr-defined]
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        price = self.price_at(scene_pos)
        if price is None:
            return
        if button == Qt.MouseButton.LeftButton:
            if not event.isAccepted():  # type: ignore[attr-defined]  # a line took it
                x = float(self.price_vb.mapSceneToView(scene_pos).x())
                self.plot_clicked.emit(x, price)
            return
        if button == Qt.MouseButton.RightButton:
            self.context_requested.emit(price, event.screenPos().toPoint())  # type: ignore[attr-defined]


def _indicators(timezone: str) -> list[Indicator]:
    return [SMA(20), EMA(50), VWAP(timezone)]
