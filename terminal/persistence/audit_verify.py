"""Verify and export the audit chain stored in the database."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TextIO

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from terminal.persistence.audit import GENESIS_HASH, AuditRecord, chain_hash
from terminal.persistence.schema import AuditHeadRow, AuditRow

type ExportFormat = Literal["csv", "jsonl"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")
COLUMNS = ("seq", "at", "actor", "workstation", "action", "subject", "details", "prev_hash", "hash")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of :func:`verify_chain`.

    Attributes:
        ok: The chain is intact.
        count: Records read.
        first_bad_seq: The seq of the first altered or missing record, when not ok.
        problem: What is wrong, in one sentence (empty when ok).
    """

    ok: bool
    count: int
    first_bad_seq: int | None = None
    problem: str = ""


def snapshot(engine: Engine) -> Session:
    """A session that sees one committed state of the database for all its reads.

    Terminals keep appending while a chain is verified: the records and the head must be read
    from the same moment, or a record committed in between would look like a cut-off tail.
    PostgreSQL: a REPEATABLE READ transaction; SQLite: one read transaction (WAL snapshot).
    """
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return Session(engine)


def iter_records(engine: Engine, session: Session | None = None) -> Iterator[AuditRecord]:
    """Yield the stored records in seq order, streaming (in ``session`` when given)."""
    with contextlib.ExitStack() as stack:
        s = session if session is not None else stack.enter_context(Session(engine))
        for row in s.scalars(
            select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=500)
        ):
            yield AuditRecord(
                row.seq,
                row.at,
                row.actor,
                row.workstation,
                row.action,
                row.subject,
                row.details,
                row.prev_hash,
                row.hash,
            )


def verify_chain(engine: Engine) -> VerifyResult:
    """Recompute the chain and compare it with ``audit_head``; report the first problem.

    The records and the head are read in one snapshot, so verifying while terminals append
    sees a consistent chain.
    """
    with snapshot(engine) as s, s.begin():
        return _verify(engine, s)


def _verify(engine: Engine, s: Session) -> VerifyResult:
    count = 0
    prev_seq, prev_hash = 0, GENESIS_HASH
    for rec in iter_records(engine, s):
        count += 1
        expected = prev_seq + 1
        if rec.seq != expected:
            return VerifyResult(
                False, count, expected, f"record {expected} is missing (next is {rec.seq})"
            )
        if rec.prev_hash != prev_hash:
            return VerifyResult(
                False, count, rec.seq, f"record {rec.seq} does not link to record {prev_seq}"
            )
        digest = chain_hash(
            rec.seq,
            rec.at,
            rec.actor,
            rec.workstation,
            rec.action,
            rec.subject,
            rec.details_json,
            rec.prev_hash,
        )
        if digest != rec.hash:
            return VerifyResult(
                False, count, rec.seq, f"record {rec.seq} was altered (hash mismatch)"
            )
        prev_seq, prev_hash = rec.seq, rec.hash
    head = s.get(AuditHeadRow, 1)
    if head is None:
        if count:
            return VerifyResult(False, count, 1, "the chain head is missing")
        return VerifyResult(True, 0)
    if head.seq > prev_seq:
        return VerifyResult(
            False,
            count,
            prev_seq + 1,
            f"records {prev_seq + 1} to {head.seq} are missing (tail cut off)",
        )
    if head.seq != prev_seq or head.hash != prev_hash:
        return VerifyResult(
            False,
            count,
            head.seq or 1,
            f"the chain head (record {head.seq}) disagrees with the records",
        )
    return VerifyResult(True, count)


def export_audit(engine: Engine, fmt: ExportFormat, out: TextIO) -> int:
    """Write every record to ``out`` as CSV (with a header) or JSON lines; return how many.

    Raises:
        ValueError: ``fmt`` is not one of :data:`EXPORT_FORMATS`.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writerow(COLUMNS)
    count = 0
    for rec in iter_records(engine):
        values = (
            rec.seq,
            rec.at.isoformat(),
            rec.actor,
            rec.workstation,
            rec.action,
            rec.subject,
            rec.details_json,
            rec.prev_hash,
            rec.hash,
        )
        if writer is not None:
            writer.writerow(values)
        else:
            data = dict(zip(COLUMNS, values, strict=True))
            data["details"] = json.loads(rec.details_json)
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
        count += 1
    return count
