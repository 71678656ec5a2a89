"""Message rates as TWS counts them: the most messages inside any window of a given length."""

from __future__ import annotations

from collections.abc import Sequence


def busiest_window(times: Sequence[float], window: float = 1.0) -> int:
    """The most of ``times`` (ascending) inside any half-open interval ``[t, t + window)``."""
    best = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best
