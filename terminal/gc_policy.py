"""Garbage collection after start-up: keep the collector off the objects that live forever.

Python's full collection walks every tracked object. Once the window is up the process holds
a few hundred thousand long-lived ones (modules, Qt wrappers, the universe, history, caches),
so a full collection under a storm took 150 ms on the GUI thread, the longest freeze the
storm benchmark saw (loop lag max 155 ms; 23 ms with this). :func:`freeze_startup_objects`
moves everything alive at that moment into the permanent generation (:func:`gc.freeze`):
later collections only walk objects made since, and cycles among those are still collected.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then exempt every surviving object from later collections; return how
    many were frozen. Call it once, when start-up is done (the window shown, the core up)."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up done: %d objects exempt from garbage collection", frozen)
    return frozen
