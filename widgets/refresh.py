"""One refresh clock for the whole window: models mark rows dirty, this flushes them at 30 Hz.

Nothing in the window repaints per tick and nothing starts a timer per tick. Market events only
record what changed; every ``1 / rate`` seconds the clock calls each registered flush function,
which emits one ranged ``dataChanged`` (or redraws one chart item) for whatever was marked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)

DEFAULT_RATE_HZ = 30


class RefreshClock(QObject):
    """Calls registered flush functions at a fixed rate on the GUI thread.

    A flush that raises is logged and kept registered: one broken pane must not stop the others
    from updating.
    """

    def __init__(self, rate_hz: int = DEFAULT_RATE_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flushes: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / rate_hz)))
        self._timer.timeout.connect(self.flush_now)
        self.flush_count = 0

    def register(self, flush: Callable[[], None], owner: QObject | None = None) -> None:
        """Call ``flush`` on every refresh; stop when ``owner`` (if given) is destroyed."""
        self._flushes.append(flush)
        if owner is not None:
            owner.destroyed.connect(lambda *_: self.unregister(flush))

    def unregister(self, flush: Callable[[], None]) -> None:
        if flush in self._flushes:
            self._flushes.remove(flush)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def flush_now(self) -> None:
        """Run every flush once (the timer does this; tests call it to avoid waiting)."""
        self.flush_count += 1
        for flush in list(self._flushes):
            try:
                flush()
            except Exception:
                log.exception("refresh of %r failed", flush)
