"""The time & sales table: the tape of one instrument, newest print on top.

The model copies prints from the core's :class:`~terminal.marketdata.tape.Tape` only in
:meth:`TapeModel.sync`, which the pane calls from the refresh clock: the prints that arrived
since the last sync are inserted at the top in one ``rowsInserted`` and the oldest ones that
fell off the ring are removed at the bottom in one ``rowsRemoved``, so a storm of prints costs
one insert per frame, never one per print.

Colours follow the aggressor (green at the ask, red at the bid, neutral between, muted without
a quote); a large print is bold on a tinted row. Brushes are rebuilt from the palette when the
theme switches.
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QWidget

from terminal.marketdata.tape import Aggressor, Print, Tape
from widgets import formatting
from widgets.cell_paint import Cell
from widgets.theme import Palette

type AnyIndex = QModelIndex | QPersistentModelIndex

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)


class TapeColumn(IntEnum):
    TIME = 0
    PRICE = 1
    SIZE = 2
    SIDE = 3

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    TapeColumn.TIME: "Time",
    TapeColumn.PRICE: "Price",
    TapeColumn.SIZE: "Size",
    TapeColumn.SIDE: "Side",
}
#: Text that sizes each column (the widest a value gets).
WIDTH_SAMPLES = {
    TapeColumn.TIME: "00:00:00.000",
    TapeColumn.PRICE: "00,000.0000",
    TapeColumn.SIZE: "0,000,000",
    TapeColumn.SIDE: "Between",
}
_SIDE_TEXT = {
    Aggressor.BUY: "At ask",
    Aggressor.SELL: "At bid",
    Aggressor.BETWEEN: "Between",
    Aggressor.UNKNOWN: "No quote",
}


def print_time(print_: Print) -> str:
    """Local wall time with milliseconds: prints arrive several to the second."""
    local = print_.time.astimezone()
    return f"{local:%H:%M:%S}.{local.microsecond // 1000:03d}"


def _with_alpha(color: QColor, alpha: int) -> QColor:
    tinted = QColor(color)
    tinted.setAlpha(alpha)
    return tinted


class TapeModel(QAbstractTableModel):
    """Prints of one instrument, newest first (row 0), as the last :meth:`sync` left them.

    Args:
        palette: The theme's colours (:meth:`set_palette` on a theme switch).
    """

    def __init__(self, palette: Palette, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Print] = []
        #: Each row's painted cells, built on its first paint: a print never changes, and the
        #: whole tape moves down a row per print, so every row is repainted every frame.
        self._row_cells: list[tuple[Cell, ...] | None] = []
        self._tape: Tape | None = None
        self._version = 0
        self.decimals = 2
        self._bold = QFont()
        self._bold.setBold(True)
        self.set_palette(palette)

    # -- configuration -------------------------------------------------------------------------
    def set_palette(self, palette: Palette) -> None:
        """Take the theme's colours and repaint."""
        self._palette = palette
        self._text = {
            Aggressor.BUY: QBrush(palette.up),
            Aggressor.SELL: QBrush(palette.down),
            Aggressor.BETWEEN: QBrush(palette.text),
            Aggressor.UNKNOWN: QBrush(palette.muted),
        }
        self._large = {
            Aggressor.BUY: QBrush(_with_alpha(palette.up, 70)),
            Aggressor.SELL: QBrush(_with_alpha(palette.down, 70)),
            Aggressor.BETWEEN: QBrush(_with_alpha(palette.warning, 60)),
            Aggressor.UNKNOWN: QBrush(_with_alpha(palette.warning, 60)),
        }
        self._row_cells = [None] * len(self._rows)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(TapeColumn) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def clear(self, decimals: int = 2) -> None:
        """Show no prints (another instrument, or the tape was released)."""
        self.beginResetModel()
        self._rows = []
        self._row_cells = []
        self._tape = None
        self._version = 0
        self.decimals = decimals
        self.endResetModel()

    # -- publishing ----------------------------------------------------------------------------
    def sync(self, tape: Tape | None) -> int:
        """Show the prints ``tape`` holds now; return how many rows were added at the top."""
        if tape is None:
            if self._rows or self._tape is not None:
                self.clear(self.decimals)
            return 0
        fresh = tape.version - self._version if tape is self._tape else tape.version
        if fresh <= 0:
            return 0
        if tape is not self._tape or fresh >= len(tape):  # new tape, or all of it is new
            self.beginResetModel()
            self._rows = tape.newest()
            self._row_cells = [None] * len(self._rows)
            self._tape, self._version = tape, tape.version
            self.endResetModel()
            return len(self._rows)
        self.beginInsertRows(QModelIndex(), 0, fresh - 1)
        self._rows[0:0] = tape.newest(fresh)
        self._row_cells[0:0] = [None] * fresh
        self._version = tape.version
        self.endInsertRows()
        keep = len(tape)  # the ring dropped its oldest prints: so does the table
        if len(self._rows) > keep:
            self.beginRemoveRows(QModelIndex(), keep, len(self._rows) - 1)
            del self._rows[keep:]
            del self._row_cells[keep:]
            self.endRemoveRows()
        return fresh

    def print_at(self, row: int) -> Print:
        return self._rows[row]

    # -- Qt ------------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(TapeColumn)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and 0 <= section < len(TapeColumn):
            if role == Qt.ItemDataRole.DisplayRole:
                return TapeColumn(section).title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _CENTER
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self.role_data(index.row(), index.column(), role)

    def role_data(self, row: int, column: int, role: int) -> Any:
        """What :meth:`data` answers (the table paints from it, see :mod:`widgets.cell_paint`)."""
        print_ = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text_of(print_, TapeColumn(column))
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._text[print_.aggressor]
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._large[print_.aggressor] if print_.large else None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if print_.large else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _CENTER if column == TapeColumn.SIDE else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(print_)
        return None

    def cell(self, row: int, column: int) -> Cell:
        """The painted cell: what :meth:`role_data` answers for the painted roles, in one call."""
        cells = self._row_cells[row]
        if cells is None:
            cells = self._row_cells[row] = self._cells_of(self._rows[row])
        return cells[column]

    def _cells_of(self, print_: Print) -> tuple[Cell, ...]:
        text = self._text[print_.aggressor]
        background = self._large[print_.aggressor] if print_.large else None
        font = self._bold if print_.large else None
        return tuple(
            (
                self._text_of(print_, which),
                _CENTER if which == TapeColumn.SIDE else _RIGHT,
                text,
                background,
                font,
            )
            for which in TapeColumn
        )

    def _text_of(self, row: Print, column: TapeColumn) -> str:
        match column:
            case TapeColumn.TIME:
                return print_time(row)
            case TapeColumn.PRICE:
                return formatting.price(row.price, self.decimals)
            case TapeColumn.SIZE:
                return formatting.quantity(row.size)
            case TapeColumn.SIDE:
                return _SIDE_TEXT[row.aggressor]

    def _tooltip(self, row: Print) -> str:
        if math.isnan(row.bid) or math.isnan(row.ask):
            quote = "no two-sided quote when it printed"
        else:
            bid, ask = (formatting.price(p, self.decimals) for p in (row.bid, row.ask))
            quote = f"quote when it printed: bid {bid} / ask {ask}"
        large = "\nLarge print" if row.large else ""
        price = formatting.price(row.price, self.decimals)
        return f"{formatting.quantity(row.size)} @ {price}, {quote}{large}"
