"""Ending a terminal process a test started, and seeing why when it does not end."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Iterator


def dump_stacks_and_end(proc: subprocess.Popen[str]) -> None:
    """For a process that did not end in time: send SIGUSR2, on which the terminal prints every
    asyncio task's stack and aborts (its faulthandler adding every thread's stack) to its stderr,
    which the caller shows in the failure; SIGABRT if the main thread cannot run Python code,
    SIGKILL last. The process is reaped."""
    for ending in (signal.SIGUSR2, signal.SIGABRT, signal.SIGKILL):
        proc.send_signal(ending)
        try:
            proc.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def sigint_as_at_a_terminal() -> Iterator[None]:
    """Start children inside this block with Ctrl+C (SIGINT) at its default, as a process in
    the foreground of a terminal has it.

    A shell starts background jobs (``make test &``, a CI step run in the background) with
    SIGINT ignored, and an ignored signal stays ignored across exec: a child would never see
    the test's Ctrl+C (Python keeps it ignored, as every Unix program does). Seen as two
    tests hanging in a full run started with ``&``. While the block runs, this process handles
    SIGINT in Python, which a child does not inherit (handled signals are reset at exec).
    """
    before = signal.getsignal(signal.SIGINT)
    if before is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
