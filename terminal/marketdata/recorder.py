"""Record the closed 1-minute bars of the instruments the trader trades, for MAE / MFE.

The analytics report measures each trade's maximum adverse and favourable excursion from price
bars over its holding period (:mod:`terminal.analytics.excursion`); the database keeps these
bars for it. Which instruments are recorded (the rule, and why):

- an instrument is recorded while it has an **open order** (staged, awaiting approval, at the
  broker: any status that is not terminal) **or a position that is not flat**;
- recording starts when the first such order is staged (or the position appears: a fill of an
  order placed elsewhere, a position loaded at start-up) and stops when the last order is done
  and the position is flat.

A trade runs from its first entry fill to the fill that makes it flat, and every entry comes
from an order staged before it, so these bars cover every trade made here from its entry to
its exit; a position opened elsewhere is covered from the moment the terminal learns of it.
Nothing else is recorded: the watchlist and the charts are what the trader *looks* at, and at a
storm's 20,000 updates/s over 1,000 instruments recording those would cost a write per
instrument per minute for bars no trade needs.

Bars come from the market data service's bar builder (one subscription to the live 1-minute
bars per recorded instrument, shared with any chart that shows it). A bar is written when the
next one starts (it is closed), and the forming bar when the recording stops (the position went
flat mid-minute) or the terminal shuts down: that partial bar covers the exit, and the store
merges it with the rest of the minute if the instrument is recorded again in it
(:meth:`terminal.persistence.store.Store.save_bars`). The bars closed within one turn of the
event loop go to the database writer as one job, never from the tick path itself; a write
that fails is the writer's to retry and to report (``write_failed``: a critical alert).

While the terminal is closed nothing is recorded: a trade held across a restart has a gap in
its bars for that time, and its MAE / MFE are measured over the bars recorded (docs/analytics.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from terminal.broker.base import BrokerError
from terminal.domain import Bar, DomainError, Instrument, Order, Position, Timeframe
from terminal.marketdata.service import MarketDataService

log = logging.getLogger(__name__)

#: The timeframe recorded: fine enough for the excursion of an intraday trade.
RECORDED = Timeframe.M1

type SaveBars = Callable[[int, Sequence[tuple[str, Bar]]], None]
type Spawn = Callable[[Coroutine[Any, Any, Any], str], object]
type Defer = Callable[[Callable[[], None]], object]


def _call_soon(callback: Callable[[], None]) -> None:
    asyncio.get_running_loop().call_soon(callback)


class BarRecorder:
    """Record the closed 1-minute bars of the instruments with open orders or positions.

    Feed it the order book's ``order_updated`` and the portfolio's ``positions_changed`` (the
    composition root wires them); :meth:`adopt` takes what is open at start-up.

    Args:
        market: Builds the bars; one live-bar subscription per recorded instrument.
        save: Stores closed bars: ``save(seconds, [(key, bar), ...])``, queued, never blocking
            (:meth:`terminal.persistence.store.Store.save_bars`).
        spawn: Runs the (un)subscriptions as owned tasks.
        defer: Runs a callback after the current turn of the event loop (the running loop's
            ``call_soon`` by default; tests pass their own).
        owns: Whether an order is this terminal's (on a desk the book holds the other
            terminals' orders too: their traders' instruments are theirs to record).
    """

    def __init__(
        self,
        market: MarketDataService,
        save: SaveBars,
        spawn: Spawn,
        *,
        defer: Defer | None = None,
        owns: Callable[[Order], bool] | None = None,
    ) -> None:
        self._market = market
        self._save = save
        self._spawn = spawn
        self._defer = defer or _call_soon
        self._owns = owns or (lambda _order: True)
        #: Open order ids by instrument key, and the instruments held (not flat).
        self._orders: dict[str, set[str]] = {}
        self._positions: set[str] = set()
        self._instruments: dict[str, Instrument] = {}
        #: Keys subscribed to the live bars, and keys the broker refused (not retried while
        #: they stay wanted: the trader was told once).
        self._subscribed: set[str] = set()
        self._refused: set[str] = set()
        self._syncing = False
        #: The latest state of each recorded key's forming bar.
        self._forming: dict[str, Bar] = {}
        self._pending: list[tuple[str, Bar]] = []
        self._flush_due = False
        #: Nothing is subscribed before :meth:`adopt` (start-up restores orders before the loop).
        self._started = False
        self._closed = False
        market.bars_updated.connect(self._on_bar)

    @property
    def recording(self) -> list[str]:
        """Return the keys whose bars are being recorded, sorted."""
        return sorted(self._subscribed)

    def wanted(self) -> set[str]:
        """Return the keys the rule says to record now."""
        return {key for key, ids in self._orders.items() if ids} | self._positions

    # -- what decides the recorded set ------------------------------------------------------------
    def adopt(self, orders: Iterable[Order], positions: Iterable[Position]) -> None:
        """Take the open orders and the positions as they stand (start-up, after restore and
        the first reconciliation)."""
        for order in orders:
            self._note_order(order)
        for position in positions:
            self._note_position(position)
        self._started = True
        self._sync()

    def on_order_updated(self, order: Order) -> None:
        """An order changed: staged ones start a recording, the last finished one may end it."""
        self._note_order(order)
        self._sync()

    def on_positions_changed(self, positions: Sequence[Position]) -> None:
        """Positions changed: a held one is recorded, a flat one may end its recording."""
        for position in positions:
            self._note_position(position)
        self._sync()

    def _note_order(self, order: Order) -> None:
        instrument = order.instrument
        if instrument.is_combo or not self._owns(order):  # a combo has no prints, no bars
            return
        ids = self._orders.setdefault(instrument.key, set())
        if order.status.is_open:
            self._instruments.setdefault(instrument.key, instrument)
            ids.add(order.id)
        else:
            ids.discard(order.id)
            if not ids:
                del self._orders[instrument.key]

    def _note_position(self, position: Position) -> None:
        instrument = position.instrument
        if instrument.is_combo:
            return
        if position.is_flat:
            self._positions.discard(instrument.key)
        else:
            self._instruments.setdefault(instrument.key, instrument)
            self._positions.add(instrument.key)

    # -- subscriptions -----------------------------------------------------------------------------
    def _sync(self) -> None:
        """Bring the subscriptions to :meth:`wanted`, one owned task at a time."""
        self._refused &= self.wanted()
        if not self._started or self._closed or self._syncing or not self._out_of_step():
            return
        self._syncing = True
        self._spawn(self._apply(), "record bars")

    def _out_of_step(self) -> bool:
        wanted = self.wanted() - self._refused
        return wanted != self._subscribed

    async def _apply(self) -> None:
        try:
            while not self._closed and self._out_of_step():
                wanted = self.wanted() - self._refused
                start = sorted(wanted - self._subscribed)
                if start:
                    await self._start(start[0])
                    continue
                await self._stop(sorted(self._subscribed - wanted)[0])
        finally:
            self._syncing = False

    async def _start(self, key: str) -> None:
        instrument = self._instruments[key]
        try:
            await self._market.subscribe_bars(instrument, RECORDED)
        except (BrokerError, DomainError) as exc:
            self._refused.add(key)
            log.warning("cannot record the bars of %s (MAE / MFE stay n/a): %s", key, exc)
            return
        self._subscribed.add(key)
        log.info("recording the 1-minute bars of %s", key)

    async def _stop(self, key: str) -> None:
        self._subscribed.discard(key)
        forming = self._forming.pop(key, None)
        if forming is not None:  # it holds the exit: written now, merged if the minute goes on
            self._pending.append((key, forming))
            self.flush()
        log.info("no longer recording the bars of %s", key)
        await self._market.unsubscribe_bars(self._instruments[key], RECORDED)

    # -- bars ------------------------------------------------------------------------------------
    def _on_bar(self, key: str, timeframe: Timeframe, bar: Bar, is_new: bool) -> None:
        if timeframe is not RECORDED or key not in self._subscribed:
            return
        previous = self._forming.get(key)
        self._forming[key] = bar
        if is_new and previous is not None and previous.start < bar.start:
            self._pending.append((key, previous))
            self._flush_soon()

    def _flush_soon(self) -> None:
        """Write the bars closed in this turn of the loop as one job, after it."""
        if not self._flush_due:
            self._flush_due = True
            self._defer(self.flush)

    def flush(self) -> None:
        """Queue the closed bars not written yet (one job); return at once."""
        self._flush_due = False
        if not self._pending:
            return
        bars, self._pending = self._pending, []
        self._save(RECORDED.seconds, bars)

    def close(self) -> None:
        """Write the closed bars and every forming one (the terminal is stopping) and record
        nothing more. The subscriptions go with the broker connection."""
        if self._closed:
            return
        self._closed = True
        self._market.bars_updated.disconnect(self._on_bar)
        self._pending.extend(self._forming.items())
        self._forming.clear()
        self.flush()
