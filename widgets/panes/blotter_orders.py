"""The blotter's Orders tab: working orders with Cancel (Delete), Modify… and Cancel all.

Rows follow the order manager's ``order_updated`` event: a working order is shown, an order that
left the broker (filled, cancelled, rejected, expired) disappears, unless "Show all today's
orders" is on, which also lists today's finished orders (those of earlier sessions are read from
the database in an executor the first time the box is ticked).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from terminal.domain import Order, OrderStatus
from terminal.oms.errors import UnknownOrder
from widgets import shortcuts
from widgets.confirmations import request_cancel_all
from widgets.dialogs.modify_order import ModifyOrderDialog
from widgets.panes.blotter_columns import order_columns, start_of_day, status_text
from widgets.resources import icon
from widgets.session import Session
from widgets.table_model import FastTableView, RowModel

S = OrderStatus


class OrdersTab(QWidget):
    """Working orders (or all of today's orders) and the commands on them."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model: RowModel[Order] = RowModel(
            order_columns(lambda: session.palette), key=lambda o: o.id, parent=self
        )
        self.view = FastTableView(self.model, parent=self)
        self.view.setObjectName("blotter_orders_view")
        self.view.installEventFilter(self)
        self.view.doubleClicked.connect(lambda _index: self.open_modify())
        self.cancel_button = self._button("blotter_cancel", "Cancel", "blotter-cancel")
        self.cancel_button.setToolTip(f"Cancel the selected order ({shortcuts.CANCEL_ORDER.keys})")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.modify_button = self._button("blotter_modify", "Modify…", "blotter-modify")
        self.modify_button.setToolTip("Change the selected order's price or quantity")
        self.modify_button.clicked.connect(self.open_modify)
        self.cancel_all_button = self._button(
            "blotter_cancel_all", "Cancel all", "blotter-cancel-all"
        )
        self.cancel_all_button.setToolTip(
            f"Cancel every working order ({shortcuts.CANCEL_ALL.keys}); trading stays armed"
        )
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self.show_all = QCheckBox("Show all today's orders", self)
        self.show_all.setObjectName("blotter_show_all")
        self.show_all.toggled.connect(self._on_show_all)
        #: The open Modify dialog, if any (tests fill it in).
        self.modify_dialog: ModifyOrderDialog | None = None
        self._history: dict[str, Order] = {}
        self._history_loaded = False

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for button in (self.cancel_button, self.modify_button, self.cancel_all_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.show_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view)

        app = session.app
        session.subscribe(app.orders.order_updated, self._on_order_updated, owner=self)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self.update_buttons())
        self.model.set_rows(app.orders.working_orders())
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.update_buttons()

    def _button(self, name: str, text: str, icon_name: str) -> QPushButton:
        button = QPushButton(icon(icon_name), text, self)
        button.setObjectName(name)
        return button

    # -- core events --------------------------------------------------------------------------
    def _shows(self, order: Order) -> bool:
        if order.status.is_working:
            return True
        return self.show_all.isChecked() and order.created_at >= start_of_day(self.session.app)

    def _on_order_updated(self, order: Order) -> None:
        if self._shows(order):
            self.model.update(order)
        else:
            self.model.remove(order.id)

    def flush(self) -> None:
        self.model.flush()
        self.update_buttons()

    # -- show all -----------------------------------------------------------------------------
    def _on_show_all(self, checked: bool) -> None:
        self._reload()
        if checked and not self._history_loaded:
            self._history_loaded = True
            self.session.run(self._load_history(), "load today's orders")

    def _reload(self) -> None:
        known = {o.id: o for o in self.session.app.orders.orders()}
        rows = {**self._history, **known} if self.show_all.isChecked() else known
        self.model.set_rows(
            sorted((o for o in rows.values() if self._shows(o)), key=lambda o: o.created_at)
        )
        self.update_buttons()

    async def _load_history(self) -> None:
        """Read today's orders of earlier sessions (a blocking query, so in an executor)."""
        store = self.session.app.store
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(None, functools.partial(store.load_orders, False))
        if not self.session.alive(self):  # closed while the database was read
            return
        since = start_of_day(self.session.app)
        self._history = {o.id: o for o in stored if o.created_at >= since}
        self._reload()

    # -- commands -----------------------------------------------------------------------------
    def selected_order(self) -> Order | None:
        """The selected order as the order manager knows it now (None if none selected)."""
        row = self.view.selected_row()
        if not isinstance(row, Order):
            return None
        try:
            return self.session.app.orders.get(row.id)
        except UnknownOrder:  # a finished order of an earlier session
            return row

    def _commandable(self, order: Order | None) -> bool:
        if order is None:
            return False
        return order.status.is_working and order.status is not S.CANCEL_REQUESTED

    def update_buttons(self) -> None:
        selected = self._commandable(self.selected_order())
        self.cancel_button.setEnabled(selected)
        self.modify_button.setEnabled(selected)
        self.cancel_all_button.setEnabled(bool(self.session.app.orders.working_orders()))

    def cancel_selected(self) -> asyncio.Task[Any] | None:
        """Ask the broker to cancel the selected working order."""
        order = self.selected_order()
        if order is None:
            self.session.message.emit("Select a working order to cancel")
            return None
        if not self._commandable(order):
            self.session.message.emit(f"Order {order.id} is {status_text(order.status)}")
            return None
        self.session.message.emit(f"Cancel requested for {order.id} ({order.key})")
        return self.session.run(
            self.session.app.orders.cancel(order.id, "cancelled by trader from the blotter"),
            f"cancel {order.id}",
        )

    def cancel_all(self) -> object:
        """Cancel every working order, after the question (the trading state stays as it is)."""
        return request_cancel_all(self.session, self.window())

    def open_modify(self) -> ModifyOrderDialog | None:
        """Open the Modify dialog for the selected working order (not modal for the loop)."""
        order = self.selected_order()
        if order is None or not self._commandable(order):
            self.session.message.emit("Select a working order to modify")
            return None
        if self.modify_dialog is not None:
            self.modify_dialog.close()
        dialog = ModifyOrderDialog(order, self.session.app.market.last_quote(order.key), self)
        dialog.accepted.connect(lambda: self._send_modify(dialog))
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.modify_dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: ModifyOrderDialog) -> None:
        if self.modify_dialog is dialog:
            self.modify_dialog = None
        dialog.deleteLater()

    def _send_modify(self, dialog: ModifyOrderDialog) -> None:
        change = dialog.change()
        order_id = dialog.order.id
        self.session.message.emit(f"Modify sent for {order_id}: {change.describe()}")
        self.session.run(
            self.session.app.orders.modify(
                order_id,
                quantity=change.quantity,
                limit_price=change.limit_price,
                stop_price=change.stop_price,
            ),
            f"modify {order_id}",
        )

    # -- keys ---------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            pressed = QKeySequence(event.keyCombination())
            if pressed.matches(QKeySequence(shortcuts.CANCEL_ORDER.keys)) == (
                QKeySequence.SequenceMatch.ExactMatch
            ):
                self.cancel_selected()
                return True
        return super().eventFilter(watched, event)
