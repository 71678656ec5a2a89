"""Python's cyclic garbage collector, run on the GUI thread only.

Python runs an automatic collection on whichever thread allocates when a generation's threshold
is crossed: in the terminal that can be the database writer thread or an executor thread loading
fills. A QObject that is garbage in a reference cycle (a pyqtgraph item taken off the chart, a
closed dialog's wrapper, a qasync loop's timer object) is then destroyed on that thread, which
Qt does not allow: its timers cannot be unregistered from there ("QObject::~QObject: Timers
cannot be stopped from another thread") and the GUI thread later dispatches events to freed
memory. The terminal therefore turns automatic collection off while the window runs and collects
from a timer on the GUI thread instead, the way OpenCue's CueGUI does
(``cuegui/GarbageCollector.py``), using the interpreter's own thresholds to decide which
generation is due.
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, QTimer

#: How often the GUI thread looks at the allocation counts (a cheap call when nothing is due).
DEFAULT_INTERVAL_MS = 100


class GuiThreadCollector(QObject):
    """Turns automatic garbage collection off and collects on the GUI thread when it is due.

    :meth:`stop`, or destroying the collector (with its parent), turns automatic collection
    back on if it was on before.

    Attributes:
        collections: How many collections it ran.
    """

    def __init__(self, interval_ms: int = DEFAULT_INTERVAL_MS, parent: QObject | None = None):
        super().__init__(parent)
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("the collector belongs to the GUI (main) thread")
        self._restore = gc.isenabled()
        self._stopped = False
        self.collections = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()
        self.destroyed.connect(_restore_automatic_collection if self._restore else _noop)

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is crossed, as the interpreter would
        on an allocation; return the number of unreachable objects found."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if thresholds[0] == 0 or counts[0] <= thresholds[0]:
            return 0
        generation = 0
        for candidate in (2, 1):
            if counts[candidate] > thresholds[candidate]:
                generation = candidate
                break
        self.collections += 1
        return gc.collect(generation)

    def stop(self) -> None:
        """Stop collecting here and give collection back to the interpreter."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        if self._restore:
            gc.enable()


def _restore_automatic_collection(*_args: object) -> None:
    gc.enable()


def _noop(*_args: object) -> None:
    pass
