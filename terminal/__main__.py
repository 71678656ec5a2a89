"""Entry point of ``trading-terminal`` and ``python -m terminal``.

The only module of the core allowed to import :mod:`widgets` (lazily, to open the window).
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import signal
import sys

from terminal import uptime  # noqa: F401  (before the rest: where /proc is not, it is the clock)
from terminal.cli import build_parser, run_audit, run_desk, run_report, run_sim


def main(argv: list[str] | None = None) -> int:
    _ensure_streams()
    _enable_stack_dumps()
    args = build_parser().parse_args(argv)
    if args.command == "audit":
        return run_audit(args)
    if args.command == "report":
        return run_report(args)
    if args.command == "sim":
        return run_sim(args)
    if args.command == "desk":
        return run_desk(args)
    if args.headless:
        from terminal.headless import run_headless

        return run_headless(args)
    from widgets.launcher import run_window

    return run_window(args)


def _ensure_streams() -> None:
    """A windowed Windows build starts with ``sys.stdout``/``sys.stderr`` set to None: give
    them a sink so messages and argparse never crash the app (the log file has everything)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def _enable_stack_dumps() -> None:
    """A crash (segfault, abort) prints every thread's Python stack to stderr, and on POSIX
    ``kill -USR1 <pid>`` prints them without stopping the terminal (``-USR2``: every asyncio task's
    stack too, then it aborts): what a hung or crashed
    session was doing can be seen in the field, not only under a debugger."""
    faulthandler.enable(all_threads=True)
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True, chain=False)
        signal.signal(signal.SIGUSR2, _dump_tasks_and_abort)


def _dump_tasks_and_abort(_signum: int, _frame: object) -> None:
    """SIGUSR2: print what every asyncio task awaits, then abort (faulthandler adds every
    thread's stack). For a session that will not end: the threads alone do not say which
    coroutine is waiting for what."""
    loop = asyncio_running_loop()
    if loop is not None:
        for task in asyncio.all_tasks(loop):
            print(f"--- task {task.get_name()}: {task!r}", file=sys.stderr)
            task.print_stack(file=sys.stderr)
    sys.stderr.flush()
    os.abort()


def asyncio_running_loop() -> asyncio.AbstractEventLoop | None:
    """The loop running in this (the main) thread, if any: a signal handler runs inside it."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


if __name__ == "__main__":
    sys.exit(main())
