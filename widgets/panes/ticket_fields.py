"""The order ticket's inputs: side, quantity, type with only its price fields, TIF, bracket.

:class:`TicketFields` owns the widgets, shows only the fields the order type uses, reads them
into a :class:`~widgets.panes.ticket_form.TicketInput` and shows errors at the fields. What the
ticket does with the input (estimate, verdict, staging) lives in the pane.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import Instrument, OrderSide, OrderType, TimeInForce
from widgets.panes import ticket_form as tf
from widgets.panes.ticket_widgets import FieldBox, StepKeys

#: Which field box each order-type dependent row label belongs to.
_PRICE_ROWS = {
    "limit": tf.LIMIT_PRICE,
    "stop": tf.STOP_PRICE,
    "trail": tf.TRAIL,
    "offset": tf.LIMIT_OFFSET,
}


class TicketFields(QWidget):
    """The ticket's input widgets in a compact two-column grid.

    Args:
        quantity_step: The Up/Down step of the quantity (the default size), or None.
        tick: The Up/Down step of prices (the instrument's tick), or None.

    Signals:
        edited(): any input changed (typed, stepped, chosen or set by code).
    """

    edited = Signal()

    def __init__(
        self,
        quantity_step: Callable[[], Decimal | None],
        tick: Callable[[], Decimal | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(5)
        sides = QHBoxLayout()
        self.buy = self._side_button("Buy", "buy", OrderSide.BUY)
        self.sell = self._side_button("Sell", "sell", OrderSide.SELL)
        self.side_group = QButtonGroup(self)
        self.side_group.setExclusive(True)
        for button in (self.buy, self.sell):
            self.side_group.addButton(button)
            sides.addWidget(button)
        self.buy.setChecked(True)
        layout.addLayout(sides)
        self._build_inputs()
        layout.addLayout(self._build_grid())
        self._connect(quantity_step, tick)
        self.update_visibility()

    # -- construction ------------------------------------------------------------------------
    def _build_inputs(self) -> None:
        self.quantity = self._line_edit("ticket_quantity", "shares")
        self.order_type = self._combo("ticket_type", [t.value for t in OrderType])
        self.limit_price = self._line_edit("ticket_limit", "limit price")
        self.stop_price = self._line_edit("ticket_stop", "stop price")
        self.trail = self._line_edit("ticket_trail", "amount")
        self.trail_unit = self._combo("ticket_trail_unit", ["$", "%"])
        self.trail_unit.setToolTip("Trail by an amount ($) or a percentage (%)")
        self.limit_offset = self._line_edit("ticket_offset", "offset")
        self.tif = self._combo("ticket_tif", [t.value for t in TimeInForce])
        self.outside_rth = QCheckBox("Outside RTH", self)
        self.outside_rth.setObjectName("ticket_outside_rth")
        self.outside_rth.setToolTip("Let the order work outside regular trading hours")
        self.bracket = QCheckBox("Bracket (take-profit / stop-loss)", self)
        self.bracket.setObjectName("ticket_bracket")
        self.take_profit = self._line_edit("ticket_take_profit", "offset")
        self.stop_loss = self._line_edit("ticket_stop_loss", "offset")
        self.take_profit.setToolTip("Take-profit limit this far from the entry, in price units")
        self.stop_loss.setToolTip("Protective stop this far from the entry, in price units")
        trail_row = QWidget(self)
        trail_layout = QHBoxLayout(trail_row)
        trail_layout.setContentsMargins(0, 0, 0, 0)
        trail_layout.setSpacing(3)
        trail_layout.addWidget(self.trail, 1)
        trail_layout.addWidget(self.trail_unit)
        self.boxes: dict[str, FieldBox] = {
            tf.QUANTITY: FieldBox(self.quantity, parent=self),
            tf.LIMIT_PRICE: FieldBox(self.limit_price, parent=self),
            tf.STOP_PRICE: FieldBox(self.stop_price, parent=self),
            tf.TRAIL: FieldBox(self.trail, trail_row, parent=self),
            tf.LIMIT_OFFSET: FieldBox(self.limit_offset, parent=self),
            tf.TIF: FieldBox(self.tif, parent=self),
            tf.TAKE_PROFIT: FieldBox(self.take_profit, parent=self),
            tf.STOP_LOSS: FieldBox(self.stop_loss, parent=self),
        }

    def _build_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        b = self.boxes
        cells: list[tuple[int, int, str, str, QWidget]] = [
            (0, 0, "Qty", "quantity", b[tf.QUANTITY]),
            (0, 2, "Type", "type", self.order_type),
            (1, 0, "Limit", "limit", b[tf.LIMIT_PRICE]),
            (1, 2, "Stop", "stop", b[tf.STOP_PRICE]),
            (2, 0, "Trail", "trail", b[tf.TRAIL]),
            (2, 2, "Offset", "offset", b[tf.LIMIT_OFFSET]),
            (3, 0, "TIF", "tif", b[tf.TIF]),
            (5, 0, "TP ±", tf.TAKE_PROFIT, b[tf.TAKE_PROFIT]),
            (5, 2, "SL ∓", tf.STOP_LOSS, b[tf.STOP_LOSS]),
        ]
        self.labels: dict[str, QLabel] = {}
        top = Qt.AlignmentFlag.AlignTop
        for row, column, text, name, widget in cells:
            label = QLabel(text, self)
            label.setContentsMargins(0, 5, 0, 0)  # level with the text in the field
            label.setBuddy(widget.editor if isinstance(widget, FieldBox) else widget)
            self.labels[name] = label
            grid.addWidget(label, row, column, top)
            grid.addWidget(widget, row, column + 1, top)
        grid.addWidget(self.outside_rth, 3, 2, 1, 2, top)
        grid.addWidget(self.bracket, 4, 0, 1, 4)
        return grid

    def _side_button(self, text: str, role: str, side: OrderSide) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(f"ticket_{role}")
        button.setProperty("role", role)
        button.setProperty("side", side.value)
        button.setCheckable(True)
        return button

    def _line_edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setMinimumWidth(70)
        return edit

    def _combo(self, name: str, items: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItems(items)
        return combo

    def _connect(
        self, quantity_step: Callable[[], Decimal | None], tick: Callable[[], Decimal | None]
    ) -> None:
        for edit in (self.quantity, *self.price_edits()):
            edit.textChanged.connect(self._changed)
        StepKeys(self.quantity, quantity_step)
        for edit in self.price_edits():
            StepKeys(edit, tick)
        self.order_type.currentIndexChanged.connect(self._layout_changed)
        self.bracket.toggled.connect(self._layout_changed)
        for combo in (self.tif, self.trail_unit):
            combo.currentIndexChanged.connect(self._changed)
        self.outside_rth.toggled.connect(self._changed)
        self.side_group.buttonToggled.connect(self._side_toggled)

    def _changed(self, *_args: object) -> None:
        self.edited.emit()

    def _layout_changed(self, *_args: object) -> None:
        self.update_visibility()
        self.edited.emit()

    def _side_toggled(self, _button: object, checked: bool) -> None:
        if checked:  # the exclusive group also reports the button that was unchecked
            self.edited.emit()

    # -- reading and writing -----------------------------------------------------------------
    def side(self) -> OrderSide:
        return OrderSide.SELL if self.sell.isChecked() else OrderSide.BUY

    def set_side(self, side: OrderSide) -> None:
        (self.buy if side is OrderSide.BUY else self.sell).setChecked(True)

    def kind(self) -> OrderType:
        return OrderType(self.order_type.currentText())

    def set_kind(self, order_type: OrderType) -> None:
        """Choose the order type without announcing it (the caller re-estimates once)."""
        self.order_type.blockSignals(True)
        self.order_type.setCurrentText(order_type.value)
        self.order_type.blockSignals(False)
        self.update_visibility()

    def price_edits(self) -> tuple[QLineEdit, ...]:
        """Every field holding a price or a price offset (they belong to one instrument)."""
        return (
            self.limit_price,
            self.stop_price,
            self.trail,
            self.limit_offset,
            self.take_profit,
            self.stop_loss,
        )

    def read(self, instrument: Instrument) -> tf.TicketInput:
        """The fields as typed, for ``instrument``."""
        return tf.TicketInput(
            instrument=instrument,
            side=self.side(),
            order_type=self.kind(),
            quantity=self.quantity.text(),
            limit_price=self.limit_price.text(),
            stop_price=self.stop_price.text(),
            trail=self.trail.text(),
            trail_is_percent=self.trail_unit.currentText() == "%",
            limit_offset=self.limit_offset.text(),
            tif=TimeInForce(self.tif.currentText()),
            outside_rth=self.outside_rth.isChecked(),
            bracket=self.bracket.isChecked(),
            take_profit=self.take_profit.text(),
            stop_loss=self.stop_loss.text(),
        )

    def update_visibility(self) -> None:
        """Show only the price fields the order type uses, and the exits of a bracket."""
        kind = self.kind()
        shown = {
            "limit": kind.needs_limit,
            "stop": kind.needs_stop,
            "trail": kind.is_trailing,
            "offset": kind is OrderType.TRAIL_LIMIT,
        }
        for name, visible in shown.items():
            self.labels[name].setVisible(visible)
            self.boxes[_PRICE_ROWS[name]].setVisible(visible)
        bracket = self.bracket.isChecked()
        for name in (tf.TAKE_PROFIT, tf.STOP_LOSS):
            self.labels[name].setVisible(bracket)
            self.boxes[name].setVisible(bracket)

    # -- errors ------------------------------------------------------------------------------
    def set_errors(self, errors: Mapping[str, str]) -> list[str]:
        """Show ``errors`` at their fields (clearing the others).

        Returns:
            The messages that belong to no shown field (the pane shows them under the form).
        """
        unplaced = [m for f, m in errors.items() if not self._shown(f)]
        for field, box in self.boxes.items():
            box.set_error(errors.get(field, "") if self._shown(field) else "")
        return unplaced

    def first_invalid(self) -> QWidget | None:
        """The first input marked invalid, top to bottom (to put the cursor there)."""
        for box in self.boxes.values():
            if box.error_text():
                return box.editor
        return None

    def error_texts(self) -> list[str]:
        return [text for box in self.boxes.values() if (text := box.error_text())]

    def _shown(self, field: str) -> bool:
        box = self.boxes.get(field)
        return box is not None and box.isVisibleTo(self)
