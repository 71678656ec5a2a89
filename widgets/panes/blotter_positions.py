"""The blotter's Positions tab: quantity, average cost, last, market value and P&L per instrument.

Positions change on fills (``positions_changed``: rows replaced); their value changes on every
quote of a held instrument (``pnl_updated``): that only sets a flag, and the next refresh marks
the rows dirty so one ranged ``dataChanged`` repaints them. Double-click (or "Close position")
stages a market order for the full opposite quantity: it goes to the approval queue, it is not
sent.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal.domain import (
    DomainError,
    Order,
    Position,
)
from terminal.oms.kill_switch import closing_intent
from widgets import formatting as fmt
from widgets.panes.blotter_columns import position_columns
from widgets.resources import icon
from widgets.session import Session
from widgets.table_model import ROW_ROLE, FastTableView, RowModel


class PositionsTab(QWidget):
    """Open positions (and those closed today, with their realized P&L)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        portfolio = session.app.portfolio
        self.model: RowModel[Position] = RowModel(
            position_columns(lambda: session.palette, portfolio.mark),
            key=lambda p: p.key,
            parent=self,
        )
        self.view = FastTableView(self.model, parent=self)
        self.view.setObjectName("blotter_positions_view")
        self.view.doubleClicked.connect(self._on_double_click)
        # The last column is a right-aligned number: stretching it pushes it away from the rest.
        self.view.horizontalHeader().setStretchLastSection(False)
        self.close_button = QPushButton(icon("blotter-close-position"), "Close position…", self)
        self.close_button.setObjectName("blotter_close_position")
        self.close_button.setToolTip(
            "Stage a market order closing the selected position (approve it in the queue)"
        )
        self.close_button.clicked.connect(self._close_selected)
        hint = QLabel("Double-click a position to stage a closing market order for approval", self)
        hint.setProperty("tone", "muted")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.close_button)
        bar.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._marks_moved = False
        session.subscribe(portfolio.positions_changed, self._on_positions_changed, owner=self)
        session.subscribe(portfolio.pnl_updated, self._on_pnl, owner=self)
        session.subscribe(session.started, self._on_started, owner=self)
        self.reload()

    def _on_started(self, _report: object) -> None:
        self.reload()

    def reload(self) -> None:
        """Show the portfolio's open positions (after start-up reconciliation)."""
        portfolio = self.session.app.portfolio
        closed_today = [p for p in self.model.rows() if portfolio.position(p.key) is not None]
        rows = {p.key: portfolio.position(p.key) or p for p in closed_today}
        rows.update((p.key, p) for p in portfolio.positions())
        self.model.set_rows(rows.values())

    def _on_positions_changed(self, positions: list[Position]) -> None:
        for position in positions:
            self.model.update(position)

    def _on_pnl(self, _snapshot: object) -> None:
        self._marks_moved = True

    def flush(self) -> None:
        if self._marks_moved:
            self._marks_moved = False
            self.model.mark_all_dirty()
        self.model.flush()

    # -- closing ------------------------------------------------------------------------------
    def _on_double_click(self, index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, Position):
            self.stage_close(row.key)

    def _close_selected(self) -> None:
        row = self.view.selected_row()
        if not isinstance(row, Position):
            self.session.message.emit("Select a position to close")
            return
        self.stage_close(row.key)

    def stage_close(self, key: str) -> Order | None:
        """Stage a market order closing the whole position in ``key`` (approval still needed)."""
        app = self.session.app
        position = app.portfolio.position(key)
        if position is None or position.is_flat:
            self.session.message.emit(f"No open position in {key} to close")
            return None
        try:
            order = app.orders.stage(closing_intent(position, source="blotter close"))
        except DomainError as exc:
            self.session.fail(f"close {key}", exc)
            return None
        side, quantity = order.intent.side.value, fmt.quantity(order.intent.quantity)
        self.session.message.emit(
            f"Staged {side} {quantity} {key} MKT to close the "
            "position: approve it in the approval queue (not sent yet)"
        )
        return order
