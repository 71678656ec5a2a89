"""The audit log: append-only, hash-chained records of who did what, when, from where.

Each record's hash covers its own fields and the previous record's hash, so altering, removing or
reordering a record breaks the chain. ``audit_head`` holds the last seq and hash, written in the
same transaction as each record, so that cutting off the tail shows too. There is deliberately no
API to update or delete a record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from eventkit import Event
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from terminal.domain.clock import Clock
from terminal.persistence.schema import AuditHeadRow, AuditRow
from terminal.persistence.store import Store
from terminal.persistence.writer import DatabaseWriter

#: The "previous hash" of the first record.
GENESIS_HASH = "0" * 64


def to_json_value(value: object) -> Any:
    """Return ``value`` as plain JSON data: Decimal, dates and enums become strings.

    Raises:
        TypeError: a value has no defined JSON form (so an audit record never guesses).
    """
    match value:
        case None | bool() | int() | float() | str() if not isinstance(value, Enum):
            return value
        case Enum():
            return value.value if isinstance(value.value, str) else value.name
        case Decimal():
            return str(value)
        case dt.datetime():
            if value.tzinfo is None:
                raise TypeError(f"naive datetime in audit details: {value!r}")
            return value.astimezone(dt.UTC).isoformat()
        case dt.date() | dt.time():
            return value.isoformat()
        case Mapping():
            return {str(k): to_json_value(v) for k, v in value.items()}
        case list() | tuple():
            return [to_json_value(v) for v in value]
        case set() | frozenset():
            return sorted(to_json_value(v) for v in value)
        case _ if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: to_json_value(getattr(value, f.name)) for f in dataclasses.fields(value)
            }
    raise TypeError(f"cannot put {type(value).__name__} into an audit record: {value!r}")


def canonical_json(value: object) -> str:
    """Return the one JSON text for ``value``: sorted keys, no spaces, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso(at: dt.datetime) -> str:
    """Return ``at`` in UTC as ISO 8601 with microseconds (the form that is hashed)."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def chain_hash(
    seq: int,
    at: dt.datetime,
    actor: str,
    workstation: str,
    action: str,
    subject: str,
    details_json: str,
    prev_hash: str,
) -> str:
    """Return the SHA-256 (hex) of a record's canonical form followed by the previous hash."""
    body = canonical_json([seq, iso(at), actor, workstation, action, subject, details_json])
    return hashlib.sha256((body + prev_hash).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last record of the chain: its seq (0 when empty) and hash."""

    seq: int = 0
    hash: str = GENESIS_HASH


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit record as written. ``details_json`` is the exact text that was hashed."""

    seq: int
    at: dt.datetime
    actor: str
    workstation: str
    action: str
    subject: str
    details_json: str
    prev_hash: str
    hash: str

    @property
    def details(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.details_json)
        return result


def load_head(engine: Engine) -> ChainHead:
    """Return the chain head as stored: ``audit_head``, or the last record if that is further."""
    with Session(engine) as s:
        head = s.get(AuditHeadRow, 1)
        last = s.execute(
            select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)
        ).first()
    candidates = [ChainHead()]
    if head is not None:
        candidates.append(ChainHead(head.seq, head.hash))
    if last is not None:
        candidates.append(ChainHead(last.seq, last.hash))
    # A cut-off tail leaves audit_head ahead of the records: continue from it, so the gap stays
    # visible to verify_chain instead of being papered over by reused sequence numbers.
    return max(candidates, key=lambda h: h.seq)


def _insert(session: Session, record: AuditRecord) -> None:
    session.add(
        AuditRow(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            workstation=record.workstation,
            action=record.action,
            subject=record.subject,
            details=record.details_json,
            prev_hash=record.prev_hash,
            hash=record.hash,
        )
    )
    head = session.get(AuditHeadRow, 1)
    if head is None:
        session.add(AuditHeadRow(id=1, seq=record.seq, hash=record.hash))
    elif head.seq < record.seq:
        # A record retried after a failure must not move the head backwards.
        head.seq, head.hash = record.seq, record.hash


class AuditLog:
    """Append records to the hash chain; the writer stores them in order.

    Events:
        recorded(record: AuditRecord): a record was appended (before it reaches the disk).
    """

    def __init__(
        self,
        writer: DatabaseWriter,
        clock: Clock,
        actor: str,
        workstation: str,
        *,
        head: ChainHead | None = None,
    ) -> None:
        self.recorded = Event("recorded")
        self._writer = writer
        self._clock = clock
        self.actor = actor
        self.workstation = workstation
        self._head = head or ChainHead()

    @classmethod
    def open(cls, store: Store, clock: Clock, actor: str, workstation: str) -> AuditLog:
        """Return an audit log that continues the chain stored in ``store``'s database.

        Blocks on a read: call it at start-up, before the event loop runs.
        """
        return cls(store.writer, clock, actor, workstation, head=load_head(store.engine))

    @property
    def head(self) -> ChainHead:
        return self._head

    def record(
        self, action: str, subject: str, details: Mapping[str, object] | None = None
    ) -> AuditRecord:
        """Append a record of ``action`` on ``subject`` and queue it for writing.

        Raises:
            TypeError: ``details`` holds a value with no JSON form.
        """
        details_json = canonical_json(to_json_value(details or {}))
        at = self._clock.now().astimezone(dt.UTC)
        seq = self._head.seq + 1
        digest = chain_hash(
            seq, at, self.actor, self.workstation, action, subject, details_json, self._head.hash
        )
        record = AuditRecord(
            seq,
            at,
            self.actor,
            self.workstation,
            action,
            subject,
            details_json,
            self._head.hash,
            digest,
        )
        # The head moves now, not when the write lands, so records keep the order of the calls.
        self._head = ChainHead(seq, digest)
        self._writer.submit(lambda s: _insert(s, record), f"audit {action} {subject} (#{seq})")
        self.recorded.emit(record)
        return record
