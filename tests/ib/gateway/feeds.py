"""Streaming subscriptions (market data, depth, keepUpToDate bars, real-time bars) and the
messages each one sends when a price changes.

Every subscription remembers what it last sent, so an update carries only the ticks that changed,
as TWS does; the first call sends everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import messages as msg
from .history import FormingBar
from .instruments import Instrument
from .market import OptionView, Quote, depth_book

DEPTH_MAKERS = ("NSDQ", "ARCA", "BATS", "EDGX", "IEX", "NYSE", "MEMX", "PEARL", "LTSE", "CHX")


@dataclass(slots=True)
class MarketDataSub:
    """One reqMktData line."""

    req_id: int
    instrument: Instrument
    delayed: bool
    sent: dict[int, tuple[float, ...]] = field(default_factory=dict)

    def updates(self, quote: Quote, option: OptionView | None) -> list[msg.Fields]:
        """The ticks that changed since the last call (all of them on the first call)."""
        out: list[msg.Fields] = []
        prices = (
            (msg.BID, quote.bid, quote.bid_size, msg.BID_SIZE),
            (msg.ASK, quote.ask, quote.ask_size, msg.ASK_SIZE),
            (msg.LAST, quote.last, quote.last_size, msg.LAST_SIZE),
        )
        for tick, price, size, size_tick in prices:
            if self._changed(tick, price, size):
                out.append(msg.tick_price(self.req_id, self._type(tick), price, size))
                if self._changed(size_tick, size):
                    out.append(msg.tick_size(self.req_id, self._type(size_tick), size))
        for tick, price in ((msg.HIGH, quote.high), (msg.LOW, quote.low), (msg.CLOSE, quote.close)):
            if self._changed(tick, price):
                out.append(msg.tick_price(self.req_id, self._type(tick), price, 0))
        if self._changed(msg.VOLUME, quote.volume):
            out.append(msg.tick_size(self.req_id, self._type(msg.VOLUME), quote.volume))
        if self._changed(msg.LAST_TIMESTAMP, float(quote.last_time)):
            out.append(
                msg.tick_string(self.req_id, self._type(msg.LAST_TIMESTAMP), str(quote.last_time))
            )
        if option is not None:
            out += self._option_updates(option)
        return out

    def _option_updates(self, view: OptionView) -> list[msg.Fields]:
        out: list[msg.Fields] = []
        computations = (
            (msg.BID_OPTION, view.bid_vol, view.bid),
            (msg.ASK_OPTION, view.ask_vol, view.ask),
            (msg.MODEL_OPTION, view.model_vol, view.model),
        )
        for tick, vol, greeks in computations:
            key = (round(vol, 5), round(greeks.price, 4), round(view.underlying_price, 4))
            if self._changed(tick, *key):
                wire_tick = msg.DELAYED_OPTION[tick] if self.delayed else tick
                out.append(
                    msg.tick_option(self.req_id, wire_tick, vol, greeks, view.underlying_price)
                )
        return out

    def _type(self, tick: int) -> int:
        return msg.DELAYED[tick] if self.delayed else tick

    def _changed(self, key: int, *value: float) -> bool:
        if self.sent.get(key) == value:
            return False
        self.sent[key] = value
        return True


@dataclass(slots=True)
class DepthSub:
    """One reqMktDepth subscription: the ladder last sent, to send row updates."""

    req_id: int
    instrument: Instrument
    rows: int
    smart: bool
    asks: list[tuple[float, float]] = field(default_factory=list)
    bids: list[tuple[float, float]] = field(default_factory=list)

    def updates(self, quote: Quote) -> list[msg.Fields]:
        """Insert rows on the first call; update/insert/delete the rows that changed later."""
        asks, bids = depth_book(quote, self.rows, self.instrument.min_tick)
        out = self._side(0, self.asks, asks) + self._side(1, self.bids, bids)
        self.asks, self.bids = asks, bids
        return out

    def _side(
        self, side: int, old: list[tuple[float, float]], new: list[tuple[float, float]]
    ) -> list[msg.Fields]:
        out: list[msg.Fields] = []
        for position in range(max(len(old), len(new))):
            if position >= len(new):
                out.append(self._row(position, 2, side, old[position]))
            elif position >= len(old):
                out.append(self._row(position, 0, side, new[position]))
            elif old[position] != new[position]:
                out.append(self._row(position, 1, side, new[position]))
        return out

    def _row(
        self, position: int, operation: int, side: int, level: tuple[float, float]
    ) -> msg.Fields:
        price, size = level
        if self.smart:
            maker = DEPTH_MAKERS[position % len(DEPTH_MAKERS)]
            return msg.depth_row_l2(self.req_id, position, maker, operation, side, price, size)
        return msg.depth_row(self.req_id, position, operation, side, price, size)


@dataclass(slots=True)
class HistorySub:
    """A keepUpToDate reqHistoricalData: the forming bar, pushed on every price change."""

    req_id: int
    instrument: Instrument
    what_to_show: str
    bar: FormingBar
    last_seen: tuple[float, float, int] = (0.0, 0.0, 0)

    def update(self, quote: Quote, now: float) -> list[msg.Fields]:
        """historicalDataUpdate for the current bar when the shown price changed."""
        if self.what_to_show == "TRADES":
            seen = (quote.last, quote.volume, quote.last_time)
            if seen == self.last_seen:
                return []
            size = max(quote.volume - self.last_seen[1], 0.0) if self.last_seen[1] else 0.0
            self.last_seen = seen
            self.bar.update(now, quote.last, size)
        else:
            price = {"BID": quote.bid, "ASK": quote.ask}.get(self.what_to_show, quote.mid)
            if (price, 0.0, 0) == self.last_seen:
                return []
            self.last_seen = (price, 0.0, 0)
            self.bar.update(now, price, 0.0)
        return [msg.historical_update(self.req_id, self.bar)]


@dataclass(slots=True)
class RealtimeSub:
    """A reqRealTimeBars subscription: prices seen since the last bar went out."""

    req_id: int
    instrument: Instrument
    what_to_show: str
    prices: list[float] = field(default_factory=list)
    volume: float = 0.0
    count: int = 0
    seen_volume: float = -1.0

    def see(self, quote: Quote) -> None:
        """Remember the shown price (and any traded volume) of a quote change."""
        price = {"BID": quote.bid, "ASK": quote.ask, "MIDPOINT": quote.mid}.get(
            self.what_to_show, quote.last
        )
        self.prices.append(price)
        if self.seen_volume >= 0 and quote.volume > self.seen_volume:
            self.volume += quote.volume - self.seen_volume
            self.count += 1
        self.seen_volume = quote.volume

    def bar(self, epoch: int, quote: Quote) -> msg.Fields:
        """The bar for the period just ended (flat at the current price when nothing moved)."""
        prices = self.prices or [quote.last if self.what_to_show == "TRADES" else quote.mid]
        fields = msg.realtime_bar(
            self.req_id,
            epoch,
            (prices[0], max(prices), min(prices), prices[-1]),
            self.volume,
            self.count,
        )
        self.prices = [prices[-1]]
        self.volume, self.count = 0.0, 0
        return fields
