"""The strategy builder's legs: one row per leg with its side, ratio and strike editable.

A handful of rows (a combo has two to four legs), so each editable cell is a widget; the table
is rebuilt when the legs change and only the quote cells are rewritten on refreshes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)

from terminal.domain import OptionQuote, OrderSide, Quote
from terminal.domain.combos import ComboLeg
from widgets import formatting

COLUMNS = ("Side", "Ratio", "Expiry", "Strike", "Right", "Bid", "Ask", "Mid", "IV", "")
SIDE, RATIO, EXPIRY, STRIKE, RIGHT, BID, ASK, MID, IV, REMOVE = range(len(COLUMNS))


class LegsTable(QTableWidget):
    """The legs being built.

    Signals:
        side_changed(int, OrderSide), ratio_changed(int, int), strike_changed(int, float),
        removed(int): the trader edited leg ``index``.
    """

    side_changed = Signal(int, object)
    ratio_changed = Signal(int, int)
    strike_changed = Signal(int, float)
    removed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("builder_legs")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        widths = (64, 56, 92, 88, 44, 64, 64, 64, 56, 28)
        for column, width in enumerate(widths):
            self.setColumnWidth(column, width)
        self.verticalHeader().setDefaultSectionSize(26)
        # Room for four legs (an iron condor) without a scroll bar; more scroll.
        self.setFixedHeight(self.horizontalHeader().sizeHint().height() + 4 * 26 + 6)
        self._strikes: list[float] = []
        self._legs: tuple[ComboLeg, ...] = ()

    def set_strikes(self, strikes: Sequence[float]) -> None:
        self._strikes = sorted(strikes)

    def show_legs(self, legs: Sequence[ComboLeg]) -> None:
        """Rebuild the rows for ``legs`` (in the order they were added)."""
        self._legs = tuple(legs)
        self.setRowCount(len(legs))
        for row, leg in enumerate(legs):
            inst = leg.instrument
            side = QComboBox()
            side.setObjectName(f"builder_leg_side_{row}")
            side.addItem("BUY", OrderSide.BUY)
            side.addItem("SELL", OrderSide.SELL)
            side.setCurrentIndex(0 if leg.side is OrderSide.BUY else 1)
            side.currentIndexChanged.connect(
                lambda i, r=row, box=side: self.side_changed.emit(r, box.itemData(i))
            )
            self.setCellWidget(row, SIDE, side)
            ratio = QSpinBox()
            ratio.setObjectName(f"builder_leg_ratio_{row}")
            ratio.setRange(1, 99)
            ratio.setValue(leg.ratio)
            ratio.setKeyboardTracking(False)
            ratio.valueChanged.connect(lambda v, r=row: self.ratio_changed.emit(r, v))
            self.setCellWidget(row, RATIO, ratio)
            strike = QComboBox()
            strike.setObjectName(f"builder_leg_strike_{row}")
            current = float(inst.strike or 0)
            choices = (
                self._strikes if current in self._strikes else sorted({*self._strikes, current})
            )
            for value in choices:
                strike.addItem(f"{value:,.2f}", value)
            strike.setCurrentIndex(max(strike.findData(current), 0))
            strike.currentIndexChanged.connect(
                lambda i, r=row, box=strike: self.strike_changed.emit(r, float(box.itemData(i)))
            )
            self.setCellWidget(row, STRIKE, strike)
            remove = QToolButton()
            remove.setObjectName(f"builder_leg_remove_{row}")
            remove.setText("✕")
            remove.setToolTip("Remove this leg")
            remove.clicked.connect(lambda _c=False, r=row: self.removed.emit(r))
            self.setCellWidget(row, REMOVE, remove)
            expiry = f"{inst.expiry:%d %b %y}" if inst.expiry else "stock"
            right = inst.right.value if inst.right else ""
            for column, text in ((EXPIRY, expiry), (RIGHT, right)):
                self.setItem(row, column, _item(text))
            for column in (BID, ASK, MID, IV):
                self.setItem(row, column, _item(""))

    def show_quotes(self, quotes: Mapping[str, Quote], options: Mapping[str, OptionQuote]) -> None:
        """Rewrite the quote cells from the latest quotes."""
        for row, leg in enumerate(self._legs):
            key = leg.instrument.key
            quote = quotes.get(key) or options.get(key)
            option = options.get(key)
            bid = quote.bid if quote is not None else math.nan
            ask = quote.ask if quote is not None else math.nan
            mid = (bid + ask) / 2 if math.isfinite(bid + ask) else math.nan
            iv = option.iv if option is not None else math.nan
            for column, text in (
                (BID, _price(bid)),
                (ASK, _price(ask)),
                (MID, _price(mid)),
                (IV, "" if not math.isfinite(iv) else f"{iv * 100:.1f}%"),
            ):
                item = self.item(row, column)
                if item is not None and item.text() != text:
                    item.setText(text)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""


def _price(value: float) -> str:
    return "" if not math.isfinite(value) else formatting.price(value)


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
