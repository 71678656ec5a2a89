"""One refresh clock for the whole window: models mark rows dirty, this flushes them at 30 Hz.

Nothing in the window repaints per tick and nothing starts a timer per tick. Market events only
record what changed; every ``1 / rate`` seconds the clock calls each registered flush function,
which emits one ranged ``dataChanged`` (or redraws one chart item) for whatever was marked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

from widgets.loop_lag import LoopLagProbe

log = logging.getLogger(__name__)

DEFAULT_RATE_HZ = 30


def _log_failure(name: str, exc: BaseException) -> None:
    log.error("refresh of %s failed", name, exc_info=exc)


def flush_name(flush: Callable[[], None]) -> str:
    """Name a flush function for the log and the alert (module.Class.method)."""
    module = getattr(flush, "__module__", None) or "?"
    return f"{module}.{getattr(flush, '__qualname__', repr(flush))}"


class RefreshClock(QObject):
    """Calls registered flush functions at a fixed rate on the GUI thread.

    A flush that raises is kept registered (one broken pane must not stop the others from
    updating) and handed to :attr:`report` once, until it succeeds again, so a pane broken on
    every frame does not flood the log and the alerts 30 times a second. The session sets
    :attr:`report` to the app's failure report (log with traceback + critical alert).
    """

    def __init__(self, rate_hz: int = DEFAULT_RATE_HZ, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._flushes: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(max(1, round(1000 / rate_hz)))
        self._timer.timeout.connect(self.flush_now)
        self.flush_count = 0
        self._failing: set[Callable[[], None]] = set()
        self.report: Callable[[str, BaseException], None] = _log_failure
        #: The GUI loop's lag, measured while the clock runs (the health view shows it).
        self.loop_lag = LoopLagProbe(parent=self)

    def register(self, flush: Callable[[], None]) -> None:
        """Call ``flush`` on every refresh until :meth:`unregister` (panes register through
        ``Session.register_flush``, which ties the flush to its owner widget)."""
        self._flushes.append(flush)

    def unregister(self, flush: Callable[[], None]) -> None:
        if flush in self._flushes:
            self._flushes.remove(flush)
        self._failing.discard(flush)

    def start(self) -> None:
        self._timer.start()
        self.loop_lag.start()

    def stop(self) -> None:
        self._timer.stop()
        self.loop_lag.stop()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def flush_now(self) -> None:
        """Run every flush once (the timer does this; tests call it to avoid waiting)."""
        self.flush_count += 1
        for flush in list(self._flushes):
            try:
                flush()
            except Exception as exc:
                if flush not in self._failing:
                    self._failing.add(flush)
                    self.report(flush_name(flush), exc)
            else:
                self._failing.discard(flush)
