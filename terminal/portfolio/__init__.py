"""Portfolio: positions from fills, cash, marks, exposures and P&L."""

from terminal.portfolio.day_ledger import PositionPnl
from terminal.portfolio.portfolio import Portfolio
from terminal.portfolio.snapshots import PnlSnapshot, PositionDifference

__all__ = ["PnlSnapshot", "Portfolio", "PositionDifference", "PositionPnl"]
