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

    @property
    def is_paper(self) -> bool:
        """IB paper accounts start with ``DU``; the simulator's with ``SIM``."""
        return self.account_id.startswith(("DU", "SIM"))
