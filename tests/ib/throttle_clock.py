"""Virtual time for ib_async's outgoing-message throttle, so what it releases, and when, is exact.

ib_async's ``Client.sendMsg`` reads the loop's time to count the messages of the last interval
and arms ``loop.call_at`` for its next slice; it finds that loop through
``ib_async.client.getLoop``, which nothing else in that module calls on a running loop. A
:class:`ThrottleClock` stands in for the loop there (and only there): its time moves only when
the test advances it, and the send times it records are the very times the throttle decided
on. The socket, the gateway and everything else keep the real loop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ib_async.client
from ib_async import IB

#: How long after "now" a timer armed for now or the past runs: the throttle re-arms itself for
#: the same instant when its condition was still false, and on a real loop some time has always
#: passed by the time a callback runs again.
MOMENT = 1e-6


@dataclass(order=True)
class _Timer:
    when: float
    seq: int
    callback: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ThrottleClock:
    """The time and timers ib_async's throttle sees; ``sent`` lists (time, fields) it wrote."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sent: list[tuple[float, tuple[str, ...]]] = []
        self._timers: list[_Timer] = []
        self._seq = itertools.count()

    # -- the two loop methods the throttle calls ---------------------------------------------
    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> _Timer:
        timer = _Timer(max(when, self.now + MOMENT), next(self._seq), callback, args)
        heapq.heappush(self._timers, timer)
        return timer

    # -- driving it --------------------------------------------------------------------------
    def _next(self) -> _Timer | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0] if self._timers else None

    def advance(self, seconds: float) -> None:
        """Move time on by ``seconds``, running every timer that falls due, in order."""
        target = self.now + seconds
        while (timer := self._next()) is not None and timer.when <= target:
            heapq.heappop(self._timers)
            self.now = timer.when
            timer.callback(*timer.args)
        self.now = target

    def run(self) -> None:
        """Advance from timer to timer until the throttle holds nothing back."""
        while (timer := self._next()) is not None:
            self.advance(timer.when - self.now)

    def times(self) -> list[float]:
        """When each recorded message was written."""
        return [t for t, _ in self.sent]


def _fields(frame: bytes) -> tuple[str, ...]:
    """A length-prefixed TWS API frame as its fields (message id first)."""
    return tuple(frame[4:].decode().split("\0")[:-1])


@contextmanager
def throttle_clock(ib: IB) -> Iterator[ThrottleClock]:
    """Give ``ib``'s throttle virtual time while the block runs; record what it writes.

    The clock starts an hour past the loop's time, so the sends the throttle remembers from
    before (in the loop's time) have all left its window.
    """
    clock = ThrottleClock(math.ceil(asyncio.get_running_loop().time()) + 3600.0)
    conn = ib.client.conn
    write, get_loop = conn.sendMsg, ib_async.client.getLoop

    def recorded(frame: bytes) -> None:
        clock.sent.append((clock.now, _fields(frame)))
        write(frame)

    conn.sendMsg = recorded  # type: ignore[method-assign]
    ib_async.client.getLoop = lambda: clock  # type: ignore[attr-defined]
    try:
        yield clock
    finally:
        clock.run()  # nothing may stay queued on a clock that stops existing
        ib_async.client.getLoop = get_loop  # type: ignore[attr-defined]
        conn.sendMsg = write  # type: ignore[method-assign]
        # The throttle remembers its last sends in virtual time, an hour ahead of the loop's:
        # read on the real loop they would be sends still to come, and hold everything back.
        ib.client._timeQ.clear()
