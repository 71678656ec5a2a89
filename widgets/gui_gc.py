"""Python's cyclic garbage collector, run on the GUI thread only.

Python runs an automatic collection on whichever thread allocates when a generation's threshold
is crossed: in the terminal that can be the database writer thread or an executor thread loading
fills. A QObject that is garbage in a reference cycle (a pyqtgraph item taken off the chart, a
closed dialog's wrapper, a qasync loop's timer object) is then destroyed on that thread, which
Qt does not allow: its timers cannot be unregistered from there ("QObject::~QObject: Timers
cannot be stopped from another thread") and the GUI thread later dispatches events to freed
memory. The terminal therefore turns automatic collection off while the window runs and collects
from a timer on the GUI thread instead, the way OpenCue's CueGUI does
(``cuegui/GarbageCollector.py``), deciding which generation is due by the interpreter's own
rules: its thresholds, and a full collection only once the old generation has grown by a
quarter since the last one (CPython's ``long_lived_pending`` rule, which keeps full collections,
the long pauses, rare in a large heap).
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
        # CPython's accounting for full collections: the old generation's size after the last
        # one, and how many objects have moved into it since (survivors of generation 1).
        self._long_lived = len(gc.get_objects(2))
        self._pending = 0
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()
        self._on_destroyed = _restore_automatic_collection if self._restore else _noop
        self.destroyed.connect(self._on_destroyed)

    def collect_due(self) -> int:
        """Collect the generation the interpreter would collect on an allocation now, if any;
        return the number of unreachable objects found."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if thresholds[0] == 0 or counts[0] <= thresholds[0]:
            return 0
        generation = 0
        if counts[2] > thresholds[2] and self._pending >= self._long_lived // 4:
            generation = 2
        elif counts[1] > thresholds[1]:
            generation = 1
        young = len(gc.get_objects(0)) + len(gc.get_objects(1)) if generation == 1 else 0
        found = gc.collect(generation)
        self.collections += 1
        if generation == 1:
            self._pending += max(0, young - found)
        elif generation == 2:
            self._long_lived = len(gc.get_objects(2))
            self._pending = 0
        return found

    def stop(self) -> None:
        """Stop collecting here and give collection back to the interpreter."""
        if self._stopped:
            return
        self._stopped = True
        self._timer.stop()
        # Given back once: destroying a stopped collector later must not turn automatic
        # collection on again (a test's stopped collector, freed after the test had restored
        # the state, left it on for the rest of the session: a collection on the database
        # writer's thread then deadlocked with the GUI thread inside Qt).
        self.destroyed.disconnect(self._on_destroyed)
        if self._restore:
            gc.enable()


def _restore_automatic_collection(*_args: object) -> None:
    gc.enable()


def _noop(*_args: object) -> None:
    pass
