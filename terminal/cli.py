"""Command-line arguments of ``trading-terminal`` and the non-GUI subcommands.

``trading-terminal`` with no subcommand opens the window; ``trading-terminal audit verify``,
``audit export``, ``audit checkpoint``, ``report`` and ``sim reset`` work on the database
without starting anything else. Unknown arguments and out-of-range values get argparse's clear
message and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from terminal import __version__

#: IB client ids are 32-bit signed integers; TWS refuses negative ones.
MAX_CLIENT_ID = 2**31 - 1


def whole_number(what: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """Return an argparse type that reads a whole number in ``low..high`` (inclusive).

    A value out of range is refused by the parser (a clear message and exit status 2), never
    deep inside a library as a traceback (a negative seed in numpy, port 99999 in a socket).
    """

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number, got {text!r}"
            ) from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{what} must be {span}, got {value}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


def existing_file(what: str) -> Callable[[str], Path]:
    """Return an argparse type for a file that must exist (refused and named otherwise)."""

    def parse(text: str) -> Path:
        path = Path(text).expanduser()
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{what} {path} is a folder, not a file")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{what} {path} does not exist")
        return path

    parse.__name__ = what
    return parse


def calendar_date(what: str) -> Callable[[str], dt.date]:
    """Return an argparse type that reads a date as YYYY-MM-DD (refused and named otherwise)."""

    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a date as YYYY-MM-DD, got {text!r}"
            ) from None

    parse.__name__ = what
    return parse


def time_zone(text: str) -> str:
    """An argparse type for an IANA time zone name (``America/New_York``, ``UTC``)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {text!r}") from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trading-terminal",
        description="Desktop trading terminal: human-approved orders, risk with a kill switch, "
        "a simulated exchange and Interactive Brokers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--broker", choices=("sim", "ib"), help="broker to use (default: settings, else sim)"
    )
    parser.add_argument(
        "--db", metavar="URL", help="database URL (default: SQLite file in the user data folder)"
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=existing_file("settings file"),
        help="settings file (TOML); it must exist (default: the per-user settings file)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper
    )
    parser.add_argument("--host", help="IB TWS / Gateway host")
    parser.add_argument(
        "--port",
        type=whole_number("port", 1, 65535),
        help="IB TWS / Gateway port (paper 7497/4002, live 7496/4001)",
    )
    parser.add_argument(
        "--client-id", type=whole_number("client id", 0, MAX_CLIENT_ID), help="IB API client id"
    )
    parser.add_argument("--live", action="store_true", help="allow a live (non-paper) IB account")
    parser.add_argument(
        "--seed", type=whole_number("seed", 0), help="simulator seed, 0 or more (default: settings)"
    )
    parser.add_argument(
        "--workstation",
        help="this terminal's name on a desk (default: settings, else the host name)",
    )
    parser.add_argument(
        "--user",
        help="desk user to sign in as (a shared database with users); password from "
        "$TT_DESK_PASSWORD or asked",
    )
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="open the window, trade one share end to end, print one JSON line and exit",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no window: print the market and the account to the console once a second",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    audit = commands.add_parser("audit", help="verify or export the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check the hash chain; exit 1 naming the first bad record"
    )
    verify.add_argument("--db", metavar="URL", dest="audit_db")
    verify.add_argument(
        "--checkpoint",
        metavar="FILE",
        type=Path,
        help="also prove the chain still holds the head signed in this checkpoint file",
    )
    verify.add_argument("--key", metavar="FILE", type=Path, help="the desk's checkpoint key file")
    checkpoint = audit_commands.add_parser(
        "checkpoint", help="write the chain's head, signed with the desk key, to a file"
    )
    checkpoint.add_argument("--db", metavar="URL", dest="audit_db")
    checkpoint.add_argument("--key", metavar="FILE", type=Path, help="the desk's key file")
    checkpoint.add_argument(
        "--output", metavar="FILE", type=Path, help="file to write (default: checkpoint folder)"
    )
    export = audit_commands.add_parser("export", help="write the audit trail as CSV or JSON lines")
    export.add_argument("--db", metavar="URL", dest="audit_db")
    export.add_argument(
        "--format",
        choices=("csv", "jsonl"),
        help="csv or jsonl (JSON lines); may be left out when --output ends in .csv or .jsonl",
    )
    export.add_argument(
        "--output", metavar="FILE", type=Path, help="file to write (default: stdout)"
    )
    report = commands.add_parser(
        "report",
        help="execution and performance report of a period (orders, trades, P&L, costs)",
    )
    report.add_argument("--db", metavar="URL", dest="report_db")
    report.add_argument(
        "--from", dest="start", metavar="DATE", required=True, type=calendar_date("--from")
    )
    report.add_argument(
        "--to", dest="end", metavar="DATE", required=True, type=calendar_date("--to")
    )
    report.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        help="html, csv or json; may be left out when --output ends in .html, .csv or .json",
    )
    report.add_argument(
        "--output", metavar="FILE", type=Path, help="file to write (default: stdout)"
    )
    report.add_argument(
        "--timezone",
        default="UTC",
        type=time_zone,
        help="time zone the dates and the days of the report are in (default: UTC)",
    )
    sim = commands.add_parser("sim", help="the simulated exchange's paper account")
    sim_commands = sim.add_subparsers(dest="sim_command", metavar="ACTION", required=True)
    reset = sim_commands.add_parser(
        "reset",
        help="start the simulated account anew at the next start: starting cash, no positions, "
        "no working orders (audited)",
    )
    reset.add_argument("--db", metavar="URL", dest="sim_db")
    from terminal.desk.admin import add_parser

    add_parser(commands)
    return parser


def run_sim(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run ``sim reset``; return the exit status."""
    from terminal.sim_cli import run_sim_reset

    return run_sim_reset(args, out, err)


def run_desk(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run a ``desk`` command (users, roles, the four-eyes policy); return the exit status."""
    from terminal.desk import admin
    from terminal.persistence.database import default_database_url

    return admin.run_desk(args, args.desk_db or args.db or default_database_url(), out, err)


def run_audit(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run ``audit verify`` / ``audit export``; return the exit status."""
    from terminal.persistence.audit_cli import run_checkpoint, run_export, run_verify
    from terminal.persistence.database import default_database_url

    url = args.audit_db or args.db or default_database_url()
    if args.audit_command == "verify":
        return run_verify(url, out, err, args.checkpoint, args.key)
    if args.audit_command == "checkpoint":
        return run_checkpoint(url, args.output, args.key, out, err)
    fmt = export_format(args.format, args.output)
    if isinstance(fmt, ValueError):
        err.write(f"audit export: {fmt}\n")
        return 2
    return run_export(url, fmt, args.output, out, err)


def run_report(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run ``report``; return the exit status."""
    from terminal.analytics.cli import run_report as run
    from terminal.persistence.database import default_database_url

    fmt = export_format(args.format, args.output, _REPORT_SUFFIXES)
    if isinstance(fmt, ValueError):
        err.write(f"report: {fmt}\n")
        return 2
    url = args.report_db or args.db or default_database_url()
    return run(url, args.start, args.end, fmt, args.output, out, err, args.timezone)


#: What an output file's suffix says about its format.
_SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: The formats of ``report`` (terminal.analytics.render.FORMATS) and what a suffix says.
REPORT_FORMATS = ("html", "csv", "json")
_REPORT_SUFFIXES = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


def export_format(
    given: str | None, output: Path | None, suffixes: dict[str, str] | None = None
) -> str | ValueError:
    """Decide the export format: ``--format``, else the output file's suffix; never a guess.

    An export is evidence handed to someone else, so its format is never silently assumed:
    JSON lines written into ``audit.csv`` (what a default did) is worse than an error.

    Returns:
        ``"csv"`` or ``"jsonl"``, or a ValueError saying what to give.
    """
    known = _SUFFIX_FORMATS if suffixes is None else suffixes
    implied = known.get(output.suffix.lower()) if output is not None else None
    if given is None:
        if implied is None:
            why = "for stdout" if output is None else f"(the name {output.name} does not say which)"
            names = " or ".join(f"--format {f}" for f in dict.fromkeys(known.values()))
            return ValueError(f"choose {names} {why}")
        return implied
    if implied is not None and implied != given:
        assert output is not None
        return ValueError(f"--format {given} does not match the output file {output.name}")
    return given
