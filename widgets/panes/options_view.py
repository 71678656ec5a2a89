"""The options chain's table view and expiry labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QWidget

from terminal.domain import OptionRight
from widgets.panes.options_model import COLUMN_ROLES, OPTIONAL_FIELDS, ChainModel
from widgets.table_model import FastTableView


def is_monthly(expiry: dt.date) -> bool:
    """The third Friday of its month (the standard monthly expiry)."""
    return expiry.weekday() == 4 and 15 <= expiry.day <= 21


def expiry_label(expiry: dt.date, today: dt.date) -> str:
    """``Fri 16 Jan 2026 · 11d`` (monthlies are shown in bold by the combo box)."""
    days = (expiry - today).days
    return f"{expiry:%a %d %b %Y} · {days}d"


class ChainView(FastTableView):
    """The chain table: drops the less used Greeks when too narrow to show both sides."""

    def __init__(self, model: ChainModel, parent: QWidget | None = None) -> None:
        super().__init__(model, sortable=False, parent=parent)
        self.chain_model = model
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.horizontalHeader().setStretchLastSection(False)

    def full_width(self, hidden: Sequence[str] = ()) -> int:
        """The width that shows every column except the ``hidden`` fields."""
        columns = sum(
            column.width
            for column, role in zip(self.chain_model.columns, COLUMN_ROLES, strict=True)
            if role.field is None or role.field.name not in hidden
        )
        return columns + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth() + 2

    def hidden_fields(self) -> list[str]:
        return [
            role.field.name
            for position, role in enumerate(COLUMN_ROLES)
            if role.field is not None and role.right is OptionRight.PUT
            if self.isColumnHidden(position)
        ]

    def resizeEvent(self, event: QResizeEvent) -> None:
        width = event.size().width()
        hidden: list[str] = []
        for name in OPTIONAL_FIELDS:
            if self.full_width(hidden) <= width:
                break
            hidden.append(name)
        for position, role in enumerate(COLUMN_ROLES):
            hide = role.field is not None and role.field.name in hidden
            if self.isColumnHidden(position) != hide:
                self.setColumnHidden(position, hide)
        super().resizeEvent(event)
