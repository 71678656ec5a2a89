"""The audit log: append-only, hash-chained records of who did what, when, from where.

Each record's hash covers its own fields and the previous record's hash, so altering, removing or
reordering a record breaks the chain. ``audit_head`` holds the last seq and hash, written in the
same transaction as each record, so that cutting off the tail shows too. There is deliberately no
API to update or delete a record.

Any number of terminals append to one chain (a desk on PostgreSQL; two terminals on one SQLite
file): the sequence number and the hash are computed inside the writer's transaction, under a
lock that serialises every writer of the database (``pg_advisory_xact_lock`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so records are never numbered twice, lost or forked. A record's
number is therefore known only once it is committed: :meth:`AuditLog.record` returns the
:class:`PendingRecord` it queued, and ``recorded`` announces the numbered record after the
commit. See docs/desk-mode.md.
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
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from terminal.domain.clock import Clock
from terminal.persistence.notify import DeskNotifier
from terminal.persistence.schema import AuditHeadRow, AuditRow
from terminal.persistence.store import Store
from terminal.persistence.writer import DatabaseWriter

#: The "previous hash" of the first record.
GENESIS_HASH = "0" * 64
#: The PostgreSQL advisory lock every writer of the chain takes for its transaction ("ttaudit").
CHAIN_LOCK = 0x74746175646974


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
            # Fields the constructor does not take are derived (a cached key, a rule's last
            # value): the record keeps what the value was made from.
            return {
                f.name: to_json_value(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init
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


@dataclass(frozen=True, slots=True)
class PendingRecord:
    """A record as asked for, queued for the chain: its number and hash come at the commit."""

    at: dt.datetime
    actor: str
    workstation: str
    action: str
    subject: str
    details_json: str

    @property
    def details(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.details_json)
        return result


def load_head(engine: Engine) -> ChainHead:
    """Return the chain head as stored: ``audit_head``, or the last record if that is further."""
    with Session(engine) as s:
        return read_head(s)


def read_head(s: Session) -> ChainHead:
    """The chain head as ``s`` sees it (inside the chain lock when appending)."""
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


def lock_chain(session: Session) -> None:
    """Serialise appends across every writer of the database until the transaction ends.

    PostgreSQL: a transaction-level advisory lock (it also covers the empty chain, where there
    is no head row to lock). SQLite: the writer began with ``BEGIN IMMEDIATE`` and holds the
    database's write lock already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


def append(session: Session, pending: PendingRecord) -> AuditRecord:
    """Number, hash and insert ``pending`` after the current head; move the head. Runs inside
    the writer's transaction, under :func:`lock_chain`."""
    lock_chain(session)
    head = read_head(session)
    seq = head.seq + 1
    digest = chain_hash(
        seq,
        pending.at,
        pending.actor,
        pending.workstation,
        pending.action,
        pending.subject,
        pending.details_json,
        head.hash,
    )
    record = AuditRecord(
        seq,
        pending.at,
        pending.actor,
        pending.workstation,
        pending.action,
        pending.subject,
        pending.details_json,
        head.hash,
        digest,
    )
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
    row = session.get(AuditHeadRow, 1)
    if row is None:
        session.add(AuditHeadRow(id=1, seq=record.seq, hash=record.hash))
    else:
        row.seq, row.hash = record.seq, record.hash
    return record


class AuditLog:
    """Queue records for the hash chain; the writer numbers and stores them in order.

    Events:
        recorded(record: AuditRecord): a record of this terminal was committed, with its number
            and hash (on the event loop, after the commit).
    """

    def __init__(
        self,
        writer: DatabaseWriter,
        clock: Clock,
        actor: str,
        workstation: str,
        *,
        head: ChainHead | None = None,
        notifier: DeskNotifier | None = None,
    ) -> None:
        self.recorded = Event("recorded")
        self._writer = writer
        self._clock = clock
        self.actor = actor
        self.workstation = workstation
        self._head = head or ChainHead()
        self._notifier = notifier

    @classmethod
    def open(
        cls,
        store: Store,
        clock: Clock,
        actor: str,
        workstation: str,
        *,
        notifier: DeskNotifier | None = None,
    ) -> AuditLog:
        """Return an audit log that continues the chain stored in ``store``'s database.

        Blocks on a read: call it at start-up, before the event loop runs.
        """
        head = load_head(store.engine)
        return cls(store.writer, clock, actor, workstation, head=head, notifier=notifier)

    @property
    def head(self) -> ChainHead:
        """The newest head this terminal has seen committed (its own records, or the desk's)."""
        return self._head

    def saw(self, head: ChainHead) -> None:
        """Note a head committed elsewhere (a desk notification), if it is newer."""
        if head.seq > self._head.seq:
            self._head = head

    def record(
        self, action: str, subject: str, details: Mapping[str, object] | None = None
    ) -> PendingRecord:
        """Queue a record of ``action`` on ``subject``; it is numbered when it is committed.

        Raises:
            TypeError: ``details`` holds a value with no JSON form (nothing is queued).
        """
        details_json = canonical_json(to_json_value(details or {}))
        pending = PendingRecord(
            self._clock.now().astimezone(dt.UTC),
            self.actor,
            self.workstation,
            action,
            subject,
            details_json,
        )
        notifier = self._notifier

        def job(session: Session) -> AuditRecord:
            record = append(session, pending)
            if notifier is not None:
                notifier.send(session, "audit", str(record.seq))
            return record

        self._writer.submit(job, f"audit {action} {subject}", self._committed)
        return pending

    def _committed(self, record: AuditRecord) -> None:
        self.saw(ChainHead(record.seq, record.hash))
        self.recorded.emit(record)
