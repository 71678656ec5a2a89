"""One refresh clock for the whole window: models mark rows dirty, this flushes them at 30 Hz.

Nothing in the window repaints per tick and nothing starts a timer per tick. Market events only
record what changed; every ``1 / rate`` seconds the clock calls each registered flush function,
which emits one ranged ``dataChanged`` (or redraws one chart item) for whatever was marked.

**Phases.** Qt paints every changed widget of a window in one go (one ``UpdateRequest``), so
flushing every pane on the same tick made one long paint, during which the GUI thread answered
nothing: the watchlist, the ladder, the charts and the tape together took 10+ ms under a storm.
The clock therefore ticks ``phases`` times per refresh and flushes one phase's panes per tick:
each pane still refreshes at ``rate_hz``, the paints come in smaller pieces. The watchlist, the
busiest painter, asks for a phase of its own (``phase=0``); other flushes are spread over the
remaining phases as they register.

**Pacing.** A flush may ask to run on every ``every``-th refresh only (a chart's forming candle
at 10 Hz: ten charts repainting at 30 Hz took a third of the GUI thread, and nobody reads a
candle 30 times a second). Flushes with the same pace are spread over its refreshes as they
register, so ten charts paint three or four at a time. :meth:`RefreshClock.flush_now` runs
every flush regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer

from widgets.loop_lag import LoopLagProbe

log = logging.getLogger(__name__)

DEFAULT_RATE_HZ = 30
#: Ticks per refresh (see the module's docstring).
DEFAULT_PHASES = 3


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

    def __init__(
        self,
        rate_hz: int = DEFAULT_RATE_HZ,
        parent: QObject | None = None,
        *,
        phases: int = DEFAULT_PHASES,
    ) -> None:
        super().__init__(parent)
        self._flushes: list[Callable[[], None]] = []
        self._phase_of: dict[Callable[[], None], int] = {}
        #: Per paced flush: (every, offset): it runs when (refresh + offset) % every == 0.
        self._pace_of: dict[Callable[[], None], tuple[int, int]] = {}
        self._next_offset: dict[int, int] = {}
        self.phases = max(1, phases)
        self._tick_count = 0
        self._next_shared = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._interval_ms = max(1, round(1000 / rate_hz))
        self._timer.setInterval(max(1, round(1000 / rate_hz / self.phases)))
        self._timer.timeout.connect(self._tick)
        #: Refreshes so far: every flush has run this many times (panes pace slower work on it).
        self.flush_count = 0
        self._failing: set[Callable[[], None]] = set()
        self.report: Callable[[str, BaseException], None] = _log_failure
        #: The GUI loop's lag, measured while the clock runs (the health view shows it).
        self.loop_lag = LoopLagProbe(parent=self)

    def register(self, flush: Callable[[], None], phase: int | None = None, every: int = 1) -> None:
        """Call ``flush`` on every refresh until :meth:`unregister` (panes register through
        ``Session.register_flush``, which ties the flush to its owner widget).

        ``phase`` 0 is kept for the flush that asks for it (the watchlist); without one, a
        flush joins the other phases in turn. ``every`` > 1 runs it on every ``every``-th
        refresh only (see Pacing in the module's docstring)."""
        self._flushes.append(flush)
        if every > 1:
            offset = self._next_offset.get(every, 0)
            self._next_offset[every] = offset + 1
            self._pace_of[flush] = (every, offset % every)
        if phase is None:
            shared = self.phases - 1
            phase = 1 + self._next_shared % shared if shared else 0
            self._next_shared += 1
        self._phase_of[flush] = min(max(phase, 0), self.phases - 1)

    def unregister(self, flush: Callable[[], None]) -> None:
        if flush in self._flushes:
            self._flushes.remove(flush)
        self._phase_of.pop(flush, None)
        self._pace_of.pop(flush, None)
        self._failing.discard(flush)

    def phase_of(self, flush: Callable[[], None]) -> int | None:
        """The phase ``flush`` runs in (None when not registered)."""
        return self._phase_of.get(flush)

    def start(self) -> None:
        self._timer.start()
        self.loop_lag.start()

    def stop(self) -> None:
        self._timer.stop()
        self.loop_lag.stop()

    @property
    def interval_ms(self) -> int:
        """How often each flush runs."""
        return self._interval_ms

    def _tick(self) -> None:
        phase = self._tick_count % self.phases
        self._tick_count += 1
        if phase == 0:
            self.flush_count += 1
        refresh = self.flush_count
        paced = self._pace_of
        self._run(
            [
                f
                for f in self._flushes
                if self._phase_of.get(f) == phase
                and (f not in paced or (refresh + paced[f][1]) % paced[f][0] == 0)
            ]
        )

    def flush_now(self) -> None:
        """Run every flush once, whatever its phase (tests call it to avoid waiting)."""
        self.flush_count += 1
        self._run(list(self._flushes))

    def _run(self, flushes: list[Callable[[], None]]) -> None:
        for flush in flushes:
            try:
                flush()
            except Exception as exc:
                if flush not in self._failing:
                    self._failing.add(flush)
                    self.report(flush_name(flush), exc)
            else:
                self._failing.discard(flush)
