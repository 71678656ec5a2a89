"""The simulated account: cash, positions, P&L, margin and buying power, all from fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from terminal.domain import AccountSnapshot, Fill, Instrument, Position
from terminal.domain.values import ZERO

#: Margin on short option positions, as a share of the underlying's notional.
SHORT_OPTION_MARGIN = Decimal("0.20")

type MarkFn = Callable[[Instrument], Decimal]


class SimAccount:
    """Cash and positions of the simulated account, changed only by :meth:`apply`.

    Args:
        account_id: The account's id (starts with ``SIM`` so it reads as paper).
        cash: Starting cash.
        margin_rate: Initial margin on stock positions (0.25 gives 4× buying power).
    """

    def __init__(self, account_id: str, cash: Decimal, margin_rate: Decimal) -> None:
        self.account_id = account_id
        self.starting_cash = cash
        self.cash = cash
        self.margin_rate = margin_rate
        self.positions: dict[str, Position] = {}
        self.fills: list[Fill] = []

    def apply(self, fill: Fill) -> Position:
        """Book ``fill``: move cash (commission included) and update the position."""
        position = self.positions.get(fill.key) or Position(fill.instrument)
        position = position.apply(fill)
        self.positions[fill.key] = position
        self.cash += fill.cash_flow
        self.fills.append(fill)
        return position

    def quantity(self, key: str) -> Decimal:
        """Return the signed position in ``key`` (0 when flat)."""
        position = self.positions.get(key)
        return position.quantity if position is not None else ZERO

    def totals(self, mark: MarkFn, underlying_mark: Callable[[str], Decimal]) -> _Totals:
        """Return market value, margin, realized and unrealized P&L in one pass over positions."""
        value = margin = realized = unrealized = ZERO
        for p in self.positions.values():
            realized += p.realized_pnl
            if p.is_flat:
                continue
            price = mark(p.instrument)
            mv = p.market_value(price)
            value += mv
            unrealized += p.unrealized_pnl(price)
            und = ZERO
            if p.instrument.is_option and p.quantity < 0:
                und = underlying_mark(p.instrument.underlying or p.instrument.symbol)
            margin += self.requirement(p.instrument, p.quantity, price, und)
        return _Totals(value, margin, realized, unrealized)

    def requirement(
        self, instrument: Instrument, quantity: Decimal, price: Decimal, und: Decimal
    ) -> Decimal:
        """Return the margin a new position of signed ``quantity`` at ``price`` would need."""
        value = abs(quantity) * price * instrument.multiplier
        if not instrument.is_option:
            return value * self.margin_rate
        if quantity > 0:
            return value
        return value + abs(quantity) * und * instrument.multiplier * SHORT_OPTION_MARGIN

    def excess_liquidity(self, mark: MarkFn, underlying_mark: Callable[[str], Decimal]) -> Decimal:
        """Return equity minus margin in use (never negative)."""
        totals = self.totals(mark, underlying_mark)
        return max(self.cash + totals.value - totals.margin, ZERO)

    def snapshot(
        self, mark: MarkFn, underlying_mark: Callable[[str], Decimal], now: dt.datetime
    ) -> AccountSnapshot:
        """Return the account's values at the current marks."""
        totals = self.totals(mark, underlying_mark)
        equity = self.cash + totals.value
        excess = max(equity - totals.margin, ZERO)
        cent = Decimal("0.01")
        return AccountSnapshot(
            account_id=self.account_id,
            cash=self.cash.quantize(cent),
            equity=equity.quantize(cent),
            buying_power=(excess / self.margin_rate).quantize(cent),
            margin_used=totals.margin.quantize(cent),
            realized_pnl=totals.realized.quantize(cent),
            unrealized_pnl=totals.unrealized.quantize(cent),
            time=now,
        )


@dataclass(frozen=True, slots=True)
class _Totals:
    value: Decimal
    margin: Decimal
    realized: Decimal
    unrealized: Decimal
