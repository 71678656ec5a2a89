"""The Gateway: a TWS stand-in on its own asyncio loop in a background thread.

The thread model makes it independent of the client's loop (plain asyncio, qasync, or another
process). Every control method is thread-safe: it runs on the gateway loop and waits for the
result. Introspection returns copies. ``until`` (async, from any loop) and ``wait_until``
(blocking) re-check a predicate each time the gateway's state changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import random
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from . import account_flow, order_flow
from .core import GatewayCore, GatewayOptions, ReceivedMessage
from .fault_controls import CALL_TIMEOUT, FaultControls
from .instruments import StockSeed
from .listener import Listener
from .market import Quote
from .order_messages import Execution
from .rates import busiest_window
from .requests import PlacedOrder
from .snapshots import OrderSnapshot, PositionSnapshot, order_snapshot
from .waiting import StateWatch

log = logging.getLogger("tests.ib.gateway")
T = TypeVar("T")


class Gateway(FaultControls):
    """A loopback TWS / IB Gateway speaking the TWS API at server version 176.

    Options (keyword arguments, see :class:`GatewayOptions`): ``accounts``, ``seed``,
    ``delayed``, ``max_market_data_lines`` (100), ``max_depth_requests`` (3), ``partial_fills``,
    ``history_pacing_seconds`` (15), ``realtime_bar_seconds`` (5), ``next_order_id`` (1),
    ``cash``, ``stream_interval`` (None: no streamer), ``account_pnl`` (True: reqPnL and
    reqPnLSingle answered, daily P&L from the start of the day), ``bag_executions`` (True: a
    combo's fill also sends the BAG's own execution); plus ``host`` and ``port``.

    Controls: ``set_quote``, ``stream``/``stop_stream``, ``fill``, ``reject_next_order``,
    ``drop_connections``, ``send_error``, ``farm_message``, ``silence_feed``/``resume_feed``,
    ``omit_order_refs``, ``hold_commissions``/``release_commissions``,
    ``hold_replies``/``release_replies``, ``stall``, ``repeat_messages``,
    ``refuse_connections`` (those in :class:`FaultControls`),
    ``add_stock``, ``set_position``, ``publish_account``.
    Introspection (copies): ``received``, ``received_ids``, ``message_rate``, ``placed_orders``,
    ``orders``/``order``, ``executions``, ``positions``/``position``, ``account_values``,
    ``quote``, ``con_id``, ``connections``, ``total_connections``, ``client_ids``,
    ``market_data_lines``, ``depth_subscriptions``, ``history_subscriptions``,
    ``held_replies``, ``internal_errors``. Waiting: ``until`` (async), ``wait_until`` (blocking).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        self.options = GatewayOptions(**options)
        self._watch: StateWatch[Gateway] = StateWatch(self)
        self._core = GatewayCore(self.options, self._watch.changed)
        self._listener = Listener(self._core, host, port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None
        self._stream_task: asyncio.Task[None] | None = None

    @property
    def host(self) -> str:
        """The interface the gateway listens on."""
        return self._listener.host

    @property
    def port(self) -> int:
        """The port it listens on (the real one once started with port 0)."""
        return self._listener.port

    # -- lifecycle ---------------------------------------------------------------------------

    def start_in_thread(self) -> Gateway:
        """Start the loop thread and listen; return once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("gateway already started")
        self._thread = threading.Thread(target=self._run, name="ib-gateway", daemon=True)
        self._thread.start()
        self._started.wait(CALL_TIMEOUT)
        if self._start_error is not None:
            raise self._start_error
        if not self._started.is_set():
            raise TimeoutError("gateway did not start")
        log.info("gateway listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        """Close every connection and the listener; stop the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(CALL_TIMEOUT)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(CALL_TIMEOUT)

    def __enter__(self) -> Gateway:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._listener.listen())
            if self.options.stream_interval:
                self._start_stream(self.options.stream_interval, None)
        except BaseException as exc:  # report to start_in_thread
            self._start_error = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _shutdown(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
        await self._listener.close()

    # -- thread plumbing ---------------------------------------------------------------------

    def _call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the gateway loop and return its result (directly once stopped)."""
        loop, thread = self._loop, self._thread
        if (
            loop is None
            or thread is None
            or not thread.is_alive()
            or threading.current_thread() is thread
        ):
            return fn()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(CALL_TIMEOUT)

    def _control(self, fn: Callable[[], T]) -> T:
        def run() -> T:
            try:
                return fn()
            finally:
                self._changed()

        return self._call(run)

    def _changed(self) -> None:
        self._watch.changed()

    # -- waiting -----------------------------------------------------------------------------

    async def until(
        self,
        predicate: Callable[[Gateway], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (the brief's API: the caller states the bound)
        what: str = "condition",
    ) -> None:
        """Wait (on the caller's loop) until ``predicate(gateway)`` holds; TimeoutError(what).

        A predicate raising LookupError (``order(7)`` before order 7 arrived) counts as False.
        """
        await self._watch.until(predicate, timeout, what)

    def wait_until(
        self, predicate: Callable[[Gateway], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Block until ``predicate(gateway)`` holds; TimeoutError(what) after ``timeout``."""
        self._watch.wait_until(predicate, timeout, what)

    # -- introspection (copies) --------------------------------------------------------------

    @property
    def received(self) -> list[ReceivedMessage]:
        """Every message clients sent: (monotonic, wall time, clientId, msgId, fields)."""
        return self._call(lambda: list(self._core.received))

    @property
    def placed_orders(self) -> list[PlacedOrder]:
        """Every placeOrder as decoded (modifications included), with ``received_at``."""
        return self._call(lambda: list(self._core.placed))

    @property
    def connections(self) -> int:
        """API sessions connected now (sockets that sent startApi)."""
        return self._call(lambda: len(self._core.clients()))

    @property
    def total_connections(self) -> int:
        """Sockets accepted since start (refused ones not counted)."""
        return self._call(lambda: self._core.total_connections)

    @property
    def client_ids(self) -> list[int]:
        """clientIds of the connected sessions."""
        return self._call(lambda: sorted(self._core.clients()))

    @property
    def internal_errors(self) -> list[str]:
        """Exceptions the gateway hit while answering (a bug in the gateway, not the client)."""
        return self._call(lambda: list(self._core.internal_errors))

    def received_ids(self, client_id: int | None = None) -> list[int]:
        """Message ids received, in order (optionally from one client)."""
        return [m.msg_id for m in self.received if client_id is None or m.client_id == client_id]

    def message_rate(self, client_id: int | None = None, window: float = 1.0) -> int:
        """Most messages one client sent within any ``window`` seconds, by the gateway's
        arrival times (worst client if None)."""
        per_client: dict[int, list[float]] = {}
        for m in self.received:
            if client_id is None or m.client_id == client_id:
                per_client.setdefault(m.client_id, []).append(m.monotonic)
        return max((busiest_window(times, window) for times in per_client.values()), default=0)

    def orders(self) -> list[OrderSnapshot]:
        """Every order of every client, oldest first."""
        return self._call(lambda: [order_snapshot(o) for o in self._core.book.all()])

    def order(self, order_id: int, client_id: int | None = None) -> OrderSnapshot:
        """One order (``client_id`` needed only when several clients used ``order_id``)."""
        return self._call(lambda: order_snapshot(self._core.book.find(order_id, client_id)))

    def executions(self) -> list[Execution]:
        """Every execution, oldest first."""
        return self._call(lambda: list(self._core.executions))

    def positions(self, account: str | None = None) -> list[PositionSnapshot]:
        """Positions on the books (closed ones stay, with quantity 0)."""

        def read() -> list[PositionSnapshot]:
            return [
                PositionSnapshot(
                    a.name,
                    h.instrument.symbol,
                    h.instrument.local_symbol,
                    h.instrument.con_id,
                    h.quantity,
                    h.avg_cost,
                )
                for a in self._core.accounts.values()
                if account is None or a.name == account
                for h in a.positions()
            ]

        return self._call(read)

    def position(self, local_symbol: str, account: str | None = None) -> float:
        """Quantity held of a stock (its symbol) or an option (its OCC local symbol)."""
        return sum(p.quantity for p in self.positions(account) if p.local_symbol == local_symbol)

    def account_values(self, account: str | None = None) -> dict[str, str]:
        """Account values (USD) of ``account`` (the first one by default)."""

        def read() -> dict[str, str]:
            name = account or self._core.primary_account
            return self._core.accounts[name].values(self._core.market)

        return self._call(read)

    def quote(self, symbol: str | int) -> Quote:
        """Current quote of a stock symbol, an option local symbol, or a conId."""
        return self._call(lambda: self._core.market.quote(self._core.instrument_for(symbol)))

    def con_id(self, symbol: str) -> int:
        """conId of a stock symbol or option local symbol."""
        return self._call(lambda: self._core.instrument_for(symbol).con_id)

    def market_data_lines(self) -> int:
        """Market-data lines in use across all sessions."""
        return self._call(lambda: sum(c.line_count for c in self._core.connections.values()))

    def depth_subscriptions(self) -> int:
        """Depth subscriptions in use across all sessions."""
        return self._call(lambda: sum(len(c.depth) for c in self._core.connections.values()))

    def history_subscriptions(self) -> int:
        """keepUpToDate bar subscriptions across all sessions."""
        return self._call(lambda: sum(len(c.history) for c in self._core.connections.values()))

    # -- controls ----------------------------------------------------------------------------

    def set_quote(
        self,
        symbol: str,
        *,
        bid: float | None = None,
        ask: float | None = None,
        last: float | None = None,
        volume: float | None = None,
        bid_size: float | None = None,
        ask_size: float | None = None,
        last_size: float | None = None,
    ) -> Quote:
        """Change a stock's quote; subscribers get ticks, orders are re-matched."""

        def run() -> Quote:
            quote = self._core.market.update(
                symbol,
                bid=bid,
                ask=ask,
                last=last,
                volume=volume,
                bid_size=bid_size,
                ask_size=ask_size,
                last_size=last_size,
            )
            self._core.price_changed({symbol})
            return quote

        return self._control(run)

    def stream(self, interval: float = 0.25, seed: int | None = None) -> None:
        """Start the random-walk streamer (deterministic for a seed; the gateway's by default)."""
        self._control(lambda: self._start_stream(interval, seed))

    def stop_stream(self) -> None:
        """Stop the random-walk streamer."""

        def run() -> None:
            if self._stream_task is not None:
                self._stream_task.cancel()
                self._stream_task = None

        self._control(run)

    def _start_stream(self, interval: float, seed: int | None) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
        rng = random.Random(self.options.seed if seed is None else seed)
        assert self._loop is not None
        self._stream_task = self._loop.create_task(self._walk(rng, interval))

    async def _walk(self, rng: random.Random, interval: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval)
                changed = self._core.market.walk(rng)
                self._core.price_changed(set(changed))
        except Exception as exc:  # a gateway bug: stop streaming, report it at exit
            log.exception("the streamer failed")
            self._core.internal_errors.append(f"streamer: {exc!r}")

    def fill(
        self,
        order_id: int,
        quantity: float | None = None,
        price: float | None = None,
        client_id: int | None = None,
    ) -> OrderSnapshot:
        """Fill a working order by hand (all of it at the market price unless told otherwise).

        Works while the owner is disconnected: the fill is booked and the client learns it
        from reqExecutions / reqCompletedOrders after reconnecting.
        """

        def run() -> OrderSnapshot:
            order = self._core.book.find(order_id, client_id)
            order_flow.process(self._core, self._core.book.fill(order, quantity, price))
            return order_snapshot(self._core.book.find(order_id, order.client_id))

        return self._control(run)

    def add_stock(
        self,
        symbol: str,
        price: float,
        *,
        con_id: int | None = None,
        long_name: str = "",
        primary_exchange: str = "NYSE",
        stock_type: str = "COMMON",
        volatility: float = 0.3,
        with_options: bool = False,
        currency: str = "USD",
    ) -> int:
        """List another stock (and an option chain on it, in the stock's currency); return its
        conId."""

        def run() -> int:
            universe = self._core.universe
            seed = StockSeed(
                symbol=symbol,
                con_id=con_id or 900_000 + len(universe.by_con_id),
                price=price,
                primary_exchange=primary_exchange,
                long_name=long_name or f"{symbol} INC",
                stock_type=stock_type,
                market_name=symbol,
                isin="",
                industry="",
                category="",
                subcategory="",
                volatility=volatility,
                has_options=with_options,
                currency=currency,
            )
            stock = universe.add_stock(seed)
            self._core.market.add(symbol, price)
            return stock.con_id

        return self._control(run)

    def set_position(
        self, symbol: str, quantity: float, avg_cost: float, account: str | None = None
    ) -> None:
        """Put a position on the books (per-share/per-option price as ``avg_cost``)."""

        def run() -> None:
            name = account or self._core.primary_account
            instrument = self._core.instrument_for(symbol)
            close = self._core.market.quote(instrument).close
            self._core.accounts[name].set_position(instrument, quantity, avg_cost, close)
            account_flow.publish(self._core, self._core.accounts[name], instrument)

        self._control(run)

    def publish_account(self, account: str | None = None) -> None:
        """Re-send account values, portfolio and P&L to subscribers (TWS does every 3 min)."""

        def run() -> None:
            name = account or self._core.primary_account
            account_flow.publish(self._core, self._core.accounts[name], None)

        self._control(run)


@contextlib.contextmanager
def running_gateway(check_errors: bool = True, **options: Any) -> Iterator[Gateway]:
    """Start a gateway on 127.0.0.1 (ephemeral port by default), stop it on exit.

    With ``check_errors`` an exception the gateway hit while answering fails the test at exit.
    """
    gateway = Gateway(**options).start_in_thread()
    try:
        yield gateway
    finally:
        errors = gateway.internal_errors
        gateway.stop()
    if check_errors and errors:
        raise AssertionError(f"gateway internal errors: {errors}")
