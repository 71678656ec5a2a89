"""The socket to TWS / IB Gateway: connect, notice loss, reconnect with backoff.

Two kinds of loss are told apart. The socket can close (TWS restarted, network gone): the
adapter reconnects with backoff, waiting before it reuses the client id because TWS frees it a
moment after the socket closes. Or TWS stays up but loses IB's servers (code 1100): the socket
is fine, but prices are stale and orders may not reach the exchange, so the core is told the
connection is down (order entry freezes) until 1101 (back, market data lost) or 1102 (back,
data kept) arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from ib_async import IB

from terminal.broker.base import BrokerError, ConnectionState
from terminal.broker.ib.config import IBConfig
from terminal.broker.ib.errors import ErrorKind, classify, describe

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
    """

    def __init__(
        self,
        ib: IB,
        config: IBConfig,
        on_state: Callable[[ConnectionState, str], None],
        on_restored: Callable[[bool], Awaitable[None]],
    ) -> None:
        self.ib = ib
        self.config = config
        self._on_state = on_state
        self._on_restored = on_restored
        self.state = ConnectionState.DISCONNECTED
        self.account = ""
        self.accounts: list[str] = []
        self._wanted = False
        self._reconnect: asyncio.Task[None] | None = None
        self._restoring: set[asyncio.Task[None]] = set()  # held so they are not collected
        self.reconnects = 0
        ib.disconnectedEvent += self._on_disconnected

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _set(self, state: ConnectionState, message: str) -> None:
        self.state = state
        log.info("IB connection %s: %s", state.value, message)
        self._on_state(state, message)

    async def open(self) -> None:
        """Connect and pick the account.

        Raises:
            BrokerError: TWS / Gateway cannot be reached (the message says what to check).
            LiveAccountRefused: the account is live and ``allow_live`` is off.
        """
        self._set(ConnectionState.CONNECTING, f"connecting to TWS / IB Gateway at {self.where}")
        try:
            await self._connect_once()
        except CONNECT_ERRORS as exc:
            self._set(ConnectionState.DISCONNECTED, f"could not connect: {exc}")
            raise BrokerError(
                f"could not connect to TWS / IB Gateway at {self.where} "
                f"(client id {self.config.client_id}): {exc or type(exc).__name__}. Is it running, "
                "with the API enabled on this port and 127.0.0.1 trusted?"
            ) from exc
        try:
            self._choose_account()
        except BrokerError as exc:
            self.ib.disconnect()
            self._set(ConnectionState.DISCONNECTED, str(exc))
            raise
        self._wanted = True
        self._set(ConnectionState.CONNECTED, f"connected to {self.where}, account {self.account}")

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
        """Disconnect on purpose: no reconnect follows."""
        self._wanted = False
        task, self._reconnect = self._reconnect, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.ib.isConnected():
            self.ib.disconnect()
        self._set(ConnectionState.DISCONNECTED, "disconnected by request")

    # -- loss and recovery ----------------------------------------------------------------------
    def _on_disconnected(self) -> None:
        if not self._wanted or self._reconnect is not None:
            return
        self._set(
            ConnectionState.DISCONNECTED, f"connection to TWS / IB Gateway lost ({self.where})"
        )
        self._reconnect = asyncio.get_running_loop().create_task(
            self._reconnect_loop(), name="ib-reconnect"
        )

    async def _reconnect_loop(self) -> None:
        cfg = self.config
        delay = max(cfg.reconnect_initial, cfg.client_id_reuse_delay)
        try:
            while self._wanted:
                await asyncio.sleep(delay)
                self._set(ConnectionState.CONNECTING, f"reconnecting to {self.where}")
                try:
                    await self._connect_once()
                except CONNECT_ERRORS as exc:
                    delay = min(delay * 2, cfg.reconnect_max)
                    self._set(
                        ConnectionState.DISCONNECTED,
                        f"reconnect to {self.where} failed ({exc or type(exc).__name__}); "
                        f"next try in {delay:.0f} s",
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
