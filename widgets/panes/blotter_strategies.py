"""The Positions tab's strategies: legs traded as one combo, one line each, expandable to legs.

The grouping is the core's (:meth:`terminal.app.TradingApp.strategy_positions`); this view only
shows it. A strategy line reads the combo's units, its net cost and net mark per unit (combo
convention: a credit is negative), and the sum of its legs' market value and P&L; its children
are the legs with the quantities the strategy holds. Rebuilt only when the strategies change
(a fill); marks moving only rewrite the texts.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

from terminal.portfolio.strategies import StrategyLeg, StrategyPosition
from widgets import formatting as fmt
from widgets.panes.blotter_columns import price_text
from widgets.theme import Palette

type MarkSource = Callable[[str], Decimal | None]

HEADERS = ("Strategy", "Qty", "Avg cost", "Last", "Market value", "Unrealized P&L")
#: Role holding a line's strategy key (legs carry their strategy's key too).
STRATEGY_ROLE = Qt.ItemDataRole.UserRole + 2
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_WIDTHS = (390, 60, 86, 86, 110, 110)
_PNL = 5
#: The most rows the tree grows to before it scrolls (the single positions keep the rest).
MAX_ROWS = 12


class StrategiesView(QTreeWidget):
    """One line per strategy held, its legs as children (collapsed until expanded)."""

    def __init__(
        self, palette: Callable[[], Palette], mark: MarkSource, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("blotter_strategies_view")
        self.setHeaderLabels(list(HEADERS))
        self.setColumnCount(len(HEADERS))
        for column, width in enumerate(_WIDTHS):
            self.setColumnWidth(column, width)
            if column:
                self.headerItem().setTextAlignment(column, _RIGHT)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setUniformRowHeights(True)
        # The last column is a right-aligned number: stretching it pushes it away from the rest.
        self.header().setStretchLastSection(False)
        self.itemExpanded.connect(self._fit_height)
        self.itemCollapsed.connect(self._fit_height)
        self._palette = palette
        self._mark = mark
        self._strategies: dict[str, StrategyPosition] = {}
        self._shape: tuple[object, ...] = ()

    @property
    def strategies(self) -> list[StrategyPosition]:
        return list(self._strategies.values())

    def strategy(self, key: str) -> StrategyPosition | None:
        return self._strategies.get(key)

    def line(self, key: str) -> QTreeWidgetItem | None:
        """The top-level item of the strategy ``key``."""
        return next((item for item in self.lines() if item.data(0, STRATEGY_ROLE) == key), None)

    def lines(self) -> list[QTreeWidgetItem]:
        """The strategies' top-level items, top to bottom."""
        items = (self.topLevelItem(index) for index in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]

    def selected_key(self) -> str | None:
        """The strategy of the selected line or leg."""
        items = self.selectedItems()
        if not items:
            return None
        key = items[0].data(0, STRATEGY_ROLE)
        return key if isinstance(key, str) else None

    def show_strategies(self, strategies: tuple[StrategyPosition, ...]) -> None:
        """Show ``strategies``: rebuilt when their legs changed, otherwise texts refreshed."""
        shape = tuple(
            (s.key, s.units, tuple((leg.key, leg.position) for leg in s.legs)) for s in strategies
        )
        self._strategies = {s.key: s for s in strategies}
        if shape != self._shape:
            self._shape = shape
            self._rebuild()
        self.refresh()

    def _rebuild(self) -> None:
        expanded = {line.data(0, STRATEGY_ROLE) for line in self.lines() if line.isExpanded()}
        self.clear()
        for strategy in self._strategies.values():
            line = QTreeWidgetItem(self)
            line.setData(0, STRATEGY_ROLE, strategy.key)
            line.setToolTip(0, strategy.key)
            for leg in strategy.legs:
                child = QTreeWidgetItem(line)
                child.setData(0, STRATEGY_ROLE, strategy.key)
                child.setToolTip(0, leg.key)
            line.setExpanded(strategy.key in expanded)
        self._fit_height()

    def _fit_height(self, _item: QTreeWidgetItem | None = None) -> None:
        """As tall as the lines shown (legs of expanded ones included), at most ``MAX_ROWS``."""
        rows = sum(1 + (line.childCount() if line.isExpanded() else 0) for line in self.lines())
        row = self.sizeHintForRow(0) if self.topLevelItemCount() else 0
        frame = 2 * self.frameWidth() + self.header().sizeHint().height()
        self.setFixedHeight(frame + max(row, 1) * min(max(rows, 1), MAX_ROWS) + 2)

    def refresh(self) -> None:
        """Rewrite every text from the current marks (cheap: a few lines)."""
        for line in self.lines():
            strategy = self._strategies.get(str(line.data(0, STRATEGY_ROLE)))
            if strategy is None:
                continue
            marks = {
                leg.key: mark for leg in strategy.legs if (mark := self._mark(leg.key)) is not None
            }
            net_mark = strategy.net_mark(marks)
            combo = strategy.combo.instrument
            self._write(
                line,
                (
                    f"{strategy.description} ({len(strategy.legs)} legs)",
                    fmt.quantity(strategy.units),
                    price_text(combo, strategy.net_cost()),
                    price_text(combo, net_mark),
                    fmt.money(strategy.market_value(marks)),
                    fmt.signed(strategy.unrealized_pnl(marks)),
                ),
                strategy.unrealized_pnl(marks),
            )
            for position, leg in enumerate(strategy.legs):
                child = line.child(position)
                if child is not None:
                    self._write_leg(child, leg, marks)

    def _write_leg(
        self, item: QTreeWidgetItem, leg: StrategyLeg, marks: dict[str, Decimal]
    ) -> None:
        position = leg.position
        mark = marks.get(leg.key)
        value = position.avg_cost if mark is None else mark
        pnl = position.unrealized_pnl(value)
        self._write(
            item,
            (
                f"{leg.leg.signed_ratio:+d} × {leg.key}",
                fmt.quantity(position.quantity),
                price_text(position.instrument, position.avg_cost),
                price_text(position.instrument, mark),
                fmt.money(position.market_value(value)),
                fmt.signed(pnl),
            ),
            pnl,
        )

    def _write(self, item: QTreeWidgetItem, texts: tuple[str, ...], pnl: Decimal) -> None:
        for column, text in enumerate(texts):
            item.setText(column, text)
            if column:
                item.setTextAlignment(column, _RIGHT)
        palette = self._palette()
        colour = None if pnl == 0 else (palette.up if pnl > 0 else palette.down)
        item.setForeground(_PNL, QBrush(colour) if colour is not None else QBrush())
