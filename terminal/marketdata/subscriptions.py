"""Reference-counted subscriptions: the broker sees the first subscribe and the last unsubscribe."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)


class RefCounts[K: Hashable]:
    """Count subscribers per key and call ``start`` on 0 -> 1 and ``stop`` on 1 -> 0.

    Transitions of one key are serialised by a per-key lock, so concurrent subscribes for the
    same key start it at the broker once, and every caller returns only after it started. A
    ``start`` that fails leaves the count unchanged and raises to that caller; the next caller
    tries again. An unsubscribe always drops the count, even when ``stop`` fails.

    Args:
        start: Coroutine function that subscribes ``key`` at the broker.
        stop: Coroutine function that unsubscribes ``key`` at the broker.
    """

    def __init__(
        self,
        start: Callable[[K], Awaitable[None]],
        stop: Callable[[K], Awaitable[None]],
    ) -> None:
        self._start = start
        self._stop = stop
        self._counts: dict[K, int] = {}
        self._locks: dict[K, asyncio.Lock] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._counts

    def count(self, key: K) -> int:
        """Return how many subscribers ``key`` has."""
        return self._counts.get(key, 0)

    def keys(self) -> list[K]:
        """Return the subscribed keys."""
        return list(self._counts)

    async def acquire(self, key: K) -> bool:
        """Add a subscriber to ``key``; return True when this call started it at the broker."""
        count = self._counts.get(key, 0)
        if count:  # fast path, no await: already running
            self._counts[key] = count + 1
            return False
        async with self._lock(key):
            count = self._counts.get(key, 0)
            if count == 0:
                await self._start(key)
            self._counts[key] = count + 1
            return count == 0

    async def release(self, key: K) -> bool:
        """Remove a subscriber from ``key``; return True when this call stopped it at the broker.

        Releasing a key that has no subscribers does nothing.
        """
        async with self._lock(key):
            count = self._counts.get(key, 0)
            if count > 1:
                self._counts[key] = count - 1
                return False
            if count == 0:
                return False
            del self._counts[key]
            await self._stop(key)
            return True

    async def renew(self) -> list[tuple[K, BaseException]]:
        """Call ``start`` again for every subscribed key (the broker forgot them).

        Returns:
            The keys whose renewal failed, with the error; the others are running again.
        """
        failures: list[tuple[K, BaseException]] = []
        for key in list(self._counts):
            async with self._lock(key):
                if key not in self._counts:
                    continue
                try:
                    await self._start(key)
                except Exception as exc:
                    log.warning("resubscribing %s failed: %s", key, exc)
                    failures.append((key, exc))
        return failures

    def _lock(self, key: K) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock
