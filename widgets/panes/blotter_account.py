"""The blotter's Account tab: equity, cash, buying power, exposures and P&L.

Most values come from the portfolio's own valuation (``portfolio.snapshot()``), which moves with
every quote; buying power, margin and the broker's own equity come from the broker's
``AccountSnapshot``. Events only set a flag; the refresh recomputes the handful of rows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from terminal.domain import AccountSnapshot
from widgets import formatting as fmt
from widgets.panes.blotter_columns import AccountValue, ValueKind, account_columns
from widgets.session import Session
from widgets.table_model import FastTableView, RowModel

M, SIGNED, TEXT = ValueKind.MONEY, ValueKind.SIGNED, ValueKind.TEXT


class AccountTab(QWidget):
    """The account's values, one per row."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model: RowModel[AccountValue] = RowModel(
            account_columns(lambda: session.palette), key=lambda r: r.key, parent=self
        )
        self.view = FastTableView(self.model, sortable=False, parent=self)
        self.view.setObjectName("blotter_account_view")
        self.view.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        self.account: AccountSnapshot | None = None
        self._dirty = True
        app = session.app
        session.subscribe(app.portfolio.pnl_updated, self._on_change, owner=self)
        session.subscribe(app.broker.account_received, self._on_account, owner=self)
        session.subscribe(session.started, self._on_started, owner=self)
        self.model.set_rows(self.values())

    def _on_started(self, _report: object) -> None:
        self.fetch_account()

    def _on_change(self, *_args: object) -> None:
        self._dirty = True

    def _on_account(self, account: AccountSnapshot) -> None:
        self.account = account
        self._dirty = True

    def fetch_account(self) -> asyncio.Task[Any]:
        """Ask the broker for its account snapshot now (it also reports on its own)."""

        async def fetch() -> None:
            account = await self.session.app.broker.account()
            if self.session.alive(self):
                self._on_account(account)

        return self.session.run(fetch(), "read the account")

    def values(self) -> list[AccountValue]:
        """The rows as they stand now."""
        pnl = self.session.app.portfolio.snapshot()
        account = self.account
        broker = "broker"
        rows = [
            AccountValue("account", "Account", account.account_id if account else "", TEXT, broker),
            AccountValue("currency", "Currency", account.currency if account else "", TEXT, broker),
            AccountValue("equity", "Equity", pnl.equity),
            AccountValue("cash", "Cash", pnl.cash),
            AccountValue(
                "buying_power", "Buying power", account.buying_power if account else None, M, broker
            ),
            AccountValue(
                "margin_used", "Margin used", account.margin_used if account else None, M, broker
            ),
            AccountValue("gross_exposure", "Gross exposure", pnl.gross_exposure),
            AccountValue("net_exposure", "Net exposure", pnl.net_exposure, SIGNED),
            AccountValue("day_pnl", "Day P&L", pnl.day_pnl, SIGNED),
            AccountValue("unrealized", "Unrealized P&L", pnl.unrealized, SIGNED),
            AccountValue("realized", "Realized P&L (net of commission)", pnl.realized, SIGNED),
            AccountValue("total_pnl", "Total P&L", pnl.total_pnl, SIGNED),
            AccountValue(
                "broker_equity",
                "Equity at the broker",
                account.equity if account else None,
                M,
                broker,
            ),
            AccountValue(
                "broker_time",
                "Broker report",
                fmt.clock_time(account.time) if account else "",
                TEXT,
                broker,
            ),
        ]
        return rows

    def flush(self) -> None:
        if self._dirty:
            self._dirty = False
            for row in self.values():
                if self.model.get(row.key) != row:
                    self.model.update(row)
        self.model.flush()
