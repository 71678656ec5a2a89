"""Table models that survive a tick storm: rows are marked dirty and flushed in one ranged signal.

A pane describes its columns once (:class:`Column`), keeps one row object per key in a
:class:`RowModel`, and calls :meth:`RowModel.update` whenever the core reports a change. Nothing
is emitted then; the window's :class:`~widgets.refresh.RefreshClock` calls :meth:`RowModel.flush`
30 times a second, which emits a single ``dataChanged`` spanning the dirty rows.

:class:`FastTableView` shows such a model with fixed column widths and row heights (resizing to
contents on every flush costs 100+ ms on a big table) and sorts numerically through
:data:`SORT_ROLE` via a proxy. The sorted column's title carries the direction (``Time ▼`` newest
first, ``▲`` oldest or smallest first), and rows that arrive are put where that order says at
the next flush, never appended below a descending sort.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QKeyCombination,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QWidget

from widgets.cell_paint import Cell, CellTableView

#: Role holding the raw value a column sorts by (numbers sort as numbers, not as text).
SORT_ROLE = Qt.ItemDataRole.UserRole
#: Role holding the row object itself.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

AnyIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Column[R]:
    """One column: its title, how to read the raw value, how to show it, and its width."""

    title: str
    value: Callable[[R], object]
    text: Callable[[R], str] | None = None
    width: int = 80
    align: Qt.AlignmentFlag = RIGHT
    foreground: Callable[[R], QColor | None] | None = None
    background: Callable[[R], QColor | None] | None = None
    tooltip: Callable[[R], str] | None = None


class RowModel[R](QAbstractTableModel):
    """Rows keyed by a string, updated in place, published on :meth:`flush`.

    Signals:
        rows_arrived(): the flush published rows inserted since the previous one (a sorted view
            puts them in order then, once, rather than per insert).

    Args:
        columns: The columns, left to right.
        key: The key of a row object (an instrument key, an order id, ...).
        stamp: Optional source timestamp (``time.perf_counter()``) of a row's newest data, so a
            view can measure tick-to-paint latency.
    """

    rows_arrived = Signal()

    def __init__(
        self,
        columns: Sequence[Column[R]],
        key: Callable[[R], str],
        *,
        stamp: Callable[[R], float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._arrived = False
        self._key = key
        self._stamp = stamp
        self._rows: list[R] = []
        self._index: dict[str, int] = {}
        self._dirty: set[int] = set()
        #: perf_counter stamp of the newest data published by the last flush that carried one.
        self.flushed_stamp = 0.0
        #: When that flush happened.
        self.flushed_at = 0.0

    # -- reading -----------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(column.align)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        return self.role_data(index.row(), index.column(), role)

    def role_data(self, row: int, column: int, role: int) -> Any:
        """What :meth:`data` answers for ``row`` / ``column`` (subclasses override this, so
        the painted cell and ``data()`` can never differ)."""
        if role not in _ANSWERED_ROLES:
            return None
        item = self._rows[row]
        spec = self.columns[column]
        if role == _DISPLAY:
            if spec.text is not None:
                return spec.text(item)
            value = spec.value(item)
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            return _sortable(spec.value(item))
        if role == _ALIGN:
            return int(spec.align)
        if role == _FOREGROUND:
            if spec.foreground is None:
                return None
            color = spec.foreground(item)
            return QBrush(color) if color is not None else None
        if role == _BACKGROUND:
            if spec.background is None:
                return None
            color = spec.background(item)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and spec.tooltip is not None:
            return spec.tooltip(item)
        if role == ROW_ROLE:
            return item
        if role == _FONT:
            return self.cell_font(row, column)
        return None

    def cell_font(self, row: int, column: int) -> QFont | None:
        """The cell's font, None for the view's (subclasses make some cells bold)."""
        return None

    def cell(self, row: int, column: int) -> Cell:
        """The painted cell (see :mod:`widgets.cell_paint`): what :meth:`role_data` answers for
        the painted roles, read straight from the column (the painter asks for every visible
        cell on every refresh)."""
        item = self._rows[row]
        spec = self.columns[column]
        if spec.text is not None:
            text = spec.text(item)
        else:
            value = spec.value(item)
            text = "" if value is None else str(value)
        return (
            text,
            int(spec.align),
            None if spec.foreground is None else spec.foreground(item),
            None if spec.background is None else spec.background(item),
            self.cell_font(row, column),
        )

    def row(self, position: int) -> R:
        return self._rows[position]

    def rows(self) -> list[R]:
        return list(self._rows)

    def get(self, key: str) -> R | None:
        position = self._index.get(key)
        return None if position is None else self._rows[position]

    def position(self, key: str) -> int | None:
        return self._index.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __len__(self) -> int:
        return len(self._rows)

    # -- writing -----------------------------------------------------------------------------
    def set_rows(self, rows: Iterable[R]) -> None:
        """Replace every row (one model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}
        self._dirty.clear()
        self.endResetModel()

    def update(self, row: R) -> None:
        """Insert ``row`` or replace the row with its key; an update is shown on the next flush."""
        key = self._key(row)
        position = self._index.get(key)
        if position is None:
            position = len(self._rows)
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.append(row)
            self._index[key] = position
            self.endInsertRows()
            self._arrived = True
            return
        self._rows[position] = row
        self._dirty.add(position)

    def mark_dirty(self, key: str) -> None:
        """The row object with ``key`` changed in place; show it on the next flush."""
        position = self._index.get(key)
        if position is not None:
            self._dirty.add(position)

    def mark_all_dirty(self) -> None:
        self._dirty.update(range(len(self._rows)))

    def remove(self, key: str) -> None:
        position = self._index.get(key)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        self._index = {self._key(r): i for i, r in enumerate(self._rows)}
        self._dirty = {d if d < position else d - 1 for d in self._dirty if d != position}
        self.endRemoveRows()

    @property
    def dirty_count(self) -> int:
        return len(self._dirty)

    def flush(self) -> None:
        """Publish every dirty row in one ranged ``dataChanged`` (and say when rows arrived)."""
        if self._arrived:
            self._arrived = False
            self.rows_arrived.emit()
        if not self._dirty:
            return
        first, last = min(self._dirty), max(self._dirty)
        if self._stamp is not None:
            self.flushed_stamp = max(self._stamp(self._rows[p]) for p in self._dirty)
            self.flushed_at = time.perf_counter()
        self._dirty.clear()
        self.dataChanged.emit(
            self.index(first, 0),
            self.index(last, len(self.columns) - 1),
            [Qt.ItemDataRole.DisplayRole],
        )


_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FONT = int(Qt.ItemDataRole.FontRole)

_ANSWERED_ROLES = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        SORT_ROLE,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.FontRole,
        ROW_ROLE,
    )
)


def _sortable(value: object) -> object:
    """Sort missing values (None, NaN) before everything, numbers as numbers."""
    if value is None:
        return float("-inf")
    if isinstance(value, float) and value != value:
        return float("-inf")
    if isinstance(value, (int, float, Decimal)):
        return float(value)
    return str(value)


#: The sort direction as the trader reads it: ▲ smallest / oldest / A first, ▼ the reverse.
SORT_ARROWS = {Qt.SortOrder.AscendingOrder: "▲", Qt.SortOrder.DescendingOrder: "▼"}
_SORT_WORDS = {
    Qt.SortOrder.AscendingOrder: "ascending: smallest, oldest, A first",
    Qt.SortOrder.DescendingOrder: "descending: largest, newest, Z first",
}


class SortProxy(QSortFilterProxyModel):
    """Sorts by :data:`SORT_ROLE` and writes the direction into the sorted column's title.

    Qt's own sort indicator is not used: QHeaderView draws ascending as ``SortDown`` and each
    style draws that arrow its own way, so "Time ▲" showed over rows running newest first.
    """

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        value = super().headerData(section, orientation, role)
        if orientation != Qt.Orientation.Horizontal or section != self.sortColumn():
            return value
        order = self.sortOrder()
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{value} {SORT_ARROWS[order]}"
        if role == Qt.ItemDataRole.ToolTipRole:
            title = super().headerData(section, orientation, Qt.ItemDataRole.DisplayRole)
            return f"Sorted by {title}, {_SORT_WORDS[order]} (click to reverse)"
        return value

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        super().sort(column, order)
        count = self.columnCount()
        if count:  # the arrow moved to another title
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, count - 1)


class FastTableView(CellTableView):
    """A table for streaming data: fixed widths and heights, numeric sorting, row selection.

    Cells are painted by :class:`~widgets.cell_paint.CellTableView` (one Python pass per
    paint, no item delegate).
    """

    def __init__(
        self, model: RowModel[Any], *, sortable: bool = True, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.source_model = model
        self._key_actions: list[tuple[QKeySequence, Callable[[], object]]] = []
        if sortable:
            proxy = SortProxy(self)
            proxy.setSourceModel(model)
            proxy.setSortRole(SORT_ROLE)
            proxy.setDynamicSortFilter(False)  # re-sorting at 30 Hz makes rows jump under the mouse
            self.setModel(proxy)
            self.setSortingEnabled(True)
            header = self.horizontalHeader()
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            header.setSortIndicatorShown(False)  # the title says it (see SortProxy)
            # Rows that arrive, and a model reset, are put in the order the title says; rows
            # that only change stay where they are until then.
            model.rows_arrived.connect(self.resort)
            model.modelReset.connect(self.resort)
        else:
            self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.verticalHeader().setVisible(False)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for i, column in enumerate(model.columns):
            self.setColumnWidth(i, column.width)

    def resort(self) -> None:
        """Sort again by the column and direction the header shows (nothing when unsorted)."""
        proxy = self.model()
        if isinstance(proxy, QSortFilterProxyModel) and proxy.sortColumn() >= 0:
            proxy.sort(proxy.sortColumn(), proxy.sortOrder())

    def row_at(self, view_row: int) -> Any:
        """The row object shown at ``view_row`` (after sorting)."""
        return self.model().index(view_row, 0).data(ROW_ROLE)

    def selected_row(self) -> Any:
        """The selected row object, or None."""
        rows = self.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def select_key(self, key: str) -> None:
        """Select the row with ``key`` (if shown)."""
        position = self.source_model.position(key)
        if position is None:
            return
        index = self.source_model.index(position, 0)
        model = self.model()
        if isinstance(model, QSortFilterProxyModel):
            index = model.mapFromSource(index)
        self.selectRow(index.row())

    def bind_key(self, keys: str, action: Callable[[], object]) -> None:
        """While this table has the focus, ``keys`` run ``action``, even where a window shortcut
        uses the same keys (Delete removes a watchlist row here, rejects in the approval queue).
        Keypad keys count as the main ones."""
        self._key_actions.append((QKeySequence(keys), action))

    def _key_action(self, event: QKeyEvent) -> Callable[[], object] | None:
        if not self._key_actions:
            return None
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        try:
            pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        except ValueError:  # a key Qt has no name for
            return None
        for keys, action in self._key_actions:
            if keys.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch:
                return action
        return None

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._key_action(event) is not None
        ):
            event.accept()  # the key is this table's while it has the focus
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._key_action(event)
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()
