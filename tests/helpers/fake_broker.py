"""A scriptable broker for tests: implements the Broker port, records every call.

Tests drive it explicitly (``accept``, ``fill``, ``reject``, ``push_quotes``...). With
``auto_accept`` / ``auto_cancel`` it acknowledges on the next loop turn, like a real broker whose
acknowledgement arrives after the request returned.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from terminal.broker.base import (
    BrokerCapabilities,
    BrokerError,
    BrokerEvents,
    BrokerHealth,
    BrokerPosition,
    BrokerTerms,
    ConnectionState,
    NotConnected,
    OrderStatusUpdate,
)
from terminal.domain import (
    AccountSnapshot,
    Bar,
    Fill,
    Instrument,
    OptionChainParams,
    Order,
    OrderStatus,
    Position,
    Quote,
    Timeframe,
    UnknownInstrument,
)


@dataclass
class _BrokerOrder:
    order: Order
    broker_id: str
    status: OrderStatus = OrderStatus.SUBMITTED
    filled: Decimal = Decimal(0)
    history: list[str] = field(default_factory=list)


class FakeBroker(BrokerEvents):
    name = "fake"

    def __init__(
        self,
        instruments: Sequence[Instrument] = (),
        *,
        capabilities: BrokerCapabilities | None = None,
        auto_accept: bool = True,
        auto_cancel: bool = True,
        account_id: str = "DU123456",
        cash: Decimal = Decimal(1_000_000),
    ) -> None:
        self.capabilities = capabilities or BrokerCapabilities()
        self.auto_accept = auto_accept
        self.auto_cancel = auto_cancel
        self.instruments = {i.key: i for i in instruments}
        BrokerEvents.__init__(self)
        self._state = ConnectionState.DISCONNECTED
        #: Connection attempts that fail before one succeeds (see :meth:`connect`).
        self.unreachable = 0
        self.retry_seconds = 8.0
        self._next_attempt: dt.datetime | None = None
        self._wake: asyncio.Event | None = None
        self._stop_connecting = False
        #: What health() reports (rates, queues); measure_round_trip sets the round trip.
        self.health_now = BrokerHealth(ConnectionState.DISCONNECTED)
        self.round_trip = 0.002
        self.round_trip_error: BrokerError | None = None
        self._ids = itertools.count(1)
        self._exec_ids = itertools.count(1)
        self.orders: dict[str, _BrokerOrder] = {}  # by broker id
        self.placed: list[Order] = []
        #: ``more_follow`` of each placed order, by order id (bracket transmit semantics).
        self.more_follow: dict[str, bool] = {}
        self.modified: list[Order] = []
        self.cancel_requests: list[str] = []
        self.cancel_all_calls = 0
        self.quote_subscriptions: dict[str, int] = {}
        self.depth_subscriptions: set[str] = set()
        self.bar_subscriptions: set[tuple[str, Timeframe]] = set()
        self.fills: list[Fill] = []
        self.broker_positions: list[BrokerPosition] = []
        self.account_snapshot = AccountSnapshot(
            account_id, cash=cash, equity=cash, buying_power=cash * 4
        )
        self.history: dict[tuple[str, Timeframe], list[Bar]] = {}
        self._fail_next_place: BrokerError | None = None
        #: When set, ``place_order`` waits for it (an order on its way to the broker).
        self.place_gate: asyncio.Event | None = None
        self.now = lambda: dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)

    # -- connection -----------------------------------------------------------------------------
    @property
    def connection_state(self) -> ConnectionState:
        return self._state

    @property
    def next_attempt(self) -> dt.datetime | None:
        return self._next_attempt

    def connect_now(self) -> None:
        """The next connection attempt, now (tests call it instead of waiting a backoff)."""
        if self._wake is not None:
            self._wake.set()

    def health(self) -> BrokerHealth:
        """What the test set in ``health_now`` (the state is always the real one)."""
        return replace(self.health_now, state=self._state, next_attempt=self._next_attempt)

    async def measure_round_trip(self) -> float:
        """``round_trip`` seconds, or the BrokerError in ``round_trip_error``."""
        self._require_connection()
        if self.round_trip_error is not None:
            self.health_now = replace(
                self.health_now, round_trip=None, round_trip_error=str(self.round_trip_error)
            )
            raise self.round_trip_error
        self.health_now = replace(
            self.health_now, round_trip=self.round_trip, measured_at=self.now(), round_trip_error=""
        )
        return self.round_trip

    async def connect(self, *, retry: bool = False) -> None:
        """Connect; the first ``unreachable`` attempts fail. With ``retry`` each failure waits
        for :meth:`connect_now` (the test decides when the backoff is over)."""
        self._stop_connecting = False
        while self.unreachable > 0:
            self.unreachable -= 1
            if not retry:
                self._set_state(ConnectionState.DISCONNECTED, "could not connect: unreachable")
                raise BrokerError("could not connect to the fake broker: unreachable")
            self._next_attempt = self.now() + dt.timedelta(seconds=self.retry_seconds)
            self._wake = asyncio.Event()
            self._set_state(
                ConnectionState.DISCONNECTED,
                f"could not connect: unreachable; next try in {self.retry_seconds:.0f} s",
            )
            try:
                await self._wake.wait()
            finally:
                self._next_attempt, self._wake = None, None
            if self._stop_connecting:
                raise BrokerError("stopped connecting (disconnect asked)")
            self._set_state(ConnectionState.CONNECTING, "connecting again")
        self._set_state(ConnectionState.CONNECTED, "connected")

    async def disconnect(self) -> None:
        self._stop_connecting = True
        self.connect_now()
        self._set_state(ConnectionState.DISCONNECTED, "disconnected by request")

    def drop_connection(self) -> None:
        self._set_state(ConnectionState.DISCONNECTED, "connection lost")

    def restore_connection(self, *, data_lost: bool = True) -> None:
        state = ConnectionState.DATA_LOST if data_lost else ConnectionState.CONNECTED
        self._set_state(state, "connection restored")

    def _set_state(self, state: ConnectionState, message: str) -> None:
        self._state = state
        self.connection_changed.emit(state, message)

    def _require_connection(self) -> None:
        if self._state is ConnectionState.DISCONNECTED:
            raise NotConnected("fake broker is not connected")

    # -- reference and market data -----------------------------------------------------------------
    async def qualify(self, symbol: str) -> Instrument:
        try:
            return self.instruments[symbol.strip().upper()]
        except KeyError:
            raise UnknownInstrument(f"unknown instrument {symbol!r}") from None

    async def subscribe_quotes(self, instrument: Instrument) -> None:
        self.quote_subscriptions[instrument.key] = (
            self.quote_subscriptions.get(instrument.key, 0) + 1
        )

    async def unsubscribe_quotes(self, instrument: Instrument) -> None:
        count = self.quote_subscriptions.get(instrument.key, 0) - 1
        if count <= 0:
            self.quote_subscriptions.pop(instrument.key, None)
        else:
            self.quote_subscriptions[instrument.key] = count

    async def subscribe_depth(self, instrument: Instrument, levels: int = 10) -> None:
        self.depth_subscriptions.add(instrument.key)

    async def unsubscribe_depth(self, instrument: Instrument) -> None:
        self.depth_subscriptions.discard(instrument.key)

    async def history_bars(
        self, instrument: Instrument, timeframe: Timeframe, count: int
    ) -> Sequence[Bar]:
        return self.history.get((instrument.key, timeframe), [])[-count:]

    async def subscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self.bar_subscriptions.add((instrument.key, timeframe))

    async def unsubscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self.bar_subscriptions.discard((instrument.key, timeframe))

    async def option_chain_params(self, underlying: Instrument) -> OptionChainParams:
        return OptionChainParams(underlying.key, (), ())

    async def subscribe_option_chain(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float]
    ) -> Sequence[Instrument]:
        return [
            Instrument.option(underlying.symbol, expiry, Decimal(str(s)), r)
            for s in strikes
            for r in "CP"
        ]

    async def unsubscribe_option_chain(self, underlying: Instrument, expiry: dt.date) -> None:
        return None

    def push_quotes(self, *quotes: Quote) -> None:
        self.quotes_received.emit(list(quotes))

    # -- orders -----------------------------------------------------------------------------------
    def fail_next_place(self, error: BrokerError) -> None:
        self._fail_next_place = error

    async def place_order(self, order: Order, *, more_follow: bool = False) -> str:
        self._require_connection()
        if self.place_gate is not None:
            await self.place_gate.wait()
        if self._fail_next_place is not None:
            error, self._fail_next_place = self._fail_next_place, None
            raise error
        broker_id = str(next(self._ids))
        self.orders[broker_id] = _BrokerOrder(order, broker_id)
        self.placed.append(order)
        self.more_follow[order.id] = more_follow
        if self.auto_accept:
            asyncio.get_running_loop().call_soon(self.accept, order.id)
        return broker_id

    async def modify_order(self, order: Order) -> None:
        self._require_connection()
        record = self._by_client_id(order.id)
        record.order = order
        self.modified.append(order)

    async def cancel_order(self, order: Order) -> None:
        self._require_connection()
        self.cancel_requests.append(order.id)
        if self.auto_cancel:
            asyncio.get_running_loop().call_soon(self.confirm_cancel, order.id)

    async def cancel_all(self) -> None:
        self._require_connection()
        self.cancel_all_calls += 1
        for record in list(self.orders.values()):
            if record.status.is_working:
                self.cancel_requests.append(record.order.id)
                if self.auto_cancel:
                    asyncio.get_running_loop().call_soon(self.confirm_cancel, record.order.id)

    # -- scripted broker behaviour ------------------------------------------------------------------
    def _by_client_id(self, order_id: str) -> _BrokerOrder:
        for record in self.orders.values():
            if record.order.id == order_id:
                return record
        raise KeyError(order_id)

    def _emit(
        self, record: _BrokerOrder, status: OrderStatus, reason: str = "", **kw: object
    ) -> None:
        if record.status.is_terminal and status is record.status:
            return
        record.status = status
        record.history.append(status.value)
        self.order_status_received.emit(
            OrderStatusUpdate(
                order_id=record.order.id,
                broker_order_id=record.broker_id,
                status=status,
                filled=record.filled,
                remaining=record.order.intent.quantity - record.filled,
                reason=reason,
                time=self.now(),
                **kw,  # type: ignore[arg-type]
            )
        )

    def report(self, order_id: str, status: OrderStatus, reason: str = "") -> None:
        """Report ``status`` for the order as the broker's own word (no execution with it)."""
        self._emit(self._by_client_id(order_id), status, reason)

    def accept(self, order_id: str) -> None:
        record = self._by_client_id(order_id)
        if record.status is OrderStatus.SUBMITTED:
            self._emit(record, OrderStatus.ACCEPTED)

    def reject(self, order_id: str, reason: str = "rejected") -> None:
        self._emit(self._by_client_id(order_id), OrderStatus.REJECTED_BY_BROKER, reason)

    def confirm_cancel(self, order_id: str) -> None:
        record = self._by_client_id(order_id)
        if record.status.is_working:
            self._emit(record, OrderStatus.CANCELLED, "cancelled")

    def refuse_cancel(self, order_id: str, reason: str = "too late to cancel") -> None:
        record = self._by_client_id(order_id)
        self._emit(record, record.status, reason, cancel_rejected=True)

    def refuse_modify(
        self, order_id: str, reason: str = "modify refused", terms: BrokerTerms | None = None
    ) -> None:
        """Refuse the last modification: the order keeps its status; ``terms`` are what the
        broker says it holds (None: the report carries none)."""
        record = self._by_client_id(order_id)
        self.order_status_received.emit(
            OrderStatusUpdate(
                order_id=order_id,
                broker_order_id=record.broker_id,
                status=record.status,
                filled=record.filled,
                reason=reason,
                time=self.now(),
                modify_rejected=True,
                terms=terms,
            )
        )

    def expire(self, order_id: str) -> None:
        self._emit(self._by_client_id(order_id), OrderStatus.EXPIRED, "expired at session close")

    def fill(
        self,
        order_id: str,
        quantity: Decimal | int | str | None = None,
        price: Decimal | int | str | None = None,
        commission: Decimal | int | str = Decimal(1),
        *,
        emit_status: bool = True,
    ) -> Fill:
        """Fill (part of) an order: emits the fill, then the status update."""
        record = self._by_client_id(order_id)
        order = record.order
        qty = (
            Decimal(str(quantity))
            if quantity is not None
            else order.intent.quantity - record.filled
        )
        px = (
            Decimal(str(price)) if price is not None else (order.intent.limit_price or Decimal(100))
        )
        fill = Fill(
            exec_id=f"E{next(self._exec_ids)}",
            order_id=order.id,
            instrument=order.instrument,
            side=order.intent.side,
            quantity=qty,
            price=px,
            commission=Decimal(str(commission)),
            time=self.now(),
            broker_order_id=record.broker_id,
        )
        record.filled += qty
        self.fills.append(fill)
        self.fill_received.emit(fill)
        if emit_status:
            done = record.filled >= order.intent.quantity
            self._emit(
                record,
                OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
                avg_fill_price=px,
            )
        return fill

    # -- reconciliation state -------------------------------------------------------------------------
    async def open_orders(self) -> Sequence[OrderStatusUpdate]:
        self._require_connection()
        return [
            OrderStatusUpdate(
                order_id=r.order.id,
                broker_order_id=r.broker_id,
                status=r.status,
                filled=r.filled,
                remaining=r.order.intent.quantity - r.filled,
            )
            for r in self.orders.values()
            if r.status.is_working
        ]

    async def executions(self, since: dt.datetime | None = None) -> Sequence[Fill]:
        self._require_connection()
        return [f for f in self.fills if since is None or f.time >= since]

    async def positions(self) -> Sequence[BrokerPosition]:
        """Scripted positions if a test set them, else the positions its fills add up to."""
        self._require_connection()
        if self.broker_positions:
            return list(self.broker_positions)
        held: dict[str, Position] = {}
        for fill in self.fills:
            held[fill.key] = held.get(fill.key, Position(fill.instrument)).apply(fill)
        return [
            BrokerPosition(p.instrument, p.quantity, p.avg_cost)
            for p in held.values()
            if not p.is_flat
        ]

    async def account(self) -> AccountSnapshot:
        self._require_connection()
        return self.account_snapshot

    def set_account(self, **changes: object) -> None:
        self.account_snapshot = replace(self.account_snapshot, **changes)  # type: ignore[arg-type]
        self.account_received.emit(self.account_snapshot)
