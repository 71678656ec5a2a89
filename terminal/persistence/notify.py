"""Desk notifications: a write another terminal must see announces itself in its transaction.

PostgreSQL delivers a ``NOTIFY`` only when (and if) the transaction that sent it commits, so a
terminal that hears one finds the row it names already committed. The payload is small JSON
(``{"k": kind, "id": key, "o": origin}``); the listener reads the row itself. SQLite has no
notifications: there :meth:`DeskNotifier.send` does nothing (one workstation, one terminal).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.orm import Session

#: The PostgreSQL channel every terminal of a desk listens on.
DESK_CHANNEL = "tt_desk"

#: What a notification names: one order, fill, alert, audit record, or setting (by key).
KINDS = frozenset({"order", "fill", "alert", "audit", "setting"})


def new_origin() -> str:
    """A new terminal session id (a terminal ignores notifications of its own origin)."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True, slots=True)
class DeskNotification:
    """One notification as heard: what changed, its key, and which terminal session wrote it."""

    kind: str
    key: str
    origin: str

    @classmethod
    def parse(cls, payload: str) -> DeskNotification:
        """Read a payload.

        Raises:
            ValueError: not a desk notification (the message names what is wrong).
        """
        try:
            data = json.loads(payload)
            kind, key, origin = str(data["k"]), str(data["id"]), str(data["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not a desk notification: {payload[:200]!r} ({exc})") from None
        if kind not in KINDS:
            raise ValueError(f"unknown desk notification kind {kind!r}")
        return cls(kind, key, origin)

    def payload(self) -> str:
        return json.dumps({"k": self.kind, "id": self.key, "o": self.origin}, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class DeskNotifier:
    """Send desk notifications from inside write transactions (a no-op off PostgreSQL)."""

    origin: str = field(default_factory=new_origin)

    def send(self, session: Session, kind: str, key: str) -> None:
        """Announce ``kind``/``key`` to the desk when ``session``'s transaction commits."""
        if session.get_bind().dialect.name != "postgresql":
            return
        note = DeskNotification(kind, key, self.origin)
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": DESK_CHANNEL, "payload": note.payload()},
        )
