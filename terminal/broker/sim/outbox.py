"""Reports waiting for their latency to pass, delivered in due order."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable


class Outbox:
    """A time-ordered queue of actions.

    Actions for the same order never overtake each other: each is due no earlier than the
    previous action of that order, so a fill report cannot arrive before its acknowledgement.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._last_due: dict[str, dt.datetime] = {}

    def __len__(self) -> int:
        return len(self._heap)

    def put(
        self, due: dt.datetime, action: Callable[[], None], order_id: str | None = None
    ) -> None:
        """Schedule ``action`` at ``due`` (later, if an earlier action of ``order_id`` is later)."""
        if order_id is not None:
            due = max(due, self._last_due.get(order_id, due))
            self._last_due[order_id] = due
        heapq.heappush(self._heap, (due, next(self._seq), action))

    def pop_due(self, now: dt.datetime) -> Callable[[], None] | None:
        """Return the next action due at ``now``, or None."""
        if self._heap and self._heap[0][0] <= now:
            return heapq.heappop(self._heap)[2]
        return None

    def next_due(self) -> dt.datetime | None:
        """Return when the next action is due."""
        return self._heap[0][0] if self._heap else None
