"""Market data: ref-counted subscriptions, last-quote cache, bar aggregation, batched events."""

from terminal.marketdata.bars import BarAggregator, BarUpdate, merge_history
from terminal.marketdata.service import MarketDataService
from terminal.marketdata.subscriptions import RefCounts

__all__ = ["BarAggregator", "BarUpdate", "MarketDataService", "RefCounts", "merge_history"]
