"""Three lanes to TWS: the kill switch first, then order messages, then data requests, all
inside IB's message rate.

ib_async throttles what it sends in ``Client.sendMsg``: every message joins one FIFO queue
(``Client._msgQ``) and leaves while fewer than ``MaxRequests`` messages went out in the last
``RequestsInterval`` seconds (their send times are ``Client._timeQ``; a send counts until it is
strictly older than the interval). One queue for everything means a global cancel waits behind
every subscription asked for before it: 150 of them at 40 per second held it for 3.8 s.

So nothing waits in that queue. The adapter keeps its own lanes and hands a message to ib_async
only when ib_async would write it at once:

- the kill switch's global cancel goes at once, always: no other lane may take the last slot of
  a throttle window (``KILL_SWITCH_RESERVE``), so it finds one free whatever is queued;
- order messages (place, modify, cancel, and the order-state requests reconciliation makes) wait
  in the order lane only while the window's other slots are taken, and always go before data;
- data requests (quotes, depth, history, contract and chain lookups, P&L subscriptions, the
  latency probe) go when no order message waits, spread over the window
  (``RequestsInterval / slots`` apart) so an order arriving meanwhile waits a fraction of it.

ib_async's throttle stays the one authority on the total rate (4 per 100 ms); the lanes decide
only what enters it, and when. The lanes read time from the loop the throttle reads
(``ib_async.client.getLoop``), so both count the same window: a test that gives the throttle a
virtual clock drives the lanes with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import ib_async.client
from ib_async.client import Client

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Slots of every throttle window that only the global cancel may take.
KILL_SWITCH_RESERVE = 1
#: The window of the outgoing-rate reading (IB's limit is per second).
RATE_WINDOW = 1.0
#: A release is armed this long after a send leaves the window (ib_async counts it until then).
_AFTER = 1e-6


class _Timer(Protocol):
    def cancel(self) -> None: ...


class _ThrottleLoop(Protocol):
    """What the lanes need of the loop ib_async's throttle runs on."""

    def time(self) -> float: ...
    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> _Timer: ...


def _throttle_loop() -> _ThrottleLoop:
    # Looked up on each call, as the throttle does (ib_async's util.getLoop as it imported it).
    return cast(_ThrottleLoop, ib_async.client.getLoop())  # type: ignore[attr-defined,no-untyped-call]


@dataclass(slots=True)
class Queued:
    """A message waiting in a lane."""

    send: Callable[[], object]
    what: str
    key: Hashable | None = None
    #: Set for a request whose caller awaits the answer: receives what ``send`` returned.
    reply: asyncio.Future[object] | None = None


class Lanes:
    """The kill-switch, order and data lanes in front of one ib_async client.

    Args:
        client: ib_async's ``Client`` (its throttle settings must already be set).
        on_failed: Told of a queued fire-and-forget message that raised when it was sent (a
            request someone awaits gets the exception instead).
        loop: The loop ib_async's throttle reads its time from (tests give it a virtual one).
    """

    def __init__(
        self,
        client: Client,
        on_failed: Callable[[str, Exception], None],
        *,
        loop: Callable[[], _ThrottleLoop] = _throttle_loop,
    ) -> None:
        self._client = client
        self._on_failed = on_failed
        self._loop = loop
        #: Slots per window the order and data lanes leave free (the global cancel's).
        self.reserve = KILL_SWITCH_RESERVE
        self._orders: deque[Queued] = deque()
        self._data: deque[Queued] = deque()
        self._timer: _Timer | None = None
        self._releasing = False
        self._last_data = -float("inf")
        self._sent: deque[float] = deque()  # throttle-clock times of what went out, last second
        self._drained: list[asyncio.Future[None]] = []
        # ib_async's queue drained (what it held is out): the lanes may follow.
        client.throttleEnd += self.release

    # -- the lanes --------------------------------------------------------------------------------
    def kill(self, send: Callable[[], T]) -> tuple[T, list[Queued]]:
        """Send the global cancel now, ahead of everything; return its result and the order
        messages taken back from the order lane (they would reach IB after the cancel and
        outlive it: a placement queued now must never start working)."""
        withdrawn = [item for item in self._orders if item.reply is None]
        self._orders = deque(item for item in self._orders if item.reply is not None)
        self._stamp()
        result = send()
        self._notify_drained()
        return result, withdrawn

    def order(self, send: Callable[[], object], what: str, *, key: Hashable | None = None) -> None:
        """Queue an order message; it goes before any data, at once unless the window is full.

        Args:
            send: Makes the ib_async call.
            what: Names the message in logs ("place T-12").
            key: Identifies it among what :meth:`kill` and :meth:`drop` return.
        """
        self._orders.append(Queued(send, what, key))
        self.release()

    async def order_request(self, ask: Callable[[], Awaitable[T]], what: str) -> T:
        """Queue an order-lane request (an order's contract, reconciliation) and await it."""
        return await self._request(self._orders, ask, what)

    def data(self, send: Callable[[], object], what: str, *, key: Hashable | None = None) -> None:
        """Queue a data request that nobody awaits; it goes out in turn (perhaps at once).

        ``key`` lets :meth:`withdraw` take the request back while it still waits.
        """
        self._data.append(Queued(send, what, key))
        self.release()

    async def data_request(self, ask: Callable[[], Awaitable[T]], what: str) -> T:
        """Queue a data request and await its answer.

        ``ask`` makes the ib_async call when the request's turn comes; the message leaves before
        ``ask`` returns (a coroutine is started at once to that end), so the lane counts it.

        Raises:
            ConnectionError: the connection went away while the request waited.
        """
        return await self._request(self._data, ask, what)

    async def _request(self, lane: deque[Queued], ask: Callable[[], Awaitable[T]], what: str) -> T:
        reply: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        lane.append(Queued(ask, what, reply=reply))
        self.release()
        answer = cast(Awaitable[T], await reply)
        return await answer

    def withdraw(self, key: Hashable) -> bool:
        """Take back a queued fire-and-forget data request; return False when none waits."""
        for item in self._data:
            if item.key == key and item.reply is None:
                self._data.remove(item)
                return True
        return False

    def drop(self, reason: str) -> list[Queued]:
        """The socket closed: forget what waits (awaited requests fail with ConnectionError);
        return the order messages that were never sent, for the adapter to report.

        Streams are asked for again after the reconnect, from the adapter's own registry.
        """
        orders, data = self._orders, self._data
        self._orders, self._data = deque(), deque()
        self._disarm()
        for item in (*orders, *data):
            if item.reply is not None and not item.reply.done():
                item.reply.set_exception(ConnectionError(reason))
        if data:
            log.info("%d queued IB data requests dropped: %s", len(data), reason)
        self._notify_drained()
        return [item for item in orders if item.reply is None]

    async def orders_out(self, seconds: float) -> bool:
        """Wait until no order message waits, here or in ib_async's queue (data may); return
        False when some still wait after ``seconds``."""
        if self._orders_waiting() == 0:
            return True
        drained: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drained.append(drained)
        try:
            async with asyncio.timeout(seconds):
                await drained
        except TimeoutError:
            return False
        finally:
            if drained in self._drained:
                self._drained.remove(drained)
        return True

    # -- readings (health) ------------------------------------------------------------------------
    @property
    def queued_data(self) -> int:
        """Data requests waiting in the data lane."""
        return len(self._data)

    @property
    def queued_orders(self) -> int:
        """Order messages waiting: in the order lane, and in ib_async's own queue."""
        return self._orders_waiting()

    def rate(self) -> int:
        """Messages handed to ib_async in the last second (what TWS receives, near enough)."""
        self._trim(self._loop().time())
        return len(self._sent)

    def _orders_waiting(self) -> int:
        return len(self._orders) + len(self._client._msgQ)

    # -- releasing --------------------------------------------------------------------------------
    def release(self) -> None:
        """Hand waiting messages to ib_async while it would write them at once."""
        if self._releasing:
            return
        self._releasing = True
        try:
            self._release()
        finally:
            self._releasing = False
            self._notify_drained()

    def _release(self) -> None:
        while True:
            lane = self._orders if self._orders else self._data
            if not lane:
                self._disarm()  # all out: nothing to come back for
                return
            wait = self._wait(data=lane is self._data)
            if wait > 0:
                self._arm(wait)
                return
            item = lane.popleft()
            if item.reply is not None and item.reply.done():
                continue  # its caller stopped waiting
            if lane is self._data:
                self._last_data = self._loop().time()
            self._send(item)

    def _wait(self, *, data: bool) -> float:
        """Seconds until the lane's next message could leave (0: now; inf: when ib_async's
        queue drains)."""
        client = self._client
        if client._msgQ:
            return float("inf")  # ib_async holds messages: they leave first
        limit = int(client.MaxRequests)
        if not limit:
            return 0.0  # ib_async does not throttle
        now = self._loop().time()
        interval = float(client.RequestsInterval)
        slots = max(1, limit - self.reserve)
        recent = sorted(sent for sent in client._timeQ if now - sent <= interval)
        wait = 0.0
        if len(recent) >= slots:  # until enough of them have left the window
            wait = recent[len(recent) - slots] + interval + _AFTER - now
        if data:  # spread over the window: an order arriving meanwhile waits a fraction of it
            if self._last_data > now:  # a clock that went back (a test's virtual one ended)
                self._last_data = -float("inf")
            wait = max(wait, self._last_data + interval / slots - now)
        return wait if wait > _AFTER / 1000 else 0.0  # float dust is no reason to wait

    def _arm(self, wait: float) -> None:
        """Come back after ``wait`` seconds (inf: throttleEnd calls :meth:`release`)."""
        self._disarm()
        if wait == float("inf"):
            return
        loop = self._loop()
        self._timer = loop.call_at(loop.time() + wait, self._wake)

    def _wake(self) -> None:
        self._timer = None
        self.release()

    def _disarm(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _send(self, item: Queued) -> None:
        self._stamp()
        try:
            result = item.send()
        except Exception as exc:  # ConnectionError when the socket just went; or a bug
            if item.reply is not None:
                item.reply.set_exception(exc)
            else:
                self._on_failed(item.what, exc)
            return
        if item.reply is None:
            return
        if asyncio.iscoroutine(result):
            # A coroutine sends when it first runs: run it to its first wait now, so the
            # message is out (and counted) before the next one is considered.
            result = asyncio.Task(result, loop=asyncio.get_running_loop(), eager_start=True)
        if asyncio.isfuture(result):
            result.add_done_callback(_retrieved)
        item.reply.set_result(result)

    def _notify_drained(self) -> None:
        if self._drained and self._orders_waiting() == 0:
            waiting, self._drained = self._drained, []
            for drained in waiting:
                if not drained.done():
                    drained.set_result(None)

    def _stamp(self) -> None:
        now = self._loop().time()
        self._sent.append(now)
        self._trim(now)

    def _trim(self, now: float) -> None:
        sent = self._sent
        while sent and (now - sent[0] > RATE_WINDOW or sent[0] > now):  # (or a clock went back)
            sent.popleft()


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark an answer's exception as seen: its caller may have stopped waiting (cancelled), and
    asyncio would log it as never retrieved. A caller still waiting gets it all the same."""
    if not future.cancelled():
        future.exception()
