"""The gateway's state and request dispatch. Runs on the gateway's own loop, single-threaded.

State that TWS keeps across API sessions lives here, not in a connection: orders, executions,
positions, account values. A connection only holds its subscriptions.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from . import account_flow, market_flow, order_flow
from . import messages as msg
from .account import PAPER_CASH, Account
from .connection import Connection
from .faults import Faults
from .history import TWS_TZ
from .instruments import Instrument, Universe
from .market import Market
from .messages import In
from .order_messages import Execution
from .orders import OrderBook
from .requests import PlacedOrder
from .wire import FieldReader, MalformedFrame

log = logging.getLogger(__name__)

Handler = Callable[["GatewayCore", Connection, list[str]], None]

FARM_MESSAGES = (
    (2104, "Market data farm connection is OK:usfarm.nj"),
    (2104, "Market data farm connection is OK:usopt"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefnj"),
)
CLIENT_ID_IN_USE = (
    "Unable to connect as the client id is already in use. Retry with a unique client id."
)


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """How a gateway behaves; every field has the default a plain paper TWS would show."""

    accounts: tuple[str, ...] = ("DU1234567",)
    seed: int = 0
    delayed: bool = False
    max_market_data_lines: int = 100
    max_depth_requests: int = 3
    partial_fills: bool = False
    history_pacing_seconds: float = 15.0
    realtime_bar_seconds: float = 5.0
    next_order_id: int = 1
    cash: float = PAPER_CASH
    stream_interval: float | None = None
    #: TWS reports the account's P&L (reqPnL, reqPnLSingle); off: it never answers them.
    account_pnl: bool = True
    #: A combo's fill also sends the BAG's own execution (net price, units) after the legs'.
    bag_executions: bool = True


class ReceivedMessage(NamedTuple):
    """One message a client sent, as recorded (fields include the message id)."""

    monotonic: float
    wall: dt.datetime
    client_id: int
    msg_id: int
    fields: tuple[str, ...]


class GatewayCore:
    """Everything the gateway knows, and the handler for every request it understands."""

    def __init__(self, options: GatewayOptions, notify: Callable[[], None]) -> None:
        self.options = options
        self.notify = notify
        self.clock: Callable[[], float] = time.time
        self.today = dt.datetime.now(TWS_TZ).date()
        self.universe = Universe.default(self.today)
        self.market = Market(self.universe, self.clock)
        self.book = OrderBook(self.market, self.clock, partial_fills=options.partial_fills)
        self.accounts = {name: Account(name, options.cash) for name in options.accounts}
        self.executions: list[Execution] = []
        self.connections: dict[int, Connection] = {}
        self.received: list[ReceivedMessage] = []
        self.placed: list[PlacedOrder] = []
        self.faults = Faults()
        self.internal_errors: list[str] = []
        self.pacing: dict[tuple[object, ...], float] = {}
        self.total_connections = 0
        self._first_order_id = options.next_order_id
        self._exec_seq = 0
        self._handlers: dict[int, Handler] = {
            In.START_API: _start_api,
            In.REQ_IDS: _req_ids,
            In.REQ_CURRENT_TIME: _req_current_time,
            In.REQ_MANAGED_ACCTS: _req_managed_accounts,
            In.REQ_MARKET_DATA_TYPE: _req_market_data_type,
            In.REQ_USER_INFO: _req_user_info,
            In.REQ_AUTO_OPEN_ORDERS: _ignore,
            **account_flow.HANDLERS,
            **market_flow.HANDLERS,
            **order_flow.HANDLERS,
        }

    # -- connections -------------------------------------------------------------------------

    def register(self, conn: Connection) -> None:
        """A socket finished the handshake."""
        self.connections[conn.conn_id] = conn
        self.notify()

    def unregister(self, conn: Connection) -> None:
        """A socket closed: its subscriptions end, everything else stays."""
        conn.stop_streams()
        self.connections.pop(conn.conn_id, None)
        self.notify()

    def clients(self) -> dict[int, Connection]:
        """API sessions by clientId (connections that sent startApi)."""
        return {c.client_id: c for c in self.connections.values() if c.started and not c.closed}

    def client(self, client_id: int) -> Connection | None:
        """The live session of ``client_id``, if connected."""
        return self.clients().get(client_id)

    def broadcast(self, fields: msg.Fields) -> None:
        """Send one message to every API session."""
        for conn in self.clients().values():
            conn.send(fields)

    # -- dispatch ----------------------------------------------------------------------------

    def handle(self, conn: Connection, fields: list[str]) -> None:
        """Record and answer one request; unknown ids are recorded and ignored."""
        msg_id = int(fields[0])
        client_id = conn.client_id
        if msg_id == In.START_API:  # recorded under the clientId it announces
            client_id = FieldReader(fields, start=2).integer(-1)
        self.received.append(
            ReceivedMessage(
                time.monotonic(), dt.datetime.now(dt.UTC), client_id, msg_id, tuple(fields)
            )
        )
        handler = self._handlers.get(msg_id)
        try:
            if handler is None:
                log.debug("ignoring message id %s from client %s", msg_id, conn.client_id)
            else:
                handler(self, conn, fields)
        except MalformedFrame:
            raise
        except Exception as exc:  # a gateway bug: keep serving, let the test report it
            log.exception("gateway failed on message %s", fields[:4])
            self.internal_errors.append(f"message {msg_id}: {exc!r}")
        finally:
            self.notify()

    # -- shared helpers ----------------------------------------------------------------------

    @property
    def primary_account(self) -> str:
        """The first managed account (orders without an account go there)."""
        return next(iter(self.accounts))

    def next_valid_id(self) -> int:
        """The next order id a client may use (above every id seen)."""
        return max(self._first_order_id, self.book.max_order_id() + 1)

    def next_exec_id(self, perm_id: int) -> str:
        """An execution id shaped like TWS's (``0000e0d5.6576fb1a.01.01``)."""
        self._exec_seq += 1
        return f"{perm_id & 0xFFFFFFFF:08x}.{int(self.clock()) + self._exec_seq:08x}.01.01"

    def price_changed(self, symbols: set[str]) -> None:
        """Push ticks, depth and bars for ``symbols`` (and their options); re-match orders."""
        stocks = [self.universe.stocks[s] for s in symbols if s in self.universe.stocks]
        affected: set[int] = set()
        for stock in stocks:
            affected.add(stock.con_id)
            affected.update(o.con_id for o in self.universe.options.get(stock.symbol, []))
        for conn in list(self.clients().values()):
            market_flow.push_updates(self, conn, affected)
        order_flow.process(self, self.book.on_prices(affected))
        self.notify()

    def instrument_for(self, key: str | int) -> Instrument:
        """A stock by symbol, or any instrument by conId or local symbol."""
        if isinstance(key, int):
            return self.universe.by_con_id[key]
        if key in self.universe.stocks:
            return self.universe.stocks[key]
        for inst in self.universe.by_con_id.values():
            if inst.local_symbol == key:
                return inst
        raise KeyError(key)


def _start_api(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    client_id = FieldReader(fields, start=2).integer()
    if core.client(client_id) is not None:
        conn.send(msg.error(-1, 326, CLIENT_ID_IN_USE))
        conn.close()
        return
    conn.client_id = client_id
    conn.started = True
    conn.send(msg.managed_accounts(list(core.accounts)))
    conn.send(msg.next_valid_id(core.next_valid_id()))
    for code, text in FARM_MESSAGES:
        conn.send(msg.error(-1, code, text))


def _req_ids(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.send(msg.next_valid_id(core.next_valid_id()))


def _req_current_time(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.send(msg.current_time(int(core.clock())))


def _req_managed_accounts(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.send(msg.managed_accounts(list(core.accounts)))


def _req_market_data_type(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.market_data_type = FieldReader(fields, start=2).integer(1)


def _req_user_info(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    conn.send(msg.user_info(FieldReader(fields).integer()))


def _ignore(core: GatewayCore, conn: Connection, fields: list[str]) -> None:
    """Requests that need no reply (reqAutoOpenOrders)."""
