"""Entry point of ``trading-terminal`` and ``python -m terminal``.

The only module of the core allowed to import :mod:`widgets` (lazily, to open the window).
"""

from __future__ import annotations

import sys

from terminal.cli import build_parser, run_audit


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "audit":
        return run_audit(args)
    if args.headless:
        from terminal.headless import run_headless

        return run_headless(args)
    from widgets.launcher import run_window

    return run_window(args)


if __name__ == "__main__":
    sys.exit(main())
