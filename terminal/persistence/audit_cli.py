"""The ``audit verify``, ``audit export`` and ``audit checkpoint`` commands (the argparse part
lives in the CLI)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TextIO

import platformdirs
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from terminal.persistence.audit_verify import (
    EXPORT_FORMATS,
    ExportFormat,
    export_audit,
    verify_chain,
)
from terminal.persistence.checkpoint import (
    Checkpoint,
    checkpoint_name,
    create_key,
    current_checkpoint,
    load_key,
    verify_against,
    write_checkpoint,
)
from terminal.persistence.database import APP_NAME, Database, explain, open_database
from terminal.persistence.errors import PersistenceError

#: Exit codes.
OK, BROKEN, CANNOT_OPEN = 0, 1, 2

_FORMAT_NAMES: dict[ExportFormat, str] = {"csv": "CSV", "jsonl": "JSON lines"}


def is_database_file(db_url: str, output: Path) -> bool:
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


def default_key_path() -> Path:
    """The desk key for checkpoints: in the user config folder, outside the database."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "audit-checkpoint.key"


def default_checkpoint_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "checkpoints"


def run_verify(
    db_url: str,
    out: TextIO,
    err: TextIO,
    checkpoint: Path | None = None,
    key_path: Path | None = None,
) -> int:
    """Verify the audit chain in ``db_url`` (and against a signed ``checkpoint`` when given).

    Returns:
        0 when intact (one summary line on ``out``), 1 naming the first bad record on ``err``,
        2 when the database, the checkpoint or its key cannot be opened or read (or the
        checkpoint's signature does not match the key).
    """
    anchor: Checkpoint | None = None
    if checkpoint is not None:
        try:
            anchor = Checkpoint.read(checkpoint, load_key(key_path or default_key_path()))
        except PersistenceError as exc:
            err.write(f"audit: {exc}\n")
            return CANNOT_OPEN
    db = _open(db_url, err)
    if db is None:
        return CANNOT_OPEN
    try:
        result = verify_chain(db.engine) if anchor is None else verify_against(db.engine, anchor)
    except SQLAlchemyError as exc:
        err.write(f"audit: {explain(db.url, exc)}\n")
        return CANNOT_OPEN
    finally:
        db.close()
    if result.ok:
        anchored = "" if anchor is None else f", record {anchor.seq} matches the checkpoint"
        out.write(f"audit chain intact: {result.count} records in {db.url}{anchored}\n")
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
    if output is not None and is_database_file(db_url, output):
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


def run_checkpoint(
    db_url: str,
    output: Path | None,
    key_path: Path | None,
    out: TextIO,
    err: TextIO,
    now: dt.datetime | None = None,
) -> int:
    """Write the chain's head, signed with the desk key, to ``output`` (or a new file in the
    checkpoint folder). A missing key at the default place is created; a named one must exist.

    Returns:
        0 with the file's path on ``out``; 1 when the chain is broken (no checkpoint of a broken
        chain is written); 2 when the database, the key or the file cannot be used.
    """
    key_file = key_path or default_key_path()
    try:
        if key_path is None and not key_file.exists():
            create_key(key_file)
            err.write(f"audit: created the checkpoint key {key_file}; keep a copy elsewhere\n")
        key = load_key(key_file)
    except PersistenceError as exc:
        err.write(f"audit: {exc}\n")
        return CANNOT_OPEN
    db = _open(db_url, err)
    if db is None:
        return CANNOT_OPEN
    try:
        result = verify_chain(db.engine)
        if not result.ok:
            err.write(
                f"audit: no checkpoint: the chain is broken at record {result.first_bad_seq}: "
                f"{result.problem}\n"
            )
            return BROKEN
        checkpoint = current_checkpoint(db.engine, db.url, now or dt.datetime.now(dt.UTC))
    except SQLAlchemyError as exc:
        err.write(f"audit: {explain(db.url, exc)}\n")
        return CANNOT_OPEN
    finally:
        db.close()
    from terminal.persistence.audit import ChainHead

    target = output or default_checkpoint_dir() / checkpoint_name(
        ChainHead(checkpoint.seq, checkpoint.hash), checkpoint.at
    )
    try:
        write_checkpoint(target, checkpoint, key)
    except OSError as exc:
        err.write(f"audit: cannot write {target}: {exc}\n")
        return CANNOT_OPEN
    out.write(f"{target}\n")
    err.write(f"audit: checkpoint of record {checkpoint.seq} written to {target}\n")
    return OK
