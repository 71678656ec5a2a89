"""Portfolio Greeks by underlying for the risk panel: a row per underlying held.

Delta in shares, gamma in shares per 1.00, vega in money per volatility point and theta in
money per day (see :mod:`terminal.risk.greeks`). A delta or vega past its ``[risk]`` limit is
shown in the critical tone, one at the alert fraction of it in the warning tone; contracts
whose Greeks are unknown are named under the table, never counted as zero silently.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from terminal.risk.greeks import GreeksExposure
from terminal.settings import RiskLimits
from widgets.style_props import set_tone

COLUMNS = ("Underlying", "Delta (sh)", "Gamma", "Vega /pt", "Theta /day")


def figure(value: float) -> str:
    """A Greek as the panel shows it: whole units with thousands separators, signed."""
    rounded = round(value)
    return f"{rounded:+,}" if rounded else "0"


def limit_tone(value: float, limit: float, alert: float) -> str:
    """critical past the limit, warning at the alert fraction of it, else plain."""
    if abs(value) > limit:
        return "critical"
    if limit > 0 and abs(value) >= alert * limit:
        return "warning"
    return ""


class GreeksTable(QWidget):
    """The Greeks of each underlying held, with their limits' tones.

    Attributes:
        cells: Per underlying, the labels of delta, gamma, vega and theta.
        missing: Names the contracts left out for want of Greeks (hidden when none).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("risk_greeks")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._rows = QWidget(self)
        self._grid = QGridLayout(self._rows)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(2)
        for column, title in enumerate(COLUMNS):
            header = QLabel(title, self._rows)
            header.setProperty("tone", "muted")
            if column:
                header.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self._grid.addWidget(header, 0, column)
        self._grid.setColumnStretch(0, 1)
        self.empty = QLabel("No positions", self)
        self.empty.setObjectName("risk_greeks_empty")
        self.empty.setProperty("tone", "muted")
        self.limits_note = QLabel("", self)
        self.limits_note.setObjectName("risk_greeks_limits")
        self.limits_note.setProperty("tone", "muted")
        self.limits_note.setWordWrap(True)
        self.missing = QLabel("", self)
        self.missing.setObjectName("risk_greeks_missing")
        self.missing.setWordWrap(True)
        self.missing.setProperty("tone", "warning")
        self.missing.hide()
        outer.addWidget(self._rows)
        outer.addWidget(self.empty)
        outer.addWidget(self.limits_note)
        outer.addWidget(self.missing)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel, QLabel]] = {}
        self._names: dict[str, QLabel] = {}

    def show_greeks(self, exposures: list[GreeksExposure], limits: RiskLimits) -> None:
        """Show ``exposures`` (one row each, in the order given) against ``limits``."""
        wanted = [e.underlying for e in exposures]
        if wanted != list(self.cells):
            self._rebuild(wanted)
        alert = float(limits.utilisation_alert_fraction)
        max_delta, max_vega = float(limits.max_delta_shares), float(limits.max_vega)
        self.limits_note.setText(
            f"Limits per underlying: delta ±{max_delta:,.0f} sh ({limits.delta_limit_level}), "
            f"vega ±{max_vega:,.0f} /pt ({limits.vega_limit_level})"
        )
        missing: list[str] = []
        for exposure in exposures:
            delta, gamma, vega, theta = self.cells[exposure.underlying]
            delta.setText(figure(exposure.delta))
            gamma.setText(figure(exposure.gamma))
            vega.setText(figure(exposure.vega))
            theta.setText(figure(exposure.theta))
            set_tone(delta, limit_tone(exposure.delta, max_delta, alert))
            set_tone(vega, limit_tone(exposure.vega, max_vega, alert))
            delta.setToolTip(f"{exposure.underlying} delta limit: ±{max_delta:,.0f} shares")
            vega.setToolTip(f"{exposure.underlying} vega limit: ±{max_vega:,.0f} per vol point")
            missing.extend(exposure.missing)
        self.empty.setVisible(not exposures)
        self._rows.setVisible(bool(exposures))
        self.missing.setText(
            "Not counted (no option quote or implied volatility): " + ", ".join(missing)
        )
        self.missing.setVisible(bool(missing))

    def _rebuild(self, underlyings: list[str]) -> None:
        for labels in (*self.cells.values(), *([n] for n in self._names.values())):
            for label in labels:
                self._grid.removeWidget(label)
                label.deleteLater()
        self.cells.clear()
        self._names.clear()
        for row, underlying in enumerate(underlyings, start=1):
            name = QLabel(underlying, self._rows)
            self._grid.addWidget(name, row, 0)
            self._names[underlying] = name
            labels = []
            for column, greek in enumerate(("delta", "gamma", "vega", "theta"), start=1):
                label = QLabel("", self._rows)
                label.setObjectName(f"risk_greeks_{greek}_{underlying}")
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self._grid.addWidget(label, row, column)
                labels.append(label)
            self.cells[underlying] = (labels[0], labels[1], labels[2], labels[3])
