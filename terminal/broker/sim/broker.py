"""The simulated exchange behind the Broker port: the default broker of the terminal."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from terminal.broker.base import (
    BrokerCapabilities,
    BrokerError,
    BrokerEvents,
    BrokerHealth,
    BrokerPosition,
    ConnectionState,
    NotConnected,
    OrderStatusUpdate,
)
from terminal.broker.paper import PaperAccount, PaperSink
from terminal.broker.sim import paper_state
from terminal.broker.sim.config import SimConfig
from terminal.broker.sim.exchange import SimExchange
from terminal.broker.sim.faults import Faults
from terminal.broker.sim.feed import MarketFeed
from terminal.broker.sim.market import StepResult
from terminal.broker.sim.market_process import MarketProcess
from terminal.broker.sim.market_wire import merge
from terminal.broker.sim.orders import SimOrder
from terminal.broker.sim.outbox import Outbox
from terminal.broker.sim.sessions import Phase
from terminal.domain import (
    AccountSnapshot,
    Bar,
    Clock,
    Fill,
    Instrument,
    OptionChainParams,
    Order,
    Timeframe,
    UnknownInstrument,
)

log = logging.getLogger(__name__)

#: How often (virtual seconds) the account is re-published while positions are marked.
ACCOUNT_INTERVAL = 1.0
#: How often (virtual seconds) the paper account is saved when only prices moved; a fill or
#: an order change saves it at the next step.
PAPER_SAVE_INTERVAL = 5.0


class SimBroker(BrokerEvents):
    """The Broker port on the simulated exchange. Deterministic for a seed and a clock.

    Drive it with :meth:`step` (tests, benchmarks: virtual time) or let :meth:`start` run it on
    the event loop at the configured tick rate. Each step publishes at most one quote batch, one
    trade batch and one option-quote batch.

    With ``market_process`` (the app on wall time) :meth:`start` generates the market in a
    process of its own (:mod:`~terminal.broker.sim.market_process`), as a venue is another
    process: its steps stream over a socket into a mirror of the market here, which matching,
    fills, depth and quotes read exactly as in-process. Our fills take liquidity from the
    mirror's book; the child does not see them, so they consume the touch until the market
    requotes that instrument (its next step overwrites the book). Steps that queued while the
    loop was busy are applied in order (each one matched) and published as one batch: the
    terminal falls behind by at most one loop turn, never by a backlog. If the process dies or
    its socket breaks the connection drops with the reason; :meth:`connect` starts a new one.

    Events:
        connection_changed(state: ConnectionState, message: str)
        quotes_received(quotes: Sequence[Quote]): subscribed instruments whose quote changed.
        trades_received(trades: Sequence[Trade]): prints of subscribed instruments.
        depth_received(book: DepthBook): one per subscribed book that changed.
        bar_received(key: str, timeframe: Timeframe, bar: Bar): a subscribed forming bar changed.
        option_quotes_received(quotes: Sequence[OptionQuote]): subscribed chains.
        order_status_received(update: OrderStatusUpdate): ``order_id`` is our client order id.
        fill_received(fill: Fill): emitted before the status update of the same execution.
        account_received(account: AccountSnapshot)
        error_reported(code: int, message: str)

    Args:
        clock: The time source (``ManualClock`` in tests, ``WallClock`` in the app).
        config: The simulator configuration.
        seed: Fixes the market path, option tape and history.
        market_process: Generate the market in a separate process when :meth:`start` runs it
            (wall time only: the child steps on its own clock).
        process_steps_on_command: Test hook: the market process steps only on
            :meth:`step_market_process`, so its path can be compared with :meth:`step`'s.
    """

    name = "sim"
    capabilities = BrokerCapabilities(
        native_brackets=True, native_oca=True, global_cancel=True, combos=True
    )

    def __init__(
        self,
        clock: Clock,
        config: SimConfig | None = None,
        seed: int = 0,
        *,
        market_process: bool = False,
        process_steps_on_command: bool = False,
    ) -> None:
        self.clock = clock
        self.config = config or SimConfig()
        self.exchange = SimExchange(clock, self.config, seed)
        self.feed = MarketFeed(self.exchange.market, self.exchange.venue)
        self.faults = Faults()
        self.outbox = Outbox()
        BrokerEvents.__init__(self)
        self._state = ConnectionState.DISCONNECTED
        self._bar_subs: set[tuple[str, Timeframe]] = set()
        self._last_step = clock.now()
        self._last_account = self._last_step
        self._account_dirty = False
        self._task: asyncio.Task[None] | None = None
        self._flush_scheduled = False
        self._paper_sink: PaperSink | None = None
        self._paper_dirty = False
        self._paper_saved = self._last_step
        self._round_trip: float | None = None
        self._measured_at: dt.datetime | None = None
        self.market_process = market_process
        self._steps_on_command = process_steps_on_command
        #: The running market process (``market_process`` mode, between start and stop).
        self.process: MarketProcess | None = None
        self._process_runs = 0
        self._process_lost = False
        #: Quote updates the venue made (every instrument requoted, subscribed or not, before
        #: steps that queued were published together): what a storm asked of the terminal.
        self.venue_updates = 0

    # -- connection -------------------------------------------------------------------------------
    @property
    def connection_state(self) -> ConnectionState:
        return self._state

    @property
    def next_attempt(self) -> dt.datetime | None:
        return None  # connecting never fails: nothing to wait for

    def connect_now(self) -> None:
        """Nothing to do: connecting to the in-process exchange never waits."""

    def health(self) -> BrokerHealth:
        """In-process: the round trip is the configured acknowledgement latency; no wire, so no
        message rate, pacing limit or queue to report (the health view shows "n/a")."""
        return BrokerHealth(
            state=self._state,
            round_trip=self._round_trip,
            measured_at=self._measured_at,
            messages_per_second=None,
            queued_orders=None,
            queued_data=None,
        )

    async def measure_round_trip(self) -> float:
        """The simulated acknowledgement latency (virtual seconds): no wire to time."""
        self._require_connection()
        self._round_trip, self._measured_at = self.config.ack_latency, self.clock.now()
        return self.config.ack_latency

    async def connect(self, *, retry: bool = False) -> None:
        """Connect (instant; ``retry`` changes nothing). After the market process was lost,
        start a new one."""
        self._set_state(ConnectionState.CONNECTED, "connected to the simulated exchange")
        if self._process_lost:
            self._process_lost = False
            self.start()

    async def disconnect(self) -> None:
        """Disconnect and stop the run loop if it is running (the paper account is saved)."""
        await self.stop()
        self._save_paper(self.clock.now())
        self._set_state(ConnectionState.DISCONNECTED, "disconnected by request")

    def _set_state(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self.connection_changed.emit(state, message)

    def _require_connection(self) -> None:
        if self._state is ConnectionState.DISCONNECTED:
            raise NotConnected("the simulated exchange is not connected")

    # -- running ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Run the market at ``config.tick_interval`` on wall time: on the event loop, or with
        ``market_process`` in a process of its own."""
        if self._task is None or self._task.done():
            run = self._run_process(self._new_process()) if self.market_process else self.run()
            self._task = asyncio.get_running_loop().create_task(run, name="sim-market")

    async def stop(self) -> None:
        """Stop the run loop started by :meth:`start`, and the market process with it (reaped:
        it does not outlive this call)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        process, self.process = self.process, None
        if process is not None:
            await process.close()

    async def run(self) -> None:
        """Step the market forever, one batch per tick interval, at the clock's pace."""
        while True:
            await asyncio.sleep(self.config.tick_interval)
            self.step()

    def _new_process(self) -> MarketProcess:
        self._process_runs += 1
        market = self.exchange.market
        if self._process_runs > 1:  # a new process: a new path from where the market stands
            market.rng = np.random.default_rng([self.exchange.seed, 0, self._process_runs])
        self.process = MarketProcess(
            market, self.config.tick_interval, steps_on_command=self._steps_on_command
        )
        return self.process

    async def _run_process(self, process: MarketProcess) -> None:
        """Start the market process, then keep time here: reports come due, the trading day
        rolls and the account is published even while the market is closed and sends nothing."""
        await process.open(self._on_process_steps, self._on_process_lost)
        while True:
            await asyncio.sleep(self.config.tick_interval)
            self._absorb([], self.clock.now())

    def _on_process_steps(self, steps: Iterator[StepResult]) -> None:
        self._absorb(steps, self.clock.now())

    def _on_process_lost(self, reason: str) -> None:
        log.error("%s", reason)
        self.process = None
        self._process_lost = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self.drop_connection(f"{reason}; reconnect to start a new one")

    def want_prints(self, keys: Iterable[str] | None) -> None:
        super().want_prints(keys)
        self.feed.print_only(self.print_keys)

    def step_market_process(self, dt_seconds: float, activity: float = 1.0) -> None:
        """Test hook (``process_steps_on_command``): ask the market process for one step; it
        arrives, and is published, when the loop reads it."""
        if self.process is None:
            raise BrokerError("the market process is not running")
        self.process.step_now(dt_seconds, activity)

    def _absorb(self, steps: Iterable[StepResult], now: dt.datetime) -> None:
        """One turn in process mode: what :meth:`step` does, with the market's steps read from
        the process instead of made here (each one matched, all published as one batch)."""
        self._last_step = now
        ex = self.exchange
        ex.roll_day(now)
        self._deliver()
        results = []
        for res in steps:  # written into the mirror one at a time: each matched as it stood
            ex.absorb(res, now)
            results.append(res)
            self.venue_updates += int(res.quoted.size)
        self._finish_step(merge(results) if results else None, now)

    def step(self, dt_seconds: float | None = None) -> None:
        """Advance the exchange by one tick and publish what changed.

        Args:
            dt_seconds: Market time to simulate; by default the clock time since the last step
                (capped at a minute so a stalled loop does not produce a jump).
        """
        now = self.clock.now()
        if dt_seconds is None:
            dt_seconds = min(max((now - self._last_step).total_seconds(), 0.0), 60.0)
        self._last_step = now
        ex = self.exchange
        ex.roll_day(now)
        self._deliver()
        res = ex.advance(dt_seconds, now)
        if res is not None:
            self.venue_updates += int(res.quoted.size)
        self._finish_step(res, now)

    def _finish_step(self, res: StepResult | None, now: dt.datetime) -> None:
        self._deliver()
        if res is not None and self._state is not ConnectionState.DISCONNECTED:
            self._publish(res, now)
        if self._account_dirty or (now - self._last_account).total_seconds() >= ACCOUNT_INTERVAL:
            self._publish_account(now)
        if self._paper_dirty or (now - self._paper_saved).total_seconds() >= PAPER_SAVE_INTERVAL:
            self._save_paper(now)

    def _publish(self, res: StepResult, now: dt.datetime) -> None:
        quotes = self.feed.quotes(res, now)
        if quotes:
            self.quotes_received.emit(quotes)
        trades = self.feed.trades(res, now)
        if trades:
            self.trades_received.emit(trades)
        for book in self.feed.books(res, now):
            self.depth_received.emit(book)
        ex = self.exchange
        option_quotes = ex.options.quotes(
            ex.market.bid * 0.5 + ex.market.ask * 0.5,
            ex.market.sigma,
            _mask(ex.market.n, res.quoted),
            now,
            ex.option_rng,
        )
        if option_quotes:
            self.option_quotes_received.emit(option_quotes)
        if self._bar_subs:
            traded = {ex.market.symbols[i] for i in res.traded.tolist()}
            for key, timeframe in sorted(self._bar_subs):
                bar = ex.forming_bar(key, timeframe) if key in traded else None
                if bar is not None:
                    self.bar_received.emit(key, timeframe, bar)

    def _publish_account(self, now: dt.datetime) -> None:
        self._last_account = now
        self._account_dirty = False
        if self._state is not ConnectionState.DISCONNECTED:
            self.account_received.emit(self._snapshot())

    def _snapshot(self) -> AccountSnapshot:
        ex = self.exchange
        return ex.account.snapshot(ex.mark, ex.underlying_mark, self.clock.now())

    # -- report delivery --------------------------------------------------------------------------
    def _schedule(self, delay: float, action: Callable[[], None], order_id: str | None) -> None:
        due = self.clock.now() + dt.timedelta(seconds=delay)
        self.outbox.put(due, action, order_id)
        self._wake()

    def _wake(self) -> None:
        # With the run loop active, deliver due reports on the next loop turn instead of
        # waiting for the next tick; never synchronously inside the request.
        if self._task is None or self._flush_scheduled:
            return
        self._flush_scheduled = True
        asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._deliver()

    def _deliver(self) -> None:
        while True:
            self._drain_reports()
            action = self.outbox.pop_due(self.clock.now())
            if action is None:
                break
            action()
        self._drain_reports()

    def _drain_reports(self) -> None:
        reports = self.exchange.engine.reports
        if not reports:
            return
        self._paper_dirty = True  # an order or the account changed: save it at the next step
        for kind, payload in reports:
            delay = self.faults.extra_delay + (self.config.fill_latency if kind == "fill" else 0.0)
            due = self.clock.now() + dt.timedelta(seconds=delay)
            self.outbox.put(due, functools.partial(self._emit_report, payload), payload.order_id)
        reports.clear()

    def _emit_report(self, payload: OrderStatusUpdate | Fill) -> None:
        if self._state is ConnectionState.DISCONNECTED:
            return  # lost on the wire; reconciliation recovers it from open_orders/executions
        if isinstance(payload, Fill):
            self._account_dirty = True
            self.fill_received.emit(payload)
        else:
            self.order_status_received.emit(payload)

    # -- reference and market data ----------------------------------------------------------------
    async def qualify(self, symbol: str) -> Instrument:
        """Resolve a stock symbol or an option key; raise UnknownInstrument otherwise."""
        return self.exchange.instrument(symbol)

    def _known(self, instrument: Instrument) -> None:
        if not self.exchange.known(instrument):
            raise UnknownInstrument(f"unknown instrument {instrument.key!r}")

    async def subscribe_quotes(self, instrument: Instrument) -> None:
        self._require_connection()
        self._known(instrument)
        self.feed.add_quotes(instrument)

    async def unsubscribe_quotes(self, instrument: Instrument) -> None:
        self.feed.remove_quotes(instrument)

    async def subscribe_depth(self, instrument: Instrument, levels: int = 10) -> None:
        self._require_connection()
        self._known(instrument)
        self.feed.depth.add(instrument.key)
        self.depth_received.emit(self.feed.book(instrument.key, self.clock.now()))

    async def unsubscribe_depth(self, instrument: Instrument) -> None:
        self.feed.depth.discard(instrument.key)

    async def history_bars(
        self, instrument: Instrument, timeframe: Timeframe, count: int
    ) -> Sequence[Bar]:
        self._require_connection()
        return self.exchange.history(instrument.key, timeframe, count)

    async def subscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self._require_connection()
        self._known(instrument)
        self._bar_subs.add((instrument.key, timeframe))

    async def unsubscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self._bar_subs.discard((instrument.key, timeframe))

    async def option_chain_params(self, underlying: Instrument) -> OptionChainParams:
        self._require_connection()
        options = self.exchange.options
        if not options.is_optionable(underlying.key):
            raise UnknownInstrument(f"{underlying.key} lists no options")
        return OptionChainParams(underlying.key, options.expiries, options.strikes[underlying.key])

    async def subscribe_option_chain(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float]
    ) -> Sequence[Instrument]:
        self._require_connection()
        options = self.exchange.options
        if not options.is_optionable(underlying.key) or expiry not in options.expiries:
            raise UnknownInstrument(f"no {underlying.key} options expire on {expiry}")
        contracts = options.subscribe(underlying.key, expiry, list(strikes))
        for contract in contracts:
            self.exchange.venue.register(contract)
        return contracts

    async def unsubscribe_option_chain(self, underlying: Instrument, expiry: dt.date) -> None:
        self.exchange.options.unsubscribe(underlying.key, expiry)

    # -- orders -----------------------------------------------------------------------------------
    async def place_order(self, order: Order, *, more_follow: bool = False) -> str:
        """Send ``order``; the acknowledgement (or rejection) arrives after the ack latency."""
        self._require_connection()
        ex = self.exchange
        reason = ex.check(order, self.faults.halted)
        injected = self.faults.take_rejection()
        so = ex.engine.submit(order, ex.day)
        if reason is None and injected is not None:
            reason = injected
        if reason is not None:
            rejected: str = reason
            self._schedule(
                self.config.ack_latency, lambda: ex.engine.reject(so, rejected), order.id
            )
        else:
            self._schedule(self.config.ack_latency, lambda: self._activate(so), order.id)
        return so.broker_id

    def _activate(self, so: SimOrder) -> None:
        phase = self.exchange.calendar.phase(self.clock.now())
        self.exchange.engine.activate(so, phase is Phase.REGULAR)

    async def modify_order(self, order: Order) -> None:
        """Change a working order's prices or quantity (after the ack latency)."""
        self._require_connection()
        if order.id not in self.exchange.engine.by_client:
            raise BrokerError(f"unknown order {order.id}")
        engine = self.exchange.engine
        refusal = self.faults.take_modify_refusal()
        if refusal is not None:
            reason: str = refusal
            self._schedule(
                self.config.ack_latency, lambda: engine.refuse_modify(order.id, reason), order.id
            )
            return
        self._schedule(self.config.ack_latency, lambda: engine.modify(order), order.id)

    async def cancel_order(self, order: Order) -> None:
        """Request a cancel; it is confirmed (or refused) after the ack latency."""
        self._require_connection()
        if order.id not in self.exchange.engine.by_client:
            raise BrokerError(f"unknown order {order.id}")
        self._schedule(
            self.config.ack_latency, lambda: self.exchange.engine.cancel(order.id), order.id
        )

    async def cancel_all(self) -> None:
        """Cancel every working order (after the ack latency)."""
        self._require_connection()
        self._schedule(self.config.ack_latency, self.exchange.engine.cancel_all, None)

    # -- reconciliation ---------------------------------------------------------------------------
    async def open_orders(self) -> Sequence[OrderStatusUpdate]:
        self._require_connection()
        now = self.clock.now()
        return [so.snapshot(now) for so in self.exchange.engine.orders.values() if so.is_working]

    async def executions(self, since: dt.datetime | None = None) -> Sequence[Fill]:
        self._require_connection()
        return [f for f in self.exchange.account.fills if since is None or f.time >= since]

    async def positions(self) -> Sequence[BrokerPosition]:
        self._require_connection()
        return [
            BrokerPosition(p.instrument, p.quantity, p.avg_cost)
            for p in self.exchange.account.positions.values()
            if not p.is_flat
        ]

    async def account(self) -> AccountSnapshot:
        self._require_connection()
        return self._snapshot()

    # -- the paper account -------------------------------------------------------------------------
    @property
    def paper_account_id(self) -> str:
        """The simulated account's id (``config.account_id``)."""
        return self.config.account_id

    def restore_paper_account(self, account: PaperAccount) -> list[str]:
        """Continue from a saved account; call before :meth:`connect`.

        The market continues from the saved prices when the seed is the one it was saved with;
        a different seed starts a new market and the positions are marked at its prices.

        Returns:
            What could not be restored, one sentence each.

        Raises:
            BrokerError: already connected, or the account is another account.
        """
        if (
            self._state is not ConnectionState.DISCONNECTED
            or self.exchange.engine.orders
            or self.process is not None  # its mirror is the market it streams into
        ):
            raise BrokerError("a paper account can only be restored before trading starts")
        if account.account_id != self.config.account_id:
            raise BrokerError(
                f"saved account {account.account_id} is not this exchange's account "
                f"{self.config.account_id}"
            )
        same_market = account.seed == self.exchange.seed
        prices = paper_state.saved_prices(account) if same_market else None
        self.exchange = SimExchange(
            self.clock, self.config, self.exchange.seed, prices, account.trading_day
        )
        self.feed = MarketFeed(self.exchange.market, self.exchange.venue)
        return paper_state.restore(self.exchange, account)

    def keep_paper_account(self, sink: PaperSink | None) -> None:
        """Hand the account to ``sink`` after each change (at most once a step) and every
        :data:`PAPER_SAVE_INTERVAL` seconds as prices move, and at disconnect."""
        self._paper_sink = sink

    def paper_account(self) -> PaperAccount:
        """Return the account as it is now."""
        return paper_state.capture(self.exchange, self.clock.now())

    def reset_paper_account(self) -> PaperAccount:
        """Start the account anew: starting cash, no positions, no orders; the market goes on.

        Every working order is reported CANCELLED ("simulated account reset") before the
        account is replaced, so the order book closes them; requests still in flight were for
        the old account and are dropped.

        Returns:
            The account as it was before the reset.
        """
        self._deliver()  # what is due now still arrives
        before = self.paper_account()
        now = self.clock.now()
        cancelled = paper_state.reset(self.exchange, now)
        self.outbox = Outbox()
        if self._state is not ConnectionState.DISCONNECTED:
            for update in cancelled:
                self.order_status_received.emit(update)
        self._account_dirty = True
        self._save_paper(now)
        return before

    def _save_paper(self, now: dt.datetime) -> None:
        self._paper_saved = now
        self._paper_dirty = False
        if self._paper_sink is not None:
            self._paper_sink(paper_state.capture(self.exchange, now))

    # -- fault injection (tests) ------------------------------------------------------------------
    def drop_connection(self, message: str = "connection to the simulated exchange lost") -> None:
        """Lose the connection: reports and market data are lost until it is restored."""
        self._set_state(ConnectionState.DISCONNECTED, message)

    def restore_connection(self, *, data_lost: bool = True) -> None:
        """Reconnect; with ``data_lost`` every market-data subscription must be renewed."""
        if data_lost:
            self.feed.clear()
            self.exchange.options.clear()
            self._bar_subs.clear()
        state = ConnectionState.DATA_LOST if data_lost else ConnectionState.CONNECTED
        self._set_state(state, "connection to the simulated exchange restored")

    def reject_next_order(self, reason: str = "rejected by the exchange (injected fault)") -> None:
        """Make the next placed order come back REJECTED_BY_BROKER with ``reason``."""
        self.faults.reject_next.append(reason)

    def refuse_next_modify(self, reason: str = "modify refused by the exchange (injected)") -> None:
        """Make the next modification come back refused with ``reason``: the order keeps
        working at the terms it had."""
        self.faults.refuse_modify_next.append(reason)

    def delay_responses(self, seconds: float) -> None:
        """Add ``seconds`` of latency to every report from now on (0 clears it)."""
        if seconds < 0:
            raise ValueError("delay must not be negative")
        self.faults.extra_delay = seconds

    def halt(self, symbol: str) -> None:
        """Halt an instrument: its quotes freeze, its orders stop filling, new ones are rejected."""
        key = symbol.strip().upper()
        self.faults.halted.add(key)
        self._halt(key, True)
        self.error_reported.emit(10_000, f"{key} is halted")

    def resume(self, symbol: str) -> None:
        """Lift a halt."""
        key = symbol.strip().upper()
        self.faults.halted.discard(key)
        self._halt(key, False)
        self.error_reported.emit(10_001, f"{key} resumed trading")

    def _halt(self, key: str, halted: bool) -> None:
        market = self.exchange.market
        market.halt(key, halted)
        i = market.index.get(key)
        if i is not None and self.process is not None:
            self.process.halt(i, halted)


def _mask(n: int, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(n, dtype=np.bool_)
    mask[idx] = True
    return mask
