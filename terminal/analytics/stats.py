"""Performance statistics of closed trades: written once here, tested against hand-worked values.

Formulas (``r`` are daily returns, ``n`` their count, ``TRADING_DAYS`` = 252):

- win rate = winners / trades (a trade with net P&L > 0 wins; exactly 0 is neither)
- average win / loss = mean net P&L of the winners / of the losers (a loss is negative)
- profit factor = sum of wins / |sum of losses| (``None`` without a loss)
- expectancy = mean net P&L per trade
- max drawdown = the lowest (cumulative net P&L - its running peak), the peak starting at 0;
  never positive. In percent of the equity at that peak when a starting equity is known.
- Sharpe = mean(r) / std(r, ddof=1) x sqrt(252)   (empyrical's ``sharpe_ratio`` with rf = 0)
- Sortino = mean(r) / sqrt(mean(min(r, 0)^2)) x sqrt(252)   (empyrical's ``sortino_ratio``,
  required return 0)

Daily returns are each day's net P&L divided by one constant equity; the ratios are therefore
the same whatever that equity is, and are computed on the daily P&L directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

TRADING_DAYS = 252
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Drawdown:
    """The deepest fall of cumulative P&L from a previous peak (``money`` <= 0)."""

    money: Decimal
    percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Performance:
    """Aggregate statistics of a set of closed trades (see the module docstring)."""

    trades: int
    winners: int
    losers: int
    gross_pnl: Decimal
    commission: Decimal
    net_pnl: Decimal
    win_rate: Decimal | None
    average_win: Decimal | None
    average_loss: Decimal | None
    profit_factor: Decimal | None
    expectancy: Decimal | None
    max_drawdown: Drawdown
    sharpe: float | None
    sortino: float | None


def max_drawdown(pnls: Sequence[Decimal], starting_equity: Decimal | None = None) -> Drawdown:
    """Return the max drawdown of the cumulative sum of ``pnls`` (in the order given)."""
    cumulative = peak = ZERO
    worst = ZERO
    worst_peak = ZERO
    for pnl in pnls:
        cumulative += pnl
        if cumulative > peak:
            peak = cumulative
        if cumulative - peak < worst:
            worst, worst_peak = cumulative - peak, peak
    percent = None
    if starting_equity is not None and starting_equity + worst_peak > 0:
        percent = worst / (starting_equity + worst_peak) * 100
    return Drawdown(worst, percent)


def sharpe_ratio(daily: Sequence[float]) -> float | None:
    """Annualised Sharpe ratio of daily returns; None with fewer than two or no variation."""
    if len(daily) < 2:
        return None
    values = np.asarray(daily, dtype=float)
    std = float(values.std(ddof=1))
    if std == 0 or not math.isfinite(std):
        return None
    return float(values.mean()) / std * math.sqrt(TRADING_DAYS)


def sortino_ratio(daily: Sequence[float]) -> float | None:
    """Annualised Sortino ratio of daily returns (target 0); None without a losing day."""
    if len(daily) < 2:
        return None
    values = np.asarray(daily, dtype=float)
    downside = math.sqrt(float(np.mean(np.minimum(values, 0.0) ** 2)))
    if downside == 0:
        return None
    return float(values.mean()) / downside * math.sqrt(TRADING_DAYS)


def performance(
    net_pnls: Sequence[Decimal],
    gross_pnls: Sequence[Decimal],
    daily: Sequence[Decimal],
    starting_equity: Decimal | None = None,
) -> Performance:
    """Return the statistics of closed trades' ``net_pnls`` (in exit order) and ``daily`` P&L.

    Args:
        net_pnls: each closed trade's net P&L, ordered by exit time (drawdown follows it).
        gross_pnls: the same trades' gross P&L.
        daily: net P&L per trading day, in date order (Sharpe and Sortino).
        starting_equity: the equity before the first trade, for drawdown in percent.
    """
    wins = [p for p in net_pnls if p > 0]
    losses = [p for p in net_pnls if p < 0]
    count = len(net_pnls)
    net = sum(net_pnls, ZERO)
    gross = sum(gross_pnls, ZERO)
    won, lost = sum(wins, ZERO), sum(losses, ZERO)
    daily_floats = [float(d) for d in daily]
    return Performance(
        trades=count,
        winners=len(wins),
        losers=len(losses),
        gross_pnl=gross,
        commission=gross - net,
        net_pnl=net,
        win_rate=Decimal(len(wins)) / count if count else None,
        average_win=won / len(wins) if wins else None,
        average_loss=lost / len(losses) if losses else None,
        profit_factor=won / -lost if losses else None,
        expectancy=net / count if count else None,
        max_drawdown=max_drawdown(net_pnls, starting_equity),
        sharpe=sharpe_ratio(daily_floats),
        sortino=sortino_ratio(daily_floats),
    )
