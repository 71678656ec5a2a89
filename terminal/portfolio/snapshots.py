"""Immutable values the portfolio publishes: P&L snapshots and reconciliation differences."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PnlSnapshot:
    """The account's value and P&L at one moment (money in the account currency).

    ``realized`` is net of commissions; ``total_pnl`` is ``realized + unrealized`` since the
    portfolio started counting; ``day_pnl`` is equity minus the start-of-day equity, and
    ``day_pnl_known`` says whether that baseline is established yet (a view shows "—" for a
    provisional day P&L: see ``Portfolio.day_pnl_established``).
    """

    equity: Decimal
    cash: Decimal
    realized: Decimal
    unrealized: Decimal
    day_pnl: Decimal
    total_pnl: Decimal
    gross_exposure: Decimal
    net_exposure: Decimal
    time: dt.datetime
    day_pnl_known: bool = True


@dataclass(frozen=True, slots=True)
class PositionDifference:
    """A position whose quantity differs between our books and the broker's."""

    key: str
    ours: Decimal
    broker: Decimal

    @property
    def delta(self) -> Decimal:
        """Return what the broker holds beyond what we thought (negative: less)."""
        return self.broker - self.ours

    def __str__(self) -> str:
        return f"{self.key}: we held {self.ours}, the broker holds {self.broker}"
