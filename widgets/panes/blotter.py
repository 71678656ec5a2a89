"""The blotter: working orders, today's fills, positions with P&L, and account values, in tabs.

Every table is a :class:`~widgets.table_model.RowModel` fed by the core's events; nothing is
emitted from an event handler. One flush registered with the refresh clock publishes what
changed (positions and account values move with every quote of a held instrument, so their
handlers only set a flag).
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from terminal.domain import AccountSnapshot, Fill, Order
from widgets.panes.base import Pane
from widgets.panes.blotter_account import AccountTab
from widgets.panes.blotter_columns import AccountValue
from widgets.panes.blotter_fills import FillsTab
from widgets.panes.blotter_orders import OrdersTab
from widgets.panes.blotter_position_columns import PositionRow
from widgets.panes.blotter_positions import PositionsTab
from widgets.resources import icon
from widgets.session import Session
from widgets.table_model import RowModel
from widgets.theme import Palette


class BlotterPane(Pane):
    """Orders, Fills, Positions and Account tabs over the live core.

    Attributes:
        tabs: The tab widget (Orders, Fills, Positions, Account).
        orders_model, fills_model, positions_model, account_model: The tables' models.
    """

    pane_id = "blotter"
    title = "Blotter"

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("blotter_tabs")
        self.tabs.setDocumentMode(True)
        self.orders = OrdersTab(session, self.tabs)
        self.fills = FillsTab(session, self.tabs)
        self.positions = PositionsTab(session, self.tabs)
        self.account = AccountTab(session, self.tabs)
        self.tabs.addTab(self.orders, icon("blotter-orders"), "Orders")
        self.tabs.addTab(self.fills, icon("blotter-fills"), "Fills")
        self.tabs.addTab(self.positions, icon("blotter-positions"), "Positions")
        self.tabs.addTab(self.account, icon("blotter-account"), "Account")
        self.orders_model: RowModel[Order] = self.orders.model
        self.fills_model: RowModel[Fill] = self.fills.model
        self.positions_model: RowModel[PositionRow] = self.positions.model
        self.account_model: RowModel[AccountValue] = self.account.model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._on_tab_changed(0)
        self._counts: tuple[int, int, int] = (-1, -1, -1)
        self.subscribe(session.theme_changed, self._on_theme)
        self.register_flush(self.flush)
        self._show_counts()

    @property
    def broker_account(self) -> AccountSnapshot | None:
        """The broker's last account snapshot."""
        return self.account.account

    def flush(self) -> None:
        """Publish what changed since the last refresh (called by the refresh clock)."""
        self.orders.flush()
        self.fills.flush()
        self.positions.flush()
        self.account.flush()
        self._show_counts()

    def _show_counts(self) -> None:
        open_positions = sum(1 for r in self.positions_model.rows() if not r.position.is_flat)
        open_positions += self.positions.strategy_count
        counts = (len(self.orders_model), len(self.fills_model), open_positions)
        if counts == self._counts:
            return
        self._counts = counts
        for index, (name, count) in enumerate(
            zip(("Orders", "Fills", "Positions"), counts, strict=True)
        ):
            self.tabs.setTabText(index, f"{name} ({count})")

    def _on_tab_changed(self, index: int) -> None:
        tab = self.tabs.widget(index)
        view = getattr(tab, "view", None)
        if isinstance(view, QWidget):
            self.setFocusProxy(view)

    def _on_theme(self, _palette: Palette) -> None:
        for model in (self.orders_model, self.fills_model, self.positions_model):
            model.mark_all_dirty()
        self.account_model.mark_all_dirty()
