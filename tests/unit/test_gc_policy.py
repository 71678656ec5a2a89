"""After start-up the collector leaves long-lived objects alone, and still collects new cycles."""

from __future__ import annotations

import gc
import weakref

from terminal.gc_policy import freeze_startup_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_startup_objects_are_frozen_and_new_cycles_still_collected() -> None:
    long_lived = Node()
    try:
        frozen = freeze_startup_objects()
        assert frozen > 0
        assert frozen == gc.get_freeze_count()
        # what lived at start-up is out of the collector's walk: not in any generation
        assert not any(obj is long_lived for obj in gc.get_objects())
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle made after start-up
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
