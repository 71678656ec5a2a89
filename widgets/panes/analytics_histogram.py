"""The analytics pane's histogram: how slippage or a latency is spread over the period's orders.

The bins come from :func:`terminal.analytics.distribution.distribution` (pure, tested without
Qt); this view only draws them. Slippage is signed as everywhere in the analytics (positive is
a cost): bins right of zero are painted in the "down" colour, left of it in the "up" colour, the
bin holding zero neutral, one bar item per colour (a per-bar brush list is a Python loop). The
orders the data gives no figure for are named under the plot ("12 orders without a mid at
staging: left out"), never drawn as zeros; far-off values counted in the outermost bars are
named in the summary ("1 above 6 s in the last bar").
"""

from __future__ import annotations

from PySide6.QtCore import Qt  # before pyqtgraph, which uses the Qt binding already imported

# isort: split
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from terminal.analytics.distribution import Distribution, Metric, distribution
from terminal.analytics.execution import OrderExecution
from widgets.style_props import set_tone
from widgets.theme import Palette

DEFAULT_METRIC = Metric.SLIP_ARRIVAL_TICKS


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f} {unit}" if abs(value) < 100 else f"{value:,.0f} {unit}"


class ExecutionHistogram(QWidget):
    """A metric chooser over a bar histogram of the orders; :meth:`show_orders` draws them.

    Public for the pane and tests: :meth:`set_metric`, :attr:`chosen` (the metric shown) and
    :attr:`shown` (the distribution drawn).
    """

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analytics_histogram")
        self.orders: tuple[OrderExecution, ...] = ()
        #: The distribution drawn last (tests read it).
        self.shown: Distribution = distribution((), DEFAULT_METRIC)

        self.metric_combo = QComboBox(self)
        self.metric_combo.setObjectName("analytics_hist_metric")
        self.metric_combo.setToolTip(
            "What to show the spread of: slippage against the mid at staging (arrival) or at "
            "approval, positive = cost; or how long approval, the broker's acknowledgement and "
            "the first fill took"
        )
        for metric in Metric:
            self.metric_combo.addItem(metric.value, metric.value)
        self.metric_combo.currentIndexChanged.connect(lambda _i: self._draw())
        self.summary = QLabel("", self)
        self.summary.setObjectName("analytics_hist_summary")
        self.summary.setWordWrap(True)
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        set_tone(self.summary, "muted")
        self.left_out = QLabel("", self)
        self.left_out.setObjectName("analytics_hist_left_out")
        self.left_out.setWordWrap(True)
        self.left_out.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        set_tone(self.left_out, "warning")

        self.plot_widget = pg.PlotWidget(self)
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            self.plot.getAxis(name).enableAutoSIPrefix(False)
        self.plot.getAxis("left").setWidth(52)
        self.plot.setLabel("left", "Orders")
        #: Costs, gains and the bin holding zero (latencies are all "neutral").
        self.cost_bars = pg.BarGraphItem(x=[], height=[], width=1)
        self.gain_bars = pg.BarGraphItem(x=[], height=[], width=1)
        self.neutral_bars = pg.BarGraphItem(x=[], height=[], width=1)
        self.zero_line = pg.InfiniteLine(pos=0, angle=90, movable=False)
        for item in (self.cost_bars, self.gain_bars, self.neutral_bars, self.zero_line):
            self.plot.addItem(item)

        top = QHBoxLayout()
        top.addWidget(self.metric_combo)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.left_out)
        self.set_palette(palette)
        self._draw()

    @property
    def chosen(self) -> Metric:
        return Metric(self.metric_combo.currentData() or DEFAULT_METRIC)

    def set_metric(self, metric: Metric) -> None:
        """Show ``metric`` (the chooser follows)."""
        self.metric_combo.setCurrentIndex(self.metric_combo.findData(metric.value))
        self._draw()

    def set_palette(self, palette: Palette) -> None:
        self._palette = palette
        self.plot_widget.setBackground(palette.background)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(palette.grid))
            axis.setTextPen(pg.mkPen(palette.muted))
            axis.label.setDefaultTextColor(palette.text)
        for bars, colour in (
            (self.cost_bars, palette.down),
            (self.gain_bars, palette.up),
            (self.neutral_bars, palette.info),
        ):
            bars.setOpts(brush=pg.mkBrush(colour), pen=pg.mkPen(palette.background, width=1))
        self.zero_line.setPen(pg.mkPen(palette.muted, style=Qt.PenStyle.DashLine))

    def show_orders(self, orders: Sequence[OrderExecution]) -> None:
        """Draw the chosen metric over ``orders`` (a new report arrived)."""
        self.orders = tuple(orders)
        self._draw()

    def _draw(self) -> None:
        metric = self.chosen
        shown = self.shown = distribution(self.orders, metric)
        centres, counts, width = shown.centres, shown.counts.astype(np.float64), shown.width
        if metric.signed:
            parts = (centres > 0, centres < 0, centres == 0)
        else:
            none = np.zeros(len(centres), dtype=bool)
            parts = (none, none, ~none)
        for bars, mask in zip(
            (self.cost_bars, self.gain_bars, self.neutral_bars), parts, strict=True
        ):
            bars.setOpts(x=centres[mask], height=counts[mask], width=width * 0.9)
        self.zero_line.setVisible(metric.signed)
        # The metric's name holds its unit ("Slippage vs arrival (ticks)"); slippage says its sign.
        axis = f"{metric.value[:-1]}, + = cost)" if metric.signed else metric.value
        self.plot.setLabel("bottom", axis)
        if len(shown.edges):
            lo, hi = float(shown.edges[0]), float(shown.edges[-1])
            if metric.signed:  # zero in sight, so the side of a cost reads at a glance
                lo, hi = min(lo, -width), max(hi, width)
            self.plot.setXRange(lo, hi, padding=0.02)
            self.plot.setYRange(0, max(1.0, float(counts.max())) * 1.1, padding=0)
        else:
            self.plot.setXRange(-1, 1, padding=0)
            self.plot.setYRange(0, 1, padding=0)
        n = len(shown.values)
        if n:
            text = (
                f"{n} {'order' if n == 1 else 'orders'}: median "
                f"{_figure(shown.median, metric.unit)}, mean {_figure(shown.mean, metric.unit)}"
            )
            outliers = shown.outliers_text()
            self.summary.setText(f"{text}; {outliers}" if outliers else text)
        else:
            self.summary.setText("No order has this figure in the period")
        self.left_out.setText(shown.left_out_text())
        self.left_out.setVisible(bool(shown.left_out))
