"""The ``report`` command: the analytics report of a period from the database, to a file or
stdout (the argparse part lives in :mod:`terminal.cli`)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from terminal.analytics.render import write_report
from terminal.analytics.report import build_report
from terminal.analytics.source import load_history
from terminal.persistence.audit_cli import is_database_file
from terminal.persistence.database import explain, open_database, pending_upgrade
from terminal.persistence.errors import PersistenceError

#: Exit codes (as ``audit export``): written, or the input, the database or the file is unusable.
OK, CANNOT = 0, 2


def run_report(
    db_url: str,
    start: dt.date,
    end: dt.date,
    fmt: str,
    output: Path | None,
    out: TextIO,
    err: TextIO,
    timezone: str = "UTC",
) -> int:
    """Write the report of ``start``..``end`` from ``db_url`` as ``fmt`` to ``output`` or ``out``.

    The database is opened for reading only (never migrated). A file is written next to its
    final name and renamed into place, so a failed report never leaves half a file behind.

    Returns:
        0 when written; 2 when the period is empty or reversed, or the database or the file
        cannot be used (the reason on ``err``).
    """
    if end < start:
        err.write(f"report: --to {end} is before --from {start}\n")
        return CANNOT
    if output is not None and not output.expanduser().absolute().parent.is_dir():
        folder = output.expanduser().absolute().parent
        err.write(f"report: cannot write {output}: the folder {folder} does not exist\n")
        return CANNOT
    if output is not None and is_database_file(db_url, output):
        err.write(f"report: refusing to write the report over the database itself ({output})\n")
        return CANNOT
    try:
        db = open_database(db_url, migrate=False)
    except PersistenceError as exc:
        err.write(f"report: {exc}\n")
        return CANNOT
    behind = pending_upgrade(db)
    if behind is not None:
        db.close()
        err.write(
            f"report: the database {db.url} has not been upgraded by this version of the "
            f"terminal yet (its schema is at {behind[0]}, this version reads {behind[1]}). Start "
            "the terminal on it once, which upgrades it, then run the report again.\n"
        )
        return CANNOT
    try:
        history = load_history(db.engine, start, end, timezone)
    except SQLAlchemyError as exc:
        err.write(f"report: {explain(db.url, exc)}\n")
        return CANNOT
    finally:
        db.close()
    report = build_report(
        history.orders,
        history.fills,
        start,
        end,
        timezone=timezone,
        starting_equity=history.starting_equity,
        notes=history.notes,
        bars=history.bars,
    )
    try:
        if output is None:
            write_report(report, fmt, out)
        else:
            tmp = output.with_name(output.name + ".part")
            try:
                with tmp.open("w", encoding="utf-8", newline="") as fh:
                    write_report(report, fmt, fh)
                os.replace(tmp, output)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        err.write(f"report: cannot write {output}: {exc}\n")
        return CANNOT
    where = "stdout" if output is None else str(output)
    err.write(
        f"report: {len(report.orders)} orders, {len(report.trades)} closed trades "
        f"({report.start} to {report.end}) as {fmt} to {where}\n"
    )
    for note in report.notes:
        err.write(f"report: note: {note}\n")
    return OK
