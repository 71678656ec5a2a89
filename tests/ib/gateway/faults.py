"""Scripted faults a test switches on: rejects, slow replies, refused connections."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

DEFAULT_REJECT_TEXT = "Order rejected - reason:Insufficient buying power"


@dataclass(frozen=True, slots=True)
class Reject:
    """How the next placeOrder is refused."""

    code: int
    text: str


@dataclass(slots=True)
class Faults:
    """The fault switches; read by the server on every reply and connection."""

    rejects: deque[Reject] = field(default_factory=deque)
    reply_delay: float = 0.0
    refuse: bool = False
    refuse_mode: str = "close"

    def take_reject(self) -> Reject | None:
        """The reject queued for the next new order, if any (consumed)."""
        return self.rejects.popleft() if self.rejects else None
