"""Pre-trade risk: rules, the risk engine, live limit utilisation and the trading state."""

from terminal.risk.context import PortfolioView, QuoteLookup
from terminal.risk.engine import RiskEngine
from terminal.risk.estimate import OrderEstimate, estimate_order
from terminal.risk.monitor import RiskMonitor
from terminal.risk.rules import CONCENTRATION_LEVEL, RULES
from terminal.risk.state import TradingState, TradingStateMachine
from terminal.risk.usage import LimitUsage, UsageLevel

__all__ = [
    "CONCENTRATION_LEVEL",
    "RULES",
    "LimitUsage",
    "OrderEstimate",
    "PortfolioView",
    "QuoteLookup",
    "RiskEngine",
    "RiskMonitor",
    "TradingState",
    "TradingStateMachine",
    "UsageLevel",
    "estimate_order",
]
