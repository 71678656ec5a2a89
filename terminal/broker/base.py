"""The Broker port: what the core needs from any broker, in domain types only.

The simulated exchange (:mod:`terminal.broker.sim`) and the Interactive Brokers adapter
(:mod:`terminal.broker.ib`) implement it; tests use a scriptable ``FakeBroker``. No broker
library type ever crosses this boundary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, runtime_checkable

from eventkit import Event

from terminal.domain import (
    AccountSnapshot,
    Bar,
    Fill,
    Instrument,
    OptionChainParams,
    Order,
    OrderStatus,
    Timeframe,
)


class ConnectionState(StrEnum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    #: Connected again after a loss; market data subscriptions must be renewed (IB code 1101).
    DATA_LOST = "data_lost"


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """The connection as the trader sees it: its state, the broker's last word on it, and, while
    the broker waits to (re)connect, when the next attempt is due.

    The status bar shows ``message`` and counts down to ``next_attempt`` ("next attempt in 8 s",
    see :meth:`seconds_to_next_attempt`); a "try now" action calls ``TradingApp.connect_now``.
    """

    state: ConnectionState
    message: str = ""
    next_attempt: dt.datetime | None = None

    def seconds_to_next_attempt(self, now: dt.datetime) -> float | None:
        """Seconds until the next attempt (0 when it is due), or None when none waits."""
        if self.next_attempt is None:
            return None
        return max(0.0, (self.next_attempt - now).total_seconds())


@dataclass(frozen=True, slots=True)
class BrokerHealth:
    """How the broker connection is doing now (cheap to read; the health view polls it).

    Attributes:
        state: The connection state.
        round_trip: The last measured request round trip, seconds (None: not measured yet, or
            the last attempt got no answer: see ``round_trip_error``).
        measured_at: When ``round_trip`` was measured.
        round_trip_error: Why the last measurement failed ("" when it did not).
        messages_per_second: Messages sent to the broker in the last second (None: the broker
            has no wire to count, e.g. the in-process simulator).
        message_limit: The broker's own limit per second (IB disconnects over 50), if any.
        throttle_limit: What the adapter allows itself per second (IB: 40), if it paces.
        queued_orders: Order messages waiting to go out (None: the broker queues nothing).
        queued_data: Data requests waiting to go out (None: the broker queues nothing).
        next_attempt: When the next connection attempt is due while (re)connecting.
    """

    state: ConnectionState
    round_trip: float | None = None
    measured_at: dt.datetime | None = None
    round_trip_error: str = ""
    messages_per_second: int | None = 0
    message_limit: int | None = None
    throttle_limit: int | None = None
    queued_orders: int | None = 0
    queued_data: int | None = 0
    next_attempt: dt.datetime | None = None


class BrokerError(Exception):
    """A broker refused or failed a request. ``code`` is the broker's own code when it has one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class NotConnected(BrokerError):
    """The request needs a connection and there is none."""


@dataclass(frozen=True, slots=True)
class BrokerCapabilities:
    """What a broker does natively; the order manager emulates what it does not."""

    native_brackets: bool = False
    native_oca: bool = False
    global_cancel: bool = False
    depth_levels: int = 10
    options: bool = True
    #: The account snapshot carries the broker's own day P&L (``AccountSnapshot.day_pnl``).
    day_pnl: bool = False
    #: Takes combo orders (several legs as one order: IB's BAG; docs/combos.md).
    combos: bool = False


@dataclass(frozen=True, slots=True)
class BrokerTerms:
    """The terms a broker holds for one order: what it will trade at, whatever we asked for."""

    quantity: Decimal
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderStatusUpdate:
    """A broker's report on one order.

    ``order_id`` is our client order id (the broker echoes it; IB keeps it in ``orderRef``);
    ``None`` for orders we did not place. ``status`` is one of the broker-side statuses:
    SUBMITTED, ACCEPTED, PARTIALLY_FILLED, FILLED, CANCELLED, REJECTED_BY_BROKER, EXPIRED — or
    CANCEL_REQUESTED echoed back. Fill quantities and prices arrive as :class:`Fill`; the
    cumulative ``filled`` here is informative and used by reconciliation.
    """

    order_id: str | None
    broker_order_id: str
    status: OrderStatus
    filled: Decimal = Decimal(0)
    remaining: Decimal | None = None
    avg_fill_price: Decimal | None = None
    reason: str = ""
    time: dt.datetime | None = None
    #: True when a cancel request was refused and the order keeps working.
    cancel_rejected: bool = False
    #: True when a modification was refused: the order keeps working (or ended) at the terms
    #: the broker still holds, which ``terms`` carries, never at the ones we asked for.
    modify_rejected: bool = False
    #: The terms the broker holds for the order (with ``modify_rejected``; None: not reported).
    terms: BrokerTerms | None = None


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    instrument: Instrument
    quantity: Decimal
    avg_cost: Decimal


class BrokerEvents:
    """The Broker port's events, created once for any adapter that inherits this."""

    def __init__(self) -> None:
        self.connection_changed = Event("connection_changed")
        self.quotes_received = Event("quotes_received")
        self.trades_received = Event("trades_received")
        self.depth_received = Event("depth_received")
        self.bar_received = Event("bar_received")
        self.option_quotes_received = Event("option_quotes_received")
        self.order_status_received = Event("order_status_received")
        self.fill_received = Event("fill_received")
        self.commission_corrected = Event("commission_corrected")
        self.account_received = Event("account_received")
        self.error_reported = Event("error_reported")
        self.market_data_interrupted = Event("market_data_interrupted")
        self._library_events: list[Event] = []
        self._watch: Callable[[Iterable[Event]], None] | None = None
        #: The instruments whose prints are published (:meth:`want_prints`); None: every one.
        self.print_keys: frozenset[str] | None = None

    def want_prints(self, keys: Iterable[str] | None) -> None:
        """Publish ``trades_received`` for ``keys`` only (None: every quoted instrument).

        Prints come with the quote stream, but only a tape or a live bar keeps them: at storm
        rates a print object per trade of every watched instrument was a tenth of the GUI
        thread, built to be dropped.
        """
        self.print_keys = None if keys is None else frozenset(keys)

    def listen_library(self, events: Iterable[Event]) -> None:
        """Declare events of the broker's client library that the adapter listens to, so that a
        listener of them that raises is reported once :meth:`supervise` was called."""
        if self._watch is not None:
            self._watch(events)
        else:  # kept until the app supervises the adapter
            self._library_events.extend(events)

    def supervise(self, watch: Callable[[Iterable[Event]], None]) -> None:
        """Hand every library event the adapter listens to (now and later) to ``watch``."""
        self._watch = watch
        waiting, self._library_events = self._library_events, []
        watch(waiting)


@runtime_checkable
class Broker(Protocol):
    """The port every broker adapter implements. All methods are coroutines or cheap calls.

    Events (eventkit, emitted on the event loop):
        connection_changed(state: ConnectionState, message: str)
        quotes_received(quotes: Sequence[Quote]): a batch, at most one per packet / tick turn.
        trades_received(trades: Sequence[Trade]): trade prints, batched likewise, of the
            instruments named by ``want_prints`` (every quoted one until it is called).
        depth_received(book: DepthBook): a full book snapshot for one instrument.
        bar_received(key: str, timeframe: Timeframe, bar: Bar): the live bar changed.
        option_quotes_received(quotes: Sequence[OptionQuote]): a batch.
        order_status_received(update: OrderStatusUpdate)
        fill_received(fill: Fill): one execution, commission included (once per exec_id).
        commission_corrected(exec_id: str, commission: Decimal): the broker's commission for an
            execution already published differs from the one it carried (IB: a commission
            report that came after the adapter stopped waiting for it). ``commission`` is the
            execution's whole commission, not a difference.
        account_received(account: AccountSnapshot)
        error_reported(code: int, message: str): a broker message not tied to one order.
        market_data_interrupted(message: str): the broker says market data stopped although the
            connection stands (IB: a data farm broke, another session took the data); every
            feed counts as stale until its next update.
    """

    name: str
    capabilities: BrokerCapabilities

    connection_changed: Event
    quotes_received: Event
    trades_received: Event
    depth_received: Event
    bar_received: Event
    option_quotes_received: Event
    order_status_received: Event
    fill_received: Event
    commission_corrected: Event
    account_received: Event
    error_reported: Event
    market_data_interrupted: Event

    @property
    def connection_state(self) -> ConnectionState: ...

    @property
    def next_attempt(self) -> dt.datetime | None:
        """When the next connection attempt is due while the broker waits to connect or to
        reconnect (read it when ``connection_changed`` says DISCONNECTED), else None."""
        ...

    def connect_now(self) -> None:
        """Cut the wait before the next connection attempt short (nothing when none waits)."""
        ...

    def health(self) -> BrokerHealth:
        """The connection's health now: state, last round trip, message rate and queues."""
        ...

    async def measure_round_trip(self) -> float:
        """Time one request the broker must answer (IB: reqCurrentTime), in seconds, and keep
        it for :meth:`health`.

        Raises:
            NotConnected: not connected.
            BrokerError: no answer in time (kept as ``round_trip_error``).
        """
        ...

    def want_prints(self, keys: Iterable[str] | None) -> None:
        """Publish prints of ``keys`` only (None: of every quoted instrument)."""
        ...

    def supervise(self, watch: Callable[[Iterable[Event]], None]) -> None:
        """Hand the client library's events the adapter listens to (now and later) to ``watch``,
        which reports a listener that raises (eventkit alone would drop the exception)."""
        ...

    async def connect(self, *, retry: bool = False) -> None:
        """Connect; raise BrokerError when the broker cannot be reached.

        With ``retry`` a broker that does not answer is tried again with backoff, like a lost
        connection (each wait announced as DISCONNECTED with :attr:`next_attempt` set), until it
        answers or :meth:`disconnect` is called (then BrokerError). What retrying cannot fix (a
        live account not allowed, an account the login does not manage) raises at once.
        """
        ...

    async def disconnect(self) -> None: ...

    # -- reference data -------------------------------------------------------------------
    async def qualify(self, symbol: str) -> Instrument:
        """Resolve a symbol (or an option key) to an instrument; raise UnknownInstrument."""
        ...

    # -- market data ----------------------------------------------------------------------
    async def subscribe_quotes(self, instrument: Instrument) -> None: ...
    async def unsubscribe_quotes(self, instrument: Instrument) -> None: ...
    async def subscribe_depth(self, instrument: Instrument, levels: int = 10) -> None: ...
    async def unsubscribe_depth(self, instrument: Instrument) -> None: ...
    async def history_bars(
        self, instrument: Instrument, timeframe: Timeframe, count: int
    ) -> Sequence[Bar]: ...
    async def subscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None: ...
    async def unsubscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None: ...
    async def option_chain_params(self, underlying: Instrument) -> OptionChainParams: ...
    async def subscribe_option_chain(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float]
    ) -> Sequence[Instrument]: ...
    async def unsubscribe_option_chain(self, underlying: Instrument, expiry: dt.date) -> None: ...

    # -- orders -----------------------------------------------------------------------------
    async def place_order(self, order: Order, *, more_follow: bool = False) -> str:
        """Send ``order`` (already approved); return the broker's order id.

        A bracket child or OCO member carries ``parent_id`` / ``oca_group``; brokers with
        ``native_brackets`` receive the parent first and the children right after.
        ``more_follow`` says more members of the same bracket come right after this one: a
        broker that activates a bracket as a whole (IB's ``transmit`` flag) holds this one
        until the last member arrives; others ignore it.
        """
        ...

    async def modify_order(self, order: Order) -> None: ...
    async def cancel_order(self, order: Order) -> None: ...
    async def cancel_all(self) -> None:
        """Cancel every working order at the broker, however it was placed (kill switch)."""
        ...

    # -- state for reconciliation -------------------------------------------------------------
    async def open_orders(self) -> Sequence[OrderStatusUpdate]: ...
    async def executions(self, since: dt.datetime | None = None) -> Sequence[Fill]: ...
    async def positions(self) -> Sequence[BrokerPosition]: ...
    async def account(self) -> AccountSnapshot: ...
