"""The blotter's Positions tab: quantity, average cost, last and the P&L figures per instrument.

Positions change on fills (``positions_changed``: rows replaced); their value changes on every
quote of a held instrument (``pnl_updated``): that only sets a flag. The next refresh asks the
portfolio for each row's figures and rebuilds (formats) only the rows whose figures changed, so
one ranged ``dataChanged`` repaints them and a repaint formats nothing. The figures (day P&L,
unrealized, realized today, % change, since entry) are defined in
:mod:`terminal.portfolio.day_ledger`. Double-click (or "Close position")
stages a market order for the full opposite quantity: it goes to the approval queue, it is not
sent.

Legs traded as one combo show as one strategy line above the table (:mod:`blotter_strategies`),
expandable to its legs; the table keeps only what the legs hold outside their strategies. The
grouping is the core's, redone when positions change or a combo order fills. "Close strategy"
(or a double-click on its line) opens the closing dialog: the opposite combo for every unit held,
LMT at the legs' net mid (editable; MKT one choice away), staged with Enter for approval. A close
that cannot fill (a leg unquoted, or a wing without a bid to sell it to) is refused, saying why.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QModelIndex, QPersistentModelIndex
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal.domain import (
    DomainError,
    Order,
    Position,
    TimeInForce,
)
from terminal.domain.combos import BidAsk
from terminal.oms.kill_switch import closing_intent
from terminal.portfolio.closing import CloseQuote, close_quote
from terminal.portfolio.strategies import Grouping, StrategyPosition
from widgets import formatting as fmt
from widgets.dialogs.close_strategy import CloseChoice, CloseStrategyDialog
from widgets.panes.blotter_position_columns import PositionRow, position_columns, position_row
from widgets.panes.blotter_strategies import STRATEGY_ROLE, StrategiesView
from widgets.resources import icon
from widgets.session import Session
from widgets.table_model import ROW_ROLE, FastTableView, RowModel


class PositionsTab(QWidget):
    """Open positions (and those closed today, with their realized P&L)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        portfolio = session.app.portfolio
        self.model: RowModel[PositionRow] = RowModel(
            position_columns(lambda: session.palette), key=lambda r: r.key, parent=self
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
        hint = QLabel(
            "Double-click a position to stage a closing market order, a strategy to price "
            "its closing combo, for approval",
            self,
        )
        hint.setProperty("tone", "muted")
        self.strategies = StrategiesView(lambda: session.palette, portfolio.mark, self)
        self.strategies.itemDoubleClicked.connect(self._on_strategy_double_click)
        self.close_strategy_button = QPushButton(
            icon("blotter-close-position"), "Close strategy…", self
        )
        self.close_strategy_button.setObjectName("blotter_close_strategy")
        self.close_strategy_button.setToolTip(
            "Price the opposite combo for every unit of the selected strategy (LMT at the net "
            "mid, or MKT) and stage it (approve it in the queue)"
        )
        self.close_strategy_button.clicked.connect(self._close_selected_strategy)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.close_button)
        bar.addWidget(self.close_strategy_button)
        bar.addWidget(hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.strategies)
        layout.addWidget(self.view, 1)
        self.close_dialog: CloseStrategyDialog | None = None
        self._marks_moved = False
        self._regroup_due = False
        self._grouped_keys: set[str] = set()
        self._show_strategies(())
        session.subscribe(portfolio.positions_changed, self._on_positions_changed, owner=self)
        session.subscribe(session.app.orders.order_updated, self._on_order, owner=self)
        session.subscribe(portfolio.pnl_updated, self._on_pnl, owner=self)
        session.subscribe(session.started, self._on_started, owner=self)
        self.reload()

    def _on_started(self, _report: object) -> None:
        self.reload()

    def reload(self) -> None:
        """Show the portfolio's open positions (after start-up reconciliation)."""
        portfolio = self.session.app.portfolio
        grouping = self.session.app.strategy_positions()
        closed_today = [r for r in self.model.rows() if portfolio.position(r.key) is not None]
        rows = {r.key: portfolio.position(r.key) or r.position for r in closed_today}
        rows.update((p.key, p) for p in portfolio.positions())
        shown = (self._row(p, grouping) for p in rows.values())
        self.model.set_rows(r for r in shown if r is not None)
        self._show_strategies(grouping)

    def _row(self, position: Position, grouping: Grouping) -> PositionRow | None:
        """The row of ``position``'s part outside strategies (None when they hold it all)."""
        shown = _outside_strategies(position, grouping)
        if shown is None:
            return None
        portfolio = self.session.app.portfolio
        return position_row(
            shown,
            portfolio.position_pnl(position.key),
            portfolio.mark(position.key),
            split=shown.quantity != position.quantity,
        )

    def _on_positions_changed(self, positions: list[Position]) -> None:
        grouping = self.session.app.strategy_positions()
        portfolio = self.session.app.portfolio
        # A fill of one leg changes what its strategy holds of the others too.
        changed = {p.key: p for p in positions}
        for strategy in grouping.strategies:
            for leg in strategy.legs:
                changed.setdefault(leg.key, portfolio.position(leg.key) or leg.position)
        for key in list(self._grouped_keys):
            current = portfolio.position(key)
            if current is not None:
                changed.setdefault(key, current)
        for position in changed.values():
            self._show_position(position, grouping)
        self._show_strategies(grouping)

    def _show_position(self, position: Position, grouping: Grouping) -> None:
        row = self._row(position, grouping)
        if row is None:
            self.model.remove(position.key)
        else:
            self.model.update(row)

    def _show_strategies(self, grouping: Grouping | tuple[()]) -> None:
        strategies = grouping.strategies if isinstance(grouping, Grouping) else ()
        self._grouped_keys = {leg.key for s in strategies for leg in s.legs}
        self.strategies.show_strategies(strategies)
        self.strategies.setVisible(bool(strategies))
        self.close_strategy_button.setVisible(bool(strategies))

    def _on_order(self, order: Order) -> None:
        # The order's units may be counted after its legs' fills reached the portfolio.
        if order.intent.combo is not None and order.filled_quantity > 0:
            self._regroup_due = True

    def _on_pnl(self, _snapshot: object) -> None:
        self._marks_moved = True

    def flush(self) -> None:
        if self._regroup_due:
            self._regroup_due = False
            self._on_positions_changed([])
        if self._marks_moved:
            self._marks_moved = False
            self._refigure()
            self.strategies.refresh()
        self.model.flush()

    def _refigure(self) -> None:
        """Rebuild the rows whose figures moved (a comparison per row; formatting only then)."""
        portfolio = self.session.app.portfolio
        for row in self.model.rows():
            pnl, mark = portfolio.position_pnl(row.key), portfolio.mark(row.key)
            if not row.shows(row.position, pnl, mark):
                self.model.update(position_row(row.position, pnl, mark, split=row.split))

    @property
    def strategy_count(self) -> int:
        """How many strategies are shown (each one line, however many legs)."""
        return self.strategies.topLevelItemCount()

    # -- closing ------------------------------------------------------------------------------
    def _on_double_click(self, index: QModelIndex | QPersistentModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, PositionRow):
            self.stage_close(row.key)

    def _close_selected(self) -> None:
        row = self.view.selected_row()
        if not isinstance(row, PositionRow):
            self.session.message.emit("Select a position to close")
            return
        self.stage_close(row.key)

    def _on_strategy_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.parent() is None:  # a leg's double-click only expands nothing: ignore it
            self.open_close_strategy(str(item.data(0, STRATEGY_ROLE)))

    def _close_selected_strategy(self) -> None:
        key = self.strategies.selected_key()
        if key is None:
            self.session.message.emit("Select a strategy to close")
            return
        self.open_close_strategy(key)

    def _strategy(self, key: str) -> StrategyPosition | None:
        app = self.session.app
        strategy = next((s for s in app.strategy_positions().strategies if s.key == key), None)
        if strategy is None:
            self.session.message.emit(f"No strategy {key} held to close")
        return strategy

    def _close_quote(self, strategy: StrategyPosition) -> CloseQuote:
        market = self.session.app.market
        quotes: dict[str, BidAsk] = {}
        for leg in strategy.legs:
            quote = market.last_quote(leg.key)
            if quote is not None and not quote.delayed:
                quotes[leg.key] = quote
        return close_quote(strategy, quotes)

    def open_close_strategy(self, key: str) -> CloseStrategyDialog | None:
        """Open the closing dialog of strategy ``key`` (not modal for the loop)."""
        strategy = self._strategy(key)
        if strategy is None:
            return None
        if self.close_dialog is not None:
            self.close_dialog.close()
        dialog = CloseStrategyDialog(lambda: self._close_quote(strategy), self)
        dialog.accepted.connect(lambda: self.stage_close_strategy(key, dialog.choice()))
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.close_dialog = dialog
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: CloseStrategyDialog) -> None:
        if self.close_dialog is dialog:
            self.close_dialog = None
        dialog.deleteLater()

    def stage_close_strategy(self, key: str, choice: CloseChoice | None = None) -> Order | None:
        """Stage the opposite combo for every unit of the strategy ``key`` (approval needed):
        as ``choice`` says, else LMT DAY at the legs' net mid now. Refused, saying why, when a
        leg cannot trade."""
        strategy = self._strategy(key)
        if strategy is None:
            return None
        quote = self._close_quote(strategy)
        if not quote.tradable:
            self.session.fail(f"close {strategy.description}", quote.refusal())
            return None
        if choice is None:
            choice = CloseChoice(quote.mid, TimeInForce.DAY)
        try:
            intent = strategy.closing_intent(
                source="blotter close strategy", limit_price=choice.limit_price, tif=choice.tif
            )
            order = self.session.app.orders.stage(intent)
        except DomainError as exc:
            self.session.fail(f"close {strategy.description}", exc)
            return None
        side, quantity = order.intent.side.value, fmt.quantity(order.intent.quantity)
        price = "MKT" if choice.limit_price is None else f"LMT {choice.limit_price}"
        self.session.message.emit(
            f"Staged {side} {quantity} {strategy.description} {price} to close the strategy: "
            "approve it in the approval queue (not sent yet)"
        )
        return order

    def stage_close(self, key: str) -> Order | None:
        """Stage a market order closing the position in ``key`` (approval still needed): all of
        it, less what strategies hold of it."""
        app = self.session.app
        held = app.portfolio.position(key)
        # Only what no strategy holds: a strategy's legs close with the strategy.
        position = None if held is None else _outside_strategies(held, app.strategy_positions())
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


def _outside_strategies(position: Position, grouping: Grouping) -> Position | None:
    """The part of ``position`` no strategy holds (None when strategies hold all of it)."""
    grouped = grouping.grouped_quantity(position.key)
    if grouped == 0:
        return position
    rest = position.quantity - grouped
    return None if rest == 0 else replace(position, quantity=rest)
