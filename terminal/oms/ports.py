"""What the order manager needs from its collaborators, as Protocols.

The real implementations are the risk engine (:mod:`terminal.risk`), the store and audit log
(:mod:`terminal.persistence`); tests may pass simple fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Protocol

from terminal.domain import Fill, Order, OrderIntent, Verdict


class RiskCheck(Protocol):
    def check(
        self, intent: OrderIntent, open_orders: Sequence[Order], *, recheck: bool = False
    ) -> Verdict: ...
    def record_staged(self, intent: OrderIntent) -> None: ...


class OrderJournal(Protocol):
    """Durable record of orders and fills (writes must not block)."""

    def save_order(self, order: Order) -> None: ...
    def append_order_event(
        self, order_id: str, at: dt.datetime, status: str, detail: str
    ) -> None: ...
    def save_fill(self, fill: Fill) -> None: ...


class AuditSink(Protocol):
    def record(self, action: str, subject: str, details: Mapping[str, object]) -> object: ...


class NullJournal:
    """A journal that keeps nothing (for benchmarks and tests that do not look)."""

    def save_order(self, order: Order) -> None:
        return None

    def append_order_event(self, order_id: str, at: dt.datetime, status: str, detail: str) -> None:
        return None

    def save_fill(self, fill: Fill) -> None:
        return None
