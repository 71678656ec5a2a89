"""What the order manager needs from its collaborators, as Protocols.

The real implementations are the risk engine (:mod:`terminal.risk`), the store and audit log
(:mod:`terminal.persistence`); tests may pass simple fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from terminal.domain import Fill, Order, OrderIntent, Quote, Verdict


class RiskCheck(Protocol):
    def check(
        self,
        intent: OrderIntent,
        open_orders: Sequence[Order],
        *,
        recheck: bool = False,
        oca_group: str | None = None,
    ) -> Verdict: ...
    def record_staged(self, intent: OrderIntent) -> None: ...


class QuoteLookup(Protocol):
    """The last-quote cache (the market data service, which the risk engine reads too)."""

    def last_quote(self, key: str) -> Quote | None: ...


class OrderJournal(Protocol):
    """Durable record of orders and fills (writes must not block)."""

    def save_order(self, order: Order) -> None: ...
    def append_order_event(
        self, order_id: str, at: dt.datetime, status: str, detail: str
    ) -> None: ...
    def save_fill(self, fill: Fill) -> None: ...
    def save_fill_commission(self, exec_id: str, commission: Decimal) -> None: ...


class AuditSink(Protocol):
    def record(self, action: str, subject: str, details: Mapping[str, object]) -> object: ...


class OrderGate(Protocol):
    """What the signed-in user of a desk may do (terminal/desk/gate.py); each refusal is a
    sentence for the trader, None when allowed."""

    def annotate(self, intent: OrderIntent) -> Mapping[str, str]:
        """What a staged order carries about where it came from (``Order.extra``)."""
        ...

    def stage_refusal(self, intent: OrderIntent) -> str | None: ...
    def decision_refusal(self, order: Order, *, approving: bool) -> str | None:
        """Why the signed-in user may not approve (``approving``) or reject ``order``."""
        ...


class OpenGate:
    """One workstation, no desk: everyone may do everything (the lone trader)."""

    def annotate(self, intent: OrderIntent) -> Mapping[str, str]:
        return {}

    def stage_refusal(self, intent: OrderIntent) -> str | None:
        return None

    def decision_refusal(self, order: Order, *, approving: bool) -> str | None:
        return None


class NullJournal:
    """A journal that keeps nothing (for benchmarks and tests that do not look)."""

    def save_order(self, order: Order) -> None:
        return None

    def append_order_event(self, order_id: str, at: dt.datetime, status: str, detail: str) -> None:
        return None

    def save_fill(self, fill: Fill) -> None:
        return None

    def save_fill_commission(self, exec_id: str, commission: Decimal) -> None:
        return None
