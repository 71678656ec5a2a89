"""Entry point of ``trading-terminal`` and ``python -m terminal``.

The only module of the core allowed to import :mod:`widgets` (lazily, to open the window).
"""

from __future__ import annotations

import os
import sys

from terminal.cli import build_parser, run_audit, run_desk, run_report, run_sim


def main(argv: list[str] | None = None) -> int:
    _ensure_streams()
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


if __name__ == "__main__":
    sys.exit(main())
