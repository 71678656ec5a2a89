"""One client connection: its socket writer, held replies, and the subscriptions it holds."""

from __future__ import annotations

import asyncio
import logging

from .faults import Faults
from .feeds import DepthSub, HistorySub, MarketDataSub, RealtimeSub
from .wire import Field, encode_frame

log = logging.getLogger(__name__)


class Connection:
    """A connected socket; replies go out in order (held while the faults say so)."""

    def __init__(self, conn_id: int, writer: asyncio.StreamWriter, faults: Faults) -> None:
        self.conn_id = conn_id
        self.client_id = -1
        self.started = False
        self._closed = False
        self.market_data_type = 1
        self.mkt_data: dict[int, MarketDataSub] = {}
        self.depth: dict[int, DepthSub] = {}
        self.history: dict[int, HistorySub] = {}
        self.realtime: dict[int, RealtimeSub] = {}
        self.realtime_tasks: dict[int, asyncio.Task[None]] = {}
        self.account_updates: str | None = None
        self.account_multi: dict[int, str] = {}
        self.account_summary: dict[int, frozenset[str]] = {}
        self.positions = False
        self.pnl: dict[int, str] = {}
        #: reqPnLSingle subscriptions: reqId -> (account, conId).
        self.pnl_single: dict[int, tuple[str, int]] = {}
        self._writer = writer
        self._faults = faults
        self._close_when_drained = False
        self._pending = bytearray()
        self._held = bytearray()
        #: Messages held now (see Faults.holding).
        self.held_messages = 0

    def send(self, fields: list[Field]) -> None:
        """Queue one message: written at the end of this loop turn, or on release while held."""
        if self.closed:
            return
        data = encode_frame(fields)
        if self._faults.holding:
            self._held += data
            self.held_messages += 1
            return
        # Coalesce what one loop turn produces into one write, as TWS batches a burst.
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending += data

    def release(self) -> None:
        """Write every held reply, in the order it was sent (after anything sent before)."""
        if not self._held or self._closed:
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        self._pending += self._held
        self._held.clear()
        self.held_messages = 0

    def _flush(self) -> None:
        if self._pending and not self._closed:
            self._writer.write(bytes(self._pending))
        self._pending.clear()
        if self._close_when_drained and not self._held:
            self._close_now()

    @property
    def closed(self) -> bool:
        """True once the socket is closed or closing (nothing more is sent or handled)."""
        return self._closed or self._close_when_drained

    def close(self) -> None:
        """Close politely: after every queued reply has been written (held ones on release)."""
        if (self._held or self._pending) and not self._closed:
            self._close_when_drained = True
            return
        self._close_now()

    def _close_now(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._writer.close()

    def abort(self) -> None:
        """Drop the socket at once (no flush), as when TWS dies or the network goes away."""
        self._closed = True
        self._held.clear()
        self.held_messages = 0
        self._pending.clear()
        self._writer.transport.abort()

    def stop_streams(self) -> None:
        """Cancel the timers this connection owns (real-time bars)."""
        for task in self.realtime_tasks.values():
            task.cancel()
        self.realtime_tasks.clear()

    @property
    def line_count(self) -> int:
        """Market-data lines this connection holds."""
        return len(self.mkt_data)
