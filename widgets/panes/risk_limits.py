"""Limit utilisation bars for the risk panel: one labelled QProgressBar per live limit.

A bar's ``tone`` property (ok / warning / critical, from the limit's :class:`UsageLevel`) makes the
stylesheet colour its chunk green, amber or red; its text reads "used / limit" in the limit's
unit (money, orders, units or percent).
"""

from __future__ import annotations

import math
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QWidget

from terminal.risk.usage import LimitUsage, UsageLevel, describe
from widgets import formatting as fmt
from widgets.style_props import set_tone

#: The stylesheet tone of each level.
TONES = {UsageLevel.OK: "ok", UsageLevel.WARN: "warning", UsageLevel.BREACH: "critical"}
#: Bars count in per-mille so a fraction shows without rounding to whole percent.
SCALE = 1000

_MONEY = {"gross_exposure", "daily_loss"}
_PERCENT = {"concentration"}


def amount_text(name: str, value: Decimal) -> str:
    """A limit's value in its unit: money without cents, percent with one decimal, counts."""
    if name in _MONEY:
        return fmt.price(value, 0)
    if name in _PERCENT:
        return f"{float(value):.1f}%"
    return fmt.quantity(value.quantize(Decimal(1)) if value == value.to_integral() else value)


def usage_text(usage: LimitUsage) -> str:
    """``1,234,567 / 5,000,000``."""
    return f"{amount_text(usage.name, usage.used)} / {amount_text(usage.name, usage.limit)}"


def fraction_text(fraction: float) -> str:
    if math.isinf(fraction):
        return "over"
    if 0 < fraction < 0.005:
        return "<1%"
    return f"{fraction:.0%}"


class LimitBars(QWidget):
    """Per limit a label, its percentage and a bar, in the order the risk engine gives them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("risk_limits")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(2)
        self._grid.setColumnStretch(0, 1)
        self.labels: dict[str, QLabel] = {}
        self.bars: dict[str, QProgressBar] = {}
        self.percents: dict[str, QLabel] = {}
        self.usages: dict[str, LimitUsage] = {}

    def show_usages(self, usages: list[LimitUsage]) -> None:
        """Show ``usages`` (rows are created the first time a limit appears)."""
        for usage in usages:
            if usage.name not in self.bars:
                self._add_row(usage.name)
            self.usages[usage.name] = usage
            label, bar, percent = (
                self.labels[usage.name],
                self.bars[usage.name],
                self.percents[usage.name],
            )
            label.setText(usage.label)
            fraction = usage.fraction
            bar.setValue(SCALE if math.isinf(fraction) else round(min(fraction, 1.0) * SCALE))
            bar.setFormat(usage_text(usage))
            bar.setToolTip(describe(usage) if usage.limit > 0 else f"{usage.label}: limit is 0")
            tone = TONES[usage.level]
            set_tone(bar, tone)
            percent.setText(fraction_text(fraction))
            set_tone(percent, "muted" if usage.level is UsageLevel.OK else tone)

    def _add_row(self, name: str) -> None:
        # Label and percentage on one line, the bar under them: fits a narrow dock.
        row = 2 * len(self.bars)
        label = QLabel(self)
        label.setObjectName(f"risk_label_{name}")
        bar = QProgressBar(self)
        bar.setObjectName(f"risk_bar_{name}")
        bar.setRange(0, SCALE)
        bar.setTextVisible(True)
        bar.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar.setFixedHeight(bar.fontMetrics().height() + 6)
        percent = QLabel(self)
        percent.setObjectName(f"risk_percent_{name}")
        percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._grid.addWidget(label, row, 0)
        self._grid.addWidget(percent, row, 1)
        self._grid.addWidget(bar, row + 1, 0, 1, 2)
        self.labels[name], self.bars[name], self.percents[name] = label, bar, percent
