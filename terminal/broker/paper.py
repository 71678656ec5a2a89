"""A paper account: the state of a simulated venue's account that outlives a session.

The simulated exchange is a paper account, not a game that restarts: cash, positions (with their
realized P&L), the orders working at the exchange and the market's last prices are saved and
come back at the next start. These are the plain values that travel between the venue (which
captures and restores them) and the database (which keeps them); neither imports the other.

A venue that keeps a paper account implements :class:`PaperVenue`; the composition root
(``TradingApp``) loads the saved state before the loop runs, hands the venue a sink that writes
through the database writer, and offers the explicit reset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from terminal.domain import Order, OrderStatus, Position


@dataclass(frozen=True, slots=True)
class PaperOrder:
    """An order as the exchange holds it (see ``terminal.broker.sim.orders.SimOrder``)."""

    order: Order
    broker_id: str
    session: dt.date
    status: OrderStatus
    quantity: Decimal
    filled: Decimal
    cost: Decimal
    live: bool
    held: bool
    triggered: bool
    trail_stop: Decimal | None
    watermark: Decimal | None
    children: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperPrice:
    """One instrument's market when the account was saved (floats: market data)."""

    symbol: str
    mid: float
    last: float
    prev_close: float


@dataclass(frozen=True, slots=True)
class PaperAccount:
    """Everything a simulated account needs to continue where it was.

    Attributes:
        account_id: The venue's account id (``SIM000001``).
        seed: The market's seed when saved; a start with another seed starts a new market and
            marks the positions at its prices.
        trading_day: The venue's trading day when saved (DAY orders of an earlier day expired
            at its close).
        cash: Cash, commissions paid included.
        starting_cash: What the account started with (a reset goes back to it).
        positions: Every position, flat ones too (their realized P&L counts).
        orders: The orders working at the exchange.
        prices: The market's prices, one per listed stock.
        saved_at: When it was captured.
    """

    account_id: str
    seed: int
    trading_day: dt.date
    cash: Decimal
    starting_cash: Decimal
    positions: tuple[Position, ...]
    orders: tuple[PaperOrder, ...]
    prices: tuple[PaperPrice, ...]
    saved_at: dt.datetime


type PaperSink = Callable[[PaperAccount], None]


@runtime_checkable
class PaperVenue(Protocol):
    """A venue whose account is a paper account (the simulated exchange)."""

    @property
    def paper_account_id(self) -> str:
        """The id of the account it keeps (known before it connects)."""
        ...

    def restore_paper_account(self, account: PaperAccount) -> list[str]:
        """Continue from ``account`` (before connecting); return what could not be restored."""
        ...

    def keep_paper_account(self, sink: PaperSink | None) -> None:
        """Hand every change of the account (coalesced) to ``sink``; ``None`` stops it."""
        ...

    def reset_paper_account(self) -> PaperAccount:
        """Start the account anew (starting cash, no positions, no orders, a fresh market).

        Working orders end as CANCELLED reports; return the account as it was before.
        """
        ...


def paper_summary(account: PaperAccount) -> dict[str, object]:
    """Return what an audit record says about ``account`` (a reset records it before)."""
    return {
        "cash": account.cash,
        "positions": [
            {"instrument": p.key, "quantity": p.quantity, "avg_cost": p.avg_cost}
            for p in account.positions
            if not p.is_flat
        ],
        "realized_pnl": sum((p.realized_pnl for p in account.positions), Decimal(0)),
        "working_orders": [o.order.id for o in account.orders],
        "seed": account.seed,
        "saved_at": account.saved_at,
    }
