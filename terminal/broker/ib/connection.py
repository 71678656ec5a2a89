"""The socket to TWS / IB Gateway: connect, notice loss, reconnect with backoff.

Two kinds of loss are told apart. The socket can close (TWS restarted, network gone): the
adapter reconnects with backoff, waiting before it reuses the client id because TWS frees it a
moment after the socket closes. The first connection, asked for with ``retry``, is retried the
same way when TWS is not there yet (a terminal started before TWS). While it waits,
:attr:`Connection.next_attempt` says when the next attempt is due (announced with the
DISCONNECTED state that starts the wait), and :meth:`Connection.attempt_now` cuts the wait short.

Or TWS stays up but loses IB's servers (code 1100): the socket is fine, but prices are stale and
orders may not reach the exchange, so the core is told the connection is down (order entry
freezes) until 1101 (back, market data lost) or 1102 (back, data kept) arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from ib_async import IB

from terminal.broker.base import BrokerError, ConnectionState
from terminal.broker.ib.config import IBConfig
from terminal.broker.ib.errors import ErrorKind, classify, describe
from terminal.domain import Clock

log = logging.getLogger(__name__)

#: Exceptions ``connectAsync`` raises for a refused, dropped or timed-out connection.
CONNECT_ERRORS = (OSError, ConnectionError, TimeoutError, asyncio.TimeoutError)


class LiveAccountRefused(BrokerError):
    """The account is live and live trading was not allowed (``--live``)."""


class Connection:
    """Owns the connection state of one ``IB`` client.

    Args:
        ib: The ib_async client (never connected with its blocking API).
        config: Host, port, client id, account and backoff.
        on_state: Called with every state change and a message for the trader.
        on_restored: Awaited after a reconnect or IB's 1101, with ``data_lost``; it replays
            subscriptions before the state changes back so the core sees fresh data.
        clock: Dates :attr:`next_attempt`.
    """

    def __init__(
        self,
        ib: IB,
        config: IBConfig,
        on_state: Callable[[ConnectionState, str], None],
        on_restored: Callable[[bool], Awaitable[None]],
        clock: Clock,
    ) -> None:
        self.ib = ib
        self.config = config
        self._on_state = on_state
        self._on_restored = on_restored
        self._clock = clock
        self.state = ConnectionState.DISCONNECTED
        self.message = ""
        self.account = ""
        self.accounts: list[str] = []
        #: When the next connection attempt is due while one is awaited, else None.
        self.next_attempt: dt.datetime | None = None
        self._wanted = False
        self._opening = self._stop_opening = False
        self._wake: asyncio.Event | None = None
        self._reconnect: asyncio.Task[None] | None = None
        self._restoring: set[asyncio.Task[None]] = set()  # held so they are not collected
        self.reconnects = 0
        ib.disconnectedEvent += self._on_disconnected

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _set(self, state: ConnectionState, message: str) -> None:
        self.state = state
        self.message = message
        log.info("IB connection %s: %s", state.value, message)
        self._on_state(state, message)

    async def open(self, *, retry: bool = False) -> None:
        """Connect and pick the account.

        With ``retry``, TWS / Gateway not answering is retried with backoff (as after a loss)
        until it answers or :meth:`close` is called; what retrying cannot fix still raises.

        Raises:
            BrokerError: TWS / Gateway cannot be reached (the message says what to check), or
                :meth:`close` stopped the attempts.
            LiveAccountRefused: the account is live and ``allow_live`` is off.
        """
        self._opening, self._stop_opening = True, False
        try:
            await self._first_connection(retry)
        finally:
            self._opening = False
        if self._stop_opening:  # closed (and so announced) while the connection was being made
            self.ib.disconnect()
            raise BrokerError("stopped connecting to TWS / IB Gateway (disconnect asked)")
        try:
            self._choose_account()
        except BrokerError as exc:
            self.ib.disconnect()
            self._set(ConnectionState.DISCONNECTED, str(exc))
            raise
        self._wanted = True
        self._set(ConnectionState.CONNECTED, f"connected to {self.where}, account {self.account}")

    async def _first_connection(self, retry: bool) -> None:
        cfg = self.config
        delay = cfg.reconnect_initial
        attempt = 1
        self._set(ConnectionState.CONNECTING, f"connecting to TWS / IB Gateway at {self.where}")
        while True:
            try:
                await self._connect_once()
                return
            except CONNECT_ERRORS as exc:
                reason = f"{exc or type(exc).__name__}"
                if not retry:
                    self._set(ConnectionState.DISCONNECTED, f"could not connect: {reason}")
                    raise BrokerError(
                        f"could not connect to TWS / IB Gateway at {self.where} "
                        f"(client id {cfg.client_id}): {reason}. Is it running, with the API "
                        "enabled on this port and 127.0.0.1 trusted?"
                    ) from exc
                await self._wait_to_retry(
                    delay,
                    f"could not connect to TWS / IB Gateway at {self.where} ({reason}): is it "
                    f"running, with the API enabled on this port? next try in {delay:.0f} s",
                )
            if self._stop_opening:  # close() announced it
                raise BrokerError("stopped connecting to TWS / IB Gateway (disconnect asked)")
            delay = min(delay * 2, cfg.reconnect_max)
            attempt += 1
            self._set(
                ConnectionState.CONNECTING,
                f"connecting to TWS / IB Gateway at {self.where} (attempt {attempt})",
            )

    async def _wait_to_retry(self, delay: float, message: str | None) -> None:
        """Wait ``delay`` seconds, or until :meth:`attempt_now`. ``message`` announces the wait
        with the DISCONNECTED state (None: the state already says it)."""
        self.next_attempt = self._clock.now() + dt.timedelta(seconds=delay)
        wake = self._wake = self._wake or asyncio.Event()  # one made at the loss may be set
        if message is not None:
            self._set(ConnectionState.DISCONNECTED, message)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)
        finally:
            self.next_attempt = None
            if self._wake is wake:
                self._wake = None

    def attempt_now(self) -> bool:
        """Cut the wait before the next connection attempt short; False when none waits."""
        if self._wake is None:
            return False
        log.info("IB connection: trying again now, as asked")
        self._wake.set()
        return True

    async def _connect_once(self) -> None:
        cfg = self.config
        await self.ib.connectAsync(
            cfg.host, cfg.port, clientId=cfg.client_id, timeout=cfg.connect_timeout
        )
        if not self.ib.isConnected():
            raise ConnectionError("the connection closed during the start-up exchange")

    def _choose_account(self) -> None:
        self.accounts = list(self.ib.managedAccounts())
        if not self.accounts:
            raise BrokerError("TWS reported no managed accounts")
        wanted = self.config.account
        if wanted and wanted not in self.accounts:
            raise BrokerError(
                f"account {wanted} is not managed by this login (it manages "
                f"{', '.join(self.accounts)})"
            )
        account = wanted or self.accounts[0]
        if not is_paper_account(account) and not self.config.allow_live:
            raise LiveAccountRefused(
                f"account {account} is a LIVE account: start with --live (or set broker.live) "
                "to trade it; use a paper account (DU…) otherwise"
            )
        self.account = account

    async def close(self) -> None:
        """Disconnect on purpose: no reconnect follows (and a first connection still being
        retried stops)."""
        self._wanted = False
        if self._opening:
            self._stop_opening = True
            self.attempt_now()
        task, self._reconnect = self._reconnect, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.next_attempt = self._wake = None  # the task may not have started
        if self.ib.isConnected():
            self.ib.disconnect()
        self._set(ConnectionState.DISCONNECTED, "disconnected by request")

    # -- loss and recovery ----------------------------------------------------------------------
    def _on_disconnected(self) -> None:
        if not self._wanted or self._reconnect is not None:
            return
        cfg = self.config
        delay = max(cfg.reconnect_initial, cfg.client_id_reuse_delay)
        # Announced at once (order entry freezes now); the loop's first wait says nothing more,
        # and "try now" works from this moment.
        self.next_attempt = self._clock.now() + dt.timedelta(seconds=delay)
        self._wake = asyncio.Event()
        self._set(
            ConnectionState.DISCONNECTED,
            f"connection to TWS / IB Gateway lost ({self.where}); next try in {delay:.0f} s",
        )
        self._reconnect = asyncio.get_running_loop().create_task(
            self._reconnect_loop(delay), name="ib-reconnect"
        )

    async def _reconnect_loop(self, delay: float) -> None:
        cfg = self.config
        message: str | None = None
        try:
            while self._wanted:
                await self._wait_to_retry(delay, message)  # close() cancels this task
                self._set(ConnectionState.CONNECTING, f"reconnecting to {self.where}")
                try:
                    await self._connect_once()
                except CONNECT_ERRORS as exc:
                    delay = min(delay * 2, cfg.reconnect_max)
                    message = (
                        f"reconnect to {self.where} failed ({exc or type(exc).__name__}); "
                        f"next try in {delay:.0f} s"
                    )
                    continue
                self.reconnects += 1
                self._reconnect = None
                await self._restored(data_lost=True, how=f"reconnected to {self.where}")
                return
        finally:
            if self._reconnect is asyncio.current_task():
                self._reconnect = None

    async def _restored(self, *, data_lost: bool, how: str) -> None:
        await self._on_restored(data_lost)
        state = ConnectionState.DATA_LOST if data_lost else ConnectionState.CONNECTED
        self._set(state, how)

    def on_error(self, code: int, text: str) -> bool:
        """Handle IB's connectivity codes; return True when ``code`` was one of them."""
        kind = classify(code)
        if kind is ErrorKind.CONNECTIVITY_LOST:
            self._set(ConnectionState.DISCONNECTED, describe(code, text))
        elif kind is ErrorKind.RESTORED_DATA_LOST:
            task = asyncio.get_running_loop().create_task(
                self._restored(data_lost=True, how=describe(code, text)), name="ib-1101"
            )
            self._restoring.add(task)
            task.add_done_callback(self._restoring.discard)
        elif kind is ErrorKind.RESTORED_DATA_KEPT:
            self._set(ConnectionState.CONNECTED, describe(code, text))
        else:
            return False
        return True


def is_paper_account(account: str) -> bool:
    """IB paper accounts start with ``DU`` (``DF`` for a paper advisor master)."""
    return account.upper().startswith(("DU", "DF"))
