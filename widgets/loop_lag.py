"""How late the GUI thread's event loop runs: a Qt timer that should fire every ``interval``
seconds, and how much later than that it actually fired.

A stall (a slow slot, a blocking call, a paint storm) delays every timer behind it, so the
probe's own lateness is the loop's lag. The health view shows the worst lag of the last few
seconds, not the latest sample: a half-second freeze must stay visible long enough for the trader
to see it, and one quiet tick must not hide it. The core has no Qt, so the window measures this
and passes it to ``app.health.report(loop_lag=...)``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

#: How often the probe fires (seconds): ten times a second costs nothing and sees a 100 ms stall.
PROBE_INTERVAL = 0.1
#: The lag shown is the worst of this many seconds.
WINDOW_SECONDS = 3.0


class LoopLagProbe(QObject):
    """Measure the GUI loop's lag; :attr:`lag` is the worst of the last ``window`` seconds.

    Args:
        interval: Seconds between probes.
        window: Seconds of samples :attr:`lag` looks back over.
        now: The monotonic clock (tests pass their own).
    """

    def __init__(
        self,
        interval: float = PROBE_INTERVAL,
        window: float = WINDOW_SECONDS,
        *,
        now: Callable[[], float] = time.perf_counter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.interval = interval
        self._now = now
        self._samples: deque[float] = deque(maxlen=max(1, round(window / interval)))
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(interval * 1000)))
        self._timer.timeout.connect(self.tick)

    def start(self) -> None:
        """Start probing afresh (what was measured before a stop is forgotten)."""
        self._samples.clear()
        self._last = self._now()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._last = None

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def tick(self) -> None:
        """One probe: record how much later than ``interval`` after the previous one it came."""
        now = self._now()
        if self._last is not None:
            self._samples.append(max(0.0, now - self._last - self.interval))
        self._last = now

    @property
    def lag(self) -> float | None:
        """The worst lag of the window, seconds (None before the second probe)."""
        return max(self._samples) if self._samples else None
