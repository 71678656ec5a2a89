"""Market data streams at IB: quotes, depth, option quotes and live bars, with IB's limits.

IB allows a fixed number of market-data lines (quotes and option quotes each take one) and a
few depth subscriptions; going over costs an error and no data, so the adapter counts and
refuses first, with a message that says what to free. ib_async marks every ticker that changed
in a packet; :meth:`MarketStreams.on_pending_tickers` turns one such set into at most one batch
of quotes, trades and option quotes, and one depth book per changed instrument.

Every request and cancel goes through the data lane (:mod:`terminal.broker.ib.lanes`), in the
order asked: orders overtake them, never the other way round. A stream dropped while its request
still waits in the lane is taken back there, and nothing reaches IB for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ib_async import IB, BarDataList, Contract, Ticker

from terminal.broker.base import BrokerError, BrokerEvents
from terminal.broker.ib.contracts import ContractBook
from terminal.broker.ib.lanes import Lanes
from terminal.broker.ib.mapping import (
    bar_from_ib,
    depth_from_ticker,
    option_quote_from_ticker,
    quote_from_ticker,
    trade_from_ticker,
)
from terminal.domain import Instrument, OptionQuote, Quote, Timeframe, Trade

log = logging.getLogger(__name__)

#: Tick types of a trade print (live and delayed last price).
LAST_PRICE_TICKS = frozenset({4, 68})
#: Error codes that end one subscription (the request failed; IB sends no data for it).
MARKET_DATA_LIMIT = 101
DEPTH_LIMIT = 309


@dataclass
class _Subscriptions:
    quotes: dict[str, Contract] = field(default_factory=dict)
    options: dict[str, Contract] = field(default_factory=dict)
    chains: dict[tuple[str, dt.date], list[str]] = field(default_factory=dict)
    depth: dict[str, tuple[Contract, int]] = field(default_factory=dict)
    bars: dict[tuple[str, Timeframe], BarDataList] = field(default_factory=dict)


class MarketStreams:
    def __init__(
        self,
        ib: IB,
        book: ContractBook,
        events: BrokerEvents,
        lanes: Lanes,
        *,
        lines: int,
        depth_limit: int,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.ib = ib
        self.book = book
        self.events = events
        self.lanes = lanes
        self.lines = lines
        self.depth_limit = depth_limit
        self._now = now
        self.subs = _Subscriptions()
        ib.pendingTickersEvent += self.on_pending_tickers

    @property
    def lines_used(self) -> int:
        return len(self.subs.quotes) + len(self.subs.options)

    def _need_lines(self, count: int, what: str) -> None:
        free = self.lines - self.lines_used
        if count > free:
            raise BrokerError(
                f"{what} needs {count} market-data line{'s' * (count != 1)} but only {free} of "
                f"{self.lines} are free: remove symbols from the watchlist or close a chain",
                code=MARKET_DATA_LIMIT,
            )

    # -- quotes -----------------------------------------------------------------------------------
    def subscribe_quotes(self, instrument: Instrument) -> None:
        if instrument.key in self.subs.quotes:
            return
        self._need_lines(1, instrument.key)
        contract = self.book.contract(instrument)
        self._request_ticks(contract, instrument.key)
        self.subs.quotes[instrument.key] = contract

    def unsubscribe_quotes(self, instrument: Instrument) -> None:
        contract = self.subs.quotes.pop(instrument.key, None)
        if contract is not None:
            self._cancel_ticks(contract, instrument.key)

    def _request_ticks(self, contract: Contract, key: str) -> None:
        self.lanes.data(lambda: self.ib.reqMktData(contract), f"quotes {key}", key=("ticks", key))

    def _cancel_ticks(self, contract: Contract, key: str) -> None:
        if self.lanes.withdraw(("ticks", key)):
            return  # never sent: nothing to cancel

        def cancel() -> None:
            if self.ib.isConnected() and self.ib.ticker(contract) is not None:
                self.ib.cancelMktData(contract)

        self.lanes.data(cancel, f"cancel quotes {key}")

    # -- depth ------------------------------------------------------------------------------------
    def subscribe_depth(self, instrument: Instrument, levels: int) -> None:
        if instrument.key in self.subs.depth:
            return
        if len(self.subs.depth) >= self.depth_limit:
            held = ", ".join(sorted(self.subs.depth))
            raise BrokerError(
                f"IB allows {self.depth_limit} depth subscriptions and they are in use ({held}): "
                "close a depth ladder first",
                code=DEPTH_LIMIT,
            )
        contract = self.book.contract(instrument)
        self._request_depth(contract, instrument.key, levels)
        self.subs.depth[instrument.key] = (contract, levels)

    def unsubscribe_depth(self, instrument: Instrument) -> None:
        entry = self.subs.depth.pop(instrument.key, None)
        if entry is not None:
            self._cancel_depth(entry[0], instrument.key)

    def _request_depth(self, contract: Contract, key: str, levels: int) -> None:
        self.lanes.data(
            lambda: self.ib.reqMktDepth(contract, numRows=levels),
            f"depth {key}",
            key=("depth", key),
        )

    def _cancel_depth(self, contract: Contract, key: str) -> None:
        if self.lanes.withdraw(("depth", key)):
            return

        def cancel() -> None:
            if self.ib.isConnected() and self.ib.ticker(contract) is not None:
                self.ib.cancelMktDepth(contract)

        self.lanes.data(cancel, f"cancel depth {key}")

    # -- option chains ----------------------------------------------------------------------------
    def check_chain_lines(self, underlying: Instrument, expiry: dt.date, contracts: int) -> None:
        current = len(self.subs.chains.get((underlying.key, expiry), []))
        self._need_lines(contracts - current, f"the {underlying.key} {expiry:%Y-%m-%d} chain")

    def subscribe_chain(
        self, underlying: Instrument, expiry: dt.date, options: Iterable[Instrument]
    ) -> None:
        keys = self.subs.chains.setdefault((underlying.key, expiry), [])
        for option in options:
            if option.key in self.subs.options:
                continue
            contract = self.book.contract(option)
            self._request_ticks(contract, option.key)
            self.subs.options[option.key] = contract
            keys.append(option.key)

    def unsubscribe_chain(self, underlying: Instrument, expiry: dt.date) -> None:
        for key in self.subs.chains.pop((underlying.key, expiry), []):
            contract = self.subs.options.pop(key, None)
            if contract is not None:
                self._cancel_ticks(contract, key)

    # -- live bars --------------------------------------------------------------------------------
    def add_bars(self, key: str, timeframe: Timeframe, bars: BarDataList) -> None:
        old = self.subs.bars.pop((key, timeframe), None)
        if old is not None:
            self._cancel_bars(old)

        def updated(bar_list: BarDataList, _has_new_bar: bool) -> None:
            if bar_list:
                self.events.bar_received.emit(key, timeframe, bar_from_ib(bar_list[-1]))

        bars.updateEvent += updated
        self.events.listen_library([bars.updateEvent])
        self.subs.bars[(key, timeframe)] = bars

    def remove_bars(self, key: str, timeframe: Timeframe) -> None:
        bars = self.subs.bars.pop((key, timeframe), None)
        if bars is not None:
            self._cancel_bars(bars)

    def _cancel_bars(self, bars: BarDataList) -> None:
        bars.updateEvent.clear()

        def cancel() -> None:
            if self.ib.isConnected():
                self.ib.cancelHistoricalData(bars)

        self.lanes.data(cancel, f"cancel bars {bars.reqId}")

    # -- after a reconnect or IB's 1101 -----------------------------------------------------------
    def replay(self) -> list[tuple[str, Timeframe, BarDataList]]:
        """Ask IB again for every quote, option and depth stream; return the bar subscriptions,
        which the caller re-requests (they need a historical request each). Each old stream is
        cancelled first (after IB's 1101 the client still holds it) and asked for again, in
        the data lane like any request."""
        for key, contract in [*self.subs.quotes.items(), *self.subs.options.items()]:
            self.lanes.withdraw(("ticks", key))
            self._cancel_ticks(contract, key)
            self._request_ticks(contract, key)
        for key, (contract, levels) in self.subs.depth.items():
            self.lanes.withdraw(("depth", key))
            self._cancel_depth(contract, key)
            self._request_depth(contract, key, levels)
        bars = [(key, tf, b) for (key, tf), b in self.subs.bars.items()]
        for _, _, old in bars:
            old.updateEvent.clear()
        self.subs.bars.clear()
        return bars

    def forget_failed(self, contract: Contract | None, code: int) -> str | None:
        """IB refused a stream (line or depth limit): drop it so the counts stay true."""
        key = self.book.key_for(contract)
        if key is None:
            return None
        if code == DEPTH_LIMIT:
            self.subs.depth.pop(key, None)
        else:
            self.subs.quotes.pop(key, None)
            self.subs.options.pop(key, None)
        return key

    # -- ticks ------------------------------------------------------------------------------------
    def on_pending_tickers(self, tickers: Iterable[Ticker]) -> None:
        stamp = self._now()
        quotes: list[Quote] = []
        trades: list[Trade] = []
        option_quotes: list[OptionQuote] = []
        subs = self.subs
        printing = self.events.print_keys
        for ticker in tickers:
            key = self.book.key_for(ticker.contract)
            if key is None:
                continue
            if key in subs.options:  # greeks arrive without a tick: any change counts
                option_quotes.append(option_quote_from_ticker(key, ticker, stamp))
            elif ticker.ticks and key in subs.quotes:
                quotes.append(quote_from_ticker(key, ticker, stamp))
                if any(t.tickType in LAST_PRICE_TICKS for t in ticker.ticks):
                    trade = trade_from_ticker(key, ticker)
                    if trade is not None and (printing is None or key in printing):
                        trades.append(trade)
            if ticker.domTicks and key in subs.depth:
                levels = subs.depth[key][1]
                self.events.depth_received.emit(depth_from_ticker(key, ticker, stamp, levels))
        if quotes:
            self.events.quotes_received.emit(quotes)
        if trades:
            self.events.trades_received.emit(trades)
        if option_quotes:
            self.events.option_quotes_received.emit(option_quotes)
