"""Waiting for gateway state from other threads and loops, without polling.

The gateway thread calls :meth:`StateWatch.changed` after every change (message handled, order
changed, client connected or gone). An async waiter gets a ``call_soon_threadsafe`` wake-up on its
own loop; a blocking waiter a ``threading.Condition`` notify. Either then re-checks its predicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable


def _holds[S](subject: S, predicate: Callable[[S], bool]) -> bool:
    # A LookupError means "not there yet" (an order id the gateway has not seen).
    try:
        return predicate(subject)
    except LookupError:
        return False


class StateWatch[S]:
    """Change notifications for one subject, awaited from any thread or event loop."""

    def __init__(self, subject: S) -> None:
        self._subject = subject
        self._cond = threading.Condition()
        self._changes = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def changed(self) -> None:
        """Wake every waiter (called on the gateway thread)."""
        with self._cond:
            self._changes += 1
            self._cond.notify_all()
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(event.set)

    async def until(
        self,
        predicate: Callable[[S], bool],
        timeout: float,  # noqa: ASYNC109 (the caller states the bound)
        what: str,
    ) -> None:
        """Wait on the caller's loop until ``predicate(subject)``; TimeoutError(what)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        waiter = (loop, event)
        with self._cond:
            self._waiters.add(waiter)
        try:
            deadline = loop.time() + timeout
            while True:
                event.clear()
                if _holds(self._subject, predicate):
                    return
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(what)
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    if _holds(self._subject, predicate):
                        return
                    raise TimeoutError(what) from None
        finally:
            with self._cond:
                self._waiters.discard(waiter)

    def wait_until(self, predicate: Callable[[S], bool], timeout: float, what: str) -> None:
        """Block the calling thread until ``predicate(subject)``; TimeoutError(what)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                seen = self._changes
            if _holds(self._subject, predicate):
                return
            with self._cond:
                while self._changes == seen:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError(what)
                    self._cond.wait(remaining)
