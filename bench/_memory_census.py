"""What the GUI process holds, for ``bench/gui_load.py --memory-census`` (read its docstring).

A census tells growth that is objects (a container filling up, a type multiplying) from growth
that is the C allocator (RSS rising while the Python objects and glibc's in-use bytes stay flat).
Each census counts the objects the collector tracks, by type, notes the length of every large
container, and reads ``sys.getallocatedblocks()`` (Python's small-object blocks) and glibc's
``mallinfo2`` (bytes malloc has handed out and holds free). :func:`compare` says what grew
between two of them.

The start-up policy (``terminal/gc_policy.py``) freezes the objects alive once the window is up,
and ``gc.get_objects()`` does not list frozen ones, so a census unfreezes, collects, lists, and
freezes again: as start-up did, everything alive then is exempt from later collections. It costs
the GUI thread a full collection (a few hundred ms), once per census.

``--tracemalloc`` also traces Python's allocations from the first census on and compares where
the live ones were made (by line); tracing slows the process and uses memory of its own, so its
RSS figures are not the untraced run's.

Not a benchmark of its own (``scripts/bench_quick.py`` skips files starting with ``_``).
"""

from __future__ import annotations

import collections
import ctypes
import gc
import sys
import tracemalloc
from dataclasses import dataclass
from typing import Any

#: Containers at least this long are followed from one census to the next.
LARGE = 100
#: Rows of each table in the comparison.
TOP = 12
#: Referrers of a container looked at to name who holds it.
REFERRERS = 4
CONTAINERS = (list, dict, set, collections.deque, collections.OrderedDict, bytearray)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_mb() -> dict[str, float] | None:
    """glibc's heap: ``in_use`` (malloc'd, not freed), ``free`` (held in its arenas, not given
    back), ``mmap`` (large blocks mapped directly), in MB; None without glibc 2.33+."""
    try:
        libc = ctypes.CDLL(None)
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    mb = 2**20
    return {
        "in_use": round(info.uordblks / mb, 1),
        "free": round(info.fordblks / mb, 1),
        "mmap": round(info.hblkhd / mb, 1),
    }


@dataclass
class Census:
    """One look at the process: type counts, large containers, allocator figures."""

    types: collections.Counter[str]
    #: id -> container, held so that its id stays its own (not in tuples: they would count).
    containers: dict[int, Any]
    lengths: dict[int, int]
    blocks: int
    malloc: dict[str, float] | None
    traced: tracemalloc.Snapshot | None = None
    tracked: int = 0


def take(trace: bool = False) -> Census:
    """Count what is alive now (see the module docstring for what it costs)."""
    if trace and not tracemalloc.is_tracing():
        tracemalloc.start(1)
    gc.unfreeze()
    gc.collect()
    objects = gc.get_objects()
    types: collections.Counter[str] = collections.Counter()
    containers: dict[int, Any] = {}
    lengths: dict[int, int] = {}
    for obj in objects:
        types[type(obj).__qualname__] += 1
        if isinstance(obj, CONTAINERS):
            length = len(obj)
            if length >= LARGE:
                containers[id(obj)] = obj
                lengths[id(obj)] = length
    tracked = len(objects)
    del objects
    gc.freeze()
    snapshot = None
    if tracemalloc.is_tracing():
        mine = tracemalloc.Filter(inclusive=False, filename_pattern=__file__)
        snapshot = tracemalloc.take_snapshot().filter_traces([mine])
    return Census(
        types, containers, lengths, sys.getallocatedblocks(), malloc_mb(), snapshot, tracked
    )


def compare(before: Census, after: Census) -> dict[str, object]:
    """What grew from ``before`` to ``after``: types, containers (named by who holds them),
    allocator figures and, when traced, allocation sites."""
    type_growth = sorted(
        ((after.types[t] - before.types[t], t) for t in after.types | before.types),
        reverse=True,
    )
    grown = []
    for key, obj in before.containers.items():
        now, length = len(obj), before.lengths[key]
        if now != length:
            grown.append((now - length, key, length, now))
    grown.sort(reverse=True)
    top = [before.containers[key] for _, key, _, _ in grown[:TOP]]
    ignore = {id(before.containers), id(after.containers), id(top)}
    gc.unfreeze()  # gc.get_referrers() does not search frozen objects either
    held_by = [holder(obj, ignore) for obj in top]
    gc.freeze()
    report: dict[str, object] = {
        "tracked_objects": [before.tracked, after.tracked],
        "allocated_blocks": [before.blocks, after.blocks],
        "malloc_mb": [before.malloc, after.malloc],
        "types_grown": {t: d for d, t in type_growth[:TOP] if d > 0},
        "containers_grown": [
            {"held_by": name, "type": type(obj).__qualname__, "len": [was, now]}
            for name, obj, (_, _, was, now) in zip(held_by, top, grown, strict=False)
        ],
    }
    if before.traced is not None and after.traced is not None:
        stats = after.traced.compare_to(before.traced, "lineno")
        report["traced_kb_grown"] = {
            str(s.traceback[0]): round(s.size_diff / 1024, 1) for s in stats[:TOP]
        }
    return report


def holder(obj: object, ignore: set[int], depth: int = 2) -> str:
    """Name who holds ``obj``: ``Owner.attribute`` for an instance attribute, ``module.name``
    for a global, ``holder[key]`` inside a dict, list or tuple (up to ``depth`` levels), else
    the referrers' types. Referrers whose id is in ``ignore`` (the census's own) are skipped."""
    names = set()
    referrers = [r for r in gc.get_referrers(obj) if id(r) not in ignore]
    # Each look costs a walk over every object: a few referrers, a few levels.
    for ref in referrers[:REFERRERS]:
        name = _name_in(ref, obj, ignore, depth)
        if name is not None:
            names.add(name)
    names = {n for n in names if not n.startswith("Census.")}  # the census's own references
    if names:
        return ", ".join(sorted(names)[:3])
    kinds = {type(r).__qualname__ for r in referrers} - {"frame"}
    return "referrers: " + ", ".join(sorted(kinds)[:3])


def _name_in(ref: object, obj: object, ignore: set[int], depth: int) -> str | None:
    if type(ref).__name__ == "frame":
        return None
    if type(ref).__name__ == "cell":
        return "a closure's variable"
    if isinstance(ref, dict):
        key = next((k for k, v in ref.items() if v is obj), None)
        if key is None:
            return None
        if isinstance(key, str):
            owner = next(
                (o for o in gc.get_referrers(ref) if getattr(o, "__dict__", None) is ref), None
            )
            if owner is not None:
                return f"{type(owner).__qualname__}.{key}"
            if "__name__" in ref:
                return f"{ref['__name__']}.{key}"
        return f"{holder(ref, ignore, depth - 1)}[{key!r:.40}]" if depth > 0 else None
    if isinstance(ref, (list, tuple)):
        if depth <= 0:
            return None
        at = next(i for i, v in enumerate(ref) if v is obj)
        return f"{holder(ref, ignore, depth - 1)}[{at}]"
    # An instance attribute (3.12 keeps them inline: no __dict__ refers to the value) or a slot.
    attributes = [k for k, v in getattr(ref, "__dict__", {}).items() if v is obj] + [
        slot
        for cls in type(ref).__mro__
        for slot in getattr(cls, "__slots__", ())
        if isinstance(slot, str) and getattr(ref, slot, None) is obj
    ]
    return f"{type(ref).__qualname__}.{attributes[0]}" if attributes else None
