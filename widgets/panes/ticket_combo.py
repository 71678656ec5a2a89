"""The order ticket holding a combo: legs read-only, side, quantity, LMT at a net price or MKT, TIF.

The strategy builder's **Send to ticket** loads a combo here (a :class:`TicketRequest` with its
``combo``); the ticket then shows this form instead of the single-instrument one, until another
instrument is chosen. Staging goes through ``stage_input`` like any order from the ticket: the
core validates the net price on the combo's tick (negative is a credit) and audits a refusal.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import Combo, DomainError, Order, OrderSide, OrderType, TimeInForce
from terminal.options import labels
from widgets.session import Session, TicketRequest
from widgets.style_props import set_invalid, set_tone

LMT, MKT = OrderType.LIMIT.value, OrderType.MARKET.value


def header_texts(combo: Combo) -> tuple[tuple[str, str], tuple[str, str]]:
    """The ticket header's title and description for ``combo`` (text, tooltip each)."""
    legs = len(combo.legs)
    description = f"{combo.description}: {legs} legs, one order, ×{combo.multiplier:f}"
    return (
        (labels.strategy_title(combo), combo.key),
        (description, labels.legs_text(combo)),
    )


class ComboTicket(QWidget):
    """The combo form of the order ticket (see the module docstring)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticket_combo")
        self.session = session
        self.combo: Combo | None = None
        self.legs = QLabel("", self)
        self.legs.setObjectName("ticket_combo_legs")
        self.legs.setWordWrap(True)
        self.legs.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        set_tone(self.legs, "muted")
        self.side = QComboBox(self)
        self.side.setObjectName("ticket_combo_side")
        self.side.addItems([OrderSide.BUY.value, OrderSide.SELL.value])
        self.quantity = QSpinBox(self)
        self.quantity.setObjectName("ticket_combo_quantity")
        self.quantity.setRange(1, 10_000)
        self.order_type = QComboBox(self)
        self.order_type.setObjectName("ticket_combo_type")
        self.order_type.addItems([LMT, MKT])
        self.limit = QLineEdit(self)
        self.limit.setObjectName("ticket_combo_limit")
        self.meaning = QLabel("", self)
        self.meaning.setObjectName("ticket_combo_meaning")
        set_tone(self.meaning, "muted")
        self.tif = QComboBox(self)
        self.tif.setObjectName("ticket_combo_tif")
        self.tif.addItems([TimeInForce.DAY.value, TimeInForce.GTC.value])
        form = QFormLayout()
        form.addRow("Side", self.side)
        form.addRow("Combos", self.quantity)
        form.addRow("Type", self.order_type)
        form.addRow("Net limit", self.limit)
        form.addRow("", self.meaning)
        form.addRow("Time in force", self.tif)
        self.status = QLabel("", self)
        self.status.setObjectName("ticket_combo_status")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legs)
        layout.addLayout(form)
        layout.addWidget(self.status)
        for signal in (self.side.currentIndexChanged, self.order_type.currentIndexChanged):
            signal.connect(lambda _i: self._show_meaning())
        self.limit.textChanged.connect(lambda _t: self._show_meaning())

    def load(self, request: TicketRequest) -> None:
        """Show the combo of ``request`` (legs read-only) with its side, units and price."""
        combo = request.combo
        assert combo is not None
        self.combo = combo
        self.legs.setText(labels.legs_text(combo, "\n"))
        self.side.setCurrentText((request.side or OrderSide.BUY).value)
        self.quantity.setValue(int(request.quantity or 1))
        market = request.order_type is OrderType.MARKET
        self.order_type.setCurrentText(MKT if market else LMT)
        price = request.limit_price
        self.limit.setText("" if price is None else f"{price}")
        self.status.setText("")
        self._show_meaning()
        self.limit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.limit.selectAll()

    @property
    def is_market(self) -> bool:
        return self.order_type.currentText() == MKT

    def _side(self) -> OrderSide:
        return OrderSide(self.side.currentText())

    def _show_meaning(self) -> None:
        self.limit.setEnabled(not self.is_market)
        if self.combo is None:
            return
        if self.is_market:
            self.meaning.setText(labels.net_text(self._side(), None))
            set_invalid(self.limit, False)
            return
        try:
            price = self.combo.check_price(self.limit.text().strip())
        except DomainError as exc:
            self.meaning.setText(str(exc))
            set_invalid(self.limit, True)
            return
        set_invalid(self.limit, False)
        self.meaning.setText(labels.net_text(self._side(), price))

    def stage(self) -> Order | None:
        """Stage the combo for approval; None when refused (the reason is shown)."""
        combo = self.combo
        if combo is None:
            return None
        fields: dict[str, object] = {
            "side": self._side(),
            "quantity": Decimal(self.quantity.value()),
            "order_type": OrderType.MARKET if self.is_market else OrderType.LIMIT,
            "tif": TimeInForce(self.tif.currentText()),
            "source": "ticket",
            "combo": combo,
        }
        if not self.is_market:
            fields["limit_price"] = self.limit.text().strip()
        try:
            order = self.session.app.orders.stage_input(combo.instrument, **fields)
        except DomainError as exc:  # refused (and audited) by the core
            self.status.setText(f"Not staged: {exc}")
            set_tone(self.status, "critical")
            return None
        intent = order.intent
        title = labels.order_title(combo, intent.side, intent.quantity, intent.limit_price)
        self.status.setText(f"Staged {order.id}: {title} — awaiting approval")
        set_tone(self.status, "ok")
        return order
