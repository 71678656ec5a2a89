"""The analytics pane's chart: cumulative net P&L of the closed trades over their exit times, and
its drawdown below (both in money, the x axis in the report's time zone).

The curve starts at 0 when the first closed trade opened, as the report's drawdown does (its peak
starts at 0), and steps at each exit, so the lowest step of the drawdown plot is the report's max
drawdown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt  # before pyqtgraph, which uses the Qt binding already imported

# isort: split
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from terminal.analytics.report import Report, period_bounds
from widgets.theme import Palette


def equity_points(report: Report) -> tuple[list[float], list[Decimal], list[Decimal]]:
    """Times (epoch seconds), cumulative net P&L and drawdown: 0 when the first closed trade
    opened (the period's start when there is none), then one point per trade at its exit."""
    begin, _ = period_bounds(report.start, report.end, report.timezone)
    first = min((t.entry_time for t in report.trades), default=begin)
    times = [first.timestamp()]
    equity = [Decimal(0)]
    drawdown = [Decimal(0)]
    peak = total = Decimal(0)
    for trade in report.trades:
        assert trade.exit_time is not None  # the report's trades are closed
        total += trade.net_pnl
        peak = max(peak, total)
        times.append(trade.exit_time.timestamp())
        equity.append(total)
        drawdown.append(total - peak)
    return times, equity, drawdown


def _steps(times: list[float], values: list[Decimal]) -> tuple[np.ndarray, np.ndarray]:
    """A step line: the P&L changes at an exit and holds until the next (no slope between)."""
    x = np.repeat(np.array(times, dtype=np.float64), 2)[1:]
    y = np.repeat(np.array([float(v) for v in values], dtype=np.float64), 2)[:-1]
    return x, y


class _ZoneAxis(pg.DateAxisItem):  # type: ignore[misc]
    """Dates and times in the report's time zone, not the machine's."""

    def __init__(self, timezone: str) -> None:
        super().__init__(orientation="bottom")
        self.zone = ZoneInfo(timezone)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        # Seconds when ticks are closer than a minute (a session of quick trades read
        # "09:30 09:30 09:30").
        pattern = "%H:%M:%S" if spacing < 60 else "%H:%M" if spacing < 86_400 else "%m-%d"
        return [dt.datetime.fromtimestamp(v, self.zone).strftime(pattern) for v in values]


class EquityChart(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """Equity curve over drawdown, x linked; :meth:`show_report` draws a report."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analytics_chart")
        self.axis = _ZoneAxis("UTC")
        self.equity_plot: pg.PlotItem = self.addPlot(row=0, col=0)
        self.drawdown_plot: pg.PlotItem = self.addPlot(
            row=1, col=0, axisItems={"bottom": self.axis}
        )
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.drawdown_plot.setXLink(self.equity_plot)
        self.equity_plot.hideAxis("bottom")
        for plot, label in ((self.equity_plot, "Net P&L"), (self.drawdown_plot, "Drawdown")):
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setLabel("left", label)
            plot.getAxis("left").setWidth(70)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getViewBox().setMouseEnabled(x=True, y=False)
        self.equity_curve = pg.PlotDataItem()
        #: One dot per trade, at its exit.
        self.exits = pg.ScatterPlotItem(size=6)
        self.zero_line = pg.InfiniteLine(pos=0, angle=0, movable=False)
        self.drawdown_fill = pg.PlotDataItem(fillLevel=0)
        self.equity_plot.addItem(self.zero_line)
        self.equity_plot.addItem(self.equity_curve)
        self.equity_plot.addItem(self.exits)
        self.drawdown_plot.addItem(self.drawdown_fill)
        #: The arrays drawn last (tests read them).
        self.points: tuple[list[float], list[Decimal], list[Decimal]] = ([], [], [])
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.setBackground(palette.background)
        for plot in (self.equity_plot, self.drawdown_plot):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(palette.grid))
                axis.setTextPen(pg.mkPen(palette.muted))
        self.zero_line.setPen(pg.mkPen(palette.muted, style=Qt.PenStyle.DashLine))
        self.equity_curve.setPen(pg.mkPen(palette.info, width=2))
        self.exits.setBrush(pg.mkBrush(palette.info))
        self.exits.setPen(pg.mkPen(palette.info))
        fill = QColor(palette.down)
        fill.setAlpha(90)
        self.drawdown_fill.setPen(pg.mkPen(palette.down, width=1))
        self.drawdown_fill.setBrush(pg.mkBrush(fill))

    def show_report(self, report: Report) -> None:
        """Draw the closed trades of ``report`` (just the flat start when there are none)."""
        self.axis.zone = ZoneInfo(report.timezone)
        self.points = equity_points(report)
        times, equity, drawdown = self.points
        self.equity_curve.setData(*_steps(times, equity))
        self.exits.setData(times[1:], [float(v) for v in equity[1:]])
        self.drawdown_fill.setData(*_steps(times, drawdown))
        if len(times) > 1:
            span = max(times[-1] - times[0], 60.0)
            self.equity_plot.setXRange(times[0] - span * 0.02, times[-1] + span * 0.04, padding=0)
        else:
            begin, finish = period_bounds(report.start, report.end, report.timezone)
            self.equity_plot.setXRange(begin.timestamp(), finish.timestamp(), padding=0)
        for plot in (self.equity_plot, self.drawdown_plot):
            plot.enableAutoRange(axis="y")
