"""The blotter's Fills tab: today's executions with their commission, newest first.

Fills of this session arrive through the order manager's ``fill_recorded`` event, and a
commission the broker corrects later through ``fill_corrected`` (the row and the summary
repaint). When the core
has started, today's earlier fills are read from the database in an executor (the query blocks)
and merged by execution id, so a fill that arrives meanwhile is shown once.
"""

from __future__ import annotations

import asyncio
import functools
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from terminal.domain import Fill
from widgets import formatting as fmt
from widgets.panes.blotter_columns import fill_columns, start_of_day
from widgets.session import Session
from widgets.table_model import FastTableView, RowModel


class FillsTab(QWidget):
    """Executions of the trading day."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model: RowModel[Fill] = RowModel(
            fill_columns(lambda: session.palette), key=lambda f: f.exec_id, parent=self
        )
        self.view = FastTableView(self.model, parent=self)
        self.view.setObjectName("blotter_fills_view")
        self.summary = QLabel("", self)
        self.summary.setObjectName("blotter_fills_summary")
        self.summary.setProperty("tone", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        layout.addWidget(self.summary)
        self._inserted = False
        #: True once today's stored fills were read.
        self.loaded = False
        session.subscribe(session.app.orders.fill_recorded, self._on_fill, owner=self)
        session.subscribe(session.app.orders.fill_corrected, self._on_fill_corrected, owner=self)
        session.subscribe(session.started, self._on_started, owner=self)
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self._show_summary()

    def _on_started(self, _report: object) -> None:
        self.load_today()

    def _on_fill(self, fill: Fill) -> None:
        self._inserted = self._inserted or fill.exec_id not in self.model
        self.model.update(fill)

    def _on_fill_corrected(self, _before: Fill, after: Fill) -> None:
        self.model.update(after)
        self._inserted = True  # the summary's commission total changed

    def load_today(self) -> asyncio.Task[Any]:
        """Read today's stored fills (in an executor) and merge them in."""
        return self.session.run(self._load_today(), "load today's fills")

    async def _load_today(self) -> None:
        store = self.session.app.store
        since = start_of_day(self.session.app)
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(None, functools.partial(store.load_fills, since=since))
        if not self.session.alive(self):  # closed while the database was read
            return
        merged = {f.exec_id: f for f in stored}
        merged.update((f.exec_id, f) for f in self.model.rows())
        self.model.set_rows(sorted(merged.values(), key=lambda f: (f.time, f.exec_id)))
        self.loaded = True
        self._inserted = True

    def flush(self) -> None:
        self.model.flush()  # the view sorts the new rows in (FastTableView.resort)
        if self._inserted:
            self._inserted = False
            self._show_summary()

    def _show_summary(self) -> None:
        fills = self.model.rows()
        shares = sum((f.quantity for f in fills), Decimal(0))
        commission = sum((f.commission for f in fills), Decimal(0))
        notional = sum((f.notional for f in fills), Decimal(0))
        self.summary.setText(
            f"{len(fills)} fills today · {fmt.quantity(shares)} traded · "
            f"notional {fmt.money(notional)} · commission {fmt.money(commission)}"
        )
