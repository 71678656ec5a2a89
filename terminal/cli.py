"""Command-line arguments of ``trading-terminal`` and the non-GUI subcommands.

``trading-terminal`` with no subcommand opens the window; ``trading-terminal audit verify``,
``audit export`` and ``audit checkpoint`` work on the database without starting anything else.
Unknown arguments get argparse's clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from terminal import __version__


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
    parser.add_argument("--config", metavar="FILE", type=Path, help="settings file (TOML)")
    parser.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"), type=str.upper
    )
    parser.add_argument("--host", help="IB TWS / Gateway host")
    parser.add_argument(
        "--port", type=int, help="IB TWS / Gateway port (paper 7497/4002, live 7496/4001)"
    )
    parser.add_argument("--client-id", type=int, help="IB API client id")
    parser.add_argument("--live", action="store_true", help="allow a live (non-paper) IB account")
    parser.add_argument("--seed", type=int, help="simulator seed (default: settings)")
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
    export.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    export.add_argument(
        "--output", metavar="FILE", type=Path, help="file to write (default: stdout)"
    )
    from terminal.desk.admin import add_parser

    add_parser(commands)
    return parser


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
    return run_export(url, args.format, args.output, out, err)
