"""The ``audit verify`` and ``audit export`` commands (the argparse part lives in the CLI)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from terminal.persistence.audit_verify import (
    EXPORT_FORMATS,
    ExportFormat,
    export_audit,
    verify_chain,
)
from terminal.persistence.database import Database, explain, open_database
from terminal.persistence.errors import PersistenceError

#: Exit codes.
OK, BROKEN, CANNOT_OPEN = 0, 1, 2

_FORMAT_NAMES: dict[ExportFormat, str] = {"csv": "CSV", "jsonl": "JSON lines"}


def _is_database_file(db_url: str, output: Path) -> bool:
    """Return whether ``output`` names the SQLite file of ``db_url`` (an export must not
    replace the very database it reads)."""
    try:
        url = make_url(db_url)
    except ArgumentError:
        return False
    if url.get_backend_name() != "sqlite" or not url.database:
        return False
    return Path(url.database).expanduser().resolve() == output.expanduser().resolve()


def _open(db_url: str, err: TextIO) -> Database | None:
    # Read-only open: verifying must work on a read-only copy and must never migrate it.
    try:
        return open_database(db_url, migrate=False)
    except PersistenceError as exc:
        err.write(f"audit: {exc}\n")
        return None


def run_verify(db_url: str, out: TextIO, err: TextIO) -> int:
    """Verify the audit chain in ``db_url``.

    Returns:
        0 when intact (one summary line on ``out``), 1 naming the first bad record on ``err``,
        2 when the database cannot be opened or read.
    """
    db = _open(db_url, err)
    if db is None:
        return CANNOT_OPEN
    try:
        result = verify_chain(db.engine)
    except SQLAlchemyError as exc:
        err.write(f"audit: {explain(db.url, exc)}\n")
        return CANNOT_OPEN
    finally:
        db.close()
    if result.ok:
        out.write(f"audit chain intact: {result.count} records in {db.url}\n")
        return OK
    err.write(f"audit chain BROKEN at record {result.first_bad_seq}: {result.problem}\n")
    return BROKEN


def run_export(db_url: str, fmt: str, output: Path | None, out: TextIO, err: TextIO) -> int:
    """Export the audit log of ``db_url`` as ``fmt`` ("csv" or "jsonl") to ``output`` or ``out``.

    The file is written next to its final name and renamed into place, so a failed export never
    leaves half a file behind.

    Returns:
        0 when exported from an intact chain, 1 when exported but the chain is broken (warning on
        ``err``), 2 when the format is unknown or the database or file cannot be used.
    """
    if fmt not in EXPORT_FORMATS:
        err.write(f"audit: unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}\n")
        return CANNOT_OPEN
    export_fmt: ExportFormat = "csv" if fmt == "csv" else "jsonl"
    if output is not None and not output.expanduser().absolute().parent.is_dir():
        folder = output.expanduser().absolute().parent
        err.write(f"audit: cannot write {output}: the folder {folder} does not exist\n")
        return CANNOT_OPEN
    if output is not None and _is_database_file(db_url, output):
        err.write(f"audit: refusing to write the export over the database itself ({output})\n")
        return CANNOT_OPEN
    db = _open(db_url, err)
    if db is None:
        return CANNOT_OPEN
    try:
        if output is None:
            count = export_audit(db.engine, export_fmt, out)
        else:
            tmp = output.with_name(output.name + ".part")
            try:
                with tmp.open("w", encoding="utf-8", newline="") as fh:
                    count = export_audit(db.engine, export_fmt, fh)
                os.replace(tmp, output)
            finally:
                tmp.unlink(missing_ok=True)
        result = verify_chain(db.engine)
    except OSError as exc:
        err.write(f"audit: cannot write {output}: {exc}\n")
        return CANNOT_OPEN
    except SQLAlchemyError as exc:
        err.write(f"audit: {explain(db.url, exc)}\n")
        return CANNOT_OPEN
    finally:
        db.close()
    where = "stdout" if output is None else str(output)
    err.write(f"audit: exported {count} records as {_FORMAT_NAMES[export_fmt]} to {where}\n")
    if not result.ok:
        err.write(
            f"audit: WARNING: the chain is broken at record {result.first_bad_seq}: "
            f"{result.problem}\n"
        )
        return BROKEN
    return OK
