"""How long this process has been running: for the start-up figure in the log ("window shown
after N ms"), which must count what a trader waits for (the interpreter's own start and every
import), not only the time since the launcher's first line ran."""

from __future__ import annotations

import os
import time

#: When this module was first imported: the fallback origin where ``/proc`` is not there.
_IMPORTED = time.perf_counter()


def process_age() -> float:
    """Seconds since this process started.

    On Linux from ``/proc`` (10 ms resolution: the process's start time in clock ticks since
    boot against the system's uptime); elsewhere since this module was first imported, which
    the entry point does before anything heavy.
    """
    try:
        with open("/proc/self/stat", "rb") as stat, open("/proc/uptime", "rb") as uptime:
            # Fields after the command name (which may hold spaces and parentheses): the 22nd
            # field of the line, the start time, is the 20th after it.
            ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])
            since_boot = float(uptime.read().split()[0])
        return max(0.0, since_boot - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _IMPORTED
