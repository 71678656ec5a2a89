"""The market data service: one owner for every subscription, cache and batched update event."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from eventkit import Event

from terminal.broker.base import Broker, ConnectionState
from terminal.domain import (
    Bar,
    Clock,
    DepthBook,
    Instrument,
    OptionQuote,
    Quote,
    Timeframe,
    Trade,
)
from terminal.marketdata.bars import BarAggregator, merge_history
from terminal.marketdata.staleness import Feed, FeedKind, FeedWatchdog
from terminal.marketdata.subscriptions import RefCounts
from terminal.marketdata.tape import Tape, TapeSource, tape_source
from terminal.settings import FeedSettings, TapeSettings
from terminal.tasks import OwnedTasks

log = logging.getLogger(__name__)

type ChainKey = tuple[str, dt.date]


def bar_key(key: str, timeframe: Timeframe) -> str:
    """The feed key of the live ``timeframe`` bars of ``key`` (``"AAPL 1m"``)."""
    return f"{key} {timeframe.value}"


def bar_feed(key: str, timeframe: Timeframe) -> Feed:
    return Feed(FeedKind.BARS, bar_key(key, timeframe))


class MarketDataService:
    """Share broker market data between every view and service that needs it.

    Subscriptions are reference-counted: the broker sees one subscribe per key however many
    subscribers there are, and the unsubscribe only when the last one leaves. Quotes arrive and
    leave in batches: one ``quotes_updated`` per broker batch, never one per tick. Live bars are
    built from trade prints, for the keys and timeframes someone asked for with
    :meth:`subscribe_bars`; the time & sales tape of the keys asked for with
    :meth:`subscribe_tape`, each print classified against the latest quote. After the broker
    reports that market data was lost (IB code 1101) or reconnects after a disconnect, every
    running subscription is renewed. Every running quote,
    depth and live-bar subscription is a feed that :attr:`feeds` watches for silence.

    Events:
        quotes_updated(quotes: Mapping[str, Quote]): one per broker batch, the latest quote per key.
        bars_updated(key: str, timeframe: Timeframe, bar: Bar, is_new: bool): a subscribed live
            bar changed; ``is_new`` when it started with this change.
        depth_updated(book: DepthBook): a new book for a depth-subscribed key.
        prints_updated(prints: Sequence[Print]): one per broker batch, the new prints of the
            tape-subscribed keys, oldest first.
        option_quotes_updated(quotes: Mapping[str, OptionQuote]): one per broker batch.
        subscriptions_renewed(failed: Sequence[str]): renewal after a data loss finished;
            ``failed`` names the subscriptions the broker refused again.

    Args:
        broker: The broker to subscribe at; its events are connected here.
        clock: The time source for quote ages.
        timezone: The exchange timezone whose midnight starts a daily bar.
        staleness: When a quiet feed counts as stale.
        tape: Tape length and large-print rule.
        on_task_failed: Hears a background task (the renewal) that failed; logs by default.
    """

    def __init__(
        self,
        broker: Broker,
        clock: Clock,
        *,
        timezone: str = "America/New_York",
        staleness: FeedSettings | None = None,
        tape: TapeSettings | None = None,
        on_task_failed: Callable[[str, BaseException], None] | None = None,
    ) -> None:
        self._broker = broker
        self._clock = clock
        self.feeds = FeedWatchdog(staleness)
        self.quotes_updated = Event("quotes_updated")
        self.bars_updated = Event("bars_updated")
        self.depth_updated = Event("depth_updated")
        self.prints_updated = Event("prints_updated")
        self.option_quotes_updated = Event("option_quotes_updated")
        self.subscriptions_renewed = Event("subscriptions_renewed")
        self._instruments: dict[str, Instrument] = {}
        self._quote_subs = RefCounts[str](self._start_quotes, self._stop_quotes)
        self._depth_subs = RefCounts[str](self._start_depth, self._stop_depth)
        self._bar_subs = RefCounts[tuple[str, Timeframe]](self._start_bars, self._stop_bars)
        self._tape_subs = RefCounts[str](self._start_tape, self._stop_tape)
        self._tape_settings = tape or TapeSettings()
        self._tapes: dict[str, Tape] = {}
        self._chain_subs = RefCounts[ChainKey](self._start_chain, self._stop_chain)
        self._chain_strikes: dict[ChainKey, tuple[Instrument, tuple[float, ...]]] = {}
        self._chain_members: dict[ChainKey, Sequence[Instrument]] = {}
        self._bar_timeframes: dict[str, set[Timeframe]] = {}
        self._aggregator = BarAggregator(timezone)
        self._quotes: dict[str, Quote] = {}
        self._received: dict[str, dt.datetime] = {}
        self._depth: dict[str, DepthBook] = {}
        self._option_quotes: dict[str, OptionQuote] = {}
        self._tasks = OwnedTasks(on_task_failed or _log_task_failure)
        self._disconnected = False
        self._handlers = (
            (broker.quotes_received, self._on_quotes),
            (broker.trades_received, self._on_trades),
            (broker.depth_received, self._on_depth),
            (broker.option_quotes_received, self._on_option_quotes),
            (broker.connection_changed, self._on_connection_changed),
            (broker.market_data_interrupted, self._on_data_interrupted),
        )
        for event, handler in self._handlers:
            event.connect(handler)
        self._want_prints()

    # -- quotes ---------------------------------------------------------------------------------
    async def subscribe(self, instrument: Instrument) -> None:
        """Subscribe to quotes (and trades) for ``instrument``; add one reference."""
        self._instruments.setdefault(instrument.key, instrument)
        await self._quote_subs.acquire(instrument.key)

    async def unsubscribe(self, instrument: Instrument) -> None:
        """Drop one reference; the broker unsubscribes when the last one goes."""
        if await self._quote_subs.release(instrument.key):
            self._quotes.pop(instrument.key, None)
            self._received.pop(instrument.key, None)

    def subscribed_keys(self) -> list[str]:
        """Return the keys with a running quote subscription."""
        return self._quote_subs.keys()

    def last_quote(self, key: str) -> Quote | None:
        """Return the latest quote received for ``key``."""
        return self._quotes.get(key)

    def age(self, key: str, now: dt.datetime) -> float | None:
        """Return seconds since a quote for ``key`` arrived (None if none has): stale check."""
        received = self._received.get(key)
        return None if received is None else (now - received).total_seconds()

    # -- bars -----------------------------------------------------------------------------------
    async def subscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        """Publish live ``timeframe`` bars of ``instrument`` (subscribes to its quotes too)."""
        self._instruments.setdefault(instrument.key, instrument)
        await self._bar_subs.acquire((instrument.key, timeframe))

    async def unsubscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        """Drop one reference to the live bars of ``instrument`` in ``timeframe``."""
        await self._bar_subs.release((instrument.key, timeframe))

    async def history(self, instrument: Instrument, timeframe: Timeframe, count: int) -> list[Bar]:
        """Return the last ``count`` bars: broker history joined with the bars built live."""
        history = await self._broker.history_bars(instrument, timeframe, count)
        merged = merge_history(history, self._aggregator.bars(instrument.key, timeframe))
        return merged[-count:] if count > 0 else []

    # -- time & sales -----------------------------------------------------------------------------
    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Keep the tape of ``instrument`` (subscribes to its quotes too); add one reference."""
        self._instruments.setdefault(instrument.key, instrument)
        await self._tape_subs.acquire(instrument.key)

    async def unsubscribe_tape(self, instrument: Instrument) -> None:
        """Drop one reference to the tape of ``instrument``; the last one forgets its prints."""
        await self._tape_subs.release(instrument.key)

    def tape(self, key: str) -> Tape | None:
        """Return the tape of ``key`` while someone subscribes to it."""
        return self._tapes.get(key)

    def tape_references(self, key: str) -> int:
        """How many subscribers hold the tape of ``key`` (the tape pane, the depth ladder)."""
        return self._tape_subs.count(key)

    @property
    def tape_source(self) -> TapeSource:
        """Where the prints on the tape come from (simulator prints or IB last-price ticks)."""
        return tape_source(self._broker.name)

    # -- depth ----------------------------------------------------------------------------------
    async def subscribe_depth(self, instrument: Instrument) -> None:
        """Subscribe to the order book of ``instrument``; add one reference."""
        self._instruments.setdefault(instrument.key, instrument)
        await self._depth_subs.acquire(instrument.key)

    async def unsubscribe_depth(self, instrument: Instrument) -> None:
        """Drop one reference to the order book of ``instrument``."""
        if await self._depth_subs.release(instrument.key):
            self._depth.pop(instrument.key, None)

    def last_depth(self, key: str) -> DepthBook | None:
        """Return the latest book received for ``key``."""
        return self._depth.get(key)

    # -- option chains ----------------------------------------------------------------------------
    async def subscribe_option_chain(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float]
    ) -> Sequence[Instrument]:
        """Subscribe to option quotes for one expiry; return the contracts.

        The strikes of the first subscriber are used; later subscribers share that chain.
        """
        key = (underlying.key, expiry)
        self._chain_strikes.setdefault(key, (underlying, tuple(strikes)))
        try:
            await self._chain_subs.acquire(key)
        finally:
            if key not in self._chain_subs:
                self._chain_strikes.pop(key, None)
        return self._chain_members.get(key, ())

    async def unsubscribe_option_chain(self, underlying: Instrument, expiry: dt.date) -> None:
        """Drop one reference to the option chain of ``underlying`` at ``expiry``."""
        await self._chain_subs.release((underlying.key, expiry))

    def last_option_quote(self, key: str) -> OptionQuote | None:
        """Return the latest option quote received for the option ``key``."""
        return self._option_quotes.get(key)

    # -- lifecycle -------------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Disconnect from the broker's events and cancel the tasks this service owns.

        Broker subscriptions are left alone: shutdown disconnects the broker right after.
        """
        for event, handler in self._handlers:
            event.disconnect(handler)
        self._broker.want_prints(None)
        await self._tasks.cancel_all()

    # -- broker calls (run under the per-key lock of RefCounts) -----------------------------------
    async def _start_quotes(self, key: str) -> None:
        await self._broker.subscribe_quotes(self._instruments[key])
        self.feeds.started(Feed(FeedKind.QUOTES, key), self._clock.now())

    async def _stop_quotes(self, key: str) -> None:
        self.feeds.stopped(Feed(FeedKind.QUOTES, key))
        await self._broker.unsubscribe_quotes(self._instruments[key])

    async def _start_depth(self, key: str) -> None:
        await self._broker.subscribe_depth(self._instruments[key])
        self.feeds.started(Feed(FeedKind.DEPTH, key), self._clock.now())

    async def _stop_depth(self, key: str) -> None:
        self.feeds.stopped(Feed(FeedKind.DEPTH, key))
        await self._broker.unsubscribe_depth(self._instruments[key])

    async def _start_bars(self, sub: tuple[str, Timeframe]) -> None:
        # Live bars are built from the trade prints of the quote subscription.
        key, timeframe = sub
        await self.subscribe(self._instruments[key])
        self._bar_timeframes.setdefault(key, set()).add(timeframe)
        self._want_prints()
        self.feeds.started(bar_feed(key, timeframe), self._clock.now())

    async def _stop_bars(self, sub: tuple[str, Timeframe]) -> None:
        key, timeframe = sub
        self.feeds.stopped(bar_feed(key, timeframe))
        timeframes = self._bar_timeframes.get(key)
        if timeframes is not None:
            timeframes.discard(timeframe)
            if not timeframes:
                del self._bar_timeframes[key]
                self._aggregator.forget(key)
                self._want_prints()
        await self.unsubscribe(self._instruments[key])

    async def _start_tape(self, key: str) -> None:
        await self.subscribe(self._instruments[key])  # prints come with the quote stream
        self._tapes[key] = Tape(key, self._tape_settings)
        self._want_prints()

    async def _stop_tape(self, key: str) -> None:
        self._tapes.pop(key, None)
        self._want_prints()
        await self.unsubscribe(self._instruments[key])

    async def _start_chain(self, key: ChainKey) -> None:
        underlying, strikes = self._chain_strikes[key]
        members = await self._broker.subscribe_option_chain(underlying, key[1], strikes)
        self._chain_members[key] = members

    async def _stop_chain(self, key: ChainKey) -> None:
        underlying, _ = self._chain_strikes.pop(key)
        members = self._chain_members.pop(key, ())
        for member in members:
            self._option_quotes.pop(member.key, None)
        await self._broker.unsubscribe_option_chain(underlying, key[1])

    def _want_prints(self) -> None:
        """Ask the broker for the prints a tape or a live bar keeps, and no others."""
        self._broker.want_prints(self._tapes.keys() | self._bar_timeframes.keys())

    # -- broker events ---------------------------------------------------------------------------
    def _on_quotes(self, quotes: Sequence[Quote]) -> None:
        if not quotes:
            return
        batch = {quote.key: quote for quote in quotes}
        now = self._clock.now()
        self._quotes.update(batch)
        self._received.update(dict.fromkeys(batch, now))
        self.feeds.updated(FeedKind.QUOTES, batch, now)
        self.quotes_updated.emit(batch)

    def _on_trades(self, trades: Sequence[Trade]) -> None:
        if self._tapes:
            self._on_prints(trades)
        wanted = self._bar_timeframes
        if not wanted:
            return
        relevant = [trade for trade in trades if trade.key in wanted]
        if not relevant:
            return
        now = self._clock.now()
        for update in self._aggregator.update(relevant):
            if update.timeframe in wanted.get(update.key, ()):
                self.feeds.updated(FeedKind.BARS, [bar_key(update.key, update.timeframe)], now)
                self.bars_updated.emit(update.key, update.timeframe, update.bar, update.is_new)

    def _on_prints(self, trades: Sequence[Trade]) -> None:
        tapes, quotes = self._tapes, self._quotes
        printed = [
            tape.add(trade, quotes.get(trade.key))
            for trade in trades
            if (tape := tapes.get(trade.key)) is not None
        ]
        if printed:
            self.prints_updated.emit(printed)

    def _on_depth(self, book: DepthBook) -> None:
        if book.key not in self._depth_subs:
            return
        self._depth[book.key] = book
        self.feeds.updated(FeedKind.DEPTH, [book.key], self._clock.now())
        self.depth_updated.emit(book)

    def _on_option_quotes(self, quotes: Sequence[OptionQuote]) -> None:
        if not quotes:
            return
        batch = {quote.key: quote for quote in quotes}
        self._option_quotes.update(batch)
        self.option_quotes_updated.emit(batch)

    def _on_connection_changed(self, state: ConnectionState, message: str) -> None:
        if state is ConnectionState.DISCONNECTED:
            self._disconnected = True
        elif state is ConnectionState.DATA_LOST or (
            state is ConnectionState.CONNECTED and self._disconnected
        ):
            self._disconnected = False
            log.info("renewing market data subscriptions (%s)", message)
            self._tasks.spawn(self._renew(), "renew market data")

    def _on_data_interrupted(self, message: str) -> None:
        self.feeds.interrupt(FeedKind, message, self._clock.now())

    async def _renew(self) -> None:
        failed: list[str] = []
        for subs in (self._quote_subs, self._depth_subs):
            failed.extend(f"{key}" for key, _ in await subs.renew())
        now = self._clock.now()
        for feed in self.feeds.watched():  # renewed: each waits for its first update again
            self.feeds.started(feed, now)
        failed.extend(f"{key[0]} {key[1]:%Y%m%d}" for key, _ in await self._chain_subs.renew())
        self.subscriptions_renewed.emit(failed)


def _log_task_failure(name: str, exc: BaseException) -> None:
    log.error("market data task %s failed", name, exc_info=exc)
