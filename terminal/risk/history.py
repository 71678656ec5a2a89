"""Recently staged intents, kept only as long as the rate and duplicate rules look back."""

from __future__ import annotations

import datetime as dt
from collections import deque
from decimal import Decimal

from terminal.domain.orders import OrderIntent, OrderSide, OrderType

#: The orders-per-second rule looks back this far.
RATE_WINDOW = dt.timedelta(seconds=1)

type Signature = tuple[
    str,
    OrderSide,
    Decimal,
    OrderType,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
]


def signature(intent: OrderIntent) -> Signature:
    """Return what makes two intents the same order to a trader (not tif or source)."""
    return (
        intent.instrument.key,
        intent.side,
        intent.quantity,
        intent.order_type,
        intent.limit_price,
        intent.stop_price,
        intent.trail_amount,
        intent.trail_percent,
        intent.limit_offset,
    )


class StagingHistory:
    """Times and signatures of staged intents, newest last, pruned by age.

    Memory stays bounded by what the look-back windows hold: every call prunes entries older
    than the longest window.
    """

    def __init__(self, duplicate_window: float) -> None:
        self._entries: deque[tuple[dt.datetime, Signature]] = deque()
        self.set_duplicate_window(duplicate_window)

    def set_duplicate_window(self, seconds: float) -> None:
        """Change how long an intent counts as a possible duplicate."""
        self._duplicate_window = dt.timedelta(seconds=seconds)
        self._keep = max(self._duplicate_window, RATE_WINDOW)

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, intent: OrderIntent, now: dt.datetime) -> None:
        """Remember that ``intent`` was staged at ``now``."""
        self.prune(now)
        self._entries.append((now, signature(intent)))

    def prune(self, now: dt.datetime) -> None:
        """Forget entries no window looks at any more."""
        cutoff = now - self._keep
        entries = self._entries
        while entries and entries[0][0] <= cutoff:
            entries.popleft()

    def count_last_second(self, now: dt.datetime) -> int:
        """Return how many intents were staged less than one second before ``now``."""
        cutoff = now - RATE_WINDOW
        count = 0
        # Newest last: walk back only as far as the window reaches.
        for when, _ in reversed(self._entries):
            if when <= cutoff:
                break
            count += 1
        return count

    def duplicate_age(self, intent: OrderIntent, now: dt.datetime) -> dt.timedelta | None:
        """Return how long ago the same order was staged within the window, else ``None``."""
        if not self._entries:
            return None
        cutoff = now - self._duplicate_window
        sig = signature(intent)
        for when, other in reversed(self._entries):
            if when <= cutoff:
                break
            if other == sig:
                return now - when
        return None
