"""Checkpoints: the chain's head signed with a desk key kept outside the database.

Whoever can write to the database can delete the newest audit records and rewrite
``audit_head`` to match; nothing inside the database can tell. A checkpoint file holds the head
(seq and hash) at a moment, signed with HMAC-SHA256 under a key file the desk keeps elsewhere.
Verifying a chain against it proves that record ``seq`` still exists with exactly that hash and
that every record up to it is intact: a cut-off tail or a rewritten record before the checkpoint
fails, however consistent the database looks.

HMAC needs nothing beyond the standard library; whoever verifies holds the key (the desk's risk
manager). A key is 32 random bytes, stored as hex in a file readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from terminal.persistence.audit import ChainHead, canonical_json, iso, read_head
from terminal.persistence.audit_verify import VerifyResult, snapshot, verify_chain
from terminal.persistence.errors import PersistenceError
from terminal.persistence.schema import AuditRow

FORMAT = "trading-terminal audit checkpoint 1"
KEY_BYTES = 32


def create_key(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600); an existing file is never replaced.

    Raises:
        PersistenceError: the file exists or cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise PersistenceError(f"checkpoint key {path} exists already; not replaced") from None
    except OSError as exc:
        raise PersistenceError(f"checkpoint key {path} cannot be written: {exc}") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(KEY_BYTES) + "\n")


def load_key(path: Path) -> bytes:
    """Read the key in ``path``.

    Raises:
        PersistenceError: missing, unreadable, or not a key this program wrote.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except FileNotFoundError:
        raise PersistenceError(f"checkpoint key {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PersistenceError(f"checkpoint key {path} cannot be read: {exc}") from None
    if len(key) < KEY_BYTES:
        raise PersistenceError(f"checkpoint key {path} is too short ({len(key)} bytes)")
    return key


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain's head at ``at``, as read from ``database`` (named for people, not checked)."""

    seq: int
    hash: str
    at: dt.datetime
    database: str

    def _body(self) -> str:
        return canonical_json([FORMAT, self.seq, self.hash, iso(self.at), self.database])

    def signature(self, key: bytes) -> str:
        return hmac.new(key, self._body().encode("utf-8"), hashlib.sha256).hexdigest()

    def to_json(self, key: bytes) -> str:
        data = {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": iso(self.at),
            "database": self.database,
            "signature": self.signature(key),
        }
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def read(cls, path: Path, key: bytes) -> Checkpoint:
        """Read and authenticate a checkpoint file.

        Raises:
            PersistenceError: unreadable, not a checkpoint, or its signature does not match
                (altered, or signed with another key).
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("not an audit checkpoint")
            checkpoint = cls(
                int(data["seq"]),
                str(data["hash"]),
                dt.datetime.fromisoformat(str(data["at"])),
                str(data["database"]),
            )
            signature = str(data["signature"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PersistenceError(f"checkpoint {path} cannot be read: {exc}") from None
        if not hmac.compare_digest(signature, checkpoint.signature(key)):
            raise PersistenceError(
                f"checkpoint {path} is not signed by this key (altered, or another desk's key)"
            )
        return checkpoint


def current_checkpoint(engine: Engine, database: str, at: dt.datetime) -> Checkpoint:
    """The head as stored now (blocking read)."""
    with Session(engine) as s:
        head = read_head(s)
    return Checkpoint(head.seq, head.hash, at, database)


def write_checkpoint(path: Path, checkpoint: Checkpoint, key: bytes) -> None:
    """Write ``checkpoint`` signed with ``key`` to ``path`` (atomically: a temporary file is
    renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(checkpoint.to_json(key), encoding="utf-8")
    os.replace(tmp, path)


def checkpoint_name(head: ChainHead, at: dt.datetime) -> str:
    return f"audit-{at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}-{head.seq}.json"


def verify_against(engine: Engine, checkpoint: Checkpoint) -> VerifyResult:
    """Verify the chain and that it still holds the checkpointed record, unchanged."""
    result = verify_chain(engine)
    if checkpoint.seq == 0:
        return result
    with snapshot(engine) as s:
        row = s.get(AuditRow, checkpoint.seq)
        head = read_head(s)
    if row is None or head.seq < checkpoint.seq:
        return VerifyResult(
            False,
            result.count,
            min(head.seq + 1, checkpoint.seq),
            f"the chain ends at record {head.seq}, before the checkpoint's record "
            f"{checkpoint.seq} (records were removed: tail cut off)",
        )
    if row.hash != checkpoint.hash:
        return VerifyResult(
            False,
            result.count,
            checkpoint.seq,
            f"record {checkpoint.seq} differs from the checkpoint of {iso(checkpoint.at)} "
            "(the chain was rewritten up to it)",
        )
    if not result.ok:
        return result
    return result
