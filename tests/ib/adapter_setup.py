"""What the adapter tests share: a gateway, an IBBroker connected to it, and a recorder that
waits for the broker's events (no sleeps: every wait is on an event, with a deadline)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from terminal.broker.base import BrokerPosition, ConnectionState, OrderStatusUpdate
from terminal.broker.ib.broker import IBBroker
from terminal.broker.ib.config import IBConfig
from terminal.domain import (
    AccountSnapshot,
    Bar,
    DepthBook,
    Fill,
    Instrument,
    OptionQuote,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    Trade,
    WallClock,
)
from tests.ib.gateway import Gateway, running_gateway

_client_ids = itertools.count(101)

#: Fast reconnects for tests (production waits seconds before reusing a client id).
FAST = IBConfig(
    reconnect_initial=0.05,
    reconnect_max=0.2,
    client_id_reuse_delay=0.05,
    connect_timeout=5.0,
    commission_wait=2.0,
)


@dataclass
class Seen:
    """Everything the broker emitted, in order, with a way to wait for a condition."""

    states: list[tuple[ConnectionState, str]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    trades: list[Trade] = field(default_factory=list)
    books: list[DepthBook] = field(default_factory=list)
    bars: list[tuple[str, Any, Bar]] = field(default_factory=list)
    option_quotes: list[OptionQuote] = field(default_factory=list)
    statuses: list[OrderStatusUpdate] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    corrections: list[tuple[str, Decimal]] = field(default_factory=list)
    accounts: list[AccountSnapshot] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def attach(self, broker: IBBroker) -> Seen:
        hooks: list[tuple[Any, Callable[..., None]]] = [
            (broker.connection_changed, lambda s, m: self.states.append((s, m))),
            (broker.quotes_received, self.quotes.extend),
            (broker.trades_received, self.trades.extend),
            (broker.depth_received, self.books.append),
            (broker.bar_received, lambda k, tf, b: self.bars.append((k, tf, b))),
            (broker.option_quotes_received, self.option_quotes.extend),
            (broker.order_status_received, self.statuses.append),
            (broker.fill_received, self.fills.append),
            (broker.commission_corrected, lambda e, c: self.corrections.append((e, c))),
            (broker.account_received, self.accounts.append),
            (broker.error_reported, lambda c, m: self.errors.append((c, m))),
        ]
        for event, record in hooks:
            event += record
            event += lambda *_: self._changed.set()
        return self

    async def until(self, predicate: Callable[[], object], what: str, seconds: float = 5.0) -> None:
        async with asyncio.timeout(seconds):
            while not predicate():
                self._changed.clear()
                try:
                    await self._changed.wait()
                except TimeoutError:
                    raise TimeoutError(f"timed out waiting for {what}") from None

    def statuses_of(self, order_id: str) -> list[OrderStatus]:
        return [u.status for u in self.statuses if u.order_id == order_id]

    def last_state(self) -> ConnectionState:
        return self.states[-1][0]


@contextmanager
def gateway(**options: Any) -> Iterator[Gateway]:
    with running_gateway(**options) as gw:
        yield gw


@asynccontextmanager
async def connected(gw: Gateway, **config: Any) -> AsyncIterator[tuple[IBBroker, Seen]]:
    """An IBBroker connected to ``gw`` with a fresh client id, disconnected afterwards."""
    config.setdefault("client_id", next(_client_ids))
    broker = IBBroker(replace(FAST, port=gw.port, **config), WallClock())
    seen = Seen().attach(broker)
    await broker.connect()
    try:
        yield broker, seen
    finally:
        await broker.disconnect()


_order_ids = itertools.count(1)


def order(
    instrument: Instrument,
    side: str = "BUY",
    quantity: int = 1,
    order_type: OrderType = OrderType.MARKET,
    **fields: Any,
) -> Order:
    """An approved order as the order manager would hand it to the broker."""
    for name in ("limit_price", "stop_price", "trail_amount", "trail_percent", "limit_offset"):
        if name in fields and fields[name] is not None:
            fields[name] = Decimal(str(fields[name]))
    extra = {k: fields.pop(k) for k in ("parent_id", "oca_group", "id") if k in fields}
    intent = OrderIntent(instrument, OrderSide(side), Decimal(quantity), order_type, **fields)
    now = dt.datetime.now(dt.UTC)
    return Order(
        id=extra.pop("id", f"T-{next(_order_ids)}"),
        intent=intent,
        status=OrderStatus.APPROVED,
        created_at=now,
        updated_at=now,
        approved_by="test",
        **extra,
    )


def position_of(positions: list[BrokerPosition], key: str) -> Decimal:
    return sum((p.quantity for p in positions if p.instrument.key == key), Decimal(0))
