"""Account snapshot as reported by the broker (or computed by the simulator)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain.values import ZERO


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    account_id: str
    currency: str = "USD"
    cash: Decimal = ZERO
    equity: Decimal = ZERO
    buying_power: Decimal = ZERO
    margin_used: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO
    time: dt.datetime | None = None
    #: The broker's own P&L for the trading day (IB: reqPnL's daily P&L); None when the broker
    #: does not report one, or has not yet.
    day_pnl: Decimal | None = None
    #: The broker's day P&L per position (instrument key, amount; IB: reqPnLSingle).
    position_day_pnl: tuple[tuple[str, Decimal], ...] = ()

    @property
    def is_paper(self) -> bool:
        """IB paper accounts start with ``DU``; the simulator's with ``SIM``."""
        return self.account_id.startswith(("DU", "SIM"))
