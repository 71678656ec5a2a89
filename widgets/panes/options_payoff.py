"""The strategy builder's payoff chart: P&L at expiry and today against the underlying's price.

Drawn from :class:`terminal.options.builder.Payoff` (the maths lives in the core): the expiry
line solid, today's (Black–Scholes) dashed, profit shaded green above zero and loss red below,
the underlying's price and the break-evens as vertical lines.
"""

from __future__ import annotations

from PySide6.QtCore import Qt  # before pyqtgraph, which uses the Qt binding already imported

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from terminal.options.builder import Payoff
from widgets.theme import Palette


class PayoffChart(pg.PlotWidget):  # type: ignore[misc]
    """P&L in money (y) per underlying price (x); :meth:`show_payoff` draws one strategy."""

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("options_payoff")
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLabel("left", "P&L")
        plot.setLabel("bottom", "Underlying price")
        plot.getAxis("left").setWidth(64)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.profit_fill = pg.PlotDataItem(fillLevel=0)
        self.loss_fill = pg.PlotDataItem(fillLevel=0)
        self.expiry_curve = pg.PlotDataItem()
        self.today_curve = pg.PlotDataItem()
        self.zero_line = pg.InfiniteLine(pos=0, angle=0, movable=False)
        self.spot_line = pg.InfiniteLine(angle=90, movable=False)
        self.spot_line.setVisible(False)
        self.break_even_lines: list[pg.InfiniteLine] = []
        for item in (self.profit_fill, self.loss_fill, self.zero_line):
            plot.addItem(item)
        plot.addItem(self.spot_line)
        plot.addItem(self.today_curve)
        plot.addItem(self.expiry_curve)
        #: What was drawn last (tests read it).
        self.payoff: Payoff | None = None
        self.set_palette(palette)

    def set_palette(self, palette: Palette) -> None:
        self.palette = palette
        self.setBackground(palette.background)
        plot = self.getPlotItem()
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(palette.grid))
            axis.setTextPen(pg.mkPen(palette.muted))
        # The key above the plot, not a legend inside it (it hid a break-even's label).
        plot.setTitle(
            f'<span style="color:{palette.text.name()}">━ at expiry</span>'
            f'&nbsp;&nbsp;&nbsp;<span style="color:{palette.info.name()}">'
            "╍ today (Black–Scholes)</span>",
            size="9pt",
        )
        self.zero_line.setPen(pg.mkPen(palette.muted, width=1))
        self.spot_line.setPen(pg.mkPen(palette.info, style=Qt.PenStyle.DashLine))
        self.expiry_curve.setPen(pg.mkPen(palette.text, width=2))
        self.today_curve.setPen(pg.mkPen(palette.info, width=2, style=Qt.PenStyle.DashLine))
        for item, colour in ((self.profit_fill, palette.up), (self.loss_fill, palette.down)):
            fill = QColor(colour)
            fill.setAlpha(60)
            item.setPen(pg.mkPen(None))
            item.setBrush(pg.mkBrush(fill))
        for line in self.break_even_lines:
            line.setPen(pg.mkPen(palette.amber, style=Qt.PenStyle.DotLine))

    def clear_payoff(self) -> None:
        self.payoff = None
        for item in (self.expiry_curve, self.today_curve, self.profit_fill, self.loss_fill):
            item.setData([], [])
        self.spot_line.setVisible(False)
        self._set_break_evens(())

    def show_payoff(self, payoff: Payoff, spot: float, break_evens: tuple[float, ...]) -> None:
        """Draw ``payoff``; ``spot`` (NaN when unknown) and ``break_evens`` as vertical lines."""
        self.payoff = payoff
        x, y = payoff.spots, payoff.at_expiry
        self.expiry_curve.setData(x, y)
        self.profit_fill.setData(x, np.maximum(y, 0.0))
        self.loss_fill.setData(x, np.minimum(y, 0.0))
        if payoff.today is not None:
            self.today_curve.setData(x, payoff.today)
        else:
            self.today_curve.setData([], [])
        self.spot_line.setVisible(math.isfinite(spot))
        if math.isfinite(spot):
            self.spot_line.setPos(spot)
        self._set_break_evens(break_evens)
        self.getPlotItem().setXRange(float(x[0]), float(x[-1]), padding=0)
        values = [y] if payoff.today is None else [y, payoff.today]
        low = min(float(np.min(v)) for v in values)
        high = max(float(np.max(v)) for v in values)
        room = max((high - low) * 0.08, 1.0)
        self.getPlotItem().setYRange(min(low, 0.0) - room, max(high, 0.0) + room, padding=0)

    def _set_break_evens(self, prices: tuple[float, ...]) -> None:
        plot = self.getPlotItem()
        for line in self.break_even_lines:
            plot.removeItem(line)
        self.break_even_lines = []
        for price in prices:
            line = pg.InfiniteLine(
                pos=price,
                angle=90,
                movable=False,
                pen=pg.mkPen(self.palette.amber, style=Qt.PenStyle.DotLine),
                label=f"{price:,.2f}",
                labelOpts={"position": 0.95, "color": self.palette.amber},
            )
            plot.addItem(line)
            self.break_even_lines.append(line)
