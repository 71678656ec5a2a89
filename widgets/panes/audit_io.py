"""Blocking reads of the stored audit trail, for the audit pane to run in an executor.

Every function here blocks on the database (and first waits briefly for the database writer, so
records appended a moment ago are on disk): call them through ``loop.run_in_executor``, never on
the GUI thread. None of them touches Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from terminal.persistence.audit import AuditRecord
from terminal.persistence.audit_verify import ExportFormat, VerifyResult, export_audit, verify_chain
from terminal.persistence.schema import AuditRow
from terminal.persistence.writer import DatabaseWriter
from widgets.panes.audit_model import AuditEntry, entry_of

#: How long a read waits for queued audit writes to reach the disk before reading anyway.
WRITER_WAIT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of stored records, newest first, and what the database holds in all."""

    entries: list[AuditEntry]
    total: int
    first_seq: int | None


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote and whether the chain it came from is intact."""

    count: int
    path: Path
    verify: VerifyResult


def load_page(
    engine: Engine, writer: DatabaseWriter, before_seq: int | None, limit: int
) -> AuditPage:
    """Return up to ``limit`` records below ``before_seq`` (all when None), newest first."""
    writer.flush(WRITER_WAIT_SECONDS)
    query = select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditRow.seq < before_seq)
    with Session(engine) as s:
        rows = list(s.scalars(query))
        total, first_seq = s.execute(select(func.count(), func.min(AuditRow.seq))).one()
        entries = [
            entry_of(
                AuditRecord(
                    r.seq,
                    r.at,
                    r.actor,
                    r.workstation,
                    r.action,
                    r.subject,
                    r.details,
                    r.prev_hash,
                    r.hash,
                )
            )
            for r in rows
        ]
    return AuditPage(entries, int(total or 0), first_seq)


def verify_stored(engine: Engine, writer: DatabaseWriter) -> VerifyResult:
    """Verify the hash chain as stored (after the queued writes landed)."""
    writer.flush(WRITER_WAIT_SECONDS)
    return verify_chain(engine)


def export_stored(
    engine: Engine, writer: DatabaseWriter, fmt: ExportFormat, path: Path
) -> ExportResult:
    """Export every stored record to ``path`` as CSV or JSON lines, then verify the chain.

    The file is written next to its final name and renamed into place (as ``audit export`` does),
    so a failed export never leaves half a file behind.

    Raises:
        OSError: the file cannot be written.
        sqlalchemy.exc.SQLAlchemyError: the database cannot be read.
    """
    writer.flush(WRITER_WAIT_SECONDS)
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            count = export_audit(engine, fmt, fh)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(count, path, verify_chain(engine))
