"""One client connection: its socket writer, reply delay, and the subscriptions it holds."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from .faults import Faults
from .feeds import DepthSub, HistorySub, MarketDataSub, RealtimeSub
from .wire import Field, encode_frame

log = logging.getLogger(__name__)


class Connection:
    """A connected socket; replies go out in order, each delayed by the current fault delay."""

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
        self._writer = writer
        self._faults = faults
        self._queue: deque[tuple[float, bytes]] = deque()
        self._pump: asyncio.Task[None] | None = None
        self._close_when_drained = False
        self._pending = bytearray()

    def send(self, fields: list[Field]) -> None:
        """Queue one message: written at the end of this loop turn, or later when delayed."""
        if self.closed:
            return
        data = encode_frame(fields)
        delay = self._faults.reply_delay
        if delay <= 0 and not self._queue:
            # Coalesce what one loop turn produces into one write, as TWS batches a burst.
            if not self._pending:
                asyncio.get_running_loop().call_soon(self._flush)
            self._pending += data
            return
        self._queue.append((time.monotonic() + delay, data))
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._drain())

    def _flush(self) -> None:
        if self._pending and not self._closed:
            self._writer.write(bytes(self._pending))
        self._pending.clear()
        if self._close_when_drained and not self._queue:
            self._close_now()

    async def _drain(self) -> None:
        try:
            while self._queue and not self._closed:
                due, data = self._queue[0]
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._queue.popleft()
                if not self._closed:
                    self._writer.write(data)
            if self._close_when_drained:
                self._close_now()
        finally:
            self._pump = None

    @property
    def closed(self) -> bool:
        """True once the socket is closed or closing (nothing more is sent or handled)."""
        return self._closed or self._close_when_drained

    def close(self) -> None:
        """Close politely: after every queued reply has been written."""
        if (self._queue or self._pending) and not self._closed:
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
        self._queue.clear()
        self._pending.clear()
        if self._pump is not None:
            self._pump.cancel()
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
