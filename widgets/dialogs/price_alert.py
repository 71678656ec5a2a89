"""The price alert dialog: "tell me when AAPL crosses above 230" as a rule the core evaluates.

Opened from the watchlist's or the chart's context menu (through the session's
``price_alert_requested``). Invalid input is shown at the field; the dialog stays open until the
rule is valid and accepted by the core.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.alerts.rule_kinds import Direction, PriceCrossRule
from terminal.domain import Instrument, Severity
from widgets import formatting as fmt
from widgets.style_props import set_invalid, set_tone


def default_direction(price: float, last: float) -> Direction:
    """Above when ``price`` is at or above the last price (or no last is known), else below."""
    if not (last > 0) or not (price > 0):
        return Direction.ABOVE
    return Direction.ABOVE if price >= last else Direction.BELOW


def parse_level(text: str) -> float:
    """Read a price level typed by the trader (``1,234.5`` allowed).

    Raises:
        ValueError: not a positive finite number (the message is for the trader).
    """
    cleaned = text.strip().replace(",", "")
    if not cleaned:
        raise ValueError("enter a price level")
    try:
        level = float(cleaned)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a price") from None
    if not math.isfinite(level) or level <= 0:
        raise ValueError("the level must be a positive price")
    return level


class PriceAlertDialog(QDialog):
    """Create a :class:`PriceCrossRule` for one instrument.

    Args:
        instrument: The instrument to watch.
        price: The price the request came with (the watchlist's last, the chart's cursor).
        last: The current last price (NaN if unknown), for the default direction and hints.
        create: Called with the rule on "Create"; may raise ValueError (shown in the dialog).
        decimals: Price decimals to prefill with.
    """

    def __init__(
        self,
        instrument: Instrument,
        price: float,
        last: float,
        create: Callable[[PriceCrossRule], None],
        *,
        decimals: int = 2,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("price_alert_dialog")
        self.setWindowTitle(f"Price alert — {instrument.key}")
        self.instrument = instrument
        self.last = last
        self._create = create
        self.rule: PriceCrossRule | None = None

        last_text = fmt.price(last, decimals) if last > 0 else "no quote yet"
        heading = QLabel(f"<b>{instrument.key}</b>  last {last_text}", self)
        heading.setObjectName("price_alert_heading")
        if instrument.description:
            heading.setToolTip(instrument.description)

        self.direction = QComboBox(self)
        self.direction.setObjectName("price_alert_direction")
        self.direction.addItem("Crosses above", Direction.ABOVE)
        self.direction.addItem("Crosses below", Direction.BELOW)
        chosen = default_direction(price, last)
        self.direction.setCurrentIndex(0 if chosen is Direction.ABOVE else 1)

        self.level = QLineEdit(self)
        self.level.setObjectName("price_alert_level")
        self.level.setPlaceholderText("price level")
        if price > 0:
            self.level.setText(f"{price:.{decimals}f}")
        elif last > 0:
            self.level.setText(f"{last:.{decimals}f}")
        self.level_error = QLabel(self)
        self.level_error.setObjectName("price_alert_level_error")
        self.level_error.setProperty("tone", "critical")
        self.level_error.hide()

        self.severity = QComboBox(self)
        self.severity.setObjectName("price_alert_severity")
        for severity in Severity:
            self.severity.addItem(severity.name.capitalize(), severity)
        self.severity.setCurrentIndex(list(Severity).index(Severity.WARNING))

        self.note = QLineEdit(self)
        self.note.setObjectName("price_alert_note")
        self.note.setPlaceholderText("optional: why this level matters")
        self.note.setMaxLength(200)

        self.fire_now = QCheckBox("Fire at once if the price is already beyond the level", self)
        self.fire_now.setObjectName("price_alert_fire_now")

        self.hint = QLabel(self)
        self.hint.setObjectName("price_alert_hint")
        self.hint.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Condition", self.direction)
        form.addRow("Level", self.level)
        form.addRow("", self.level_error)
        form.addRow("Severity", self.severity)
        form.addRow("Note", self.note)
        form.addRow("", self.fire_now)

        buttons = QDialogButtonBox(self)
        self.create_button = QPushButton("Create alert", self)
        self.create_button.setObjectName("price_alert_create")
        self.create_button.setProperty("role", "primary")
        self.create_button.setDefault(True)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)

        self.level.textEdited.connect(self._on_edited)
        self.direction.currentIndexChanged.connect(lambda _i: self._update_hint())
        self.fire_now.toggled.connect(lambda _on: self._update_hint())
        self.level.selectAll()
        self.level.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setMinimumWidth(380)
        self._update_hint()

    @property
    def chosen_direction(self) -> Direction:
        return Direction(self.direction.currentData())

    def _on_edited(self, _text: str) -> None:
        self._set_error(None)
        self._update_hint()

    def _update_hint(self) -> None:
        """Say how far the level is from the market and whether it would fire at once."""
        try:
            level = parse_level(self.level.text())
        except ValueError:
            self.hint.setText("")
            return
        last = self.last
        if not last > 0:
            self.hint.setText("No last price yet: the first quote sets the side.")
            self._tone("muted")
            return
        if level == last:
            self.hint.setText("That is the last price: type the level to watch.")
            self._tone("muted")
            return
        distance = (level / last - 1.0) * 100.0
        direction = self.chosen_direction
        beyond = level <= last if direction is Direction.ABOVE else level >= last
        side = "above" if distance >= 0 else "below"
        text = f"{abs(distance):.2f}% {side} the last price."
        if beyond:
            if self.fire_now.isChecked():
                text += f" The price is already {direction.value} it: the alert fires at once."
            else:
                text += (
                    f" The price is already {direction.value} it: the alert fires the next time"
                    f" the price crosses {direction.value} it."
                )
            self._tone("warning")
        else:
            self._tone("muted")
        self.hint.setText(text)

    def _tone(self, tone: str) -> None:
        set_tone(self.hint, tone)

    def _set_error(self, message: str | None) -> None:
        invalid = message is not None
        set_invalid(self.level, invalid)
        self.level.setToolTip(message or "")
        self.level_error.setText(message or "")
        self.level_error.setVisible(invalid)

    def build_rule(self) -> PriceCrossRule | None:
        """The rule the fields describe, or None (the error is shown at the level field)."""
        try:
            level = parse_level(self.level.text())
            return PriceCrossRule(
                key=self.instrument.key,
                direction=self.chosen_direction,
                level=level,
                fire_if_already_beyond=self.fire_now.isChecked(),
                severity=Severity(self.severity.currentData()),
                note=self.note.text().strip(),
            )
        except ValueError as exc:
            self._set_error(str(exc))
            self.level.setFocus(Qt.FocusReason.OtherFocusReason)
            return None

    def accept(self) -> None:
        rule = self.build_rule()
        if rule is None:
            return
        try:
            self._create(rule)
        except ValueError as exc:
            self._set_error(str(exc))
            return
        self.rule = rule
        super().accept()
