"""Historical-data pacing: stay inside IB's limits instead of collecting error 162.

IB allows about 60 historical requests per ten minutes, 50 open at once, and treats an identical
request within 15 seconds as a violation. :class:`HistoryPacer` answers a repeat from the last
result, waits for a free slot in the ten-minute window, and caps the requests in flight. The
clock is injected so the rules are tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

WINDOW_SECONDS = 600.0
MAX_IN_FLIGHT = 50


class HistoryPacer:
    def __init__(
        self,
        per_window: int = 60,
        repeat_seconds: float = 15.0,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_window < 1:
            raise ValueError("per_window must be at least 1")
        self.per_window = per_window
        self.repeat_seconds = repeat_seconds
        self._now = now
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._recent: dict[Hashable, tuple[float, object]] = {}
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._order = asyncio.Lock()

    def wait_needed(self) -> float:
        """Seconds until another request may be sent (0 when one may go now)."""
        now = self._now()
        while self._sent and now - self._sent[0] >= WINDOW_SECONDS:
            self._sent.popleft()
        if len(self._sent) < self.per_window:
            return 0.0
        return WINDOW_SECONDS - (now - self._sent[0])

    async def run(self, key: Hashable | None, request: Callable[[], Awaitable[T]]) -> T:
        """Run ``request`` under the pacing rules; a repeat of ``key`` within the repeat window
        returns the previous result without asking IB again (``None``: never repeated)."""
        recent = self._recent.get(key) if key is not None else None
        if recent is not None and self._now() - recent[0] < self.repeat_seconds:
            return recent[1]  # type: ignore[return-value]
        async with self._order:  # first come, first served through the window
            while (wait := self.wait_needed()) > 0:
                await self._sleep(wait)
            self._sent.append(self._now())
        async with self._in_flight:
            result = await request()
        if key is not None:
            self._recent[key] = (self._now(), result)
        self._forget_old()
        return result

    def _forget_old(self) -> None:
        now = self._now()
        for key in [k for k, (t, _) in self._recent.items() if now - t >= self.repeat_seconds]:
            del self._recent[key]
