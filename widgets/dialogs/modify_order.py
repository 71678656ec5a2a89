"""Modify a working order: new quantity and/or prices, checked at the field before anything is sent.

The dialog only validates and returns an :class:`OrderChange`; the blotter sends it with
``app.orders.modify`` (which re-checks risk and may still refuse). Invalid input is marked on
the field (``invalid`` property, red border) with the reason under it; OK does nothing until it
is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import DomainError, Order, Quote
from terminal.domain.values import to_quantity
from widgets import formatting as fmt
from widgets.style_props import set_invalid


@dataclass(frozen=True, slots=True)
class OrderChange:
    """What to change; ``None`` leaves a field as it is."""

    quantity: Decimal | None = None
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return self.quantity is None and self.limit_price is None and self.stop_price is None

    def describe(self) -> str:
        parts = []
        if self.quantity is not None:
            parts.append(f"quantity {fmt.quantity(self.quantity)}")
        if self.limit_price is not None:
            parts.append(f"limit {self.limit_price}")
        if self.stop_price is not None:
            parts.append(f"stop {self.stop_price}")
        return ", ".join(parts) or "no change"


def _number_text(text: str) -> str:
    return text.strip().replace(",", "")


class ModifyOrderDialog(QDialog):
    """Ask for a working order's new quantity and prices (only the fields its type has)."""

    def __init__(
        self, order: Order, quote: Quote | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.order = order
        intent = order.intent
        self.setObjectName("modify_order_dialog")
        self.setWindowTitle(f"Modify {order.id}")
        summary = QLabel(
            f"{intent.side.value} {fmt.quantity(intent.quantity)} {order.key} "
            f"{intent.order_type.value} {intent.tif.value} · filled "
            f"{fmt.quantity(order.filled_quantity)}",
            self,
        )
        summary.setObjectName("modify_summary")
        market = QLabel(self._market_text(quote), self)
        market.setObjectName("modify_market")
        market.setProperty("tone", "muted")
        self.form_error = QLabel("", self)
        self.form_error.setObjectName("modify_error")
        self.form_error.setProperty("tone", "critical")
        self.form_error.hide()

        form = QFormLayout()
        self.errors: dict[QLineEdit, QLabel] = {}
        self.quantity_edit = self._field(form, "Quantity", fmt.quantity(intent.quantity))
        self.limit_edit: QLineEdit | None = None
        self.stop_edit: QLineEdit | None = None
        tick = f"tick {intent.instrument.tick_size.normalize():f}"
        if intent.order_type.needs_limit and intent.limit_price is not None:
            self.limit_edit = self._field(form, "Limit price", f"{intent.limit_price}", tick)
        if intent.order_type.needs_stop and intent.stop_price is not None:
            self.stop_edit = self._field(form, "Stop price", f"{intent.stop_price}", tick)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Send modify")
        ok.setProperty("role", "primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # The dialog follows its contents: errors appear under their fields without clipping.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.addWidget(summary)
        layout.addWidget(market)
        layout.addLayout(form)
        layout.addWidget(self.form_error)
        layout.addWidget(self.buttons)
        self._change = OrderChange()
        # Most modifications move the price: start there (the quantity when there is none).
        first = self.edits()[1] if len(self.edits()) > 1 else self.quantity_edit
        first.setFocus()
        first.selectAll()

    def _market_text(self, quote: Quote | None) -> str:
        if quote is None:
            return "No quote yet"
        exponent = self.order.instrument.tick_size.normalize().as_tuple().exponent
        decimals = max(2, -exponent) if isinstance(exponent, int) else 2
        return (
            f"Market: bid {fmt.price(quote.bid, decimals)} · ask {fmt.price(quote.ask, decimals)}"
            f" · last {fmt.price(quote.last, decimals)}"
        )

    def _field(self, form: QFormLayout, label: str, text: str, hint: str = "") -> QLineEdit:
        edit = QLineEdit(text, self)
        edit.setObjectName("modify_" + label.lower().replace(" ", "_"))
        if hint:
            edit.setPlaceholderText(hint)
            edit.setToolTip(hint)
        form.addRow(label, edit)
        error = QLabel("", self)
        error.setObjectName(f"{edit.objectName()}_error")
        error.setProperty("tone", "critical")
        error.hide()
        form.addRow("", error)
        self.errors[edit] = error
        edit.textChanged.connect(lambda _text: self.validate())
        return edit

    def edits(self) -> list[QLineEdit]:
        """The editable fields, top to bottom."""
        return [e for e in (self.quantity_edit, self.limit_edit, self.stop_edit) if e is not None]

    # -- validation ---------------------------------------------------------------------------
    def validate(self) -> OrderChange | None:
        """Check every field; mark the bad ones; return the change if all are valid."""
        intent = self.order.intent
        ok = True
        quantity: Decimal | None = None
        try:
            quantity = to_quantity(_number_text(self.quantity_edit.text()))
            if quantity <= self.order.filled_quantity:
                raise DomainError(
                    f"must exceed the filled quantity {fmt.quantity(self.order.filled_quantity)}"
                )
            self._mark(self.quantity_edit, "")
        except DomainError as exc:
            ok = self._mark(self.quantity_edit, str(exc))
        limit = self._price(self.limit_edit)
        stop = self._price(self.stop_edit)
        ok = ok and limit is not False and stop is not False
        if not ok:
            self._show_form_error("")
            return None
        change = OrderChange(
            quantity if quantity != intent.quantity else None,
            limit if isinstance(limit, Decimal) and limit != intent.limit_price else None,
            stop if isinstance(stop, Decimal) and stop != intent.stop_price else None,
        )
        self._show_form_error("")
        return change

    def _price(self, edit: QLineEdit | None) -> Decimal | bool | None:
        """The valid price in ``edit``, None without the field, False when invalid."""
        if edit is None:
            return None
        try:
            price = self.order.instrument.check_price(_number_text(edit.text()))
        except DomainError as exc:
            return self._mark(edit, str(exc).removeprefix(f"{self.order.key}: "))
        self._mark(edit, "")
        return price

    def _mark(self, edit: QLineEdit, problem: str) -> bool:
        """Show ``problem`` at ``edit`` (empty: valid). Returns False for use in ``ok = ...``."""
        invalid = bool(problem)
        set_invalid(edit, invalid)
        error = self.errors.get(edit)
        if error is not None:
            error.setText(problem)
            error.setVisible(invalid)
        return not invalid

    def _show_form_error(self, text: str) -> None:
        self.form_error.setText(text)
        self.form_error.setVisible(bool(text))

    def accept(self) -> None:
        change = self.validate()
        if change is None:
            for edit in self.edits():
                if edit.property("invalid"):
                    edit.setFocus()
                    break
            return
        if change.is_empty:
            self._show_form_error("Nothing changed: enter a new price or quantity")
            return
        self._change = change
        super().accept()

    def change(self) -> OrderChange:
        """The accepted change (empty before OK)."""
        return self._change
