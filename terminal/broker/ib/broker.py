"""The Broker port on Interactive Brokers (TWS / IB Gateway) through ib_async.

Everything runs on the one asyncio loop (qasync in the window): only ``connectAsync`` and
ib_async's awaitable or fire-and-forget requests are used; none of its synchronous wrappers or
event-loop patching helpers (DESIGN.md lists them). Outgoing messages are throttled at 40 per
second, under IB's 50, and go out in two lanes (:mod:`terminal.broker.ib.lanes`): order
messages first, data requests paced behind them, so a kill switch never waits behind data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ib_async import IB, BarDataList, Contract, ContractDetails

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
from terminal.broker.ib.attribution import OrderIdentities
from terminal.broker.ib.config import IBConfig
from terminal.broker.ib.connection import Connection
from terminal.broker.ib.contracts import ContractBook
from terminal.broker.ib.errors import (
    COMPETING_SESSION,
    ErrorKind,
    classify,
    describe,
    wire_errors,
)
from terminal.broker.ib.executions import ExecutionReports
from terminal.broker.ib.lanes import Lanes
from terminal.broker.ib.mapping import (
    account_from_values,
    bar_from_ib,
    chain_params_from,
    history_request,
    position_from_ib,
)
from terminal.broker.ib.orders import OrderRouter
from terminal.broker.ib.pacing import HistoryPacer
from terminal.broker.ib.pnl import AccountPnl
from terminal.broker.ib.repeats import latest_positions
from terminal.broker.ib.roundtrip import RoundTrip
from terminal.broker.ib.streams import MarketStreams
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


#: IB's market data type 3: real-time where subscribed, delayed otherwise (shown as delayed).
DELAYED_IF_NOT_SUBSCRIBED = 3
#: Account values arrive in bursts; one snapshot is published per burst.
ACCOUNT_COALESCE_SECONDS = 0.2
#: Outgoing message throttle: 4 per 100 ms (40/s). IB closes a connection that keeps going over
#: 50/s. ib_async's default (45 per second) sends each second's allowance in one burst, so a
#: little delay on the way makes IB count two bursts in one second; small slices keep the rate
#: under 50 in any window even when messages are delayed by up to 200 ms.
THROTTLE_MESSAGES, THROTTLE_SECONDS = 4, 0.1
#: IB's own limit: TWS closes a connection that keeps sending more messages per second.
IB_MESSAGE_LIMIT = 50
#: How long a global cancel or a disconnect waits for queued messages to leave.
SEND_WAIT_SECONDS = 5.0
#: Request errors remembered so an empty answer can say why (history, contract details).
REMEMBERED_ERRORS = 200


class IBBroker(BrokerEvents):
    """Interactive Brokers behind the Broker port.

    Args:
        config: Connection, account and pacing settings.
        clock: The terminal's clock (times of snapshots).
        ib: An ib_async client; a new one by default (tests may pass their own).
    """

    name = "ib"
    capabilities = BrokerCapabilities(
        native_brackets=True,
        native_oca=True,
        global_cancel=True,
        depth_levels=10,
        day_pnl=True,
        combos=True,
    )

    def __init__(self, config: IBConfig, clock: Clock, ib: IB | None = None) -> None:
        BrokerEvents.__init__(self)
        self.config = config
        self.clock = clock
        self.ib = ib or IB()
        self.ib.RaiseRequestErrors = False
        self.ib.client.MaxRequests = THROTTLE_MESSAGES
        self.ib.client.RequestsInterval = THROTTLE_SECONDS  # type: ignore[assignment]
        self.lanes = Lanes(self.ib.client, self._request_failed)
        self.book = ContractBook(self._details)
        self.connection = Connection(self.ib, config, self._on_state, self._on_restored, clock)
        self.streams = MarketStreams(
            self.ib,
            self.book,
            self,
            self.lanes,
            lines=config.market_data_lines,
            depth_limit=config.depth_subscriptions,
        )
        identities = OrderIdentities(lambda: int(self.ib.client.clientId))
        self.router = OrderRouter(
            self.ib,
            self.book,
            self,
            self.lanes,
            identities,
            account=lambda: self.connection.account,
        )
        self.fills = ExecutionReports(
            self.ib,
            self.book,
            self,
            self.lanes,
            identities,
            commission_wait=config.commission_wait,
        )
        self.pacer = HistoryPacer(config.history_requests_per_10min, config.history_repeat_seconds)
        self._request_errors: dict[int, tuple[int, str]] = {}
        #: Option chain parameters by underlying key (expiries and strikes change daily at most).
        self._chain_params: dict[str, OptionChainParams] = {}
        self._account_pending = False
        self.ib.disconnectedEvent += self._drop_queued
        self.ib.errorEvent += self._on_error
        self.ib.accountValueEvent += self._on_account_value
        self.round_trip = RoundTrip(self.ib, self.lanes, clock)
        self.pnl = AccountPnl(
            self.ib, self.lanes, self.book, lambda: self.connection.account, self._account_changed
        )
        client = self.ib.client
        self.listen_library([getattr(self.ib, name) for name in IB.events])
        self.listen_library([client.throttleStart, client.throttleEnd, client.apiError])

    # -- connection -------------------------------------------------------------------------------
    @property
    def connection_state(self) -> ConnectionState:
        return self.connection.state

    @property
    def account_id(self) -> str:
        return self.connection.account

    @property
    def next_attempt(self) -> dt.datetime | None:
        return self.connection.next_attempt

    def connect_now(self) -> None:
        self.connection.attempt_now()

    def health(self) -> BrokerHealth:
        trip = self.round_trip
        return BrokerHealth(
            state=self.connection.state,
            round_trip=trip.seconds,
            measured_at=trip.measured_at,
            round_trip_error=trip.error,
            messages_per_second=self.lanes.rate(),
            message_limit=IB_MESSAGE_LIMIT,
            throttle_limit=int(THROTTLE_MESSAGES / THROTTLE_SECONDS),
            queued_orders=self.lanes.queued_orders,
            queued_data=self.lanes.queued_data,
            next_attempt=self.connection.next_attempt,
        )

    @wire_errors
    async def measure_round_trip(self) -> float:
        self._require_connection()
        return await self.round_trip.measure()

    async def connect(self, *, retry: bool = False) -> None:
        """Connect to TWS / IB Gateway; with ``retry`` until it answers (see
        :meth:`Connection.open` for the errors)."""
        await self.connection.open(retry=retry)
        if self.config.delayed_fallback:
            self._ask_delayed_fallback()
        self.pnl.subscribe()

    async def disconnect(self) -> None:
        """Disconnect after what is still queued by the throttle has gone out (a last cancel)."""
        self.fills.close()
        await self._sent()
        await self.connection.close()

    def _on_state(self, state: ConnectionState, message: str) -> None:
        self.connection_changed.emit(state, message)

    async def _on_restored(self, data_lost: bool) -> None:
        """Renew every stream after a reconnect or IB's 1101 (before the core hears of it)."""
        if not data_lost:
            return
        if self.config.delayed_fallback:
            self._ask_delayed_fallback()
        self.pnl.subscribe()
        for key, timeframe, old in self.streams.replay():
            try:
                await self._start_bars(old.contract, key, timeframe)
            except BrokerError as exc:
                self.error_reported.emit(exc.code or 0, f"live bars for {key} not renewed: {exc}")

    def _ask_delayed_fallback(self) -> None:
        self.lanes.data(
            lambda: self.ib.reqMarketDataType(DELAYED_IF_NOT_SUBSCRIBED), "market data type"
        )

    def _drop_queued(self) -> None:
        why = "the connection to TWS / IB Gateway closed"
        self.router.not_sent(self.lanes.drop(why), why)

    def _request_failed(self, what: str, exc: Exception) -> None:
        if isinstance(exc, ConnectionError):  # the socket just closed: renewed on reconnect
            log.info("IB request %s not sent: %s", what, exc)
        else:
            self.error_reported.emit(0, f"IB request {what} failed: {type(exc).__name__}: {exc}")

    def _require_connection(self) -> None:
        if not self.ib.isConnected():
            raise NotConnected(f"not connected to TWS / IB Gateway at {self.connection.where}")

    def _on_error(self, req_id: int, code: int, text: str, contract: Contract | None) -> None:
        if self.connection.on_error(code, text):
            return
        if self.router.on_error(req_id, code, text):
            return
        kind = classify(code)
        if req_id >= 0:
            self._request_errors[req_id] = (code, text)
            while len(self._request_errors) > REMEMBERED_ERRORS:
                del self._request_errors[next(iter(self._request_errors))]
        if kind in (ErrorKind.MARKET_DATA_LIMIT, ErrorKind.DEPTH_LIMIT):
            key = self.streams.forget_failed(contract, code)
            self.error_reported.emit(code, describe(code, text) + (f" ({key})" if key else ""))
        elif kind is ErrorKind.FARM_BROKEN or code == COMPETING_SESSION:
            # The socket stands but data stopped: the feed watchdog marks every feed stale
            # (and alerts) until each proves itself alive with an update.
            self.market_data_interrupted.emit(f"IB {code}: {describe(code, text)}")
        elif kind in (ErrorKind.FARM_OK, ErrorKind.INFO, ErrorKind.NO_SECURITY):
            log.info("IB %s: %s", code, text)  # a request's own answer, or plain information
        else:
            self.error_reported.emit(code, describe(code, text))

    def _request_error(self, req_id: int) -> tuple[int, str] | None:
        return self._request_errors.pop(req_id, None)

    # -- reference data ---------------------------------------------------------------------------
    async def _details(self, contract: Contract, urgent: bool) -> Sequence[ContractDetails]:
        self._require_connection()
        if urgent:  # an order waits for it
            return await self.lanes.order_request(
                lambda: self.ib.reqContractDetailsAsync(contract),
                f"order's contract {contract.localSymbol or contract.symbol}",
            )
        return await self.lanes.data_request(
            lambda: self.ib.reqContractDetailsAsync(contract),
            f"contract {contract.localSymbol or contract.symbol}",
        )

    @wire_errors
    async def qualify(self, symbol: str) -> Instrument:
        """Resolve ``"AAPL"`` or an option key at IB.

        Raises:
            UnknownInstrument: the text is malformed or IB has no such security.
        """
        return await self.book.qualify(symbol)

    # -- market data ------------------------------------------------------------------------------
    async def _known(self, instrument: Instrument, *, urgent: bool = False) -> None:
        if not self.book.known(instrument):
            await self.book.qualify(instrument.key, urgent=urgent)

    @wire_errors
    async def subscribe_quotes(self, instrument: Instrument) -> None:
        self._require_connection()
        await self._known(instrument)
        self.streams.subscribe_quotes(instrument)

    async def unsubscribe_quotes(self, instrument: Instrument) -> None:
        self.streams.unsubscribe_quotes(instrument)

    @wire_errors
    async def subscribe_depth(self, instrument: Instrument, levels: int = 10) -> None:
        self._require_connection()
        await self._known(instrument)
        self.streams.subscribe_depth(instrument, levels)

    async def unsubscribe_depth(self, instrument: Instrument) -> None:
        self.streams.unsubscribe_depth(instrument)

    @wire_errors
    async def history_bars(
        self, instrument: Instrument, timeframe: Timeframe, count: int
    ) -> Sequence[Bar]:
        """The last ``count`` bars (regular hours, trades), paced under IB's limits."""
        self._require_connection()
        await self._known(instrument)
        contract = self.book.contract(instrument)
        duration, bar_size = history_request(timeframe, count)

        async def fetch() -> list[Bar]:
            bars = await self.lanes.data_request(
                lambda: self.ib.reqHistoricalDataAsync(
                    contract, "", duration, bar_size, "TRADES", useRTH=True, formatDate=2
                ),
                f"history {instrument.key} {timeframe.value}",
            )
            error = self._request_error(bars.reqId)
            if not bars and error is not None:
                raise BrokerError(describe(*error), code=error[0])
            return [bar_from_ib(b) for b in bars]

        bars = await self.pacer.run((instrument.key, timeframe, count), fetch)
        return bars[-count:]

    @wire_errors
    async def subscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self._require_connection()
        await self._known(instrument)
        if (instrument.key, timeframe) in self.streams.subs.bars:
            return
        await self._start_bars(self.book.contract(instrument), instrument.key, timeframe)

    async def _start_bars(self, contract: Contract, key: str, timeframe: Timeframe) -> None:
        duration, bar_size = history_request(timeframe, 2)

        async def fetch() -> BarDataList:
            bars = await self.lanes.data_request(
                lambda: self.ib.reqHistoricalDataAsync(
                    contract,
                    "",
                    duration,
                    bar_size,
                    "TRADES",
                    useRTH=True,
                    formatDate=2,
                    keepUpToDate=True,
                ),
                f"live bars {key} {timeframe.value}",
            )
            error = self._request_error(bars.reqId)
            if error is not None and not bars:
                raise BrokerError(describe(*error), code=error[0])
            return bars

        bars = await self.pacer.run(None, fetch)
        self.streams.add_bars(key, timeframe, bars)

    async def unsubscribe_bars(self, instrument: Instrument, timeframe: Timeframe) -> None:
        self.streams.remove_bars(instrument.key, timeframe)

    @wire_errors
    async def option_chain_params(self, underlying: Instrument) -> OptionChainParams:
        self._require_connection()
        cached = self._chain_params.get(underlying.key)
        today = self.clock.now().date()
        if cached is not None and (not cached.expiries or cached.expiries[0] >= today):
            return cached
        await self._known(underlying)
        contract = self.book.contract(underlying)
        chains = await self.lanes.data_request(
            lambda: self.ib.reqSecDefOptParamsAsync(
                underlying.symbol, "", contract.secType or "STK", contract.conId
            ),
            f"option chain {underlying.key}",
        )
        params = chain_params_from(underlying, chains, today)
        self._chain_params[underlying.key] = params
        return params

    @wire_errors
    async def subscribe_option_chain(
        self, underlying: Instrument, expiry: dt.date, strikes: Sequence[float]
    ) -> Sequence[Instrument]:
        self._require_connection()
        self.streams.check_chain_lines(underlying, expiry, 2 * len(strikes))
        params = await self.option_chain_params(underlying)
        options = await self.book.qualify_options(underlying, expiry, strikes, params.multiplier)
        if not options:
            raise UnknownInstrument(f"IB lists no {underlying.key} options expiring {expiry}")
        self.streams.subscribe_chain(underlying, expiry, options)
        return options

    async def unsubscribe_option_chain(self, underlying: Instrument, expiry: dt.date) -> None:
        self.streams.unsubscribe_chain(underlying, expiry)

    # -- orders -----------------------------------------------------------------------------------
    @wire_errors
    async def place_order(self, order: Order, *, more_follow: bool = False) -> str:
        self._require_connection()
        if self.connection.state is ConnectionState.DISCONNECTED:
            raise NotConnected("IB has lost its connection to the exchanges (1100): not sent")
        combo = order.intent.combo
        if combo is None:
            await self._known(order.instrument, urgent=True)
        else:  # a BAG names its legs by conId: every leg is qualified first, in its currency
            for leg in combo.legs:
                if not self.book.known(leg.instrument):
                    await self.book.qualify_instrument(leg.instrument, urgent=True)
        return self.router.place(order, more_follow=more_follow)

    @wire_errors
    async def modify_order(self, order: Order) -> None:
        self._require_connection()
        self.router.modify(order)

    @wire_errors
    async def cancel_order(self, order: Order) -> None:
        self._require_connection()
        self.router.cancel(order)

    @wire_errors
    async def cancel_all(self) -> None:
        """IB's global cancel, ahead of everything queued; returns once it has left ib_async's
        throttle (the kill switch reports success only for a cancel really sent)."""
        self._require_connection()
        self.router.cancel_all()
        await self._sent()

    async def _sent(self, seconds: float = SEND_WAIT_SECONDS) -> None:
        """Wait until no order message waits, in the order lane or ib_async's queue (or the
        socket is gone); queued data does not hold it up."""
        if self.ib.isConnected() and not await self.lanes.orders_out(seconds):
            log.warning("IB order messages still queued after %.0f s", seconds)

    # -- state for reconciliation -----------------------------------------------------------------
    @wire_errors
    async def open_orders(self) -> Sequence[OrderStatusUpdate]:
        self._require_connection()
        return await self.router.open_orders()

    @wire_errors
    async def executions(self, since: dt.datetime | None = None) -> Sequence[Fill]:
        self._require_connection()
        return await self.fills.executions(since)

    @wire_errors
    async def positions(self) -> Sequence[BrokerPosition]:
        self._require_connection()
        account = self.connection.account
        # The positions subscription stays open, so a position pushed after a fill can land
        # inside the answer as well: the newest message per contract counts, once.
        held = latest_positions(
            await self.lanes.order_request(self.ib.reqPositionsAsync, "positions")
        )
        return [
            position_from_ib(p, self.book.instrument_for(p.contract))
            for p in held
            if p.account == account and p.position != 0
        ]

    async def account(self) -> AccountSnapshot:
        """The account now, with IB's day P&L (waited for, briefly, when it has not come yet:
        a start-up snapshot without it leaves the day P&L not established)."""
        self._require_connection()
        await self.pnl.first(self.config.pnl_wait)
        return self._snapshot()

    def _snapshot(self) -> AccountSnapshot:
        account = self.connection.account
        snapshot = account_from_values(account, self.ib.accountValues(account), self.clock.now())
        return replace(snapshot, day_pnl=self.pnl.day_pnl(), position_day_pnl=self.pnl.positions())

    def _on_account_value(self, _value: Any) -> None:
        self._account_changed()

    def _account_changed(self) -> None:
        if self._account_pending:
            return
        self._account_pending = True
        asyncio.get_running_loop().call_later(ACCOUNT_COALESCE_SECONDS, self._publish_account)

    def _publish_account(self) -> None:
        self._account_pending = False
        if self.ib.isConnected() and self.connection.account:
            self.account_received.emit(self._snapshot())
